"""The dumps made from sorted N-Triples lines alone, ready to be written by another process.

N-Triples, RDF/XML, N-Quads and TriG need nothing but each graph's `dumps.SortedTriples`:
compressed bytes, cheap to hand to a worker process, which writes them while the build
writes the dumps made from rdflib's graphs (Turtle, JSON-LD): at 100k projects each side
takes about a minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from portefeuille_ld.pipeline import dumps
from portefeuille_ld.pipeline.files import write_file
from portefeuille_ld.pipeline.manifest import FileEntry

__all__ = ["LINE_FILES", "LineFiles"]

LINE_FILES = ("portefeuille.nt", "portefeuille.rdf", "portefeuille.nq", "portefeuille.trig")


@dataclass(frozen=True)
class LineFiles:
    """Write `LINE_FILES` into `directory`; picklable, to be run by another process."""

    directory: Path
    data: tuple[dumps.SortedTriples, ...]
    """The data graphs, whose union is written as N-Triples and RDF/XML (merged here,
    when there are several, not by the process that hands them over)."""
    named: tuple[tuple[str, dumps.SortedTriples], ...]
    """Every named graph of the dataset, by IRI, in IRI order (N-Quads, TriG)."""
    prefixes: Mapping[str, str]

    def __call__(self) -> list[FileEntry]:
        """The entries of the files written, in `LINE_FILES` order."""
        named, data = list(self.named), dumps.SortedTriples.union(self.data)
        entries = [
            write_file(self.directory, "portefeuille.nt", data.write_ntriples),
            write_file(
                self.directory,
                "portefeuille.rdf",
                partial(dumps.write_rdf_xml, data, prefixes=self.prefixes),
            ),
            write_file(self.directory, "portefeuille.nq", partial(dumps.write_nquads, named)),
            write_file(
                self.directory,
                "portefeuille.trig",
                partial(dumps.write_trig, named, prefixes=self.prefixes),
            ),
        ]
        return entries
