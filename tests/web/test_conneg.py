"""`conneg.negotiate`: a table of Accept headers and what they get."""

from __future__ import annotations

import pytest

from portefeuille_ld.formats import (
    HTML,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    SPARQL_CSV,
    SPARQL_JSON,
    SPARQL_TSV,
    SPARQL_XML,
    TURTLE,
    Format,
    formats_of_kind,
)
from portefeuille_ld.web.conneg import MediaRange, negotiate, parse_accept

RESULTS = formats_of_kind("results")
GRAPHS = formats_of_kind("rdf")
PAGES = (*GRAPHS, HTML)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

CASES = [
    # no preference: the server's first offer
    pytest.param(None, RESULTS, SPARQL_JSON, id="missing"),
    pytest.param("", RESULTS, SPARQL_JSON, id="empty"),
    pytest.param("*/*", GRAPHS, TURTLE, id="anything"),
    # exact types and aliases
    pytest.param("text/csv", RESULTS, SPARQL_CSV, id="exact"),
    pytest.param("TEXT/CSV", RESULTS, SPARQL_CSV, id="case-insensitive"),
    pytest.param("application/json", RESULTS, SPARQL_JSON, id="alias-results"),
    pytest.param("application/json", GRAPHS, JSON_LD, id="alias-graph"),
    pytest.param("text/plain", GRAPHS, N_TRIPLES, id="text-plain-is-n-triples"),
    pytest.param("text/csv; charset=utf-8", RESULTS, SPARQL_CSV, id="parameter-ignored"),
    # q-values
    pytest.param("text/csv;q=0.5, text/tab-separated-values", RESULTS, SPARQL_TSV, id="q"),
    pytest.param("text/csv;q=0.5, application/sparql-results+xml;q=0.6", RESULTS, SPARQL_XML,
                 id="q-both-set"),
    pytest.param("text/csv;Q=0.1, */*;q=0.2", RESULTS, SPARQL_JSON, id="wildcard-beats-low-q"),
    pytest.param("application/sparql-results+xml;q=1.0, application/json;q=0.9", RESULTS,
                 SPARQL_XML, id="q-one-point-zero"),
    pytest.param("text/turtle;q=0.3, application/rdf+xml;q=0.3; level=1", GRAPHS, TURTLE,
                 id="tie-client-order"),
    pytest.param("application/rdf+xml, text/turtle", GRAPHS, RDF_XML, id="tie-first-listed"),
    # specificity
    pytest.param("text/*", RESULTS, SPARQL_CSV, id="type-wildcard"),
    pytest.param("text/*;q=0.9, text/tab-separated-values;q=0.95", RESULTS, SPARQL_TSV,
                 id="specific-in-wildcard"),
    pytest.param("*/*, text/csv;q=0", RESULTS, SPARQL_JSON, id="wildcard-but-not-csv"),
    pytest.param("text/*, text/csv;q=0", RESULTS, SPARQL_TSV, id="type-wildcard-but-not-csv"),
    pytest.param("*/*;q=0.1, application/*;q=0", GRAPHS, TURTLE, id="no-application"),
    pytest.param("application/sparql-results+json;q=0.1, application/json", RESULTS,
                 SPARQL_JSON, id="alias-gives-the-better-q"),
    # browsers
    pytest.param(BROWSER, PAGES, HTML, id="browser-page"),
    pytest.param(BROWSER, RESULTS, SPARQL_XML, id="browser-results"),
    pytest.param(BROWSER, GRAPHS, RDF_XML, id="browser-graph"),
    # nothing acceptable
    pytest.param("image/png", RESULTS, None, id="unrelated"),
    pytest.param("text/turtle", RESULTS, None, id="wrong-kind"),
    pytest.param("text/csv;q=0", RESULTS, None, id="only-refusal"),
    pytest.param("*/*;q=0", GRAPHS, None, id="refuse-everything"),
    # malformed headers never raise: bad parts are skipped
    pytest.param("garbage", RESULTS, SPARQL_JSON, id="no-slash"),
    pytest.param("text/csv;q=abc, text/tab-separated-values", RESULTS, SPARQL_TSV,
                 id="bad-q-skipped"),
    pytest.param("text/csv;q=2", RESULTS, SPARQL_JSON, id="q-out-of-range-skipped"),
    pytest.param("text/csv;q=-1", RESULTS, SPARQL_JSON, id="negative-q-skipped"),
    pytest.param(",,, ;;; ,", RESULTS, SPARQL_JSON, id="only-separators"),
    pytest.param("*/csv", RESULTS, SPARQL_JSON, id="wildcard-type-only"),
    pytest.param("text/", RESULTS, SPARQL_JSON, id="empty-subtype"),
    pytest.param('text/csv;foo="a,b"', RESULTS, SPARQL_CSV, id="quoted-comma"),
    pytest.param("text/csv\x00", RESULTS, SPARQL_JSON, id="control-char"),
    pytest.param("é/è, text/csv", RESULTS, SPARQL_CSV, id="non-ascii"),
]  # fmt: skip


@pytest.mark.parametrize(("accept", "offers", "expected"), CASES)
def test_negotiate(accept: str | None, offers: tuple[Format, ...], expected: Format | None) -> None:
    assert negotiate(accept, offers) is expected


def test_negotiate_without_offers_is_none() -> None:
    assert negotiate("*/*", []) is None


def test_parse_accept_keeps_the_client_order_and_lower_cases() -> None:
    assert parse_accept("Text/CSV;q=0.5, */*") == [
        MediaRange("text", "csv", 0.5),
        MediaRange("*", "*", 1.0),
    ]


@pytest.mark.parametrize(
    ("media_range", "specificity"),
    [(MediaRange("*", "*"), 0), (MediaRange("text", "*"), 1), (MediaRange("text", "csv"), 2)],
)
def test_specificity(media_range: MediaRange, specificity: int) -> None:
    assert media_range.specificity == specificity
