"""`formats`: one table, looked up by media type, extension or name."""

from __future__ import annotations

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat

from portefeuille_ld.formats import (
    FORMATS,
    HTML,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    SPARQL_CSV,
    SPARQL_JSON,
    SPARQL_TSV,
    SPARQL_XML,
    TRIG,
    TURTLE,
    Format,
    formats_of_kind,
    from_extension,
    from_media_type,
    from_name,
)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.oxigraph is not None], ids=str)
def test_table_agrees_with_pyoxigraph(fmt: Format) -> None:
    assert fmt.oxigraph is not None
    assert fmt.media_type == fmt.oxigraph.media_type.split(";")[0]
    assert fmt.extension == fmt.oxigraph.file_extension


def test_kinds_list_the_protocol_formats_preferred_first() -> None:
    assert formats_of_kind("results") == (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV)
    assert formats_of_kind("rdf") == (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, N_QUADS, TRIG)
    assert isinstance(TURTLE.oxigraph, RdfFormat)
    assert isinstance(SPARQL_TSV.oxigraph, QueryResultsFormat)


def test_names_extensions_and_media_types_are_unique() -> None:
    for attribute in ("name", "extension", "media_type"):
        values = [getattr(f, attribute) for f in FORMATS]
        assert len(values) == len(set(values)), attribute


@pytest.mark.parametrize(
    ("media_type", "kind", "expected"),
    [
        pytest.param("text/turtle", None, TURTLE, id="canonical"),
        pytest.param("TEXT/Turtle; charset=UTF-8", None, TURTLE, id="case-and-parameters"),
        pytest.param("text/plain", None, N_TRIPLES, id="alias"),
        pytest.param("application/json", "results", SPARQL_JSON, id="json-for-results"),
        pytest.param("application/json", "rdf", JSON_LD, id="json-for-graphs"),
        pytest.param("application/xml", "results", SPARQL_XML, id="xml-for-results"),
        pytest.param("application/xml", "rdf", RDF_XML, id="xml-for-graphs"),
        pytest.param("text/csv", "rdf", None, id="wrong-kind"),
        pytest.param("application/xhtml+xml", None, HTML, id="xhtml"),
        pytest.param("image/png", None, None, id="unknown"),
        pytest.param("", None, None, id="empty"),
    ],
)
def test_from_media_type(media_type: str, kind: str | None, expected: Format | None) -> None:
    assert from_media_type(media_type, kind=kind) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("turtle", TURTLE),
        ("TTL", TURTLE),
        ("nt", N_TRIPLES),
        ("N-Triples", N_TRIPLES),
        ("jsonld", JSON_LD),
        ("JSON-LD", JSON_LD),
        ("rdf/xml", RDF_XML),
        ("rdfxml", RDF_XML),
        ("json", SPARQL_JSON),
        ("srj", SPARQL_JSON),
        ("xml", SPARQL_XML),
        ("csv", SPARQL_CSV),
        ("tsv", SPARQL_TSV),
        ("nquads", N_QUADS),
        ("trig", TRIG),
        ("yaml", None),
        ("", None),
        ("--", None),
    ],
)
def test_from_name(name: str, expected: Format | None) -> None:
    assert from_name(name) is expected


@pytest.mark.parametrize(
    ("extension", "expected"),
    [(".nq", N_QUADS), ("ttl", TURTLE), ("JSONLD", JSON_LD), (".srx", SPARQL_XML), ("doc", None)],
)
def test_from_extension(extension: str, expected: Format | None) -> None:
    assert from_extension(extension) is expected


def test_content_type_says_utf_8() -> None:
    assert all(f.content_type.endswith("; charset=utf-8") for f in FORMATS)
