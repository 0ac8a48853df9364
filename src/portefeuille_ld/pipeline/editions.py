"""Read one edition directory of `data/` into a resolved `Portfolio`."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline.curation import read_curation, read_source_info
from portefeuille_ld.pipeline.portfolio import Portfolio, resolve
from portefeuille_ld.pipeline.sources import parse_text

__all__ = ["edition_dirs", "read_edition", "read_pinned_edition", "source_fingerprint"]

log = logging.getLogger(__name__)

LAYOUTS = {"quebec-ca-2025": parse_text}
"""Source layout id (in `source.toml`) → parser of that layout."""

_READ = ("source.toml", "curation.yaml")
"""What `read_edition` reads besides the official text, which `source.toml` pins by its
sha256."""


def edition_dirs(data_dir: Path) -> list[Path]:
    """The edition directories of `data_dir` (those holding a `source.toml`), in order."""
    dirs = sorted(p.parent for p in data_dir.glob("*/source.toml"))
    if not dirs:
        raise SourceError("no edition directory (with a source.toml) found", path=data_dir)
    return dirs


def read_edition(directory: Path) -> Portfolio:
    """Check the official text's checksum, apply the curated repairs, parse and resolve."""
    info = read_source_info(directory)
    curation = read_curation(directory / "curation.yaml")
    try:
        raw = info.file.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read the official text: {exc.strerror}", path=info.file) from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != info.sha256:
        raise SourceError(
            f"sha256 is {digest}, source.toml says {info.sha256}: the official text must stay "
            "unchanged (update source.toml only for a new publication)",
            path=info.file,
        )
    text = raw.decode("utf-8")
    for repair in curation.repairs:
        if repair.find not in text:
            raise SourceError(
                f"repair {repair.find!r} no longer matches the text",
                path=curation.path,
                line=repair.line,
            )
        text = text.replace(repair.find, repair.replace)
    parser = LAYOUTS.get(info.layout)
    if parser is None:
        raise SourceError(
            f"unknown layout {info.layout!r} (known: {sorted(LAYOUTS)})",
            path=directory / "source.toml",
        )
    portfolio = resolve(info, parser(text, edition=info.edition, path=info.file), curation)
    if portfolio.text.updated != info.modified:
        raise SourceError(
            f"the text says it was updated {portfolio.text.updated}, "
            f"source.toml says {info.modified}",
            path=directory / "source.toml",
        )
    log.info("edition %s: %d initiatives", info.edition, len(portfolio.initiatives))
    return portfolio


def source_fingerprint(directory: Path) -> str:
    """A digest of what `read_edition` reads in `directory` (the official text through the
    sha256 `source.toml` gives it).

    :raises SourceError: a file cannot be read.
    """
    digest = hashlib.sha256()
    for name in _READ:
        path = directory / name
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror}", path=path) from exc
        digest.update(f"{name} {len(content)}\n".encode() + content)
    return digest.hexdigest()


def read_pinned_edition(directory: Path) -> tuple[Portfolio, str]:
    """`read_edition`, and the `source_fingerprint` of what it read: two processes that
    read an edition with the same fingerprint read the same edition.

    :raises SourceError: as `read_edition`, or the files changed while they were read.
    """
    before = source_fingerprint(directory)
    portfolio = read_edition(directory)
    if source_fingerprint(directory) != before:
        raise SourceError("the edition's files changed while they were read", path=directory)
    return portfolio, before
