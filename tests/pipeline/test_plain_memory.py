"""`PlainMemory`: rdflib's `SimpleMemory` with its own `add` and a kept count."""

from __future__ import annotations

import itertools

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.memory import SimpleMemory

from portefeuille_ld.pipeline.sparql_engines import PlainMemory

E = "https://e.org/"


def _triples() -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """Shared subjects, predicates and objects, objects that are subjects, repeats."""
    subjects = [URIRef(f"{E}s{n}") for n in range(6)]
    predicates = [URIRef(f"{E}p{n}") for n in range(3)]
    objects = [*subjects[:3], Literal("x"), Literal("x", lang="fr"), Literal(7)]
    triples = [
        (s, p, o)
        for (n, s), p, o in itertools.product(enumerate(subjects), predicates, objects)
        if (n + len(str(p)) + len(str(o))) % 3  # not every combination
    ]
    return triples + triples[::4]  # some twice


def _indexes(store: SimpleMemory) -> tuple[object, object, object]:
    return tuple(getattr(store, f"_SimpleMemory__{name}") for name in ("spo", "pos", "osp"))


def test_its_indexes_are_rdflibs() -> None:
    ours, rdflibs = Graph(store=PlainMemory()), Graph(store=SimpleMemory())
    for triple in _triples():
        ours.add(triple)
        rdflibs.add(triple)
    assert _indexes(ours.store) == _indexes(rdflibs.store)  # type: ignore[arg-type]
    assert len(ours) == len(rdflibs) == len(set(_triples()))
    s, p, o = _triples()[5]
    for pattern in [(s, None, None), (None, p, None), (None, None, o), (s, p, None), (None, p, o)]:
        assert set(ours.triples(pattern)) == set(rdflibs.triples(pattern)), pattern


def test_it_counts_and_removes_after_its_adds() -> None:
    graph = Graph(store=PlainMemory())
    for triple in _triples():
        graph.add(triple)
    distinct = set(_triples())
    assert len(graph) == len(distinct)
    gone = _triples()[0]
    graph.add(gone)  # held already: the count stays
    graph.remove(gone)
    assert len(graph) == len(distinct) - 1 and gone not in graph
    assert set(graph) == distinct - {gone}


def test_a_cleared_store_indexes_what_is_added_next() -> None:
    store = PlainMemory()
    graph = Graph(store=store)
    for triple in _triples():
        graph.add(triple)
    store.clear()
    assert len(graph) == 0
    graph.add(_triples()[1])
    reference = SimpleMemory()
    reference.add(_triples()[1], None)
    assert _indexes(store) == _indexes(reference)
    assert list(graph) == [_triples()[1]]
