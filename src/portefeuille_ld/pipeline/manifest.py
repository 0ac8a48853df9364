"""The build manifest: every published file with its size and SHA-256, and the graphs' sizes.

`manifest.json` is written with sorted keys, an indent of 2 and a trailing newline, so
the same build gives the same bytes, and the release id is a hash of those bytes.

>>> m = Manifest(base_iri="https://example.org/", build_date="2025-09-12", data_triples=0)
>>> Manifest.from_json(m.to_json()) == m
True
>>> len(m.release_id)
16
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

__all__ = ["MANIFEST_FILE", "FileEntry", "GraphEntry", "GraphKind", "Manifest", "sha256_hex"]

MANIFEST_FILE = "manifest.json"

GraphKind = Literal["data", "ontology", "shapes"]
"""What a named graph of the dataset holds: one edition's data, the ontology or the shapes."""

_CHUNK = 1 << 20


def sha256_hex(path: Path) -> str:
    """The SHA-256 of a file, in lower-case hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileEntry:
    """One published file."""

    name: str
    media_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path, media_type: str) -> FileEntry:
        """Describe the file at `path` as it is on disk now."""
        return cls(path.name, media_type, path.stat().st_size, sha256_hex(path))

    @classmethod
    def of_bytes(cls, name: str, media_type: str, content: bytes) -> FileEntry:
        """Describe a file from its content.

        >>> FileEntry.of_bytes("a.txt", "text/plain", b"").sha256[:12]
        'e3b0c44298fc'
        """
        return cls(name, media_type, len(content), hashlib.sha256(content).hexdigest())


@dataclass(frozen=True)
class GraphEntry:
    """One named graph of the published dataset and its number of triples."""

    iri: str
    kind: GraphKind
    triples: int


def _graph_kind(value: object) -> GraphKind:
    if value not in get_args(GraphKind):
        raise ValueError(f"not a kind of graph: {value!r}")
    return cast(GraphKind, value)


@dataclass(frozen=True)
class Manifest:
    """What a build published: files sorted by name, graphs sorted by IRI."""

    base_iri: str
    build_date: str
    data_triples: int
    """Triples of the data dumps (the union of the editions' graphs)."""
    jsonld_context: str = ""
    """The published URL of the JSON-LD context (the dump also embeds it)."""
    files: tuple[FileEntry, ...] = ()
    graphs: tuple[GraphEntry, ...] = ()

    def to_json(self) -> bytes:
        """The bytes of `manifest.json`: UTF-8, sorted keys, indent 2, final newline."""
        return (
            json.dumps(self._as_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        ).encode()

    def _as_dict(self) -> dict[str, object]:
        return {
            "base_iri": self.base_iri,
            "build_date": self.build_date,
            "data_triples": self.data_triples,
            "jsonld_context": self.jsonld_context,
            "files": [vars(f) for f in sorted(self.files, key=lambda f: f.name)],
            "graphs": [vars(g) for g in sorted(self.graphs, key=lambda g: g.iri)],
        }

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Read the bytes `to_json` wrote (raises `ValueError` or `KeyError` if malformed)."""
        raw = json.loads(data)
        files = [
            FileEntry(str(f["name"]), str(f["media_type"]), int(f["size"]), str(f["sha256"]))
            for f in raw["files"]
        ]
        graphs = [
            GraphEntry(str(g["iri"]), _graph_kind(g["kind"]), int(g["triples"]))
            for g in raw["graphs"]
        ]
        return cls(
            base_iri=str(raw["base_iri"]),
            build_date=str(raw["build_date"]),
            data_triples=int(raw["data_triples"]),
            jsonld_context=str(raw["jsonld_context"]),
            files=tuple(files),
            graphs=tuple(graphs),
        )

    @property
    def release_id(self) -> str:
        """The first 16 hex digits of the SHA-256 of `manifest.json`: names the release."""
        return hashlib.sha256(self.to_json()).hexdigest()[:16]

    def verify(self, directory: Path) -> None:
        """Check that every listed file of `directory` has its size and SHA-256.

        :raises ValueError: naming the first file that is missing or differs.
        """
        for entry in self.files:
            path = directory / entry.name
            if not path.is_file():
                raise ValueError(f"{path}: listed in the manifest but missing")
            if FileEntry.of(path, entry.media_type) != entry:
                raise ValueError(f"{path}: size or SHA-256 differs from the manifest")
