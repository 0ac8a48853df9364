"""Read an edition's `source.toml` and hand-curated `curation.yaml` into typed records.

Every record keeps the line it came from, so a later mismatch with the text
can name `curation.yaml:<line>`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from portefeuille_ld.errors import SourceError

__all__ = [
    "Curation",
    "CuratedDecision",
    "CuratedExtra",
    "CuratedInitiative",
    "CuratedLegalReference",
    "CuratedNote",
    "CuratedOrganization",
    "Repair",
    "SourceInfo",
    "read_curation",
    "read_source_info",
]


@dataclass(frozen=True)
class SourceInfo:
    """Provenance of the official text (from `source.toml`)."""

    edition: str
    layout: str
    file: Path
    sha256: str
    title: str
    url: str
    publisher: str
    modified: dt.date
    licence: str


@dataclass(frozen=True)
class Repair:
    find: str
    replace: str
    why: str
    line: int


@dataclass(frozen=True)
class CuratedOrganization:
    key: str
    name: str
    name_en: str
    acronym: str | None
    evidence: str | None
    line: int


@dataclass(frozen=True)
class CuratedLegalReference:
    key: str
    title: str
    title_en: str
    identifier: str
    legisquebec: str | None
    relevant_amendment: str | None
    date: dt.date | None
    issuer: str | None
    evidence: str
    line: int


@dataclass(frozen=True)
class CuratedDecision:
    key: str
    title: str
    title_en: str
    maker: str
    evidence: str
    line: int


@dataclass(frozen=True)
class CuratedNote:
    number: int
    change: str
    merged_project_count: int | None
    former_name: str | None
    former_co_carrier: str | None
    decision: str | None
    line: int


@dataclass(frozen=True)
class CuratedExtra:
    key: str
    name: str
    name_en: str
    evidence: str
    line: int


@dataclass(frozen=True)
class CuratedInitiative:
    key: str
    name: str
    name_en: str
    projects: Mapping[int, str]
    extra: tuple[CuratedExtra, ...]
    legal_basis: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Curation:
    """What the text lacks: keys, English labels, legal links, repairs."""

    path: Path
    repairs: tuple[Repair, ...]
    organizations: tuple[CuratedOrganization, ...]
    publisher: str
    legal_references: tuple[CuratedLegalReference, ...]
    edition_legal_basis: tuple[str, ...]
    programme_legal_basis: tuple[str, ...]
    decisions: tuple[CuratedDecision, ...]
    tables: Mapping[int, tuple[str, str]]
    """Table number → (key, axis concept local name)."""
    notes: Mapping[int, CuratedNote]
    initiatives: tuple[CuratedInitiative, ...]


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (several times faster), else pure Python."""


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that records each mapping's line as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_source_info(directory: Path) -> SourceInfo:
    """Read `source.toml` of an edition directory."""
    path = directory / "source.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return SourceInfo(
            edition=raw["edition"],
            layout=raw["layout"],
            file=directory / raw["file"],
            sha256=raw["sha256"],
            title=raw["title"],
            url=raw["url"],
            publisher=raw["publisher"],
            modified=raw["modified"],
            licence=raw["licence"],
        )
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"not valid TOML: {exc}", path=path) from exc
    except KeyError as exc:
        raise SourceError(f"missing field {exc.args[0]!r}", path=path) from exc


def read_curation(path: Path) -> Curation:
    """Read and type-check `curation.yaml`; errors name the file and line."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", path=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise SourceError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", path=path, line=line
        ) from exc
    if not isinstance(raw, dict):
        raise SourceError("expected a mapping at the top level", path=path)
    return _Reader(path).curation(raw)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def field(self, item: Mapping[str, Any], name: str, kind: type, *, default: Any = ...) -> Any:
        value = item.get(name, default)
        if value is ...:
            raise SourceError(f"missing field {name!r}", path=self.path, line=item.get("__line__"))
        if value is not None and value is not default and not isinstance(value, kind):
            raise SourceError(
                f"field {name!r} should be {kind.__name__}, not {type(value).__name__}",
                path=self.path,
                line=item.get("__line__"),
            )
        return value

    def items(self, raw: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
        value = self.field(raw, name, list)
        for item in value:
            if not isinstance(item, dict):
                raise SourceError(f"each entry of {name!r} must be a mapping", path=self.path)
        return list(value)

    def curation(self, raw: Mapping[str, Any]) -> Curation:
        f = self.field
        return Curation(
            path=self.path,
            repairs=tuple(
                Repair(f(r, "find", str), f(r, "replace", str), f(r, "why", str), r["__line__"])
                for r in self.items(raw, "repairs")
            ),
            organizations=tuple(
                CuratedOrganization(
                    key=f(o, "key", str),
                    name=f(o, "name", str),
                    name_en=f(o, "name_en", str),
                    acronym=f(o, "acronym", str, default=None),
                    evidence=f(o, "evidence", str, default=None),
                    line=o["__line__"],
                )
                for o in self.items(raw, "organizations")
            ),
            publisher=f(raw, "publisher", str),
            legal_references=tuple(self.legal(r) for r in self.items(raw, "legal_references")),
            edition_legal_basis=tuple(f(raw, "edition_legal_basis", list)),
            programme_legal_basis=tuple(f(raw, "programme_legal_basis", list)),
            decisions=tuple(
                CuratedDecision(
                    key=f(d, "key", str),
                    title=f(d, "title", str),
                    title_en=f(d, "title_en", str),
                    maker=f(d, "maker", str),
                    evidence=f(d, "evidence", str),
                    line=d["__line__"],
                )
                for d in self.items(raw, "decisions")
            ),
            tables=self.tables(f(raw, "tables", dict)),
            notes=self.notes(f(raw, "notes", dict)),
            initiatives=tuple(self.initiative(i) for i in self.items(raw, "initiatives")),
        )

    def legal(self, r: Mapping[str, Any]) -> CuratedLegalReference:
        f = self.field
        return CuratedLegalReference(
            key=f(r, "key", str),
            title=f(r, "title", str),
            title_en=f(r, "title_en", str),
            identifier=f(r, "identifier", str),
            legisquebec=f(r, "legisquebec", str, default=None),
            relevant_amendment=f(r, "relevant_amendment", str, default=None),
            date=f(r, "date", dt.date, default=None),
            issuer=f(r, "issuer", str, default=None),
            evidence=f(r, "evidence", str),
            line=r["__line__"],
        )

    def tables(self, raw: Mapping[Any, Any]) -> dict[int, tuple[str, str]]:
        return {
            number: (self.field(t, "key", str), self.field(t, "axis", str))
            for number, t in raw.items()
            if number != "__line__"
        }

    def notes(self, raw: Mapping[Any, Any]) -> dict[int, CuratedNote]:
        f = self.field
        return {
            number: CuratedNote(
                number=number,
                change=f(n, "change", str),
                merged_project_count=f(n, "merged_project_count", int, default=None),
                former_name=f(n, "former_name", str, default=None),
                former_co_carrier=f(n, "former_co_carrier", str, default=None),
                decision=f(n, "decision", str, default=None),
                line=n["__line__"],
            )
            for number, n in raw.items()
            if number != "__line__"
        }

    def initiative(self, i: Mapping[str, Any]) -> CuratedInitiative:
        f = self.field
        projects = f(i, "projects", dict, default={})
        return CuratedInitiative(
            key=f(i, "key", str),
            name=f(i, "name", str),
            name_en=f(i, "name_en", str),
            projects={n: str(v) for n, v in projects.items() if n != "__line__"},
            extra=tuple(
                CuratedExtra(
                    key=f(e, "key", str),
                    name=f(e, "name", str),
                    name_en=f(e, "name_en", str),
                    evidence=f(e, "evidence", str),
                    line=e["__line__"],
                )
                for e in f(i, "extra", list, default=[])
            ),
            legal_basis=tuple(f(i, "legal_basis", list, default=[])),
            line=i["__line__"],
        )
