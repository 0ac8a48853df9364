"""Read one edition directory of `data/` into a resolved `Portfolio`."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline.curation import read_curation, read_source_info
from portefeuille_ld.pipeline.portfolio import Portfolio, resolve
from portefeuille_ld.pipeline.sources import parse_text

__all__ = ["edition_dirs", "read_edition"]

log = logging.getLogger(__name__)

LAYOUTS = {"quebec-ca-2025": parse_text}
"""Source layout id (in `source.toml`) → parser of that layout."""


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
