"""Publish a release to a remote triplestore through the SPARQL 1.1 Graph Store HTTP Protocol.

https://www.w3.org/TR/sparql11-http-rdf-update/ — every named graph of the release (one
per edition, the ontology, the shapes) is sent with one ``PUT {graph_store}?graph=<iri>``
as N-Triples, then verified: the remote's copy of each graph is read back and its triples
counted against ``manifest.json``. Publishing the same release again changes nothing.

Two ways to replace the graphs, and what a failure leaves behind:

- **swap** (``update`` given: the remote's SPARQL Update endpoint): the graphs are first
  uploaded to staging graphs (``urn:x-portefeuille-ld:staging:…``, outside the dataset),
  counted, then moved over the published ones by a single update request
  (``MOVE <staging> TO <graph> ; …``), which engines run as one transaction: readers see
  the previous release or the new one, never a mix. If anything fails before the move,
  the staging graphs are dropped and nothing the readers see has changed.
- **replace** (GSP only): each graph is replaced by its own ``PUT``, which Oxigraph 0.5 and
  Fuseki apply atomically, so readers may briefly see new graphs beside old ones. The
  graphs are read back first; if a ``PUT`` or the verification fails, the graphs already
  replaced are put back as they were.

Either way a failure raises `PublishFailed`, saying what the readers now see.

>>> import httpx
>>> sent = []
>>> def graph_store(request: httpx.Request) -> httpx.Response:
...     sent.append(request.method)
...     return httpx.Response(500 if request.method == "PUT" else 404)
>>> client = httpx.Client(transport=httpx.MockTransport(graph_store))
>>> try:
...     replace_graphs(client, "http://store.example/gsp", [Upload("http://ex.org/g", b"", 0)])
... except PublishFailed as exc:
...     print(exc)
PUT http://store.example/gsp?graph=http://ex.org/g answered HTTP 500; the previous version \
was put back: the store serves what it served before
>>> sent
['GET', 'PUT', 'DELETE']
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import pyoxigraph

from portefeuille_ld.errors import PortefeuilleError
from portefeuille_ld.formats import N_TRIPLES, from_media_type
from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, Manifest

__all__ = [
    "DATASET_FILE",
    "STAGING_PREFIX",
    "GraphStorePublication",
    "PublishFailed",
    "Upload",
    "publish_release",
    "read_uploads",
    "replace_graphs",
    "swap_graphs",
]

log = logging.getLogger(__name__)

DATASET_FILE = "portefeuille.nq"
"""The release's N-Quads dump: every named graph, as published."""

STAGING_PREFIX = "urn:x-portefeuille-ld:staging:"
"""Staging graphs are named under this prefix, outside the dataset's graphs."""

Mode = Literal["swap", "replace"]

_EXCERPT = 500


class PublishFailed(PortefeuilleError):
    """Publishing to the remote store failed; the message says what readers now see."""


@dataclass(frozen=True)
class Upload:
    """One named graph to publish: its IRI, its triples in N-Triples, and how many."""

    iri: str
    body: bytes
    triples: int


@dataclass(frozen=True)
class GraphStorePublication:
    """What `publish_release` did: the release, the way, and each graph's verified size."""

    release_id: str
    mode: Mode
    graphs: tuple[tuple[str, int], ...]


def read_uploads(release: Path) -> tuple[Manifest, list[Upload]]:
    """The manifest of a release and its named graphs, checked against each other.

    :raises PublishFailed: a file differs from the manifest, or the dump's graphs or
        their sizes do.
    """
    try:
        manifest = Manifest.from_json((release / MANIFEST_FILE).read_bytes())
        manifest.verify(release)
    except (OSError, ValueError, KeyError) as exc:
        raise PublishFailed(f"{release} is not an intact release: {exc}") from exc
    by_graph: dict[str, list[pyoxigraph.Triple]] = {}
    for quad in pyoxigraph.parse(path=release / DATASET_FILE, format=pyoxigraph.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, pyoxigraph.NamedNode):
            by_graph.setdefault(quad.graph_name.value, []).append(quad.triple)
    expected = {g.iri: g.triples for g in manifest.graphs}
    found = {iri: len(set(triples)) for iri, triples in by_graph.items()}
    if found != expected:
        raise PublishFailed(
            f"{release}: the graphs of {DATASET_FILE} ({found}) differ from {MANIFEST_FILE}"
            f" ({expected}); rebuild the release (portefeuille-ld build)"
        )
    uploads = [
        Upload(iri, pyoxigraph.serialize(by_graph[iri], format=pyoxigraph.RdfFormat.N_TRIPLES)
               or b"", size)
        for iri, size in sorted(expected.items())
    ]  # fmt: skip
    return manifest, uploads


def publish_release(
    client: httpx.Client, graph_store: str, release: Path, *, update: str | None = None
) -> GraphStorePublication:
    """Publish the named graphs of ``release`` to ``graph_store``, verified by counting.

    :param update: the SPARQL Update endpoint: swap every graph at once (see the module).
    :raises PublishFailed: nothing or only part could be published (the message says
        what the store now serves).
    """
    manifest, uploads = read_uploads(release)
    if update is None:
        replace_graphs(client, graph_store, uploads)
    else:
        swap_graphs(client, graph_store, update, uploads, tag=manifest.release_id)
    return GraphStorePublication(
        manifest.release_id,
        "replace" if update is None else "swap",
        tuple((u.iri, u.triples) for u in uploads),
    )


def replace_graphs(client: httpx.Client, graph_store: str, uploads: Sequence[Upload]) -> None:
    """PUT each graph in turn; on any failure, put back those already replaced.

    :raises PublishFailed: saying whether the previous version could be put back.
    """
    remote = _GraphStore(client, graph_store)
    try:
        previous = {u.iri: remote.get(u.iri) for u in uploads}
    except _Failure as exc:
        raise PublishFailed(f"{exc}; nothing was changed on the store") from None
    touched: list[str] = []
    try:
        for upload in uploads:
            touched.append(upload.iri)
            remote.put(upload.iri, upload.body)
        _verify(remote, uploads, lambda iri: iri)
    except _Failure as exc:
        try:
            for iri in touched:
                remote.restore(iri, previous[iri])
        except _Failure as restore:
            raise PublishFailed(
                f"{exc}; putting the previous version back failed too ({restore}): the"
                f" store may now mix two releases; publish again"
            ) from None
        raise PublishFailed(
            f"{exc}; the previous version was put back: the store serves what it served before"
        ) from None


def swap_graphs(
    client: httpx.Client,
    graph_store: str,
    update: str,
    uploads: Sequence[Upload],
    *,
    tag: str,
) -> None:
    """Upload to staging graphs, count them, then move them over the graphs in one update.

    :raises PublishFailed: saying whether readers see the previous or the new release.
    """
    remote = _GraphStore(client, graph_store)
    token = f"{tag}:{secrets.token_hex(4)}"
    staging = {u.iri: f"{STAGING_PREFIX}{token}:{n}" for n, u in enumerate(uploads)}
    try:
        for upload in uploads:
            remote.put(staging[upload.iri], upload.body)
        _verify(remote, uploads, staging.__getitem__)
        moves = " ;\n".join(f"MOVE <{staging[u.iri]}> TO <{u.iri}>" for u in uploads)
        remote.update(update, moves)
    except _Failure as exc:
        for name in staging.values():
            try:
                remote.delete(name)
            except _Failure as cleanup:
                log.warning("could not drop the staging graph %s: %s", name, cleanup)
        raise PublishFailed(
            f"{exc}; nothing was swapped: the store serves the previous version"
        ) from None
    try:
        _verify(remote, uploads, lambda iri: iri)
    except _Failure as exc:
        raise PublishFailed(f"after the swap, {exc}: check the store, then publish again") from None


class _Failure(Exception):
    """An exchange with the remote went wrong (internal: becomes `PublishFailed`)."""


@dataclass(frozen=True)
class _GraphStore:
    client: httpx.Client
    url: str

    def _send(
        self,
        method: str,
        graph: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        where = f"{method} {self.url}?graph={graph}"
        try:
            response = self.client.request(
                method, self.url, params={"graph": graph}, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise _Failure(f"{where} failed: {exc}") from exc
        absent = response.status_code == 404 and method in ("GET", "DELETE")
        if response.status_code >= 300 and not absent:
            raise _Failure(f"{where} {_status(response)}")
        return response

    def get(self, graph: str) -> bytes | None:
        """The graph in N-Triples, or None when the store does not have it."""
        response = self._send("GET", graph, headers={"Accept": N_TRIPLES.media_type})
        if response.status_code == 404:
            return None
        return _as_n_triples(response, graph)

    def put(self, graph: str, body: bytes) -> None:
        self._send("PUT", graph, content=body, headers={"Content-Type": N_TRIPLES.media_type})

    def delete(self, graph: str) -> None:
        self._send("DELETE", graph)

    def restore(self, graph: str, body: bytes | None) -> None:
        """Put a graph back as `get` found it (absent: deleted)."""
        if body is None:
            self.delete(graph)
        else:
            self.put(graph, body)

    def count(self, graph: str) -> int:
        body = self.get(graph)
        if body is None:
            return 0
        return len(set(pyoxigraph.parse(body, pyoxigraph.RdfFormat.N_TRIPLES)))

    def update(self, endpoint: str, sparql: str) -> None:
        try:
            response = self.client.post(endpoint, data={"update": sparql})
        except httpx.HTTPError as exc:
            raise _Failure(f"the update at {endpoint} failed: {exc}") from exc
        if response.status_code >= 300:
            raise _Failure(f"the update at {endpoint} {_status(response)}")


def _status(response: httpx.Response) -> str:
    """``answered HTTP <status>``, with the start of what the store said."""
    said = response.text[:_EXCERPT].strip()
    return f"answered HTTP {response.status_code}" + (f": {said}" if said else "")


def _as_n_triples(response: httpx.Response, graph: str) -> bytes:
    """A GSP answer in N-Triples, whatever RDF format the store chose to send."""
    media_type = response.headers.get("content-type", N_TRIPLES.media_type)
    fmt = from_media_type(media_type, kind="rdf")
    if fmt is None or not isinstance(fmt.oxigraph, pyoxigraph.RdfFormat):
        raise _Failure(f"the store sent <{graph}> as {media_type!r}, which is not RDF")
    if fmt is N_TRIPLES:
        return response.content
    try:
        triples = [q.triple for q in pyoxigraph.parse(response.content, fmt.oxigraph)]
    except (SyntaxError, ValueError) as exc:
        raise _Failure(f"the store sent <{graph}> as invalid {fmt.label}: {exc}") from exc
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def _verify(remote: _GraphStore, uploads: Sequence[Upload], name: Callable[[str], str]) -> None:
    """Count the triples of each uploaded graph on the remote, as the manifest does."""
    for upload in uploads:
        try:
            found = remote.count(name(upload.iri))
        except SyntaxError as exc:
            raise _Failure(f"<{name(upload.iri)}> cannot be read back: {exc}") from exc
        if found != upload.triples:
            raise _Failure(
                f"<{name(upload.iri)}> holds {found} triples on the store,"
                f" not the {upload.triples} of the manifest"
            )
