"""Read an edition's official text (layout ``quebec-ca-2025``) into a `SourceText`.

The text is the quebec.ca page as extracted: a context paragraph with the
composition figures, two tables whose rows span one or more lines, numbered
notes, the '*' note for new entries and the update date. French appears here
because the parser must recognise the text's own words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline.records import SourceText, StatedComposition, SubProject, TableRow

__all__ = ["parse_text", "split_markers", "parse_number"]

_NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
}  # fmt: skip
_MONTHS = {
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
}  # fmt: skip

_TABLE = re.compile(r"^Tableau (\d+) – (.+)$")
_TOTAL = re.compile(r"est composé de (\d+) projets")
_COMPOSITION = re.compile(
    r"^- (\d+) projets et (\d+) programmes(\d*), regroupant (\d+) projets.*\(tableau (\d+)\)"
)
_PROGRAMME_SIZE = re.compile(
    r"^(?:Programme de|Ce programme est maintenant composé de) (\w+) projets", re.IGNORECASE
)
_COMPLETED = re.compile(r"Le projet (\d+) : ([^()]+?) \(terminé en (\d{4})\)", re.IGNORECASE)
_COMPLETED_COUNT = re.compile(r"dont (\w+) terminés")
_SUB_PROJECT = re.compile(r"\s+Projet (\d+) : ")
_MARKERS = re.compile(r"^(.*?[^\d\s*])(\*?)(\d*)(\*?)$")
_NOTE = re.compile(r"^(\d+)\. (.+)$")
_UPDATED = re.compile(r"^Dernière mise à jour : (\d{1,2}) (\w+) (\d{4})$")


def parse_number(word: str) -> int | None:
    """A count written in digits or as a French word.

    >>> parse_number("cinq"), parse_number("4"), parse_number("plusieurs")
    (5, 4, None)
    """
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower())


def split_markers(name: str) -> tuple[str, bool, tuple[int, ...]]:
    """Strip the '*' (new) marker and note call numbers glued to a name.

    >>> split_markers("Accessibilité et équité2")
    ('Accessibilité et équité', False, (2,))
    >>> split_markers("Système de gestion policière*")
    ('Système de gestion policière', True, ())
    >>> split_markers("Programme Dossier santé numérique (DSN)")
    ('Programme Dossier santé numérique (DSN)', False, ())
    """
    match = _MARKERS.match(name.strip())
    if not match:
        return name.strip(), False, ()
    base, star1, digits, star2 = match.groups()
    return base, bool(star1 or star2), (int(digits),) if digits else ()


@dataclass
class _Line:
    number: int
    text: str


def parse_text(text: str, *, edition: str, path: Path) -> SourceText:
    """Parse the repaired official text; errors name `path` and the line."""
    lines = [_Line(i, t.rstrip()) for i, t in enumerate(text.splitlines(), start=1)]
    context, tables, notes_part = _sections(lines, path)
    stated_total, compositions = _context_figures(context, path)
    titles: dict[int, str] = {}
    rows: list[TableRow] = []
    for number, title, body in tables:
        titles[number] = title
        rows.extend(_table_rows(number, body, path))
    notes, new_note, updated = _notes(notes_part, path)
    return SourceText(
        edition=edition,
        context=" ".join(line.text for line in context[1:] if not line.text.startswith("- ")),
        stated_total=stated_total,
        compositions=compositions,
        table_titles=titles,
        rows=tuple(rows),
        notes=notes,
        new_marker_note=new_note,
        updated=updated,
        text=text,
    )


def _sections(
    lines: list[_Line], path: Path
) -> tuple[list[_Line], list[tuple[int, str, list[_Line]]], list[_Line]]:
    starts = [(i, _TABLE.match(line.text)) for i, line in enumerate(lines)]
    table_starts = [(i, m) for i, m in starts if m]
    note_start = next((i for i, line in enumerate(lines) if line.text == "Note"), None)
    if not table_starts or note_start is None:
        raise SourceError("expected 'Tableau N – …' headings and a 'Note' section", path=path)
    tables = []
    bounds = [i for i, _ in table_starts] + [note_start]
    for (start, match), end in zip(table_starts, bounds[1:], strict=True):
        tables.append((int(match.group(1)), match.group(2), lines[start + 1 : end]))
    return lines[: table_starts[0][0]], tables, lines[note_start + 1 :]


def _context_figures(context: list[_Line], path: Path) -> tuple[int, tuple[StatedComposition, ...]]:
    body = "\n".join(line.text for line in context)
    total = _TOTAL.search(body)
    if not total:
        raise SourceError("the context does not state 'est composé de N projets'", path=path)
    compositions = []
    for line in context:
        if m := _COMPOSITION.match(line.text):
            standalone, programmes, note, grouped, table = m.groups()
            compositions.append(
                StatedComposition(
                    table=int(table),
                    standalone_projects=int(standalone),
                    programmes=int(programmes),
                    grouped_projects=int(grouped),
                    notes=(int(note),) if note else (),
                )
            )
    if not compositions:
        raise SourceError("no composition line '- N projets et M programmes …'", path=path)
    return int(total.group(1)), tuple(compositions)


def _row_texts(body: list[_Line], path: Path) -> Iterator[tuple[int, list[str]]]:
    """Join the lines of each row and split its cells (name, description, organization)."""
    pending: list[str] = []
    first_line = 0
    for line in body:
        if not line.text or line.text.startswith("|---") or not pending and _is_header(line):
            continue
        if not pending:
            first_line = line.number
        pending.append(line.text)
        joined = " ".join(pending)
        cells = [c.strip() for c in joined.split("|")]
        if joined.endswith("|") and len([c for c in cells if c]) >= 3:
            yield first_line, [c for c in cells if c]
            pending = []
    if pending:
        raise SourceError("unterminated table row", path=path, line=first_line)


def _is_header(line: _Line) -> bool:
    return line.text.startswith("| ") and "| Description |" in line.text


def _table_rows(table: int, body: list[_Line], path: Path) -> Iterator[TableRow]:
    for position, (line, cells) in enumerate(_row_texts(body, path), start=1):
        if len(cells) != 3:
            raise SourceError(
                f"expected 3 cells, found {len(cells)}: {cells!r}", path=path, line=line
            )
        name_cell, description, organization = cells
        first, *rest = _SUB_PROJECT.split(name_cell)
        name, new, notes = split_markers(first)
        named = _named_sub_projects(rest)
        description, description_notes = _trailing_note(description)
        count_match = _PROGRAMME_SIZE.match(description)
        count = parse_number(count_match.group(1)) if count_match else None
        if count_match and count is None:
            raise SourceError(
                f"unreadable project count {count_match.group(1)!r}", path=path, line=line
            )
        yield TableRow(
            table=table,
            position=position,
            line=line,
            name=name,
            description=description,
            organization=organization,
            new=new,
            notes=notes + description_notes,
            stated_project_count=count,
            sub_projects=_sub_projects(count, named, description, path, line),
        )


def _named_sub_projects(parts: list[str]) -> dict[int, SubProject]:
    named = {}
    for number, label in zip(parts[::2], parts[1::2], strict=True):
        name, new, _ = split_markers(label)
        named[int(number)] = SubProject(int(number), name=name, new=new)
    return named


def _trailing_note(description: str) -> tuple[str, tuple[int, ...]]:
    """'… requis.3' calls note 3 at the end of a description."""
    if m := re.match(r"^(.*\.)(\d+)$", description):
        return m.group(1), (int(m.group(2)),)
    return description, ()


def _sub_projects(
    count: int | None, named: dict[int, SubProject], description: str, path: Path, line: int
) -> tuple[SubProject, ...]:
    if count is None:
        if named:
            raise SourceError(
                "sub-projects listed but no project count stated", path=path, line=line
            )
        return ()
    completed = {
        int(n): (name.strip(), int(year)) for n, name, year in _COMPLETED.findall(description)
    }
    if m := _COMPLETED_COUNT.search(description):
        if parse_number(m.group(1)) != len(completed):
            raise SourceError(f"'{m.group(0)}' but {len(completed)} dated", path=path, line=line)
    subs = []
    for number in range(1, count + 1):
        sub = named.get(number, SubProject(number))
        if number in completed:
            name, year = completed[number]
            sub = SubProject(number, name=sub.name or name, new=sub.new, completed_in=year)
        subs.append(sub)
    extra = set(named) | set(completed)
    if extra - set(range(1, count + 1)):
        raise SourceError(
            f"project numbers {sorted(extra)} exceed the stated {count}", path=path, line=line
        )
    return tuple(subs)


def _notes(part: list[_Line], path: Path) -> tuple[dict[int, str], str, dt.date]:
    notes: dict[int, str] = {}
    new_note = ""
    updated: dt.date | None = None
    for line in part:
        if m := _NOTE.match(line.text):
            notes[int(m.group(1))] = m.group(2)
        elif line.text.startswith("* "):
            new_note = line.text[2:]
        elif m := _UPDATED.match(line.text):
            day, month, year = m.groups()
            if month not in _MONTHS:
                raise SourceError(f"unknown month {month!r}", path=path, line=line.number)
            updated = dt.date(int(year), _MONTHS[month], int(day))
        elif line.text:
            raise SourceError(
                f"unexpected line in the notes: {line.text!r}", path=path, line=line.number
            )
    if updated is None:
        raise SourceError("no 'Dernière mise à jour : …' line", path=path)
    return notes, new_note, updated
