"""`RemoteStore`: the `Store` over the SPARQL 1.1 Protocol, against any standard endpoint.

Oxigraph server, Apache Jena Fuseki, Virtuoso, GraphDB, Amazon Neptune: the store talks to
them through an `httpx.Client` it is given (tests hand it one with a ``MockTransport``).

Our limits apply before anything is sent and while the answer arrives:

- `sparql_guard.guard_query` refuses ``SERVICE``, updates and a ``FROM`` naming a graph
  the dataset does not have, from the query's tokens; a refused query is never sent;
- the whole exchange must end within ``timeout`` seconds (`QueryTimeout`, 503);
- reading stops once the answer outgrows ``max_result_bytes`` (`ResultTooLarge`, 422).

The remote only ever receives the query, its dataset, ``Accept`` and the client's own
credentials: the `Store` interface carries no header of the browser's request.

The dataset is explicit in every request. Engines disagree on what the default graph is
when a request names none (Oxigraph: the unnamed graph; Virtuoso: every graph, its own
system graphs included; Fuseki: a configuration option), so a query that declares no
dataset is sent with ``default-graph-uri`` *and* ``named-graph-uri`` set to the dataset's
named graphs: its default graph is then their union, as in `EmbeddedStore`. Those graphs
(the ones under ``graphs_under``, when given) are listed by one SPARQL query, again at most
every ``statistics_ttl_s`` seconds.

Answers travel in one format per kind (SPARQL JSON, N-Triples: `EXCHANGE_FORMATS`) and are
written in the format asked for by pyoxigraph, as `EmbeddedStore` writes them: engines
disagree on the rest (Virtuoso 7.2 quotes TSV headers, writes JSON's old ``typed-literal``
and answers ``ASK`` with a table, read here as true when the table has a row), and an
answer that is not what it claims to be is caught here, not by the browser.

>>> import httpx
>>> TSV = "text/tab-separated-values"
>>> def endpoint(request: httpx.Request) -> httpx.Response:
...     if b"COUNT" in request.content:  # the list of graphs, in TSV
...         sizes = "?g\\t?n\\n<http://ex.org/g>\\t3\\n"
...         return httpx.Response(200, text=sizes, headers={"Content-Type": TSV})
...     return httpx.Response(200, json={"head": {}, "boolean": True})
>>> client = httpx.Client(transport=httpx.MockTransport(endpoint))
>>> store = RemoteStore(client, "http://sparql.example.org/query", timeout=5)
>>> store.statistics().graph_iris
frozenset({'http://ex.org/g'})
>>> store.query("ASK { ?s ?p ?o }", accept=SPARQL_JSON).body
b'{"head":{},"boolean":true}'
>>> store.query("ASK { SERVICE <http://evil.example/> { ?s ?p ?o } }")
Traceback (most recent call last):
...
portefeuille_ld.errors.QueryError: SERVICE is not allowed: this endpoint never sends queries \
to other endpoints (found 'SERVICE')
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Collection, Generator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import httpx
import pyoxigraph
from pyoxigraph import BlankNode, NamedNode, QueryResultsFormat, RdfFormat, Triple

from portefeuille_ld import __version__
from portefeuille_ld.errors import (
    QueryError,
    QueryTimeout,
    ResourceNotFound,
    ResultTooLarge,
    StoreUnavailable,
)
from portefeuille_ld.formats import (
    N_TRIPLES,
    SPARQL_JSON,
    SPARQL_XML,
    TURTLE,
    Format,
    ResultKind,
    from_media_type,
)
from portefeuille_ld.sparql_guard import guard_query, tokenize
from portefeuille_ld.store.base import (
    GraphStatistics,
    QueryInThread,
    QueryResult,
    StoreStatistics,
    answer_format,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from portefeuille_ld.settings import Settings

__all__ = ["CredentialsAuth", "RemoteStore", "graph_namespace", "http_client"]

log = logging.getLogger(__name__)

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
_Params = dict[str, list[str]]

_NO_GRAPH = "urn:x-portefeuille-ld:no-graph"
"""A graph no store has: the default graph of a dataset without graphs (an empty one)."""

_ANY = "urn:x-portefeuille-ld:any"

EXCHANGE_FORMATS: dict[ResultKind, str] = {
    "results": f"{SPARQL_JSON.media_type}, {SPARQL_XML.media_type};q=0.8",
    "rdf": f"{N_TRIPLES.media_type}, {TURTLE.media_type};q=0.8",
}
"""The ``Accept`` of every request: answers travel in these formats, whatever is asked."""
_WHOLE_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
_ERROR_EXCERPT = 2_000
_CHUNK = 64 * 1024


def graph_namespace(base_iri: str) -> str:
    """Where the dataset's named graphs live (see `portefeuille_ld.iris.Iris.edition_graph`).

    >>> graph_namespace("https://w3id.org/portefeuille-qc/")
    'https://w3id.org/portefeuille-qc/graphe/'
    """
    return f"{base_iri}graphe/"


class CredentialsAuth(httpx.Auth):
    """HTTP Basic or Digest credentials, whichever the server's first challenge asks for.

    Nothing is sent until the server answers 401; then the scheme it names is used for
    this request and every later one (Virtuoso wants Digest, most proxies Basic).
    """

    def __init__(self, user: str, password: str) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: str | None = None

    def __repr__(self) -> str:
        return f"CredentialsAuth(scheme={self._scheme!r})"  # never the password

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Answer the server's challenge; see `httpx.Auth`."""
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        if self._scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "")
        if challenge.lower().startswith("digest"):
            self._scheme = "digest"
            yield from _answered(self._digest.auth_flow(request), response)
        else:
            self._scheme = "basic"
            yield from self._basic.auth_flow(request)


def _answered(
    flow: Generator[httpx.Request, httpx.Response, None], response: httpx.Response
) -> Generator[httpx.Request, httpx.Response, None]:
    """Drive an auth ``flow`` whose first request was sent already, and got ``response``."""
    next(flow)
    try:
        request = flow.send(response)
        while True:
            response = yield request
            request = flow.send(response)
    except StopIteration:
        return


def http_client(settings: Settings, *, timeout: float | None = None) -> httpx.Client:
    """The client that talks to the remote store, with credentials from `Settings` only.

    ``PORTEFEUILLE_STORE_USER`` and ``PORTEFEUILLE_STORE_PASSWORD`` give the credentials;
    proxies, ``.netrc`` and the like from the environment are ignored (``trust_env=False``),
    and redirects are not followed, so credentials never travel elsewhere.
    """
    auth = None
    if settings.store_user is not None:
        auth = CredentialsAuth(settings.store_user, settings.store_password or "")
    return httpx.Client(
        auth=auth,
        timeout=timeout if timeout is not None else settings.query_timeout_s,
        trust_env=False,
        follow_redirects=False,
        headers={"User-Agent": f"portefeuille-ld/{__version__}"},
    )


@dataclass
class _Cached:
    statistics: StoreStatistics
    at: float


class RemoteStore(QueryInThread):
    """A read-only `Store` answering through a SPARQL endpoint it reaches with ``client``.

    :param client: the HTTP client; its credentials are the only ones sent.
    :param endpoint: the SPARQL query endpoint (``…/query``, ``…/sparql``).
    :param graph_store: the Graph Store Protocol endpoint, if any: a whole named graph is
        then fetched from it rather than by a ``CONSTRUCT`` (faster, and not cut short by
        an engine's row limit).
    :param timeout: seconds the whole exchange of one request may take.
    :param max_result_bytes: the largest answer read; None for no limit.
    :param graphs_under: only named graphs whose IRI starts with this are the dataset's
        (a shared triplestore, Virtuoso's system graphs); None for every named graph.
    :param statistics_ttl_s: how long the list of graphs and their sizes is reused.
    :param close_client: whether `close` closes ``client`` too (when this store made it).
    """

    def __init__(
        self,
        client: httpx.Client,
        endpoint: str,
        *,
        graph_store: str | None = None,
        timeout: float,
        max_result_bytes: int | None = None,
        graphs_under: str | None = None,
        statistics_ttl_s: float = 30.0,
        close_client: bool = False,
    ) -> None:
        self._client: httpx.Client | None = client
        self.endpoint = endpoint
        self.graph_store = graph_store
        self._timeout = timeout
        self._max_result_bytes = max_result_bytes
        self._graphs_under = graphs_under
        self._ttl = statistics_ttl_s
        self._close_client = close_client
        self._lock = threading.Lock()
        self._cached: _Cached | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The store `Settings.store_url` names, with a client of its own.

        :raises StoreUnavailable: no ``store_url`` is set.
        """
        if not settings.store_url:
            raise StoreUnavailable("no remote store: set PORTEFEUILLE_STORE_URL or --store")
        return cls(
            http_client(settings),
            settings.store_url,
            graph_store=settings.graph_store_url,
            timeout=settings.query_timeout_s,
            max_result_bytes=settings.max_result_bytes,
            graphs_under=graph_namespace(settings.base_iri),
            close_client=True,
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r})"

    def query(
        self,
        sparql: str,
        *,
        accept: Format | str = "*/*",
        default_graph_uris: Collection[str] = (),
        named_graph_uris: Collection[str] = (),
    ) -> QueryResult:
        """See `Store.query`; the query is guarded here, parsed and run by the remote."""
        self._open()
        guard_query(sparql)  # SERVICE and updates: refused before the store is even asked
        known = self.statistics().graph_iris
        declared = guard_query(sparql, known_graphs=known)
        form = query_form(sparql)
        if form is None:  # the grammar has no other start
            raise QueryError(
                "syntax error: a query is a SELECT, ASK, CONSTRUCT or DESCRIBE, after its"
                " PREFIX and BASE declarations"
            )
        kind: ResultKind = "rdf" if form in ("CONSTRUCT", "DESCRIBE") else "results"
        fmt = answer_format(accept, kind)
        for iri in (*default_graph_uris, *named_graph_uris):
            if iri not in known:
                listed = ", ".join(f"<{g}>" for g in sorted(known))
                raise QueryError(
                    f"<{iri}> is not a graph of this dataset; the graphs are: {listed}"
                )
        whole = _whole_graph(sparql, default_graph_uris, named_graph_uris)
        if whole is not None and self.graph_store is not None:
            return QueryResult(self._fetch_graph(whole, fmt), fmt.media_type, kind)
        if default_graph_uris or named_graph_uris:
            dataset = _dataset_params(default_graph_uris, named_graph_uris)
        elif declared.declares_dataset:
            dataset = {}  # the query's FROM / FROM NAMED: checked above, sent as written
        else:
            graphs = sorted(known) or [_NO_GRAPH]
            dataset = _dataset_params(graphs, sorted(known))
        body, media_type = self._post(sparql, dataset, kind)
        answer = _rewrite(body, media_type, fmt, form, self._max_result_bytes)
        return QueryResult(answer, fmt.media_type, kind)

    def describe(self, iri: str, fmt: Format) -> bytes:
        """See `Store.describe`: one ``CONSTRUCT``, then the blank nodes closed here."""
        rdf_format = _rdf_format(fmt)
        try:
            node = NamedNode(iri)
        except ValueError as exc:
            raise QueryError(f"not an IRI: {iri!r}") from exc
        answer = self.query(_describe_query(node), accept=N_TRIPLES)
        triples = _bounded_description(pyoxigraph.parse(answer.body, RdfFormat.N_TRIPLES), node)
        if not triples:
            raise ResourceNotFound(iri)
        return pyoxigraph.serialize(triples, format=rdf_format) or b""

    def statistics(self) -> StoreStatistics:
        """See `Store.statistics`: asked of the remote, reused for ``statistics_ttl_s``."""
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached.at >= self._ttl:
                self._cached = _Cached(self._fetch_statistics(), now)
            return self._cached.statistics

    def close(self) -> None:
        """Forget the client (and close it, when this store made it)."""
        client, self._client = self._client, None
        if client is not None and self._close_client:
            client.close()

    def _open(self) -> httpx.Client:
        if self._client is None:
            raise StoreUnavailable("the store is closed")
        return self._client

    def _fetch_statistics(self) -> StoreStatistics:
        where = "GRAPH ?g { ?s ?p ?o }"
        if self._graphs_under is not None:
            prefix = pyoxigraph.Literal(self._graphs_under)
            where += f" FILTER(STRSTARTS(STR(?g), {prefix}))"
        sparql = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {where} }} GROUP BY ?g"
        body, media_type = self._post(sparql, {}, "results")
        answer = _parse_results(body, _results_format(media_type))
        graphs: list[GraphStatistics] = []
        if isinstance(answer, pyoxigraph.QuerySolutions):
            for row in answer:
                graph, size = row["g"], row["n"]
                if isinstance(graph, NamedNode) and isinstance(size, pyoxigraph.Literal):
                    if self._graphs_under is None or graph.value.startswith(self._graphs_under):
                        graphs.append(GraphStatistics(graph.value, int(size.value)))
        graphs.sort(key=lambda g: g.iri)
        return StoreStatistics(sum(g.triples for g in graphs), tuple(graphs))

    def _post(self, sparql: str, dataset: _Params, kind: ResultKind) -> tuple[bytes, str]:
        """Send a query as a form (the one way every engine reads); the body and its type."""
        request = self._open().build_request(
            "POST",
            self.endpoint,
            data={"query": sparql, **dataset},
            headers={"Accept": EXCHANGE_FORMATS[kind]},
            timeout=self._timeout,
        )
        return self._exchange(request)

    def _fetch_graph(self, iri: str, fmt: Format) -> bytes:
        assert self.graph_store is not None
        request = self._open().build_request(
            "GET",
            self.graph_store,
            params={"graph": iri},
            headers={"Accept": EXCHANGE_FORMATS["rdf"]},
            timeout=self._timeout,
        )
        body, media_type = self._exchange(request)
        return _rewrite(body, media_type, fmt, "CONSTRUCT", self._max_result_bytes)

    def _exchange(self, request: httpx.Request) -> tuple[bytes, str]:
        """Send ``request``; the body (read up to the limits) and its bare media type.

        :raises QueryError: the remote refused the query (400).
        :raises QueryTimeout: no complete answer within the timeout.
        :raises StoreUnavailable: the remote is unreachable, failed, or refused us.
        """
        deadline = time.monotonic() + self._timeout
        where = f"{request.method} {request.url.copy_with(query=None)}"
        try:
            response = self._open().send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the store did not answer within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"cannot reach the store ({where}): {exc}") from exc
        try:
            if response.status_code >= 300:
                raise _status_error(response, where)
            body = self._read(response, deadline)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the store did not answer within {self._timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the store's answer was cut short ({where}): {exc}") from exc
        finally:
            response.close()
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        return body, media_type

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes(_CHUNK):
            size += len(chunk)
            if self._max_result_bytes is not None and size > self._max_result_bytes:
                raise _too_large(self._max_result_bytes)
            if time.monotonic() > deadline:
                raise QueryTimeout(f"the store did not answer within {self._timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def query_form(sparql: str) -> QueryForm | None:
    """The query's form, from its first keyword after the prologue; None if there is none.

    >>> query_form("PREFIX ex: <http://ex.org/> # SELECT\\n construct { ?s ?p ?o } where {}")
    'CONSTRUCT'
    >>> query_form("BASE <http://ex.org/> ASK {}"), query_form("{}")
    ('ASK', None)
    """
    tokens = [t for t in tokenize(sparql) if t.kind != "comment"]
    index = 0
    while index < len(tokens):
        word = tokens[index].text.upper()
        if word == "PREFIX":
            index += 3
        elif word == "BASE":
            index += 2
        elif word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return word  # type: ignore[return-value]  # one of the four literals
        else:
            return None
    return None


def _dataset_params(default: Iterable[str], named: Iterable[str]) -> _Params:
    return {"default-graph-uri": list(default), "named-graph-uri": list(named)}


def _whole_graph(
    sparql: str, default_graph_uris: Collection[str], named_graph_uris: Collection[str]
) -> str | None:
    """The graph a request asks for entirely (every triple of one graph), else None."""
    if len(default_graph_uris) != 1 or named_graph_uris:
        return None
    return next(iter(default_graph_uris)) if " ".join(sparql.split()) == _WHOLE_GRAPH else None


def _status_error(response: httpx.Response, where: str) -> Exception:
    """The error an unsuccessful status means; the remote's words in the message."""
    excerpt = b""
    for chunk in response.iter_bytes(_ERROR_EXCERPT):
        excerpt += chunk
        if len(excerpt) >= _ERROR_EXCERPT:
            break
    text = excerpt[:_ERROR_EXCERPT].decode("utf-8", "replace").strip()
    status = response.status_code
    if status == 400:
        return QueryError(f"the store cannot run the query (a syntax error?): {text}")
    if status in (401, 403):
        return StoreUnavailable(
            f"the store refused our credentials ({where}: HTTP {status});"
            " set PORTEFEUILLE_STORE_USER and PORTEFEUILLE_STORE_PASSWORD"
        )
    return StoreUnavailable(f"the store failed to answer ({where}: HTTP {status}): {text}")


def _results_format(media_type: str) -> QueryResultsFormat:
    fmt = from_media_type(media_type or SPARQL_JSON.media_type, kind="results")
    if fmt is None or not isinstance(fmt.oxigraph, QueryResultsFormat) or fmt.name == "csv":
        raise StoreUnavailable(f"the store answered in {media_type!r}, which we cannot read")
    return fmt.oxigraph


def _rdf_format(fmt: Format) -> RdfFormat:
    if not isinstance(fmt.oxigraph, RdfFormat):
        raise QueryError(f"{fmt.label} is not an RDF format")
    return fmt.oxigraph


def _parse_results(body: bytes, fmt: QueryResultsFormat) -> pyoxigraph.QuerySolutions | bool:
    try:
        answer = pyoxigraph.parse_query_results(body, format=fmt)
    except (SyntaxError, ValueError) as exc:
        raise StoreUnavailable(f"the store's answer is not valid {fmt.name}: {exc}") from exc
    return bool(answer) if isinstance(answer, pyoxigraph.QueryBoolean) else answer


def _rewrite(
    body: bytes, media_type: str, fmt: Format, form: QueryForm, limit: int | None
) -> bytes:
    """The remote's answer read back and written in ``fmt`` by pyoxigraph.

    :raises StoreUnavailable: the answer is not valid in the media type it claims.
    :raises ResultTooLarge: the answer in ``fmt`` outgrows ``limit``.
    """
    sink = _Sink(limit)
    if fmt.kind == "rdf":
        source = from_media_type(media_type or N_TRIPLES.media_type, kind="rdf")
        if source is None or not isinstance(source.oxigraph, RdfFormat):
            raise StoreUnavailable(f"the store answered in {media_type!r}, not RDF")
        try:
            triples = [quad.triple for quad in pyoxigraph.parse(body, source.oxigraph)]
        except (SyntaxError, ValueError) as exc:
            raise StoreUnavailable(
                f"the store's answer is not valid {source.label}: {exc}"
            ) from exc
        pyoxigraph.serialize(triples, sink, format=_rdf_format(fmt))
        return sink.getvalue()
    answer = _parse_results(body, _results_format(media_type))
    if form == "ASK" and not isinstance(answer, bool):
        answer = any(True for _ in answer)  # a table for a boolean: true when it has a row
    assert isinstance(fmt.oxigraph, QueryResultsFormat)
    if isinstance(answer, bool):
        return _boolean(answer, fmt.oxigraph)
    answer.serialize(sink, format=fmt.oxigraph)
    return sink.getvalue()


class _Sink(io.BytesIO):
    """A binary output for pyoxigraph's serializers that refuses to grow past a limit."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self._limit = limit

    def write(self, data: Buffer, /) -> int:
        """Keep ``data``, or raise `ResultTooLarge` when the answer outgrows the limit."""
        if self._limit is not None and self.tell() + memoryview(data).nbytes > self._limit:
            raise _too_large(self._limit)
        return super().write(data)


def _too_large(limit: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"the answer is larger than {limit:,} bytes, the most this server sends:"
        " add a LIMIT, select fewer variables, or download a dump (/dumps)"
    )


def _boolean(value: bool, fmt: QueryResultsFormat) -> bytes:
    """A boolean answer written by pyoxigraph, exactly as `EmbeddedStore` writes one."""
    json = b'{"head":{},"boolean":%s}' % (b"true" if value else b"false")
    answer = pyoxigraph.parse_query_results(json, format=QueryResultsFormat.JSON)
    assert isinstance(answer, pyoxigraph.QueryBoolean)
    return answer.serialize(format=fmt) or b""


def _describe_query(node: NamedNode) -> str:
    """Triples about ``node``, and those of every blank node reachable from it (a superset)."""
    return (
        "CONSTRUCT { ?s ?p ?o } WHERE {"
        f" {{ {node} ?p ?o . BIND({node} AS ?s) }}"
        f" UNION {{ {node} ?p0 ?b . FILTER(isBlank(?b))"
        f" ?b (<{_ANY}>|!<{_ANY}>)* ?s . FILTER(isBlank(?s)) ?s ?p ?o }}"
        f" UNION {{ ?s ?p {node} . BIND({node} AS ?o) }} }}"
    )


def _bounded_description(quads: Iterable[pyoxigraph.Quad], node: NamedNode) -> list[Triple]:
    """The triples with ``node`` as subject or object, plus those of the blank nodes only
    it reaches through blank nodes: what `EmbeddedStore.describe` returns."""
    by_subject: dict[NamedNode | BlankNode, list[Triple]] = {}
    incoming: list[Triple] = []
    for quad in quads:
        triple = quad.triple
        if isinstance(triple.subject, NamedNode | BlankNode):
            by_subject.setdefault(triple.subject, []).append(triple)
        if triple.object == node:
            incoming.append(triple)
    seen: set[Triple] = set(incoming)
    pending: list[NamedNode | BlankNode] = [node]
    done: set[NamedNode | BlankNode] = set()
    while pending:
        subject = pending.pop()
        if subject in done:
            continue
        done.add(subject)
        for triple in by_subject.get(subject, ()):
            if isinstance(triple.object, BlankNode):
                pending.append(triple.object)
            seen.add(triple)
    return sorted(seen, key=str)
