"""Typed records for what the official text says, before any RDF is involved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "SourceText",
    "StatedComposition",
    "SubProject",
    "TableRow",
]


@dataclass(frozen=True)
class SubProject:
    """A numbered project of a programme, as the text names it (or not)."""

    number: int
    name: str | None = None
    new: bool = False
    completed_in: int | None = None


@dataclass(frozen=True)
class TableRow:
    """One row of a table: an initiative with its description and responsible organization."""

    table: int
    position: int
    line: int
    name: str
    description: str
    organization: str
    new: bool
    notes: tuple[int, ...]
    stated_project_count: int | None
    """Set for a programme: the number of projects its description states."""
    sub_projects: tuple[SubProject, ...]


@dataclass(frozen=True)
class StatedComposition:
    """One composition bullet of the context: 'N projets et M programmes, regroupant K projets'."""

    table: int
    standalone_projects: int
    programmes: int
    grouped_projects: int
    notes: tuple[int, ...]


@dataclass(frozen=True)
class SourceText:
    """Everything the parser reads from one edition's official text."""

    edition: str
    context: str
    stated_total: int
    compositions: tuple[StatedComposition, ...]
    table_titles: dict[int, str]
    rows: tuple[TableRow, ...]
    notes: dict[int, str]
    new_marker_note: str
    updated: dt.date
    text: str
    """The whole text after repairs, for evidence checks."""
