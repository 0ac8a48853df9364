"""The dumps made from sorted N-Triples lines alone, ready to be written by another process.

N-Triples, RDF/XML, JSON-LD (and its context), N-Quads and TriG need nothing but each
graph's `dumps.SortedTriples`: compressed bytes, cheap to hand to a worker process, which
writes them while the build validates the data, then writes Turtle from rdflib's graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from portefeuille_ld.pipeline import dumps
from portefeuille_ld.pipeline.files import write_file
from portefeuille_ld.pipeline.jsonld import Json, dumps as json_bytes, write_jsonld_lines
from portefeuille_ld.pipeline.manifest import FileEntry

__all__ = ["CONTEXT_FILE", "LINE_FILES", "LineFiles"]

CONTEXT_FILE = "contexte.jsonld"
"""The JSON-LD context of the data dump, published at ``{base_iri}contexte.jsonld``."""

LINE_FILES = (
    "portefeuille.nt",
    "portefeuille.rdf",
    "portefeuille.jsonld",
    CONTEXT_FILE,
    "portefeuille.nq",
    "portefeuille.trig",
)


@dataclass(frozen=True)
class LineFiles:
    """Write `LINE_FILES` into `directory`; picklable, to be run by another process."""

    directory: Path
    data: tuple[dumps.SortedTriples, ...]
    """The data graphs, whose union is written as N-Triples, RDF/XML and JSON-LD (merged
    here, when there are several, not by the process that hands them over)."""
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
        ]
        contexts: list[dict[str, Json]] = []

        def jsonld(output: dumps.Output) -> None:
            contexts.append(write_jsonld_lines(data, output, prefixes=self.prefixes))

        entries.append(write_file(self.directory, "portefeuille.jsonld", jsonld))
        entries.append(
            write_file(self.directory, CONTEXT_FILE, json_bytes({"@context": contexts[0]}))
        )
        entries += [
            write_file(self.directory, "portefeuille.nq", partial(dumps.write_nquads, named)),
            write_file(
                self.directory,
                "portefeuille.trig",
                partial(dumps.write_trig, named, prefixes=self.prefixes),
            ),
        ]
        return entries
