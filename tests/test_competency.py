"""The competency questions, run on the built dataset, give the answers the official text gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import PROJECT_ROOT

QUERIES = PROJECT_ROOT / "src" / "portefeuille_ld" / "queries"
BASE = "https://w3id.org/portefeuille-qc/id/"


@pytest.fixture(scope="module")
def store(built: BuildResult) -> ox.Store:
    store = ox.Store()
    store.load(path=str(built.release / "portefeuille.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def _rows(store: ox.Store, name: str) -> Iterator[tuple[str, ...]]:
    query = (QUERIES / name).read_text(encoding="utf-8")
    results = store.query(query, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    for solution in results:
        yield tuple(_short(term) for term in solution)


def _short(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value.removeprefix(BASE)
    if isinstance(term, ox.Literal):
        return term.value
    return "" if term is None else str(term)


def test_every_query_file_is_tested() -> None:
    tested = {
        "01-projets-actifs.rq", "02-organismes.rq", "03-nouveautes.rq",
        "04-sous-projets-termines.rq", "05-renomme.rq", "06-fusionne.rq",
        "07-fondements-juridiques.rq",
    }  # fmt: skip
    assert {p.name for p in QUERIES.glob("*.rq")} == tested


def test_37_active_projects(store: ox.Store) -> None:
    rows = list(_rows(store, "01-projets-actifs.rq"))
    assert len(rows) == 37
    by_programme: dict[str, int] = {}
    for _, _, programme in rows:
        by_programme[programme] = by_programme.get(programme, 0) + 1
    assert by_programme == {
        "": 11,
        "projet/lexius": 3,
        "projet/dsn": 3,
        "projet/campus-numerique": 4,
        "projet/ancre": 5,
        "projet/horizon": 3,
        "projet/sqin": 5,
        "projet/service-bureautique": 3,
    }
    completed = {"projet/lexius-p1", "projet/lexius-p5", "projet/horizon-p1"}
    assert not completed & {r[0] for r in rows}


def test_14_organizations_and_what_each_carries(store: ox.Store) -> None:
    rows = {org: int(n) for org, _, n in _rows(store, "02-organismes.rq")}
    assert len(rows) == 14
    assert rows["organisme/mcn"] == 4
    assert rows["organisme/mjq"] == 2
    assert sum(rows.values()) == 18  # 13 rows in table 1, 5 in table 2
    assert "organisme/conseil-du-tresor" not in rows


def test_new_entries(store: ox.Store) -> None:
    assert {r[0] for r in _rows(store, "03-nouveautes.rq")} == {
        "projet/gestion-policiere",
        "projet/fadq-assurance-protection-revenu",
        "projet/service-bureautique",
        "projet/sqin-p1",
    }


def test_completed_sub_projects_and_years(store: ox.Store) -> None:
    assert {(r[0], r[3]) for r in _rows(store, "04-sous-projets-termines.rq")} == {
        ("projet/lexius-p1", "2024"),
        ("projet/lexius-p5", "2023"),
        ("projet/horizon-p1", "2024"),
    }


def test_former_name_and_co_carrier_of_icpg(store: ox.Store) -> None:
    assert list(_rows(store, "05-renomme.rq")) == [
        ("projet/icpg", "Signature électronique", "organisme/mcn", "decision/ct-icpg-execution")
    ]


def test_merged_project(store: ox.Store) -> None:
    assert list(_rows(store, "06-fusionne.rq")) == [
        ("projet/accessibilite-equite", "2", "portefeuille/2025-2026/note/2")
    ]


def test_projects_under_each_legal_text(store: ox.Store) -> None:
    by_law: dict[str, set[str]] = {}
    for law, _, subject in _rows(store, "07-fondements-juridiques.rq"):
        by_law.setdefault(law, set()).add(subject)
    programmes = {f"projet/{k}" for k in ("lexius", "dsn", "campus-numerique", "ancre", "horizon",
                                           "sqin", "service-bureautique")}  # fmt: skip
    assert by_law == {
        "reference-juridique/rlrq-g-1.03": {"portefeuille/2025-2026"},
        "reference-juridique/regles-gestion-projets-ri": {"portefeuille/2025-2026"} | programmes,
        "reference-juridique/decret-596-2020": {"projet/ccti"},
        "reference-juridique/rlrq-s-4.1.1": {"projet/accessibilite-equite"},
    }


def test_legisquebec_addresses(store: ox.Store) -> None:
    query = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX pf: <https://w3id.org/portefeuille-qc/ontologie#>
    SELECT ?law ?page WHERE { ?law a pf:LegalReference ; rdfs:seeAlso ?page }"""
    rows = {
        (_short(s["law"]), _short(s["page"]))
        for s in store.query(query, use_default_graph_as_union=True)
    }  # type: ignore[union-attr]
    assert rows == {
        (
            "reference-juridique/rlrq-g-1.03",
            "https://www.legisquebec.gouv.qc.ca/fr/document/lc/G-1.03",
        ),
        (
            "reference-juridique/rlrq-s-4.1.1",
            "https://www.legisquebec.gouv.qc.ca/fr/document/lc/S-4.1.1",
        ),
    }


def test_query_files_carry_french_and_english_titles() -> None:
    for path in QUERIES.glob("*.rq"):
        head = path.read_text(encoding="utf-8").splitlines()[:2]
        assert head[0].startswith("# fr: ") and head[1].startswith("# en: "), path.name


def test_no_blank_nodes_in_published_data(built: BuildResult) -> None:
    triples = list(
        ox.parse(path=str(built.release / "portefeuille.nt"), format=ox.RdfFormat.N_TRIPLES)
    )
    assert len(triples) > 1000
    blank = [
        t
        for t in triples
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
    ]
    assert blank == []


def test_release_is_under_out_dir(built: BuildResult) -> None:
    assert isinstance(built.release, Path) and (built.release / "manifest.json").is_file()
