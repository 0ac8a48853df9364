"""`sparql_protocol`: reading GET parameters and POST bodies, without a server."""

from __future__ import annotations

import pytest
from starlette.exceptions import HTTPException

from portefeuille_ld.errors import QueryError
from portefeuille_ld.web.sparql_protocol import (
    FORM,
    QUERY_MEDIA_TYPE,
    ProtocolRequest,
    from_params,
    from_post,
    is_query_request,
)

Q = 'SELECT * WHERE { ?s ?p "é" }'
G = "https://w3id.org/portefeuille-qc/graphe/2025-2026"


def test_get_parameters_make_a_request() -> None:
    params = {"query": [Q], "default-graph-uri": [G, G + "x"], "named-graph-uri": [G]}
    assert from_params(params) == ProtocolRequest(Q, (G, G + "x"), (G,))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"query": [Q, Q]}, "2 'query' parameters", id="two-queries"),
        pytest.param({"default-graph-uri": [G]}, "no 'query' parameter", id="no-query"),
        pytest.param({"query": [Q], "format": ["csv", "tsv"]}, "2 'format'", id="two-formats"),
        pytest.param({"update": ["CLEAR ALL"]}, "read-only", id="update"),
        pytest.param({"query": [Q], "update": ["CLEAR ALL"]}, "read-only", id="query-and-update"),
    ],
)
def test_bad_parameters_are_query_errors(params: dict[str, list[str]], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        from_params(params)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, False), ({"format": ["ttl"]}, False), ({"query": [""]}, True), ({"update": [""]}, True)],
)
def test_is_query_request(params: dict[str, list[str]], expected: bool) -> None:
    assert is_query_request(params) is expected


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(FORM, "query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%C3%A9%22%20%7D",
                     id="form"),
        pytest.param(f"{FORM}; charset=UTF-8", "query=" + Q.replace(" ", "+"), id="form-raw-utf8"),
        pytest.param(QUERY_MEDIA_TYPE, Q, id="query"),
        pytest.param(f"{QUERY_MEDIA_TYPE}; charset=utf-8", Q, id="query-utf8"),
        pytest.param("Application/SPARQL-Query", Q, id="media-type-case"),
    ],
)  # fmt: skip
def test_post_bodies_give_the_same_query(content_type: str, body: str) -> None:
    assert from_post(content_type, body.encode(), {}).query == Q


def test_post_query_in_latin_1_is_decoded() -> None:
    body = Q.encode("latin-1")
    assert from_post(f"{QUERY_MEDIA_TYPE}; charset=iso-8859-1", body, {}).query == Q


def test_form_post_takes_graphs_from_body_and_url() -> None:
    body = f"query=ASK%7B%7D&named-graph-uri={G}".encode()
    request = from_post(FORM, body, {"default-graph-uri": [G]})
    assert (request.default_graph_uris, request.named_graph_uris) == ((G,), (G,))


def test_query_post_takes_graphs_and_format_from_the_url() -> None:
    request = from_post(QUERY_MEDIA_TYPE, b"ASK {}", {"named-graph-uri": [G], "format": ["csv"]})
    assert (request.named_graph_uris, request.format) == ((G,), "csv")


@pytest.mark.parametrize(
    ("content_type", "body", "url_params", "message"),
    [
        pytest.param(QUERY_MEDIA_TYPE, b"ASK {}", {"query": ["ASK {}"]}, "both in the body",
                     id="body-and-parameter"),
        pytest.param(FORM, b"query=ASK%7B%7D", {"query": ["ASK {}"]}, "2 'query'",
                     id="form-and-url"),
        pytest.param(FORM, b"query=ASK%7B%7D&query=ASK%7B%7D", {}, "2 'query'", id="form-twice"),
        pytest.param(FORM, b"default-graph-uri=x", {}, "no 'query'", id="form-without-query"),
        pytest.param(FORM, b"update=CLEAR%20ALL", {}, "read-only", id="form-update"),
        pytest.param("application/sparql-update", b"CLEAR ALL", {}, "read-only", id="update"),
        pytest.param(QUERY_MEDIA_TYPE, b"ASK { \xff }", {}, "not valid utf-8", id="bad-utf8"),
        pytest.param(FORM, b"query=%FF", {}, "not valid utf-8", id="bad-percent-utf8"),
    ],
)  # fmt: skip
def test_bad_posts_are_query_errors(
    content_type: str, body: bytes, url_params: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        from_post(content_type, body, url_params)


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "application/json", "multipart/form-data; boundary=x",
     f"{QUERY_MEDIA_TYPE}; charset=klingon"],
)  # fmt: skip
def test_other_media_types_are_415(content_type: str | None) -> None:
    with pytest.raises(HTTPException) as caught:
        from_post(content_type, b"ASK {}", {})
    assert caught.value.status_code == 415
