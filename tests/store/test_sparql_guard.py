"""`sparql_guard`: what is refused before a query runs, and what is let through."""

from __future__ import annotations

import pytest

from portefeuille_ld.errors import QueryError
from portefeuille_ld.sparql_guard import UPDATE_KEYWORDS, inspect_query, tokenize

E = "http://127.0.0.1:9/sparql"  # never contacted: these queries are refused first
G1 = "https://w3id.org/portefeuille-qc/graphe/2024-2025"
G2 = "https://w3id.org/portefeuille-qc/graphe/2025-2026"
KNOWN = {G1, G2}

SERVICE_DISGUISES = [
    pytest.param(f"SELECT * WHERE {{ SERVICE <{E}> {{ ?s ?p ?o }} }}", id="plain"),
    pytest.param(f"select * where {{ service <{E}> {{ ?s ?p ?o }} }}", id="lower-case"),
    pytest.param(f"SELECT * WHERE {{ sErViCe <{E}> {{ ?s ?p ?o }} }}", id="mixed-case"),
    pytest.param(f"SELECT * WHERE {{ SERVICE SILENT <{E}> {{ ?s ?p ?o }} }}", id="silent"),
    pytest.param(f"SELECT * WHERE {{ SERVICE<{E}>{{?s ?p ?o}} }}", id="no-space"),
    pytest.param(f"SELECT * WHERE {{ SERVICESILENT<{E}>{{?s ?p ?o}} }}", id="silent-glued"),
    pytest.param(f"SELECT*WHERE{{SERVICE<{E}>{{?s ?p ?o}}}}", id="no-space-anywhere"),
    pytest.param(
        f"SELECT * WHERE {{ BIND(<{E}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}", id="variable"
    ),
    pytest.param(
        f"SELECT * WHERE {{ BIND(<{E}> AS ?e) SERVICE SILENT ?e {{ ?s ?p ?o }} }}",
        id="silent-variable",
    ),
    pytest.param(f"PREFIX : <{E}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}", id="pname-glued"),
    pytest.param(
        f"PREFIX e: <{E}#> SELECT * WHERE {{ SERVICE e: {{ ?s ?p ?o }} }}", id="prefixed-name"
    ),
    pytest.param(
        f"PREFIX service: <{E}#> SELECT * WHERE {{ SERVICE service: {{ ?s ?p ?o }} }}",
        id="prefix-named-service",
    ),
    pytest.param(f"SELECT * WHERE {{ SERVICE # comment\n<{E}> {{ ?s ?p ?o }} }}", id="comment"),
    pytest.param(f"SELECT * WHERE {{ SERVICE\t<{E}>\r\n{{ ?s ?p ?o }} }}", id="tab-crlf"),
    pytest.param(f'SELECT * WHERE {{ ?s ?p "x" SERVICE <{E}> {{ ?s ?p ?o }} }}', id="after-string"),
    pytest.param(f"SELECT * WHERE {{ ?s ?p true SERVICE<{E}>{{ ?s ?p ?o }} }}", id="after-true"),
    pytest.param(f"SELECT * WHERE {{ ?s ?p trueSERVICE<{E}>{{ ?s ?p ?o }} }}", id="true-glued"),
    pytest.param(f"SELECT * WHERE {{ ?s ?p 1.SERVICE<{E}>{{ ?s ?p ?o }} }}", id="after-number"),
    pytest.param(f"SELECT * WHERE {{ ?s ?p ?o.SERVICE<{E}>{{ ?s ?p ?o }} }}", id="after-var"),
    pytest.param(
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?s) SERVICE <{E}> {{ ?s ?p ?o }} }}",
        id="after-less-than",
    ),
    pytest.param(
        f"PREFIX e: <http://e/> SELECT * WHERE {{ ?s ?p e:a\\'b . SERVICE <{E}> {{ ?s ?p ?o }} }}",
        id="after-escaped-quote-in-name",
    ),
    pytest.param(f"ASK {{ FILTER EXISTS {{ SERVICE <{E}> {{ ?s ?p ?o }} }} }}", id="in-exists"),
    pytest.param(
        f"SELECT * {{ {{ SELECT * WHERE {{ SERVICE <{E}> {{ ?s ?p ?o }} }} }} }}", id="subquery"
    ),
    pytest.param(
        f"SELECT * WHERE {{ OPTIONAL {{ SERVICE <{E}> {{ ?s ?p ?o }} }} }}", id="in-optional"
    ),
    pytest.param(
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{E}> {{ ?s ?p ?o }} }} }}", id="in-minus"
    ),
    pytest.param(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{E}> {{ ?s ?p ?o }} }}", id="construct"
    ),
    pytest.param(f"DESCRIBE ?s WHERE {{ SERVICE <{E}> {{ ?s ?p ?o }} }}", id="describe"),
    pytest.param(f"SELECT * WHERE {{ ſERVICE <{E}> {{ ?s ?p ?o }} }}", id="long-s"),
]


@pytest.mark.parametrize("query", SERVICE_DISGUISES)
def test_service_is_refused_in_every_disguise(query: str) -> None:
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        inspect_query(query, known_graphs=KNOWN)


ALLOWED = [
    pytest.param('SELECT * WHERE { ?s ?p "SERVICE" }', "results", id="service-in-string"),
    pytest.param("SELECT * WHERE { ?s ?p 'SERVICE de garde' }", "results", id="single-quoted"),
    pytest.param('SELECT * WHERE { ?s ?p """a\nSERVICE\n""" }', "results", id="long-string"),
    pytest.param("SELECT * WHERE { ?s ?p ?o } # SERVICE", "results", id="in-comment"),
    pytest.param("SELECT * WHERE { ?s <http://ex.org/SERVICE> ?o }", "results", id="in-iri"),
    pytest.param(
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
        "SELECT * WHERE { ?s a sd:Service }",
        "results",
        id="local-name-service",
    ),
    pytest.param("SELECT ?service WHERE { ?service ?p ?o }", "results", id="variable-named"),
    pytest.param('ASK { ?s ?p "x"@fr-SERVICE }', "results", id="in-language-tag"),
    pytest.param('SELECT * WHERE { ?s ?p "Deleted # not a comment" }', "results", id="hash-in-str"),
    pytest.param("CONSTRUCT WHERE { ?s ?p ?o }", "rdf", id="construct"),
    pytest.param("DESCRIBE <http://ex.org/a>", "rdf", id="describe"),
    pytest.param("ASK {}", "results", id="ask"),
    pytest.param("BASE <http://ex.org/> PREFIX e: <e#> SELECT * {}", "results", id="prologue"),
    pytest.param("prefix INSERT: <http://e/> SELECT * { ?s ?p INSERT:x }", "results", id="pfx"),
]


@pytest.mark.parametrize(("query", "kind"), ALLOWED)
def test_harmless_queries_pass_and_report_their_kind(query: str, kind: str) -> None:
    assert inspect_query(query, known_graphs=KNOWN).kind == kind


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * WHERE { ?s ?p 'SERVICE <x> {}' }", id="single-quoted"),
        pytest.param('SELECT * WHERE { ?s ?p """a\nSERVICE <x> {}\n""" }', id="long-string"),
        pytest.param("SELECT * WHERE { ?s ?p ?o } # SERVICE <x> {}", id="in-comment"),
    ],
)
def test_what_reads_as_a_service_call_is_refused_even_in_a_string(query: str) -> None:
    """The raw text is searched too: a tokenizer can be misled about where a string starts."""
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        inspect_query(query, known_graphs=KNOWN)


@pytest.mark.parametrize(
    "update",
    [
        *(pytest.param(f"{word} DATA {{ }}", id=word.lower()) for word in UPDATE_KEYWORDS),
        pytest.param("insert data { <a> <b> <c> }", id="lower-case"),
        pytest.param("PREFIX e: <http://e/> INSERT DATA { e:a e:b e:c }", id="after-prefix"),
        pytest.param("BASE <http://e/> DELETE WHERE { ?s ?p ?o }", id="after-base"),
        pytest.param("# a comment\nCLEAR ALL", id="after-comment"),
        pytest.param("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", id="with"),
        pytest.param("LOAD <http://127.0.0.1:9/data.ttl>", id="load-remote"),
    ],
)
def test_updates_are_refused_with_a_clear_message(update: str) -> None:
    with pytest.raises(QueryError, match="SPARQL Update is not allowed"):
        inspect_query(update)


@pytest.mark.parametrize(
    ("query", "from_graphs", "from_named"),
    [
        pytest.param(f"SELECT * FROM <{G1}> {{ ?s ?p ?o }}", (G1,), (), id="from"),
        pytest.param(f"SELECT * FROM NAMED <{G2}> {{ ?s ?p ?o }}", (), (G2,), id="from-named"),
        pytest.param(f"select * from<{G1}>from named<{G2}>{{}}", (G1,), (G2,), id="lower-glued"),
        pytest.param(
            "PREFIX g: <https://w3id.org/portefeuille-qc/graphe/> "
            "SELECT * FROM g:2024-2025 FROMNAMED g:2025-2026 {}",
            (G1,),
            (G2,),
            id="prefixed-and-glued",
        ),
        pytest.param(
            "BASE <https://w3id.org/portefeuille-qc/> SELECT * FROM <graphe/2024-2025> {}",
            (G1,),
            (),
            id="relative-to-base",
        ),
        pytest.param(f"SELECT * {{ ?s ?p <{G1}> }}", (), (), id="no-dataset"),
    ],
)
def test_from_clauses_are_read(
    query: str, from_graphs: tuple[str, ...], from_named: tuple[str, ...]
) -> None:
    inspection = inspect_query(query, known_graphs=KNOWN)
    assert (inspection.from_graphs, inspection.from_named_graphs) == (from_graphs, from_named)
    assert inspection.declares_dataset == bool(from_graphs or from_named)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * FROM <http://127.0.0.1:9/data.ttl> { ?s ?p ?o }", id="remote"),
        pytest.param("SELECT * FROM NAMED <http://example.org/g> { ?s ?p ?o }", id="named"),
        pytest.param("SELECT * FROM <graphe/2024-2025> { ?s ?p ?o }", id="relative-no-base"),
        pytest.param("SELECT * FROM nope:g { ?s ?p ?o }", id="undeclared-prefix"),
    ],
)
def test_from_a_graph_that_is_not_ours_is_refused(query: str) -> None:
    with pytest.raises(QueryError, match="FROM"):
        inspect_query(query, known_graphs=KNOWN)


def test_without_known_graphs_from_is_not_checked() -> None:
    assert inspect_query("SELECT * FROM <http://example.org/g> {}").from_graphs


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * WHERE {", id="unclosed"),
        pytest.param("", id="empty"),
        pytest.param("SELEKT * {}", id="misspelt"),
        pytest.param('SELECT * { ?s ?p "unterminated }', id="unterminated-string"),
        pytest.param("SELECT * { ?s ?p ?o } ; INSERT DATA { <a> <b> <c> }", id="query-then-update"),
        pytest.param("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> {} }", id="escaped-keyword"),
    ],
)
def test_syntax_errors_carry_the_parser_message(query: str) -> None:
    with pytest.raises(QueryError, match=r"syntax error: error at \d+:\d+"):
        inspect_query(query)


def test_tokenizer_sets_strings_comments_and_iris_aside() -> None:
    tokens = list(tokenize('SELECT ?x { ?x <urn:a#b> "#no" } # yes'))
    assert [t.kind for t in tokens] == [
        "word",
        "var",
        "other",
        "var",
        "iri",
        "string",
        "other",
        "comment",
    ]
