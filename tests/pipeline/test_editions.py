"""Reading an edition: the curated file is matched against the text, and errors say where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline import editions
from portefeuille_ld.pipeline.editions import read_edition, read_pinned_edition, source_fingerprint

EDITION = Path(__file__).parents[2] / "data" / "2025-2026"


@pytest.fixture
def edition(tmp_path: Path) -> Path:
    target = tmp_path / "2025-2026"
    shutil.copytree(EDITION, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drift: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_real_edition_resolves() -> None:
    portfolio = read_edition(EDITION)
    kinds = [i.kind for i in portfolio.initiatives]
    assert kinds.count("programme") == 7
    assert kinds.count("deployment") == 1
    active_projects = [
        e for e, i in zip(portfolio.entries, portfolio.initiatives, strict=True)
        if i.kind == "project" and not e.completed
    ]  # fmt: skip
    assert len(active_projects) == 37


def test_repairs_are_applied() -> None:
    portfolio = read_edition(EDITION)
    names = {i.title for i in portfolio.initiatives}
    assert "Portail libre-service avec dossier client 360°" in names
    assert "chapitre S-4.1.1" in portfolio.text.text and "S 4.1.1" not in portfolio.text.text


def test_changed_official_text_is_refused(edition: Path) -> None:
    _edit(edition / "portefeuille-2025-2026.txt", "Francisation Québec", "Francisation Quebec")
    with pytest.raises(SourceError, match="sha256"):
        read_edition(edition)


def test_bad_yaml_names_the_line(edition: Path) -> None:
    _edit(edition / "curation.yaml", "  - key: pdm\n", "  - key: [pdm\n")
    with pytest.raises(SourceError) as caught:
        read_edition(edition)
    assert caught.value.path == edition / "curation.yaml"
    assert caught.value.line is not None and caught.value.line > 1


def test_missing_organization_names_the_text_line(edition: Path) -> None:
    _edit(edition / "curation.yaml", 'name: "Curateur public"', 'name: "Curatrice publique"')
    with pytest.raises(SourceError, match="unknown organization 'Curateur public'") as caught:
        read_edition(edition)
    assert caught.value.path == edition / "portefeuille-2025-2026.txt"
    assert caught.value.line == 26


def test_unmatched_row_is_an_error(edition: Path) -> None:
    _edit(edition / "curation.yaml", 'name: "Francisation Québec"', 'name: "Francisation"')
    with pytest.raises(SourceError, match="row 'Francisation Québec' has no entry"):
        read_edition(edition)


def test_repair_that_no_longer_matches_is_an_error(edition: Path) -> None:
    _edit(edition / "curation.yaml", 'find: "client 360o"', 'find: "client 361o"')
    with pytest.raises(SourceError, match="no longer matches") as caught:
        read_edition(edition)
    assert caught.value.line is not None


def test_evidence_must_be_in_the_text(edition: Path) -> None:
    _edit(edition / "curation.yaml", 'evidence: "décret numéro 596-2020 du 10 juin 2020"',
          'evidence: "décret numéro 597-2020"')  # fmt: skip
    with pytest.raises(SourceError, match="evidence not found"):
        read_edition(edition)


def test_missing_field_is_named(edition: Path) -> None:
    _edit(edition / "curation.yaml", '    name_en: "Francisation Québec"\n', "")
    with pytest.raises(SourceError, match="missing field 'name_en'"):
        read_edition(edition)


def test_fingerprint_follows_what_is_read(edition: Path) -> None:
    before = source_fingerprint(edition)
    assert source_fingerprint(edition) == before
    _edit(edition / "curation.yaml", "\n", "\n# a comment\n")
    assert source_fingerprint(edition) != before


def test_an_edition_changed_while_read_is_refused(
    edition: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = editions.read_edition

    def edited_meanwhile(directory: Path) -> object:
        portfolio = original(directory)
        _edit(directory / "curation.yaml", "\n", "\n# edited during the read\n")
        return portfolio

    monkeypatch.setattr(editions, "read_edition", edited_meanwhile)
    with pytest.raises(SourceError, match="changed while they were read"):
        read_pinned_edition(edition)
    monkeypatch.undo()
    portfolio, fingerprint = read_pinned_edition(edition)
    assert fingerprint == source_fingerprint(edition) and portfolio.entries
