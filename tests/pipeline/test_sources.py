"""The parser reads every row, marker, note and figure of the official text."""

from __future__ import annotations

from pathlib import Path

import pytest

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline.records import SourceText
from portefeuille_ld.pipeline.sources import parse_text, split_markers

TEXT = Path(__file__).parents[2] / "data" / "2025-2026" / "portefeuille-2025-2026.txt"


@pytest.fixture(scope="module")
def source() -> SourceText:
    return parse_text(TEXT.read_text(encoding="utf-8"), edition="2025-2026", path=TEXT)


def test_stated_figures(source: SourceText) -> None:
    assert source.stated_total == 37
    figures = {
        (c.table, c.standalone_projects, c.programmes, c.grouped_projects)
        for c in source.compositions
    }
    assert figures == {(1, 8, 5, 18), (2, 3, 2, 8)}


def test_rows_per_table(source: SourceText) -> None:
    assert [sum(r.table == t for r in source.rows) for t in (1, 2)] == [13, 5]


def test_programmes_are_rows_stating_a_project_count(source: SourceText) -> None:
    sizes = {r.name: r.stated_project_count for r in source.rows if r.stated_project_count}
    assert sizes == {
        "Programme Lexius": 5,
        "Programme Dossier santé numérique (DSN)": 3,
        "Programme Campus numérique": 4,
        "Programme Assise numérique commune des registres de l’État (ANCRÉ)": 5,
        "Programme Horizon (Modernisation du système de mission des Services correctionnels)": 4,
        "Programme Service québécois d’identité numérique (SQIN)": 5,
        "Programme Service bureautique gouvernemental": 3,
    }


def test_ccti_is_a_project_despite_its_name(source: SourceText) -> None:
    ccti = next(r for r in source.rows if r.name.endswith("(CCTI)"))
    assert ccti.name.startswith("Programme de consolidation")
    assert ccti.stated_project_count is None and ccti.sub_projects == ()


def test_completed_sub_projects_with_years(source: SourceText) -> None:
    completed = {
        (r.name.split()[1], s.number, s.name, s.completed_in)
        for r in source.rows
        for s in r.sub_projects
        if s.completed_in
    }
    assert completed == {
        ("Lexius", 1, "Dépôt des actes de procédure et des demandes", 2024),
        ("Lexius", 5, "Assises applicatives et technologiques", 2023),
        ("Horizon", 1, "Initial", 2024),
    }


def test_new_markers(source: SourceText) -> None:
    new_rows = {r.name for r in source.rows if r.new}
    assert new_rows == {
        "Système de gestion policière",
        "Solution d’affaires supportant les programmes en assurance et protection du revenu",
        "Programme Service bureautique gouvernemental",
    }
    new_subs = [(r.name, s.number) for r in source.rows for s in r.sub_projects if s.new]
    assert new_subs == [("Programme Service québécois d’identité numérique (SQIN)", 1)]


def test_note_calls(source: SourceText) -> None:
    calls = {r.name: r.notes for r in source.rows if r.notes}
    assert calls == {
        "Accessibilité et équité": (2,),
        "Modernisation des solutions offertes par l’infrastructure à clés publiques "
        "gouvernementale (ICPG)": (3,),
    }
    assert sorted(source.notes) == [1, 2, 3]
    assert source.compositions[0].notes == (1,)


def test_update_date(source: SourceText) -> None:
    assert source.updated.isoformat() == "2025-09-12"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "Accessibilité et équité2", ("Accessibilité et équité", False, (2,)), id="note"
        ),
        pytest.param(
            "Système de gestion policière*", ("Système de gestion policière", True, ()), id="new"
        ),
        pytest.param(
            "Dépôt numérique fiable (DNF)", ("Dépôt numérique fiable (DNF)", False, ()), id="plain"
        ),
        pytest.param("Entreprises*", ("Entreprises", True, ()), id="new-sub-project"),
    ],
)
def test_split_markers(name: str, expected: tuple[str, bool, tuple[int, ...]]) -> None:
    assert split_markers(name) == expected


def test_unterminated_row_names_its_line() -> None:
    text = TEXT.read_text(encoding="utf-8").replace("| Santé Québec |", "| Santé Québec")
    with pytest.raises(SourceError) as caught:
        parse_text(text, edition="2025-2026", path=TEXT)
    assert caught.value.line is not None and caught.value.path == TEXT


def test_missing_update_date_is_an_error() -> None:
    text = TEXT.read_text(encoding="utf-8").replace("Dernière mise à jour : 12 septembre 2025", "")
    with pytest.raises(SourceError, match="Dernière mise à jour"):
        parse_text(text, edition="2025-2026", path=TEXT)
