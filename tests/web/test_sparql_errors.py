"""``/sparql`` refuses bad requests with the right 4xx and a useful message, never a 5xx."""

from __future__ import annotations

import httpx
import pytest

METHODS = ["get", "post-form", "post-query"]
E = "http://127.0.0.1:9/sparql"  # nothing listens there, and nothing is ever sent there
G1 = "https://w3id.org/portefeuille-qc/graphe/2024-2025"


def send(
    client: httpx.Client, method: str, query: str, *, accept: str | None = None, **params: str
) -> httpx.Response:
    """Send ``query`` one of the protocol's three ways (``params`` renamed ``_`` → ``-``)."""
    headers = {"Accept": accept} if accept else {}
    extra = {name.replace("_", "-"): value for name, value in params.items()}
    if method == "get":
        return client.get("/sparql", params={"query": query, **extra}, headers=headers)
    if method == "post-form":
        return client.post("/sparql", data={"query": query, **extra}, headers=headers)
    headers["Content-Type"] = "application/sparql-query"
    return client.post("/sparql", content=query.encode(), params=extra, headers=headers)


def assert_problem(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    problem = response.json()
    assert problem["status"] == status
    assert message in problem["detail"], problem["detail"]


@pytest.mark.parametrize("method", METHODS)
def test_syntax_error_is_400_with_the_parser_message(client: httpx.Client, method: str) -> None:
    response = send(client, method, "SELECT * WHERE { ?s ?p }")
    assert_problem(response, 400, "syntax error: error at 1:")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{E}> <{E}> <{E}> }}",
        f"DELETE WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}",
        f"DROP GRAPH <{G1}>",
        "CLEAR ALL",
        f"LOAD <{E}>",
        "prefix e: <http://e/> insert data { e:a e:b e:c }",
    ],
    ids=["insert", "delete", "drop", "clear", "load", "lower-case"],
)
def test_update_is_refused(client: httpx.Client, method: str, update: str) -> None:
    assert_problem(send(client, method, update), 400, "SPARQL Update is not allowed")
    count = send(client, "get", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", accept="text/csv")
    assert count.text.split() == ["n", "20"]


def test_update_parameter_and_media_type_are_refused(client: httpx.Client) -> None:
    assert_problem(client.post("/sparql", data={"update": "CLEAR ALL"}), 400, "read-only")
    assert_problem(client.get("/sparql", params={"update": "CLEAR ALL"}), 400, "read-only")
    response = client.post(
        "/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert_problem(response, 400, "read-only")


SERVICE_DISGUISES = [
    pytest.param(f"SELECT * WHERE {{ SERVICE <{E}> {{ ?s ?p ?o }} }}", id="plain"),
    pytest.param(f"select * where {{ service <{E}> {{ ?s ?p ?o }} }}", id="lower-case"),
    pytest.param(f"SELECT * WHERE {{ SERVICE SILENT <{E}> {{ ?s ?p ?o }} }}", id="silent"),
    pytest.param(f"SELECT * WHERE {{ SeRvIcE sIlEnT <{E}> {{ ?s ?p ?o }} }}", id="silent-mixed"),
    pytest.param(f"SELECT * WHERE {{ SERVICESILENT<{E}>{{ ?s ?p ?o }} }}", id="glued"),
    pytest.param(f"SELECT * {{ BIND(<{E}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}", id="variable"),
    pytest.param(f"PREFIX x: <{E}#> SELECT * {{ SERVICE x:y {{ ?s ?p ?o }} }}", id="prefixed"),
    pytest.param(f"PREFIX : <{E}> SELECT * {{ SERVICE:x {{ ?s ?p ?o }} }}", id="pname-glued"),
    pytest.param(f"SELECT * {{ SERVICE # hidden?\n <{E}> {{ ?s ?p ?o }} }}", id="comment"),
    pytest.param(f'SELECT * {{ ?s ?p "x" SERVICE <{E}> {{ ?s ?p ?o }} }}', id="after-string"),
    pytest.param(f"ASK {{ FILTER EXISTS {{ SERVICE <{E}> {{ }} }} }}", id="in-filter"),
    pytest.param(f"CONSTRUCT WHERE {{ ?s ?p ?o SERVICE <{E}> {{ }} }}", id="construct"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("query", SERVICE_DISGUISES)
def test_service_is_refused(client: httpx.Client, method: str, query: str) -> None:
    assert_problem(send(client, method, query), 400, "SERVICE is not allowed")


@pytest.mark.parametrize(
    ("query", "params", "message"),
    [
        pytest.param(f"SELECT * FROM <{E}> {{ ?s ?p ?o }}", {}, "is not a graph", id="from"),
        pytest.param(
            f"SELECT * FROM NAMED <{E}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}, "is not a graph",
            id="from-named",
        ),
        pytest.param("ASK {}", {"default_graph_uri": E}, "is not a graph", id="default-graph-uri"),
        pytest.param("ASK {}", {"named_graph_uri": "nope"}, "is not a graph", id="named-graph-uri"),
    ],
)  # fmt: skip
def test_graphs_that_are_not_ours_are_refused(
    client: httpx.Client, query: str, params: dict[str, str], message: str
) -> None:
    assert_problem(send(client, "get", query, **params), 400, message)


def test_two_query_parameters_are_400(client: httpx.Client) -> None:
    response = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert_problem(response, 400, "2 'query' parameters")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/sparql", content=b"query=ASK%7B%7D&query=ASK%7B%7D", headers=form)
    assert_problem(response, 400, "2 'query' parameters")


def test_a_query_in_the_body_and_the_url_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/sparql",
        params={"query": "ASK {}"},
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert_problem(response, 400, "both in the body and in a 'query' parameter")


def test_a_post_without_query_is_400(client: httpx.Client) -> None:
    response = client.post("/sparql", data={"default-graph-uri": G1})
    assert_problem(response, 400, "no 'query' parameter")


def test_a_get_with_graphs_but_no_query_is_400(client: httpx.Client) -> None:
    assert_problem(client.get("/sparql", params={"default-graph-uri": G1}), 400, "no 'query'")


def test_an_empty_query_is_a_syntax_error(client: httpx.Client) -> None:
    assert_problem(client.get("/sparql", params={"query": ""}), 400, "syntax error")


def test_a_too_long_query_is_400(client: httpx.Client) -> None:
    query = "ASK {}" + " " * 5_000
    assert_problem(send(client, "post-query", query), 400, "more than 5000")


def test_a_huge_body_is_413(client: httpx.Client) -> None:
    response = client.post(
        "/sparql", content=b" " * 200_000, headers={"Content-Type": "application/sparql-query"}
    )
    assert_problem(response, 413, "larger than")


def test_a_body_that_is_not_utf_8_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"}
    )
    assert_problem(response, 400, "not valid utf-8")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/json", "multipart/form-data; boundary=x", None],
)
def test_other_media_types_are_415(client: httpx.Client, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert_problem(response, 415, "application/sparql-query")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/sparql", content=b"ASK {}")
    assert_problem(response, 405, f"{method} is not allowed")
    assert response.headers["allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize(
    ("query", "accept", "params"),
    [
        pytest.param("SELECT * {}", "image/png", {}, id="unrelated"),
        pytest.param("SELECT * {}", "text/turtle", {}, id="graph-format-for-results"),
        pytest.param("CONSTRUCT WHERE {}", "application/sparql-results+json", {},
                     id="results-format-for-graph"),
        pytest.param("ASK {}", "text/csv;q=0", {}, id="refused"),
        pytest.param("SELECT * {}", None, {"format": "turtle"}, id="format-of-other-kind"),
        pytest.param("SELECT * {}", None, {"format": "yaml"}, id="unknown-format"),
        pytest.param("SELECT * {}", "text/csv", {"format": "image/png"}, id="format-wins"),
    ],
)  # fmt: skip
def test_nothing_acceptable_is_406_listing_the_formats(
    client: httpx.Client, query: str, accept: str | None, params: dict[str, str]
) -> None:
    response = send(client, "get", query, accept=accept, **params)
    assert response.status_code == 406, response.text
    assert "choose:" in response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_error_is_plain_text_for_a_client_that_prefers_it(client: httpx.Client) -> None:
    response = send(client, "get", "SELECT * {", accept="text/plain")
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("400 Bad Request\n\nsyntax error: ")


def test_unknown_path_is_a_404_problem(client: httpx.Client) -> None:
    assert_problem(client.get("/sparqle"), 404, "Not Found")
