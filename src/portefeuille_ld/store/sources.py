"""Where the workers' data comes from: the published release, or files named on the command line.

A source answers two questions: which version of the data is current (a cheap key, checked
often), and how workers open a given version (`Prepared`, made once per version).

>>> import tempfile
>>> ReleaseSource(Path(tempfile.mkdtemp())).current()  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
portefeuille_ld.errors.StoreUnavailable: nothing is published in ... run portefeuille-ld build
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.pipeline.publish import CURRENT, current_release
from portefeuille_ld.store.ondisk import DISK_STORE, data_format, write_disk_store

__all__ = ["DATASET_FILE", "DataSource", "FilesSource", "Prepared", "ReleaseSource", "check_files"]

log = logging.getLogger(__name__)

DATASET_FILE = "portefeuille.nq"
"""The dump a release's workers parse when the release has no on-disk store."""


def _nothing() -> None:
    """Nothing to clean up."""


@dataclass(frozen=True)
class Prepared:
    """One version of the data, ready for workers to open."""

    disk: Path | None
    """An on-disk store to open read-only, or None to parse `files` into memory."""
    files: tuple[Path, ...] = ()
    """The same data as files (workers may parse them into memory after opening `disk`)."""
    release: Path | None = None
    """The published release this is, if it is one (its dumps and manifest go with it)."""
    cleanup: Callable[[], None] = field(default=_nothing, compare=False)
    """Remove what `prepare` made, once no worker uses it."""


class DataSource(Protocol):
    """Where the data comes from."""

    def current(self) -> str:
        """A key of the current version; cheap, called at most once a second.

        :raises StoreUnavailable: there is nothing to serve.
        """
        ...

    def prepare(self, key: str) -> Prepared:
        """Make version ``key`` ready for workers.

        :raises StoreUnavailable: it cannot be read.
        """
        ...


class ReleaseSource:
    """The release ``out_dir/current`` points to; a new build moves that link."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir

    def current(self) -> str:
        """The release directory (or a plain ``current`` directory holding a dump)."""
        release = current_release(self.out_dir)
        if release is not None:
            return str(release)
        if (self.out_dir / CURRENT).is_dir():
            return str(self.out_dir / CURRENT)
        raise StoreUnavailable(f"nothing is published in {self.out_dir}: run portefeuille-ld build")

    def prepare(self, key: str) -> Prepared:
        """The release's on-disk store, and its N-Quads dump (parsed if there is no store)."""
        directory = Path(key).resolve()
        release = current_release(self.out_dir)
        is_release = release is not None and release.resolve() == directory
        disk = directory / DISK_STORE if (directory / DISK_STORE).is_dir() else None
        dump = directory / DATASET_FILE
        if disk is None and not dump.is_file():
            raise StoreUnavailable(
                f"cannot load the dataset {dump}: no such file; build it first"
                " (portefeuille-ld build)"
            )
        files = (dump,) if dump.is_file() else ()
        return Prepared(disk, files, release=directory if is_release else None)


def check_files(paths: Sequence[Path]) -> None:
    """Check that there are data files, that they exist, and that their format is known.

    :raises StoreUnavailable: naming the first file that is missing or of unknown format.
    """
    if not paths:
        raise StoreUnavailable("no data file to serve")
    for path in paths:
        if not path.is_file():
            raise StoreUnavailable(f"cannot serve {path}: no such file")
        data_format(path)


class FilesSource:
    """RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML), one fixed version.

    Unless ``in_memory``, they are parsed once, into a temporary on-disk store that every
    worker opens read-only, and which is removed when no longer used.

    :raises StoreUnavailable: a file is missing or its extension names no RDF format.
    """

    def __init__(self, paths: Sequence[Path], *, in_memory: bool = False) -> None:
        check_files(paths)
        self.paths = tuple(paths)
        self.in_memory = in_memory

    def current(self) -> str:
        """Always the same version: the files are read once."""
        return "files"

    def prepare(self, key: str) -> Prepared:
        """Parse the files into a temporary on-disk store (or leave them to the workers)."""
        if self.in_memory:
            return Prepared(None, self.paths)
        scratch = Path(tempfile.mkdtemp(prefix="portefeuille-ld-data-"))
        try:
            write_disk_store(scratch / DISK_STORE, self.paths)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        log.info("loaded %s into %s", ", ".join(map(str, self.paths)), scratch)
        return Prepared(
            scratch / DISK_STORE, cleanup=lambda: shutil.rmtree(scratch, ignore_errors=True)
        )
