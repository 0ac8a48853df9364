"""What the home page shows, computed by SPARQL queries through the `Store`: nothing is typed in.

Figures per edition (active projects, programmes, responsible organizations, triples),
and for the latest edition the initiatives by organization, by programme and by table.
Labels are kept in both languages, so one computation serves every page language.

The build computes it once, on the validation's in-memory Oxigraph copy of the data (with
the triple counts it already has, `TripleCounts`), and writes it into the release as
`HOME_FILE` (`HomeData.to_json`): at 100k projects its list queries take 15-20 s each on
the server's on-disk store. The server reads that file, and runs the queries itself only
for data it did not build (``serve --data``, a remote store).

>>> data = HomeData((EditionFigures("http://ex.org/e", "2025-2026", 3, 1, 2, 40),), 40,
...     (Group(Item("http://ex.org/o", Label("Org", "")), (Item("http://ex.org/p",
...      Label("Projet", "Project"), Label("Actif", "Active")),)),), (), ())
>>> HomeData.from_json(data.to_json()) == data
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from portefeuille_ld.formats import SPARQL_JSON
from portefeuille_ld.iris import Iris
from portefeuille_ld.store.base import Store

if TYPE_CHECKING:
    from portefeuille_ld.web.i18n import Lang

__all__ = [
    "HOME_FILE",
    "EditionFigures",
    "Group",
    "HomeData",
    "Item",
    "Label",
    "TripleCounts",
    "compute_home",
    "select",
]

HOME_FILE = "accueil.json"
"""The home page's data in a release (`HomeData.to_json`): not a published file, like the
on-disk store, so it is not in the manifest."""

PREFIXES = """PREFIX pf: <https://w3id.org/portefeuille-qc/ontologie#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

LABELS = """OPTIONAL {{ {node} rdfs:label ?{name}_fr FILTER(lang(?{name}_fr) = "fr") }}
  OPTIONAL {{ {node} rdfs:label ?{name}_en FILTER(lang(?{name}_en) = "en") }}"""

EDITIONS = "SELECT ?edition ?year WHERE { ?edition a pf:PortfolioEdition ; pf:fiscalYear ?year }"

ACTIVE_PROJECTS = """SELECT ?edition (COUNT(DISTINCT ?project) AS ?n) WHERE {
  ?edition pf:hasEntry ?entry . ?entry pf:initiative ?project ; pf:status pf:Active .
  ?project a pf:Project } GROUP BY ?edition"""

PROGRAMMES = """SELECT ?edition (COUNT(DISTINCT ?programme) AS ?n) WHERE {
  ?edition pf:hasEntry/pf:initiative ?programme . ?programme a pf:Programme } GROUP BY ?edition"""

ORGANIZATIONS = """SELECT ?edition (COUNT(DISTINCT ?org) AS ?n) WHERE {
  ?edition pf:hasEntry/pf:initiative/pf:responsibleOrganization ?org } GROUP BY ?edition"""


class Label(NamedTuple):
    """A text in French and in English (either may be missing: the other stands in).

    `Label`, `Item` and `Group` are named tuples: a 100k-project portfolio's home data holds
    half a million of them, read from `HOME_FILE` at the first request of a release.
    """

    fr: str
    en: str

    def __call__(self, lang: Lang) -> str:
        """The text in ``lang``, else in the other language.

        >>> Label("Québec", "")("en")
        'Québec'
        """
        first, second = (self.fr, self.en) if lang == "fr" else (self.en, self.fr)
        return first or second


class Item(NamedTuple):
    """A resource to link to, with its label and, for an entry, its status."""

    iri: str
    label: Label
    status: Label | None = None


class Group(NamedTuple):
    """A heading resource and the resources listed under it."""

    head: Item
    members: tuple[Item, ...]


@dataclass(frozen=True)
class EditionFigures:
    """The counts of one edition."""

    iri: str
    year: str
    active_projects: int
    programmes: int
    organizations: int
    triples: int


@dataclass(frozen=True)
class HomeData:
    """Everything the home page shows of the data; editions from the latest."""

    editions: tuple[EditionFigures, ...]
    triples: int
    """Distinct triples of all the editions' graphs together."""
    by_organization: tuple[Group, ...]
    by_programme: tuple[Group, ...]
    by_table: tuple[Group, ...]

    @property
    def latest(self) -> EditionFigures | None:
        return self.editions[0] if self.editions else None

    def to_json(self) -> bytes:
        """Compact UTF-8 JSON: an item is ``[iri, fr, en]``, plus the status's two labels."""
        document = {
            "editions": [asdict(e) for e in self.editions],
            "triples": self.triples,
            "by_organization": _groups_json(self.by_organization),
            "by_programme": _groups_json(self.by_programme),
            "by_table": _groups_json(self.by_table),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, content: bytes) -> HomeData:
        """Read what `to_json` wrote (raises `ValueError`, `KeyError` or `TypeError` if not)."""
        document = json.loads(content)
        return cls(
            editions=tuple(EditionFigures(**e) for e in document["editions"]),
            triples=int(document["triples"]),
            by_organization=_groups_of_json(document["by_organization"]),
            by_programme=_groups_of_json(document["by_programme"]),
            by_table=_groups_of_json(document["by_table"]),
        )


def _item_json(item: Item) -> list[str]:
    row = [item.iri, item.label.fr, item.label.en]
    return row + [item.status.fr, item.status.en] if item.status is not None else row


def _item_of_json(row: Sequence[str], statuses: dict[tuple[str, ...], Label]) -> Item:
    """An item; `statuses` keeps one `Label` per status (a handful, shared by every entry)."""
    if len(row) == 3:
        return Item(row[0], Label(row[1], row[2]))
    key = tuple(row[3:])
    status = statuses.get(key)
    if status is None:
        status = statuses[key] = Label(row[3], row[4])
    return Item(row[0], Label(row[1], row[2]), status)


def _groups_json(groups: Sequence[Group]) -> list[Any]:
    return [[_item_json(g.head), [_item_json(m) for m in g.members]] for g in groups]


def _groups_of_json(rows: Sequence[Any]) -> tuple[Group, ...]:
    statuses: dict[tuple[str, ...], Label] = {}
    return tuple(
        Group(_item_of_json(head, statuses), tuple([_item_of_json(m, statuses) for m in members]))
        for head, members in rows
    )


def select(store: Store, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT query: variable → lexical value, unbound variables left out."""
    result = store.query(PREFIXES + query, accept=SPARQL_JSON)
    bindings = json.loads(result.body)["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def _labels(node: str, name: str) -> str:
    return LABELS.format(node=node, name=name)


def _label(row: dict[str, str], name: str) -> Label:
    return Label(row.get(f"{name}_fr", ""), row.get(f"{name}_en", ""))


def _counts(store: Store, query: str) -> dict[str, int]:
    return {row["edition"]: int(row["n"]) for row in select(store, query)}


def _triples(store: Store, graphs: Iterable[str]) -> int:
    """The distinct triples of `graphs`; one graph's count is the store's own statistic.

    Counting DISTINCT over a 2.7M-triple graph runs past the query deadline, and a graph
    holds no duplicate triple, so a single graph needs no query.
    """
    graphs = list(graphs)
    if len(graphs) == 1:
        counts = {g.iri: g.triples for g in store.statistics().graphs}
        if graphs[0] in counts:
            return counts[graphs[0]]
    values = " ".join(f"<{g}>" for g in graphs)
    if not values:
        return 0
    rows = select(
        store,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{"
        f" VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} }}",
    )
    return int(rows[0]["n"])


@dataclass(frozen=True)
class TripleCounts:
    """The triples of each edition's graph and of their union, when known already (the
    build counted them): the store queried then need not keep the editions' graphs apart."""

    graphs: Mapping[str, int]
    union: int


def _editions(store: Store, iris: Iris, counts: TripleCounts | None) -> tuple[EditionFigures, ...]:
    active, programmes = _counts(store, ACTIVE_PROJECTS), _counts(store, PROGRAMMES)
    organizations = _counts(store, ORGANIZATIONS)
    editions = sorted(select(store, EDITIONS), key=lambda row: row["year"], reverse=True)
    return tuple(
        EditionFigures(
            iri=row["edition"],
            year=row["year"],
            active_projects=active.get(row["edition"], 0),
            programmes=programmes.get(row["edition"], 0),
            organizations=organizations.get(row["edition"], 0),
            triples=_graph_triples(store, str(iris.edition_graph(row["year"])), counts),
        )
        for row in editions
    )


def _graph_triples(store: Store, graph: str, counts: TripleCounts | None) -> int:
    return _triples(store, [graph]) if counts is None else counts.graphs[graph]


def _groups(rows: list[dict[str, str]], head: str, member: str) -> tuple[Group, ...]:
    """Rows (ordered by group) into groups; a row without ``member`` only opens its group."""
    groups: dict[str, tuple[Item, list[Item]]] = {}
    for row in rows:
        key = row[head]
        if key not in groups:
            groups[key] = (Item(key, _label(row, head)), [])
        if member in row:
            status = _label(row, "status") if "status_fr" in row or "status_en" in row else None
            groups[key][1].append(Item(row[member], _label(row, member), status))
    return tuple(Group(item, tuple(members)) for item, members in groups.values())


# The initiatives outside any programme: MINUS, not FILTER NOT EXISTS, gives the same rows
# (?initiative is bound on both sides), a tenth sooner at 100k projects.


def _by_organization(store: Store, edition: str) -> tuple[Group, ...]:
    rows = select(
        store,
        f"""SELECT * WHERE {{
      <{edition}> pf:hasEntry ?entry . ?entry pf:initiative ?initiative .
      MINUS {{ ?initiative pf:partOfProgramme ?programme }}
      ?initiative pf:responsibleOrganization ?org .
      {_labels("?org", "org")} {_labels("?initiative", "initiative")}
    }} ORDER BY ?org_fr ?org ?initiative_fr ?initiative""",
    )
    return _groups(rows, "org", "initiative")


def _by_programme(store: Store, edition: str) -> tuple[Group, ...]:
    rows = select(
        store,
        f"""SELECT * WHERE {{
      <{edition}> pf:hasEntry/pf:initiative ?programme . ?programme a pf:Programme .
      {_labels("?programme", "programme")}
      OPTIONAL {{ ?sub pf:partOfProgramme ?programme .
        <{edition}> pf:hasEntry ?entry . ?entry pf:initiative ?sub ; pf:status ?s .
        {_labels("?sub", "sub")} {_labels("?s", "status")}
        OPTIONAL {{ ?entry pf:position ?position }} }}
    }} ORDER BY ?programme_fr ?programme ?position ?sub""",
    )
    return _groups(rows, "programme", "sub")


def _by_table(store: Store, edition: str) -> tuple[Group, ...]:
    rows = select(
        store,
        f"""SELECT * WHERE {{
      <{edition}> pf:hasEntry ?entry . ?entry pf:axis ?axis ; pf:initiative ?initiative .
      MINUS {{ ?initiative pf:partOfProgramme ?programme }}
      OPTIONAL {{ ?axis pf:tableNumber ?table }} OPTIONAL {{ ?entry pf:position ?position }}
      {_labels("?axis", "axis")} {_labels("?initiative", "initiative")}
    }} ORDER BY ?table ?axis ?position ?initiative""",
    )
    return _groups(rows, "axis", "initiative")


def compute_home(store: Store, base_iri: str, counts: TripleCounts | None = None) -> HomeData:
    """Run the home page's queries (a dozen, over the whole store: call it once per release).

    Triples are counted in the store's named graphs, one per edition, unless `counts`
    gives them; the other queries read what `Store.query` reads by default (for
    `EmbeddedStore`, every graph as one, its default graph included).
    """
    iris = Iris(base_iri)
    editions = _editions(store, iris, counts)
    graphs = [str(iris.edition_graph(e.year)) for e in editions]
    latest = editions[0].iri if editions else None
    return HomeData(
        editions=editions,
        triples=_triples(store, graphs) if counts is None else counts.union,
        by_organization=_by_organization(store, latest) if latest else (),
        by_programme=_by_programme(store, latest) if latest else (),
        by_table=_by_table(store, latest) if latest else (),
    )
