"""Orchestrate the build: each edition → graph → validate → publish the artifacts atomically.

Nothing is published unless every graph conforms; a failed or interrupted build
leaves the previous release untouched.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyoxigraph
from rdflib import Graph, URIRef

from portefeuille_ld.errors import SourceError, ValidationFailed
from portefeuille_ld.home_data import HOME_FILE, TripleCounts, compute_home
from portefeuille_ld.iris import Iris
from portefeuille_ld.namespaces import PREFIXES
from portefeuille_ld.pipeline import dumps
from portefeuille_ld.pipeline.artifacts import (
    DATA_FILES,
    DATASET_FILES,
    Manifest,
    ReleaseFiles,
    line_files,
)
from portefeuille_ld.pipeline.collector import collector_paused
from portefeuille_ld.pipeline.edition_lines import EditionLines, edition_lines
from portefeuille_ld.pipeline.editions import edition_dirs, read_pinned_edition
from portefeuille_ld.pipeline.fresh_process import FreshProcess
from portefeuille_ld.pipeline.line_files import LineFiles
from portefeuille_ld.pipeline.manifest import FileEntry
from portefeuille_ld.pipeline.mapping import map_portfolio
from portefeuille_ld.pipeline.metadata import (
    DumpFile,
    EditionInfo,
    describe_dataset,
    read_editions,
)
from portefeuille_ld.pipeline.publish import publish
from portefeuille_ld.pipeline.sparql_engines import PlainMemory
from portefeuille_ld.pipeline.validate import ValidationReport, validate
from portefeuille_ld.pipeline.void import DatasetStatistics, statistics_of_lines
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.store.ondisk import DISK_STORE, PIECE_BYTES, write_disk_store

__all__ = [
    "METADATA_FILE",
    "BuildResult",
    "CheckedDataset",
    "GraphSet",
    "MappedDataset",
    "build",
    "check",
    "map_editions",
]

METADATA_FILE = "void.ttl"
"""The dataset's VoID and DCAT-AP description, written after the dumps it describes."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    """What a successful build published."""

    release: Path
    manifest: Manifest
    report: ValidationReport
    editions: tuple[str, ...]


@dataclass(frozen=True)
class GraphSet:
    """The dataset's named graphs, each in a store of its own.

    Not an rdflib `Dataset`: its context-aware store keeps the graphs of each triple,
    which cost a third of the mapping's CPU and of each read of the data.
    """

    named: tuple[Graph, ...]

    def graphs(self) -> Iterator[Graph]:
        return iter(self.named)

    def __len__(self) -> int:
        """The number of quads."""
        return sum(len(graph) for graph in self.named)


@dataclass(frozen=True)
class MappedDataset:
    """Every edition read and mapped, with the ontology and the shapes: not yet validated."""

    dataset: GraphSet
    data: Graph
    """The union of the editions' graphs."""
    ontology: Graph
    shapes: Graph
    lines: dict[str, dumps.SortedTriples]
    """Each edition graph's N-Triples lines, by graph IRI: made once, for the validation
    and the dumps (`build` empties it once the worker has them, `artifacts.line_files`)."""
    union: dumps.SortedTriples
    """The lines of `data`, the union of those: what is validated, and what VoID counts."""
    editions: tuple[str, ...]
    build_date: str
    """The latest edition's date of modification."""

    def validate(self, copy: pyoxigraph.Store | None = None) -> ValidationReport:
        """The SHACL report of `data`; raise `ValidationFailed` on any violation.

        `copy`: an empty store, where the validation's Oxigraph copy of the data (and of
        the ontology) is made, for the caller to query after (`validate.Validator.validate`).
        """
        report = validate(
            self.data, shapes=self.shapes, ontology=self.ontology, lines=self.union, copy=copy
        )
        log.info("validated %d triples: %d violation(s), %d warning(s)",
                 len(self.data), len(report.violations), len(report.warnings))  # fmt: skip
        if report.violations:
            raise ValidationFailed(report)
        return report

    def clear(self) -> None:
        """Empty the graphs' stores now (`PlainMemory.clear`): the dumps are written."""
        for graph in (*self.dataset.graphs(), self.data):
            if isinstance(graph.store, PlainMemory):
                graph.store.clear()


@dataclass(frozen=True)
class CheckedDataset:
    """The validated dataset, before anything is written."""

    dataset: GraphSet
    report: ValidationReport
    editions: tuple[str, ...]


def read_graph(path: Path) -> Graph:
    """Parse a Turtle file of the repository (ontology or shapes)."""
    try:
        return Graph().parse(path, format="turtle")
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", path=path) from exc
    except Exception as exc:  # rdflib raises several parser exception types
        raise SourceError(f"not valid Turtle: {exc}", path=path) from exc


@collector_paused()
def map_editions(
    data_dir: Path,
    *,
    ontology: Graph,
    shapes: Graph,
    iris: Iris,
    editions: Sequence[str] = (),
    lines: Callable[[], Sequence[EditionLines]] | None = None,
) -> MappedDataset:
    """Read and map every edition (or those named), and make their lines (with the cyclic
    collector paused); `ontology` and `shapes` (`read_graph`) go with them into the dataset.

    `lines`: the editions' lines made by another process (`edition_lines`), asked for
    once the graphs are mapped here, instead of making them here.

    :raises SourceError: a source is not valid, or changed between the two reads.
    """
    graphs: list[Graph] = []
    names: list[str] = []
    dates: list[str] = []
    fingerprints: dict[str, str] = {}
    for directory in edition_dirs(data_dir):
        portfolio, fingerprint = read_pinned_edition(directory)
        if editions and portfolio.source.edition not in editions:
            continue
        named = _graph(iris.edition_graph(portfolio.source.edition))
        graphs.append(map_portfolio(portfolio, iris, into=named))
        names.append(portfolio.source.edition)
        dates.append(portfolio.source.modified.isoformat())
        fingerprints[str(named.identifier)] = fingerprint
        del portfolio  # its records (300 MiB at 100k) are not needed once mapped
    dataset = GraphSet(
        (*graphs, _copy(ontology, iris.ontology_graph()), _copy(shapes, iris.shapes_graph()))
    )
    if lines is None:
        made = {str(graph.identifier): dumps.SortedTriples.of_graph(graph) for graph in graphs}
    else:
        made = _same_sources(lines(), fingerprints, data_dir)
    union = dumps.SortedTriples.union(list(made.values()))
    log.info("mapped %d edition(s) into %d quads", len(graphs), len(dataset))
    return MappedDataset(
        dataset, _union(graphs), ontology, shapes, made, union, tuple(names), max(dates)
    )


def _same_sources(
    given: Sequence[EditionLines], fingerprints: Mapping[str, str], data_dir: Path
) -> dict[str, dumps.SortedTriples]:
    """The lines of `given`, by graph, if they were mapped from the sources read here."""
    if {e.graph: e.fingerprint for e in given} != fingerprints:
        raise SourceError("the editions changed during the build: build again", path=data_dir)
    return {e.graph: e.lines for e in given}


def check(
    data_dir: Path,
    *,
    ontology_path: Path,
    shapes_path: Path,
    iris: Iris,
    editions: Sequence[str] = (),
) -> CheckedDataset:
    """Read, map and validate every edition; raise `ValidationFailed` on any violation."""
    mapped = map_editions(
        data_dir,
        ontology=read_graph(ontology_path),
        shapes=read_graph(shapes_path),
        iris=iris,
        editions=editions,
    )
    return CheckedDataset(mapped.dataset, mapped.validate(), mapped.editions)


def _graph(identifier: URIRef | None = None) -> Graph:
    """An empty graph in a store of its own, not context-aware, with our prefixes."""
    graph = Graph(store=PlainMemory(), identifier=identifier)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def _union(graphs: Sequence[Graph]) -> Graph:
    """The editions' graphs as one: the only one as it is, else a copy of them all."""
    if len(graphs) == 1:
        return graphs[0]
    union = _graph()
    for graph in graphs:
        for triple in graph:
            union.add(triple)
    return union


def _copy(source: Graph, identifier: URIRef) -> Graph:
    """`source`'s triples in a new graph named `identifier`."""
    target = _graph(identifier)
    for triple in source:
        target.add(triple)
    return target


def build(
    data_dir: Path,
    out_dir: Path,
    *,
    ontology_path: Path,
    shapes_path: Path,
    iris: Iris,
    build_date: str | None = None,
) -> BuildResult:
    """Validate, then write every artifact into a new release of `out_dir` and switch to it.

    Another process works beside this one, a job after the other: it maps the editions
    into their lines (`edition_lines`) while this one maps them into rdflib's graphs
    (given a second core; else this one makes the lines), writes the dumps made from the
    lines alone as soon as it has them, then the on-disk store from the N-Quads dump,
    while this one validates and writes the rest. Any error stops it, and the release
    being written is thrown away.
    """
    ontology, shapes = read_graph(ontology_path), read_graph(shapes_path)
    outcome: list[tuple[Manifest, ValidationReport, tuple[str, ...]]] = []
    # One job at a time: the build itself keeps the other core.
    with FreshProcess(max_workers=1) as background:

        def write_release(directory: Path) -> Manifest:
            schema = _schema(ontology, shapes, iris)
            lines: Future[list[EditionLines]] | None = None
            dumped: Future[list[FileEntry]] | None = None
            if _cores() > 1:  # on one core, mapping twice would only add up
                lines = background.submit(edition_lines, data_dir, iris)
                dumped = background.after(lines, partial(_line_files, directory, schema))
            mapped = map_editions(
                data_dir, ontology=ontology, shapes=shapes, iris=iris,
                lines=None if lines is None else lines.result,
            )  # fmt: skip
            del lines
            editions = mapped.editions
            if dumped is None:
                dumped = background.submit(line_files(directory, mapped.lines, schema=schema))
            mapped.lines.clear()  # the worker has them now
            # The server's store, opened as is instead of parsing the dump again. A
            # directory, not a published file: it is not in the manifest, and its bytes
            # may vary. Made from the N-Quads dump, a piece at a time (136 MiB at 100k).
            disk_store = background.after(dumped, partial(_disk_store, directory))
            # The mapped data lives until its dumps are written: the collector need not
            # walk its millions of objects at each of its full passes meanwhile.
            gc.freeze()
            try:
                manifest, report = _write(directory, mapped, dumped, iris, build_date)
            finally:
                gc.unfreeze()
            del mapped
            gc.collect()  # rdflib's graphs are in reference cycles: free them now
            disk_store.result()
            outcome.append((manifest, report, editions))
            return manifest

        def write(directory: Path) -> Manifest:
            """`write_release`; on any error, its worker is stopped (and waited for) before
            `publish` removes the release being written, the on-disk store among it."""
            try:
                return write_release(directory)
            except BaseException:
                background.shutdown(cancel_futures=True)
                raise

        release = publish(out_dir, write)
    log.info("published %s", release)
    manifest, report, editions = outcome[0]
    return BuildResult(release, manifest, report, editions)


def _schema(ontology: Graph, shapes: Graph, iris: Iris) -> tuple[Graph, Graph]:
    """The ontology and the shapes as the dataset's named graphs, with canonical blank
    node labels: what the dumps of the dataset hold of them."""
    return (
        dumps.canonical(_copy(ontology, iris.ontology_graph()), salt=str(iris.ontology_graph())),
        dumps.canonical(_copy(shapes, iris.shapes_graph()), salt=str(iris.shapes_graph())),
    )


def _line_files(
    directory: Path, schema: tuple[Graph, Graph], made: Sequence[EditionLines]
) -> LineFiles:
    """The worker's job once it has made the editions' lines: the dumps made from them."""
    return line_files(directory, {e.graph: e.lines for e in made}, schema=schema)


def _disk_store(directory: Path, entries: object) -> Callable[[], None]:
    """The worker's job once the lines' dumps are written: the on-disk store, loaded
    leniently (the lines' every IRI and language tag was checked by pyoxigraph's terms
    when they were made, `dumps.SortedTriples`)."""
    return partial(
        write_disk_store, directory / DISK_STORE, [directory / "portefeuille.nq"],
        piece_bytes=PIECE_BYTES, lenient=True,
    )  # fmt: skip


def _write(
    directory: Path,
    mapped: MappedDataset,
    dumped: Future[list[FileEntry]],
    iris: Iris,
    build_date: str | None,
) -> tuple[Manifest, ValidationReport]:
    """Validate the mapped data, then write every file but the lines' dumps (`dumped`,
    by the worker); the rdflib graphs are let go once written."""
    date = build_date or mapped.build_date
    files = ReleaseFiles(
        mapped.dataset,
        directory,
        data_graphs=[iris.edition_graph(e) for e in mapped.editions],
        ontology_graph=iris.ontology_graph(),
        shapes_graph=iris.shapes_graph(),
        base_iri=iris.base,
        build_date=date,
        union=mapped.data,
        dumped=dumped,
    )
    copy = pyoxigraph.Store()  # the validation's copy: the home page's data is read there
    report = mapped.validate(copy)
    home = compute_home(EmbeddedStore(copy), iris.base, _counts(mapped))
    del copy
    (directory / HOME_FILE).write_bytes(home.to_json())
    manifest = files.finish(
        report=report.graph,
        describe=partial(
            _describe,
            editions=read_editions(mapped.data),
            statistics=partial(statistics_of_lines, mapped.union, uri_space=iris.base),
            iris=iris,
            build_date=date,
        ),
    )
    # The rdflib graphs (2.5 GiB at 100k projects) are let go while the store loads.
    mapped.clear()
    return manifest, report


def _cores() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _counts(mapped: MappedDataset) -> TripleCounts:
    """The triples of each edition's graph and of their union (counted once by the store)."""
    return TripleCounts(
        {str(graph.identifier): len(graph) for graph in mapped.dataset.graphs()}, len(mapped.data)
    )


def _describe(
    files: Sequence[FileEntry],
    *,
    editions: Sequence[EditionInfo],
    statistics: Callable[[], DatasetStatistics],
    iris: Iris,
    build_date: str,
) -> dict[str, bytes]:
    """`void.ttl`: the VoID and DCAT-AP description of the dumps about to be published."""
    described = DATA_FILES + DATASET_FILES
    graph = describe_dataset(
        iris=iris,
        files=[
            DumpFile(f.name, f.media_type, f.size, f.sha256) for f in files if f.name in described
        ],
        statistics=statistics(),
        editions=editions,
        build_date=build_date,
    )
    return {METADATA_FILE: dumps.turtle(graph, prefixes=PREFIXES)}
