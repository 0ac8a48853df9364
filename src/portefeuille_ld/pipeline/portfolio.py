"""Join the parsed text with the curated file into one resolved `Portfolio`.

Every row of the text must have its curated entry and every curated entry its
row; every organization, note, legal text and piece of evidence must be found.
A mismatch raises `SourceError` naming the text or curation line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline.curation import CuratedInitiative, Curation, SourceInfo
from portefeuille_ld.pipeline.records import SourceText, TableRow

__all__ = ["Entry", "Initiative", "Portfolio", "resolve"]

Kind = Literal["programme", "project", "deployment"]


@dataclass(frozen=True)
class Initiative:
    """A programme, project or deployment, with what stays true across editions."""

    key: str
    kind: Kind
    title: str
    title_en: str
    organization: str
    description: str | None = None
    programme: str | None = None
    number: int | None = None
    completed_in: int | None = None
    merged_project_count: int | None = None
    former_name: str | None = None
    former_co_carrier: str | None = None
    decision: str | None = None
    legal_basis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """What one edition says of an initiative."""

    initiative: str
    table: int
    position: int
    completed: bool
    changes: tuple[str, ...]
    notes: tuple[int, ...]
    stated_project_count: int | None


@dataclass(frozen=True)
class Portfolio:
    """One edition, resolved: ready to map to RDF."""

    source: SourceInfo
    text: SourceText
    curation: Curation
    initiatives: tuple[Initiative, ...]
    entries: tuple[Entry, ...]


def resolve(source: SourceInfo, text: SourceText, curation: Curation) -> Portfolio:
    """Match rows with curated initiatives and check every reference."""
    _check_evidence(text, curation)
    by_name = {c.name: c for c in curation.initiatives}
    matched: set[str] = set()
    initiatives: list[Initiative] = []
    entries: list[Entry] = []
    for row in text.rows:
        curated = by_name.get(row.name)
        if curated is None:
            raise SourceError(
                f"row {row.name!r} has no entry in {curation.path.name}",
                path=source.file,
                line=row.line,
            )
        matched.add(curated.name)
        new_initiatives, new_entries = _resolve_row(row, curated, curation, source)
        initiatives += new_initiatives
        entries += new_entries
    for curated in curation.initiatives:
        if curated.name not in matched:
            raise SourceError(
                f"{curated.name!r} is not a row of the text", path=curation.path, line=curated.line
            )
    return Portfolio(source, text, curation, tuple(initiatives), tuple(entries))


def _check_evidence(text: SourceText, curation: Curation) -> None:
    quoted = [(o.evidence, o.line) for o in curation.organizations if o.evidence]
    quoted += [(r.evidence, r.line) for r in curation.legal_references]
    quoted += [(d.evidence, d.line) for d in curation.decisions]
    quoted += [(e.evidence, e.line) for i in curation.initiatives for e in i.extra]
    for evidence, line in quoted:
        if evidence not in text.text:
            raise SourceError(
                f"evidence not found in the text: {evidence!r}", path=curation.path, line=line
            )
    keys = {r.key for r in curation.legal_references}
    for key in curation.edition_legal_basis + curation.programme_legal_basis:
        if key not in keys:
            raise SourceError(f"unknown legal reference {key!r}", path=curation.path)


def _organization(name: str, curation: Curation, source: SourceInfo, line: int) -> str:
    for org in curation.organizations:
        if org.name == name:
            return org.key
    raise SourceError(
        f"unknown organization {name!r}: add it to {curation.path.name}",
        path=source.file,
        line=line,
    )


def _resolve_row(
    row: TableRow, curated: CuratedInitiative, curation: Curation, source: SourceInfo
) -> tuple[list[Initiative], list[Entry]]:
    org = _organization(row.organization, curation, source, row.line)
    kind: Kind = "programme" if row.stated_project_count is not None else "project"
    note_facts: dict[str, object] = {}
    changes = ["New"] if row.new else []
    for number in row.notes:
        note = curation.notes.get(number)
        if note is None:
            raise SourceError(
                f"note {number} is not described in {curation.path.name}",
                path=source.file,
                line=row.line,
            )
        changes.append(note.change)
        note_facts.update(
            merged_project_count=note.merged_project_count,
            former_name=note.former_name,
            former_co_carrier=note.former_co_carrier,
            decision=note.decision,
        )
    legal = curated.legal_basis + (curation.programme_legal_basis if kind == "programme" else ())
    for key in legal:
        if key not in {r.key for r in curation.legal_references}:
            raise SourceError(
                f"unknown legal reference {key!r}", path=curation.path, line=curated.line
            )
    top = Initiative(
        key=curated.key,
        kind=kind,
        title=row.name,
        title_en=curated.name_en,
        organization=org,
        description=row.description,
        legal_basis=legal,
        **note_facts,  # type: ignore[arg-type]
    )
    entry = Entry(
        curated.key,
        row.table,
        row.position,
        False,
        tuple(changes),
        row.notes,
        row.stated_project_count,
    )
    components = _components(row, curated, org, curation)
    return [top] + [c for c, _ in components], [entry] + [e for _, e in components]


def _components(
    row: TableRow, curated: CuratedInitiative, org: str, curation: Curation
) -> list[tuple[Initiative, Entry]]:
    result = []
    for sub in row.sub_projects:
        key = f"{curated.key}-p{sub.number}"
        if sub.name is not None and sub.number not in curated.projects:
            raise SourceError(
                f"project {sub.number} of {curated.key!r} is named in the text: "
                "give its English name",
                path=curation.path,
                line=curated.line,
            )
        title = sub.name or f"{row.name} – projet {sub.number}"
        title_en = curated.projects.get(sub.number) or f"{curated.name_en} – project {sub.number}"
        initiative = Initiative(
            key=key,
            kind="project",
            title=title,
            title_en=title_en,
            organization=org,
            programme=curated.key,
            number=sub.number,
            completed_in=sub.completed_in,
        )
        entry = Entry(
            key,
            row.table,
            sub.number,
            sub.completed_in is not None,
            ("New",) if sub.new else (),
            (),
            None,
        )
        result.append((initiative, entry))
    for offset, extra in enumerate(curated.extra, start=len(row.sub_projects) + 1):
        initiative = Initiative(
            key=extra.key, kind="deployment", title=extra.name, title_en=extra.name_en,
            organization=org, programme=curated.key,
        )  # fmt: skip
        result.append((initiative, Entry(extra.key, row.table, offset, False, (), (), None)))
    return result
