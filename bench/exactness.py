"""Do the speed-ups of `Validator` leave its reports unchanged? Screened shapes against plain.

``python -m bench.exactness [--scale 1000] [--work DIR] [--sample 25] [--mutations a,b]``
``python -m bench.exactness --against OLD.shacl.ttl``: the repository's shapes against an
older copy of them (both screened), to check that a rewritten query reports the same.

Validates each graph twice with the same `Validator`: once with the shapes `screening`
narrows, once with none (pyshacl checking every focus node, as before screening),
and compares `render()` and the canonical report graph. The graphs: every shape fixture
(``tests/shapes/**/*.ttl``), the real editions (``data/``), a synthetic portfolio
(`bench.generate`, cached by `bench.validation`) and mutated copies of it, each with one
kind of defect in `--sample` triples of every predicate (missing, repeated, wrongly typed,
tagged or shaped values, unknown predicates, lost types, explicit xsd:string), so that
every constraint of the shapes reports. Prints one line per graph; exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from portefeuille_ld.namespaces import RDF, XSD
from portefeuille_ld.pipeline.screening import Screens
from portefeuille_ld.pipeline.validate import Validator, render

__all__ = ["main"]

REPO = Path(__file__).parents[1]
Triple = tuple[Node, Node, Node]
Mutation = Callable[[Triple, random.Random], list[Triple]]


def _report_text(validator: Validator, graph: Graph, *, screen: bool = True) -> tuple[str, str]:
    screens = validator._screens
    if not screen:
        validator._screens = Screens(Graph())
    try:
        report = validator.validate(graph)
    finally:
        validator._screens = screens
    canonical = to_canonical_graph(report.graph).serialize(format="nt")
    return render(report), "\n".join(sorted(canonical.splitlines()))


def _mutations() -> dict[str, Mutation]:
    other = URIRef("https://example.org/other")

    def literal(o: Node, rng: random.Random) -> Node:
        if isinstance(o, Literal) and o.language:
            return Literal(str(o), lang=rng.choice(["FR", "fr-CA", "de", "en"]))
        return rng.choice(
            [
                Literal("abc", datatype=XSD.integer),
                Literal("-1", datatype=XSD.integer),
                Literal("2025-02-30", datatype=XSD.date),
                Literal("2025-03-31", datatype=XSD.date),
                Literal("12", datatype=XSD.gYear),
                Literal("2024-13", datatype=XSD.gYearMonth),
                Literal("text"),
                Literal("text", lang="fr"),
                Literal("2025-2026\n"),
            ]
        )

    return {
        "drop": lambda t, rng: [],
        "repeat": lambda t, rng: [
            t,
            (
                t[0],
                t[1],
                other
                if isinstance(t[2], URIRef)
                else Literal(f"{t[2]} bis", lang=getattr(t[2], "language", None)),
            ),
        ],
        "retype": lambda t, rng: [(t[0], t[1], literal(t[2], rng))],
        "iri-to-literal": lambda t, rng: [
            (t[0], t[1], Literal(str(t[2])) if isinstance(t[2], URIRef) else other)
        ],
        "blank": lambda t, rng: [(t[0], t[1], BNode())],
        "unknown-predicate": lambda t, rng: [t, (t[0], URIRef("https://example.org/p"), t[2])],
        "lost-type": lambda t, rng: [] if t[1] == RDF.type else [t],
        "xsd-string": lambda t, rng: [
            (t[0], t[1], Literal(str(t[2]), datatype=XSD.string))
            if isinstance(t[2], Literal)
            else t
        ],
    }


def _mutated(graph: Graph, mutation: Mutation, sample: int, seed: int) -> Graph:
    rng = random.Random(seed)
    by_predicate: dict[Node, list[Triple]] = {}
    for triple in sorted(graph):
        by_predicate.setdefault(triple[1], []).append(triple)
    chosen = {
        t
        for triples in by_predicate.values()
        for t in rng.sample(triples, min(sample, len(triples)))
    }
    mutated = Graph()
    for triple in graph:
        for new in mutation(triple, rng) if triple in chosen else [triple]:
            mutated.add(new)
    return mutated


def _graphs(
    scale: int, work: Path, sample: int, mutations: Sequence[str]
) -> Iterator[tuple[str, Graph]]:
    from bench.validation import _dataset
    from portefeuille_ld.iris import Iris
    from portefeuille_ld.pipeline.editions import edition_dirs, read_edition
    from portefeuille_ld.pipeline.mapping import map_portfolio

    for case in sorted((REPO / "tests/shapes").glob("*/*/*.ttl")):
        yield str(case.relative_to(REPO)), Graph().parse(case, format="turtle")
    real = Graph()
    for directory in edition_dirs(REPO / "data"):
        map_portfolio(read_edition(directory), Iris(), into=real)
    yield "data/", real
    synthetic = Graph().parse(_dataset(work, scale, 2025), format="nt")
    yield f"synthetic {scale}", synthetic
    for name, mutation in _mutations().items():
        if mutations and name not in mutations:
            continue
        yield f"synthetic {scale}, {name}", _mutated(synthetic, mutation, sample, seed=len(name))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Screened shapes give the same reports.")
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-validate"))
    parser.add_argument("--sample", type=int, default=25, help="triples mutated per predicate")
    parser.add_argument(
        "--mutations", default="", help=f"comma-separated, among {', '.join(_mutations())}"
    )
    parser.add_argument("--against", type=Path, help="older shapes to compare the reports with")
    args = parser.parse_args(argv)
    ontology = Graph().parse(REPO / "ontology/portefeuille.ttl", format="turtle")
    validator = Validator(
        shapes=Graph().parse(REPO / "shapes/portefeuille.shacl.ttl", format="turtle"),
        ontology=ontology,
    )
    older = args.against and Validator(
        shapes=Graph().parse(args.against, format="turtle"), ontology=ontology
    )
    mutations = [m for m in args.mutations.split(",") if m]
    differing = 0
    for name, graph in _graphs(args.scale, args.work, args.sample, mutations):
        if older:
            plain, screened = _report_text(older, graph), _report_text(validator, graph)
        else:
            plain = _report_text(validator, graph, screen=False)
            screened = _report_text(validator, graph)
        results = plain[0].count("\n[")
        verdict = "same" if plain == screened else "DIFFERENT"
        differing += plain != screened
        print(f"{verdict}: {name} ({len(graph)} triples, {results} results)", flush=True)
    print(f"{differing} graph(s) with a different report")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
