"""The editions mapped into their N-Triples lines alone, for the build's worker process.

While the build maps each edition into rdflib's graph (for the validation and Turtle),
its worker maps it again, into a list of triples written as lines (`dumps.SortedTriples`):
the lines then cost the build nothing, on a core that would otherwise be idle until
there are lines to write dumps from. Each edition comes with the `source_fingerprint` of
what was read: the build refuses lines of an edition that changed between the two reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from portefeuille_ld.iris import Iris
from portefeuille_ld.pipeline.collector import collector_paused
from portefeuille_ld.pipeline.dumps import SortedTriples
from portefeuille_ld.pipeline.editions import edition_dirs, read_pinned_edition
from portefeuille_ld.pipeline.mapping import portfolio_triples

__all__ = ["EditionLines", "edition_lines"]


@dataclass(frozen=True)
class EditionLines:
    """One edition graph's lines, and the fingerprint of the files they were mapped from."""

    graph: str
    """The edition graph's IRI."""
    fingerprint: str
    lines: SortedTriples


@collector_paused()
def edition_lines(data_dir: Path, iris: Iris, editions: Sequence[str] = ()) -> list[EditionLines]:
    """Read and map every edition (or those named) into its lines, as `build.map_editions`
    reads and maps them into graphs.

    :raises SourceError: as `build.map_editions`.
    """
    made: list[EditionLines] = []
    for directory in edition_dirs(data_dir):
        portfolio, fingerprint = read_pinned_edition(directory)
        edition = portfolio.source.edition
        if editions and edition not in editions:
            continue
        triples = portfolio_triples(portfolio, iris)
        del portfolio  # its records are not needed once mapped
        graph = str(iris.edition_graph(edition))
        made.append(EditionLines(graph, fingerprint, SortedTriples.of_rdflib(triples)))
    return made
