"""One resource, from the store: its bounded description in RDF, and the view model of its page.

The description of ``<iri>`` is every triple with it as subject, plus at most
`INVERSE_LIMIT` triples pointing at it. Everything goes through the store's queries: RDF is
serialized by the store, and the page is built from four small SELECT queries (the
triples and the number of subjects pointing at it by property, `INVERSE_SHOWN` of those
subjects by property, the entries of an initiative, the labels of every IRI shown). None
sorts in SPARQL: the page sorts what it shows. The page and the description are
coroutines (`Store.query_async`): a route awaits the store on the event loop.

>>> from portefeuille_ld.store.embedded import EmbeddedStore
>>> label = "<http://www.w3.org/2000/01/rdf-schema#label>"
>>> store = EmbeddedStore.from_data(
...     f'<http://ex.org/a> {label} "A"@fr <http://ex.org/g> .\\n'
...     '<http://ex.org/b> <http://ex.org/p> <http://ex.org/a> <http://ex.org/g> .\\n'
... )
>>> exists(store, "http://ex.org/a"), exists(store, "http://ex.org/zz")
(True, False)
>>> import asyncio
>>> linker = Linker("http://ex.org/", "/")
>>> page = asyncio.run(describe_page(store, "http://ex.org/a", lang="en", linker=linker))
>>> page.title.text, [s.values[0].href for s in page.inverse]
('A', ['/b'])
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from portefeuille_ld.errors import ResourceNotFound
from portefeuille_ld.formats import SPARQL_JSON, Format
from portefeuille_ld.namespaces import DCTERMS, PF, RDF, RDFS, SKOS, XSD
from portefeuille_ld.store.base import Store
from portefeuille_ld.web.i18n import Lang, other_language
from portefeuille_ld.web.linking import Linker
from portefeuille_ld.web.vocabulary import KNOWN_LABELS, prefixed

__all__ = [
    "INVERSE_LIMIT",
    "INVERSE_SHOWN",
    "EntryView",
    "ResourcePage",
    "Statement",
    "Term",
    "describe_page",
    "description",
    "exists",
    "exists_async",
    "pick",
    "select",
    "select_async",
]

INVERSE_LIMIT = 500
"""At most this many triples pointing at a resource are described (in RDF)."""
INVERSE_SHOWN = 100
"""At most this many resources pointing at a resource through each property are shown on
its page; the page gives their number and a SPARQL query for all of them."""

Node = dict[str, str]
"""An RDF term in SPARQL JSON results: ``{"type": "uri", "value": …}``."""
Row = dict[str, Node]

_FIRST = [str(t) for t in (RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title)]
_SUMMARY = (str(DCTERMS.description), str(SKOS.definition), str(RDFS.comment))
_ENTRY_FIELDS = (PF.edition, PF.axis, PF.position, PF.status, PF.change, PF.footnote)


@dataclass(frozen=True)
class Term:
    """A node as a page shows it: text, a link for an IRI, the language of the text."""

    text: str
    href: str | None = None
    lang: str | None = None
    note: str | None = None
    """A language tag or datatype shown beside a literal, or the IRI of a link."""


@dataclass(frozen=True)
class Statement:
    """A property (labelled) with its values, or the subjects pointing through it."""

    property: Term
    values: tuple[Term, ...]
    total: int = 0
    """How many values there are, shown or not (0: all are shown)."""


@dataclass(frozen=True)
class EntryView:
    """An initiative's place in one edition: what its `pf:PortfolioEntry` states."""

    entry: Term
    edition: tuple[Term, ...]
    table: tuple[Term, ...]
    position: tuple[Term, ...]
    status: tuple[Term, ...]
    change: tuple[Term, ...]
    notes: tuple[tuple[Term, Term | None], ...]
    """Each note, with its text when it has one."""


@dataclass(frozen=True)
class ResourcePage:
    """Everything the HTML page of a resource shows."""

    iri: str
    title: Term
    types: tuple[Term, ...]
    summary: Term | None
    properties: tuple[Statement, ...]
    inverse: tuple[Statement, ...]
    """The resources pointing at this one, by property: `INVERSE_SHOWN` at most each."""
    entries: tuple[EntryView, ...]


def _ref(iri: str) -> str:
    if any(c in iri for c in '<>"{}|^`\\ \n\t'):
        raise ResourceNotFound(iri)
    return f"<{iri}>"


def select(store: Store, sparql: str) -> list[Row]:
    """The rows of a SELECT query, as SPARQL JSON bindings."""
    return _bindings(store.query(sparql, accept=SPARQL_JSON).body)


async def select_async(store: Store, sparql: str) -> list[Row]:
    """`select`, awaited."""
    return _bindings((await store.query_async(sparql, accept=SPARQL_JSON)).body)


def _bindings(body: bytes) -> list[Row]:
    rows: list[Row] = json.loads(body)["results"]["bindings"]
    return rows


def _ask_exists(iri: str) -> str:
    ref = _ref(iri)
    return f"ASK {{ {{ {ref} ?p ?o }} UNION {{ ?s ?p {ref} }} }}"


def exists(store: Store, iri: str) -> bool:
    """Whether any triple has ``iri`` as subject or object."""
    answer = store.query(_ask_exists(iri), accept=SPARQL_JSON)
    return bool(json.loads(answer.body)["boolean"])


async def exists_async(store: Store, iri: str) -> bool:
    """`exists`, awaited."""
    answer = await store.query_async(_ask_exists(iri), accept=SPARQL_JSON)
    return bool(json.loads(answer.body)["boolean"])


async def description(store: Store, iri: str, fmt: Format, *, known: bool = False) -> bytes:
    """The bounded description of ``iri`` serialized by the store in ``fmt``.

    :param known: the caller knows ``iri`` is mentioned: no query checks it again.
    :raises ResourceNotFound: no triple mentions ``iri``.
    """
    if not known and not await exists_async(store, iri):
        raise ResourceNotFound(iri)
    ref = _ref(iri)
    sparql = (
        f"CONSTRUCT {{ {ref} ?p ?o . ?s ?q {ref} }} WHERE {{ {{ {ref} ?p ?o }} UNION "
        f"{{ SELECT DISTINCT ?s ?q WHERE {{ ?s ?q {ref} }} ORDER BY ?q ?s "
        f"LIMIT {INVERSE_LIMIT} }} }}"
    )
    return (await store.query_async(sparql, accept=fmt)).body


async def _triples(store: Store, ref: str) -> list[Row]:
    """The triples of ``ref`` as subject (``?p ?o``), and how many subjects point at it
    through each property (``?p ?n``)."""
    return await select_async(
        store,
        f"SELECT ?p ?o ?n WHERE {{ {{ {ref} ?p ?o }} UNION "
        f"{{ SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {ref} }} GROUP BY ?p }} }}",
    )


async def _inverse(store: Store, ref: str, properties: Iterable[str]) -> list[Row]:
    """At most `INVERSE_SHOWN` subjects pointing at ``ref`` through each property (``?p ?o``).

    Which ones, past that number, is the store's choice: an ``ORDER BY`` would sort every
    subject (40 ms for an organization of 2,700 projects), and a page sorts what it shows.
    """
    parts = [
        f"{{ SELECT DISTINCT ?o (<{p}> AS ?p) WHERE {{ ?o <{p}> {ref} }} LIMIT {INVERSE_SHOWN} }}"
        for p in sorted(properties)
    ]
    if not parts:
        return []
    return await select_async(store, f"SELECT ?p ?o WHERE {{ {' UNION '.join(parts)} }}")


async def _entry_rows(store: Store, ref: str) -> list[Row]:
    """The fields of the entries of ``ref``, with the text of each note.

    The note's text is joined in its own branch: an ``OPTIONAL`` over every field, filtered
    on the property, made the engine read every description of the store (100 ms at 10k
    initiatives instead of 0.1 ms).
    """
    fields = " ".join(f"<{p}>" for p in _ENTRY_FIELDS if p != PF.footnote)
    return await select_async(
        store,
        f"SELECT DISTINCT ?entry ?p ?o ?text WHERE {{ ?entry <{PF.initiative}> {ref} . "
        f"{{ ?entry ?p ?o VALUES ?p {{ {fields} }} }} UNION "
        f"{{ ?entry <{PF.footnote}> ?o BIND(<{PF.footnote}> AS ?p) "
        f"OPTIONAL {{ ?o <{DCTERMS.description}> ?text }} }} }}",
    )


async def _labels(
    store: Store, iris: Iterable[str]
) -> tuple[dict[str, dict[str, str]], dict[str, int]]:
    """rdfs:label of each IRI, by language tag ('' when untagged), and the project number
    of those that have one (sub-projects are listed in its order)."""
    values = " ".join(sorted({_ref(i) for i in iris}))
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    numbers: dict[str, int] = {}
    if not values:
        return labels, numbers
    for row in await select_async(
        store,
        f"SELECT DISTINCT ?x ?l ?n WHERE {{ VALUES ?x {{ {values} }} "
        f"{{ ?x <{RDFS.label}> ?l }} UNION {{ ?x <{PF.projectNumber}> ?n }} }}",
    ):
        iri = row["x"]["value"]
        if "l" in row:
            labels[iri].setdefault(row["l"].get("xml:lang", ""), row["l"]["value"])
        elif row["n"]["value"].lstrip("+-").isdigit():
            numbers[iri] = int(row["n"]["value"])
    return labels, numbers


def pick(texts: Mapping[str, str], lang: Lang) -> tuple[str, str] | None:
    """The text in ``lang``, else in the other language, else untagged, else any.

    >>> pick({"en": "Project", "fr": "Projet"}, "fr")
    ('Projet', 'fr')
    >>> pick({"en": "Project"}, "fr")
    ('Project', 'en')
    """
    for key in (lang, other_language(lang), ""):
        if key in texts:
            return texts[key], key
    return next(((texts[k], k) for k in sorted(texts)), None)


@dataclass(frozen=True)
class _View:
    """Turns the nodes of query results into `Term` values for one page."""

    labels: Mapping[str, Mapping[str, str]]
    lang: Lang
    linker: Linker
    numbers: Mapping[str, int]
    """The project number of the IRIs that have one: they sort by it."""

    def label(self, iri: str) -> tuple[str, str | None]:
        chosen = pick(self.labels.get(iri, {}), self.lang)
        if chosen is not None:
            return chosen[0], chosen[1] or None
        if iri in KNOWN_LABELS:
            return KNOWN_LABELS[iri][0 if self.lang == "fr" else 1], self.lang
        return prefixed(iri), None

    def term(self, node: Node) -> Term:
        value = node["value"]
        if node["type"] == "uri":
            text, lang = self.label(value)
            return Term(text, href=self.linker.href(value), lang=lang, note=value)
        if node["type"] == "bnode":
            return Term(f"_:{value}")
        tag = node.get("xml:lang")
        datatype = node.get("datatype")
        shown = None if datatype in (None, str(XSD.string)) else prefixed(datatype or "")
        return Term(value, lang=tag, note=tag or shown)

    def sort_key(self, term: Term) -> tuple[int, str]:
        return (0 if term.lang in (self.lang, None) else 1, term.text.casefold())

    def statements(
        self, grouped: Mapping[str, list[Node]], totals: Mapping[str, int] | None = None
    ) -> tuple[Statement, ...]:
        def order(p: str) -> tuple[int, str]:
            rank = _FIRST.index(p) if p in _FIRST else len(_FIRST)
            return rank, self.label(p)[0].casefold()

        def total(p: str) -> int:
            count = (totals or {}).get(p, 0)
            return count if count > len(grouped[p]) else 0

        return tuple(
            Statement(self.term({"type": "uri", "value": p}), self.values(grouped[p]), total(p))
            for p in sorted(grouped, key=order)
        )

    def values(self, nodes: list[Node]) -> tuple[Term, ...]:
        """The terms of ``nodes`` by text; projects that all have a number (the
        sub-projects of a programme), by number."""
        terms = [self.term(n) for n in nodes]
        numbers = [self.numbers.get(n["value"]) if n["type"] == "uri" else None for n in nodes]
        if len(terms) > 1 and None not in numbers:
            order = sorted(range(len(terms)), key=lambda i: (numbers[i], self.sort_key(terms[i])))
            return tuple(terms[i] for i in order)
        return tuple(sorted(terms, key=self.sort_key))


async def describe_page(store: Store, iri: str, *, lang: Lang, linker: Linker) -> ResourcePage:
    """The view model of the page of ``iri``.

    :raises ResourceNotFound: no triple mentions ``iri``.
    """
    ref = _ref(iri)
    rows = await _triples(store, ref)
    if not rows:
        raise ResourceNotFound(iri)
    counts = {r["p"]["value"]: int(r["n"]["value"]) for r in rows if "n" in r}
    rows = [r for r in rows if "o" in r]
    inverse_rows = await _inverse(store, ref, counts)
    entry_rows = await _entry_rows(store, ref)
    nodes = [
        r[k] for r in (*rows, *inverse_rows, *entry_rows) for k in ("p", "o", "entry") if k in r
    ]
    labels, numbers = await _labels(
        store, [iri, *(n["value"] for n in nodes if n["type"] == "uri")]
    )
    view = _View(labels, lang, linker, numbers)
    outgoing: dict[str, list[Node]] = defaultdict(list)
    incoming: dict[str, list[Node]] = defaultdict(list)
    for row in rows:
        outgoing[row["p"]["value"]].append(row["o"])
    for row in inverse_rows:
        incoming[row["p"]["value"]].append(row["o"])
    title, title_lang = view.label(iri)
    summaries = {
        n.get("xml:lang", ""): n["value"] for p in reversed(_SUMMARY) for n in outgoing.get(p, [])
    }
    summary = pick(summaries, lang)
    return ResourcePage(
        iri=iri,
        title=Term(title, lang=title_lang),
        types=view.values(outgoing.get(str(RDF.type), [])),
        summary=None if summary is None else Term(summary[0], lang=summary[1] or None),
        properties=view.statements(outgoing),
        inverse=view.statements(incoming, counts),
        entries=_entries(entry_rows, view),
    )


def _entries(rows: list[Row], view: _View) -> tuple[EntryView, ...]:
    by_entry: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    texts: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        if row["o"] not in by_entry[row["entry"]["value"]][row["p"]["value"]]:
            by_entry[row["entry"]["value"]][row["p"]["value"]].append(row["o"])
        if "text" in row:
            texts[row["o"]["value"]][row["text"].get("xml:lang", "")] = row["text"]["value"]

    def field(values: dict[str, list[Node]], p: str) -> tuple[Term, ...]:
        return view.values(values.get(p, []))

    views = []
    for entry, values in by_entry.items():
        notes = field(values, str(PF.footnote))
        views.append(
            EntryView(
                entry=view.term({"type": "uri", "value": entry}),
                edition=field(values, str(PF.edition)),
                table=field(values, str(PF.axis)),
                position=field(values, str(PF.position)),
                status=field(values, str(PF.status)),
                change=field(values, str(PF.change)),
                notes=tuple((n, _note_text(n, texts, view)) for n in notes),
            )
        )
    return tuple(sorted(views, key=lambda v: [t.text for t in v.edition], reverse=True))


def _note_text(note: Term, texts: Mapping[str, Mapping[str, str]], view: _View) -> Term | None:
    chosen = pick(texts.get(note.note or "", {}), view.lang)
    return None if chosen is None else Term(chosen[0], lang=chosen[1] or None)
