"""The published release the server reads files from, and what is derived from it once.

``out_dir/current`` points to ``releases/<id>/`` (see `portefeuille_ld.pipeline.publish`).
`Releases.current` follows that link on every request (a ``readlink``) but resolves it
and reads the release's ``manifest.json`` only when the link moves; values derived from a release
(precompressed dumps, the home page's figures) are computed once per release by
`Releases.derived` and dropped when the release changes.

>>> import tempfile
>>> releases = Releases(Path(tempfile.mkdtemp()))
>>> releases.current() is None
True
"""

from __future__ import annotations

import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Request

from portefeuille_ld.errors import ResourceNotFound, StoreUnavailable
from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, FileEntry, Manifest, sha256_hex
from portefeuille_ld.pipeline.publish import current_release
from portefeuille_ld.web.deps import get_settings

__all__ = [
    "VOID_FILE",
    "Release",
    "ReleaseDep",
    "Releases",
    "ReleasesDep",
    "get_releases",
    "require_release",
]

T = TypeVar("T")

VOID_FILE = "void.ttl"
"""The VoID and DCAT-AP description of the dataset, written by the build."""


@dataclass(frozen=True)
class Release:
    """One published release: its directory and its manifest."""

    directory: Path
    manifest: Manifest
    manifest_entry: FileEntry
    """``manifest.json`` itself, described like the files it lists."""
    published: datetime
    """When ``manifest.json`` was written (UTC, whole seconds)."""

    @classmethod
    def load(cls, directory: Path) -> Release:
        """Read the release in ``directory`` (raises `OSError` or `ValueError` if unreadable)."""
        manifest_path = directory / MANIFEST_FILE
        manifest = Manifest.from_json(manifest_path.read_bytes())
        entry = FileEntry(
            MANIFEST_FILE,
            "application/json",
            manifest_path.stat().st_size,
            sha256_hex(manifest_path),
        )
        mtime = int(manifest_path.stat().st_mtime)
        return cls(directory, manifest, entry, datetime.fromtimestamp(mtime, UTC))

    @property
    def id(self) -> str:
        """The release's id: the name of its directory."""
        return self.directory.name

    @property
    def files(self) -> tuple[FileEntry, ...]:
        """Every file a client may download: the manifest's files and the manifest."""
        return (*sorted(self.manifest.files, key=lambda f: f.name), self.manifest_entry)

    def entry(self, name: str) -> FileEntry | None:
        """The entry of a downloadable file, by exact name; None for any other name."""
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, FileEntry]:
        return {f.name: f for f in self.files}

    def open_path(self, name: str) -> tuple[FileEntry, Path, int]:
        """A listed file's entry, path and modification time, checked on disk.

        The name must be listed (a whitelist: no path is ever built from the request),
        and the file must be a regular file, not a symlink, of the listed size.

        :raises ResourceNotFound: for any other name or file.
        """
        entry = self.entry(name)
        if entry is None:
            raise ResourceNotFound(name)
        path = self.directory / entry.name
        try:
            info = path.lstat()
        except OSError:
            raise ResourceNotFound(name) from None
        if not stat.S_ISREG(info.st_mode) or info.st_size != entry.size:
            raise ResourceNotFound(name)
        return entry, path, int(info.st_mtime)


@dataclass
class _Cached:
    release: Release
    located: Path | None = None
    """What ``locate`` answered for this release, unresolved: the key of the fast path."""
    derived: dict[str, object] = field(default_factory=dict)


class Releases:
    """The current release of ``out_dir``, re-read only when ``current`` moves.

    :param locate: where the current release is, when not where ``out_dir/current``
        points (the server follows the release its store serves, which switches a moment
        after the link moves); None when there is no release.
    """

    def __init__(self, out_dir: Path, *, locate: Callable[[], Path | None] | None = None) -> None:
        self.out_dir = out_dir
        self._locate = locate if locate is not None else lambda: current_release(out_dir)
        self._lock = threading.RLock()
        self._cached: _Cached | None = None

    def current(self) -> Release | None:
        """The current release, or None before the first build.

        The path ``locate`` answers is resolved (``realpath``: a system call per
        component) only when it differs from the last one.
        """
        located = self._locate()
        if located is None:
            return None
        cached = self._cached  # one read: another thread may replace it meanwhile
        if cached is not None and cached.located == located:
            return cached.release
        directory = located.resolve()
        with self._lock:
            if self._cached is None or self._cached.release.directory != directory:
                self._cached = _Cached(Release.load(directory))
            self._cached.located = located
            return self._cached.release

    def derived(self, release: Release, key: str, compute: Callable[[Release], T]) -> T:
        """``compute(release)``, computed once per release and key (under a lock).

        The caller names the type by ``compute``; one key always holds one type.
        """
        with self._lock:
            if self._cached is None or self._cached.release.directory != release.directory:
                self._cached = _Cached(release)
            derived = self._cached.derived
            if key not in derived:
                derived[key] = compute(release)
            return cast(T, derived[key])


_INIT = threading.Lock()


def get_releases(request: Request) -> Releases:
    """The app's `Releases`, created on first use from the settings' ``out_dir``."""
    state = request.app.state
    releases: Releases | None = getattr(state, "releases", None)
    if releases is not None:
        return releases
    with _INIT:
        releases = getattr(state, "releases", None)
        if releases is None:
            releases = Releases(get_settings(request).out_dir)
            state.releases = releases
    return releases


def require_release(releases: Annotated[Releases, Depends(get_releases)]) -> Release:
    """The current release.

    :raises StoreUnavailable: nothing is published in ``out_dir`` yet (503).
    """
    release = releases.current()
    if release is None:
        raise StoreUnavailable(f"no release in {releases.out_dir}: run portefeuille-ld build")
    return release


async def _releases(request: Request) -> Releases:
    return get_releases(request)


async def _release(request: Request) -> Release:
    return require_release(get_releases(request))


# ``async``, so FastAPI calls them on the loop and not in a thread (see `deps`): the
# release is read from disk once per release, then it is a ``readlink`` at most.
ReleaseDep = Annotated[Release, Depends(_release)]
ReleasesDep = Annotated[Releases, Depends(_releases)]
