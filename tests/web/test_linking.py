"""IRI ↔ path mapping, under the canonical base and under another base."""

from __future__ import annotations

import pytest

from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import ONTOLOGY_IRI, PF
from portefeuille_ld.web.linking import Linker, is_safe_path, split_extension

CANONICAL = "https://w3id.org/portefeuille-qc/"
LOCAL = "http://localhost:8000/"
PUBLIC = "http://127.0.0.1:8765/"


def _cases(base: str) -> list[tuple[str, str]]:
    iris = Iris(base)
    return [
        (str(iris.initiative("lexius-p1")), "id/projet/lexius-p1"),
        (str(iris.entry("2025-2026", "lexius")), "id/portefeuille/2025-2026/inscription/lexius"),
        (str(iris.legal_reference("rlrq-s-4.1.1")), "id/reference-juridique/rlrq-s-4.1.1"),
        (str(iris.edition_graph("2025-2026")), "graphe/2025-2026"),
        (str(iris.shapes_graph()), "graphe/formes"),
        (str(ONTOLOGY_IRI), "ontologie"),
        (str(PF.Project), "ontologie#Project"),
        (f"{ONTOLOGY_IRI}/1.0.0", "ontologie/1.0.0"),
    ]


@pytest.mark.parametrize(
    "base", [pytest.param(CANONICAL, id="canonical"), pytest.param(LOCAL, id="local")]
)
def test_iri_and_path_round_trip(base: str) -> None:
    linker = Linker(base, PUBLIC)
    for iri, path in _cases(base):
        assert linker.path_of(iri) == path
        assert linker.iri_of(path) == iri


@pytest.mark.parametrize(
    ("iri", "href"),
    [
        pytest.param(
            f"{CANONICAL}id/organisme/mcn", f"{PUBLIC}doc/organisme/mcn?lang=en", id="thing"
        ),
        pytest.param(str(PF.Active), f"{PUBLIC}ontologie?lang=en#Active", id="term"),
        pytest.param(
            f"{CANONICAL}graphe/ontologie", f"{PUBLIC}graphe/ontologie?lang=en", id="graph"
        ),
        pytest.param("https://www.quebec.ca/x", "https://www.quebec.ca/x", id="external"),
        pytest.param(CANONICAL, CANONICAL, id="base-itself"),
    ],
)
def test_href_points_to_this_server(iri: str, href: str) -> None:
    assert Linker(CANONICAL, PUBLIC, lang="en").href(iri) == href


@pytest.mark.parametrize(
    ("path", "safe"),
    [
        ("projet/lexius", True),
        ("portefeuille/2025-2026/note/1", True),
        ("reference-juridique/rlrq-s-4.1.1.ttl", True),
        ("", False),
        ("projet/", False),
        ("projet/../x", False),
        ("projet/<x>", False),
        ('projet/"x', False),
        ("projet/x y", False),
        ("projet/x}", False),
    ],
)
def test_is_safe_path(path: str, safe: bool) -> None:
    assert is_safe_path(path) is safe


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("projet/lexius.jsonld", ("projet/lexius", "jsonld")),
        ("projet/lexius", ("projet/lexius", None)),
        ("reference-juridique/rlrq-s-4.1.1", ("reference-juridique/rlrq-s-4.1.1", None)),
        ("reference-juridique/rlrq-s-4.1.1.rdf", ("reference-juridique/rlrq-s-4.1.1", "rdf")),
        (".ttl", (".ttl", None)),
        ("projet/lexius.docx", ("projet/lexius.docx", None)),
    ],
)
def test_split_extension(path: str, expected: tuple[str, str | None]) -> None:
    assert split_extension(path, ("html", "ttl", "jsonld", "nt", "rdf")) == expected
