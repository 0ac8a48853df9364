"""Write a release's files: the dumps, the ontology, the shapes, the report, the manifest.

The files, all UTF-8:

- ``portefeuille.ttl``, ``.nt``, ``.jsonld``, ``.rdf``: the data (union of the editions' graphs);
- ``contexte.jsonld``: the JSON-LD context, published at ``{base_iri}contexte.jsonld``. The
  dump embeds the same context inline, so it parses without network access;
- ``portefeuille.nq``, ``.trig``: the dataset, one named graph per edition plus the
  ontology's and the shapes' graphs;
- ``ontologie.ttl``, ``formes.ttl``, ``validation.ttl``: the ontology, the shapes, the SHACL report;
- ``manifest.json``: every other file with its media type, size and SHA-256.

The same input gives the same bytes: the only date is `build_date`, every list is sorted,
and blank nodes (allowed in the ontology, shapes and report, never in the data) get
canonical labels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Protocol

from rdflib import Graph, URIRef
from rdflib.plugins.stores.memory import SimpleMemory

from portefeuille_ld.namespaces import PREFIXES
from portefeuille_ld.pipeline import dumps
from portefeuille_ld.pipeline.files import Content, media_type, write_file
from portefeuille_ld.pipeline.line_files import CONTEXT_FILE, LineFiles
from portefeuille_ld.pipeline.manifest import (
    MANIFEST_FILE,
    FileEntry,
    GraphEntry,
    GraphKind,
    Manifest,
)

__all__ = [
    "CONTEXT_FILE",
    "DATASET_FILES",
    "DATA_FILES",
    "ONTOLOGY_FILE",
    "REPORT_FILE",
    "ReleaseFiles",
    "SHAPES_FILE",
    "Manifest",
    "NamedGraphs",
    "context_url",
    "line_files",
    "media_type",
    "write_artifacts",
]

log = logging.getLogger(__name__)

DATA_FILES = ("portefeuille.ttl", "portefeuille.nt", "portefeuille.jsonld", "portefeuille.rdf")
"""The data (union of the editions) in each format."""
DATASET_FILES = ("portefeuille.nq", "portefeuille.trig")
"""The whole dataset, one named graph per edition plus the ontology and the shapes."""
ONTOLOGY_FILE, SHAPES_FILE, REPORT_FILE = "ontologie.ttl", "formes.ttl", "validation.ttl"


def context_url(base_iri: str) -> str:
    """Where the JSON-LD context is published.

    >>> context_url("https://w3id.org/portefeuille-qc/")
    'https://w3id.org/portefeuille-qc/contexte.jsonld'
    """
    return base_iri + CONTEXT_FILE


class NamedGraphs(Protocol):
    """Graphs named by their identifiers: an rdflib `Dataset`, or graphs each in a store of
    its own (cheaper: rdflib's context-aware store keeps each triple's graphs)."""

    def graphs(self) -> Iterable[Graph]: ...


@dataclass(frozen=True)
class _Graphs:
    """The dataset's named graphs, checked: each listed once, none left out."""

    data: dict[str, Graph]
    ontology: Graph
    shapes: Graph

    def entries(self) -> tuple[GraphEntry, ...]:
        kinds: list[tuple[GraphKind, str, Graph]] = [("data", i, g) for i, g in self.data.items()]
        kinds += [("ontology", _iri(self.ontology), self.ontology)]
        kinds += [("shapes", _iri(self.shapes), self.shapes)]
        return tuple(
            GraphEntry(i, kind, len(g)) for kind, i, g in sorted(kinds, key=lambda k: k[1])
        )


def _iri(graph: Graph) -> str:
    return str(graph.identifier)


def _graphs(
    dataset: NamedGraphs, data: Sequence[URIRef], ontology: URIRef, shapes: URIRef
) -> _Graphs:
    """Look the graphs up without creating any; refuse duplicates and forgotten graphs."""
    listed = [*data, ontology, shapes]
    if len(set(listed)) != len(listed):
        raise ValueError(f"a named graph is listed twice: {[str(i) for i in listed]}")
    present = {g.identifier: g for g in dataset.graphs()}
    missing = [str(i) for i in listed if i not in present]
    if missing:
        raise ValueError(f"no such named graph in the dataset: {', '.join(missing)}")
    forgotten = sorted(str(i) for i, g in present.items() if i not in listed and len(g))
    if forgotten:
        raise ValueError(f"graphs with triples that would not be published: {', '.join(forgotten)}")
    return _Graphs({str(i): present[i] for i in data}, present[ontology], present[shapes])


def _data_lines(
    graphs: _Graphs, given: dict[str, dumps.SortedTriples]
) -> dict[str, dumps.SortedTriples]:
    """Each data graph's lines, taken out of `given` or made now."""
    return {
        iri: given.pop(iri) if iri in given else dumps.SortedTriples.of_graph(g)
        for iri, g in graphs.data.items()
    }


def _check_options(base_iri: str, build_date: str, extra: Mapping[str, bytes]) -> None:
    if not base_iri.endswith("/"):
        raise ValueError(f"the base IRI must end with '/': {base_iri!r}")
    try:
        valid_date = date.fromisoformat(build_date).isoformat() == build_date
    except ValueError:
        valid_date = False
    if not valid_date:
        raise ValueError(f"the build date must be YYYY-MM-DD: {build_date!r}")
    reserved = {*DATA_FILES, *DATASET_FILES, CONTEXT_FILE, ONTOLOGY_FILE, SHAPES_FILE}
    reserved |= {REPORT_FILE, MANIFEST_FILE}
    for name in extra:
        if name in reserved or Path(name).name != name or name.startswith("."):
            raise ValueError(f"not a valid name for an extra file: {name!r}")


def write_artifacts(
    dataset: NamedGraphs,
    directory: Path,
    *,
    data_graphs: Sequence[URIRef],
    ontology_graph: URIRef,
    shapes_graph: URIRef,
    report: Graph,
    base_iri: str,
    build_date: str,
    extra_files: Mapping[str, bytes] | None = None,
    describe: Callable[[Sequence[FileEntry]], Mapping[str, bytes]] | None = None,
    data_lines: dict[str, dumps.SortedTriples] | None = None,
    background: Executor | None = None,
) -> Manifest:
    """Write every file of a release into `directory` (existing, empty) and return its manifest.

    `dataset` must hold exactly the listed graphs (others must be empty); the data
    graphs must have no blank node. `extra_files` (name → bytes) are written and
    listed as they are. `describe` is given the entries (size, SHA-256) of every other file
    and returns files derived from them (e.g. a description of the dumps), written and listed
    the same way, so the manifest is written once. `data_lines` (graph IRI → the graph's
    `dumps.SortedTriples.of_graph`) saves making them again for the graphs it has; they
    are taken out of it, to be freed once the dumps made from them are written.

    With `background` (an executor of other processes: `fresh_process.FreshProcess`),
    the dumps made from those lines alone (`line_files.LINE_FILES`) are written by it, at
    the same time as the others. `ReleaseFiles` does the same in two steps, so that the
    lines' dumps can be started before the report exists.

    :raises ValueError: on a missing, duplicate or unlisted graph, a blank node in the
        data, an invalid IRI, a bad base IRI or build date, or a bad extra file name.
    """
    _check_options(base_iri, build_date, dict(extra_files or {}))
    files = ReleaseFiles(
        dataset,
        directory,
        data_graphs=data_graphs,
        ontology_graph=ontology_graph,
        shapes_graph=shapes_graph,
        base_iri=base_iri,
        build_date=build_date,
        data_lines=data_lines,
    )
    files.start(background)
    return files.finish(report=report, extra_files=extra_files, describe=describe)


class ReleaseFiles:
    """`write_artifacts` in two steps: `start` the dumps made from the lines alone (in
    another process, when given one), then `finish` the others once the report is known.

    Made, it has checked the options, the graphs and the data's lines (the errors of
    `write_artifacts`), and holds the lines for `start` only.
    """

    def __init__(
        self,
        dataset: NamedGraphs,
        directory: Path,
        *,
        data_graphs: Sequence[URIRef],
        ontology_graph: URIRef,
        shapes_graph: URIRef,
        base_iri: str,
        build_date: str,
        data_lines: dict[str, dumps.SortedTriples] | None = None,
        union: Graph | None = None,
        dumped: Future[list[FileEntry]] | None = None,
    ) -> None:
        """`union`, the union of the data graphs when the caller holds it already (the
        build validated it), saves a copy of every triple when there are several.
        `dumped`: the lines' dumps, started by the caller (`line_files`) before the graphs
        were all mapped: `data_lines` is not needed then, and there is nothing to `start`."""
        _check_options(base_iri, build_date, {})
        self.directory, self.base_iri, self.build_date = directory, base_iri, build_date
        self.graphs = _graphs(dataset, data_graphs, ontology_graph, shapes_graph)
        self.ontology = dumps.canonical(self.graphs.ontology, salt=_iri(self.graphs.ontology))
        self.shapes = dumps.canonical(self.graphs.shapes, salt=_iri(self.graphs.shapes))
        self._line_files: LineFiles | None = None
        if dumped is None:
            self._line_files = line_files(
                directory,
                _data_lines(self.graphs, data_lines or {}),
                schema=(self.ontology, self.shapes),
            )
        self._union = union
        self._entries: dict[str, FileEntry] = {}
        self._pending = dumped

    def start(self, background: Executor | None = None) -> None:
        """Write the lines' dumps: by `background` meanwhile, or here and now."""
        job, self._line_files = self._line_files, None  # let go of the lines here
        if job is None:
            raise RuntimeError("the lines' dumps are started already")
        if background is not None:
            self._pending = background.submit(job)
        else:
            self._entries.update((entry.name, entry) for entry in job())

    def finish(
        self,
        *,
        report: Graph,
        extra_files: Mapping[str, bytes] | None = None,
        describe: Callable[[Sequence[FileEntry]], Mapping[str, bytes]] | None = None,
    ) -> Manifest:
        """Write the other files and the manifest (see `write_artifacts`); return the manifest."""
        if self._line_files is not None:
            self.start()
        extra = dict(extra_files or {})
        _check_options(self.base_iri, self.build_date, extra)
        entries = self._entries

        def put(name: str, content: Content) -> None:
            """Write a file, at once or a part at a time, and keep only its entry."""
            entries[name] = write_file(self.directory, name, content)

        union = self._union
        if union is None:
            union = _union(list(self.graphs.data.values()))
        _write_graph_files(union, self.ontology, self.shapes, put)
        put(REPORT_FILE, dumps.turtle(dumps.canonical(report, salt="report"), prefixes=PREFIXES))
        if self._pending is not None:
            entries.update((entry.name, entry) for entry in self._pending.result())
        for name, content in extra.items():
            put(name, content)
        if describe is not None:
            derived = dict(describe([entries[name] for name in sorted(entries)]))
            _check_options(self.base_iri, self.build_date, derived)
            for name in derived:
                if name in entries:
                    raise ValueError(f"a derived file would replace {name!r}")
            for name, content in derived.items():
                put(name, content)
        manifest = Manifest(
            base_iri=self.base_iri,
            build_date=self.build_date,
            data_triples=len(union),
            jsonld_context=context_url(self.base_iri),
            files=tuple(entries[name] for name in sorted(entries)),
            graphs=self.graphs.entries(),
        )
        (self.directory / MANIFEST_FILE).write_bytes(manifest.to_json())
        log.info(
            "wrote %d files (%d data triples) into %s", len(entries) + 1, len(union), self.directory
        )
        return manifest


def _union(data: Sequence[Graph]) -> Graph:
    """The editions' graphs as one graph: the graph itself when there is only one."""
    if len(data) == 1:
        return data[0]
    union = Graph(store=SimpleMemory())
    for graph in data:
        union += graph
    return union


def line_files(
    directory: Path, data: Mapping[str, dumps.SortedTriples], *, schema: Sequence[Graph]
) -> LineFiles:
    """The dumps made from the graphs' sorted N-Triples lines (`dumps.SortedTriples`),
    each graph's made once: `data`, the data graphs' by IRI (in the order they are listed),
    and the graphs of `schema`, the ontology and the shapes, named by their identifiers,
    with canonical blank node labels (`dumps.canonical`).

    :raises ValueError: a data graph holds a blank node (the data's IRIs are minted).
    """
    for iri, part in data.items():
        if part.vocabulary().blank_nodes:
            raise ValueError(f"blank nodes in the data graph <{iri}>: mint IRIs in iris.py")
    lines = dict(data)
    for graph in schema:
        lines[_iri(graph)] = dumps.SortedTriples.of_graph(graph)
    named = tuple((iri, lines[iri]) for iri in sorted(lines))
    return LineFiles(directory, tuple(data.values()), named, dict(PREFIXES))


def _write_graph_files(
    union: Graph, ontology: Graph, shapes: Graph, put: Callable[[str, Content], None]
) -> None:
    """The dumps made from rdflib's graphs: Turtle, the ontology and the shapes (with
    canonical blank node labels)."""
    put(ONTOLOGY_FILE, dumps.turtle(ontology, prefixes=PREFIXES))
    put(SHAPES_FILE, dumps.turtle(shapes, prefixes=PREFIXES))
    put("portefeuille.ttl", partial(dumps.write_turtle, union, prefixes=PREFIXES))
