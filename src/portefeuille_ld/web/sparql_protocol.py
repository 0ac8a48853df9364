"""Read a SPARQL 1.1 Protocol query request: from a GET's parameters or a POST's body.

https://www.w3.org/TR/sparql11-protocol/#query-operation — three ways to send a query:
GET with ``query=``, POST ``application/x-www-form-urlencoded`` with ``query=`` in the
body, POST ``application/sparql-query`` with the query as the body (its dataset
parameters in the URL). Each may carry ``default-graph-uri`` and ``named-graph-uri``;
we add an optional ``format`` (a format name or media type, instead of ``Accept``).

>>> from_params({"query": ["ASK {}"], "default-graph-uri": ["http://ex.org/g"]})
ProtocolRequest(query='ASK {}', default_graph_uris=('http://ex.org/g',), \
named_graph_uris=(), format=None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl

from starlette.exceptions import HTTPException

from portefeuille_ld.errors import QueryError

__all__ = [
    "FORM",
    "QUERY_MEDIA_TYPE",
    "ProtocolRequest",
    "from_params",
    "from_post",
    "is_query_request",
    "url_params",
]

FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"

Params = Mapping[str, Sequence[str]]

_PROTOCOL_PARAMS = ("query", "update", "default-graph-uri", "named-graph-uri")


@dataclass(frozen=True)
class ProtocolRequest:
    """One query request, whichever way it was sent."""

    query: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format: str | None = None


def url_params(query_string: bytes) -> dict[str, list[str]]:
    """The parameters of a URL's query string, read as Starlette's ``QueryParams`` reads them.

    >>> url_params(b"query=ASK%20%7B%7D&default-graph-uri=a&default-graph-uri=b&format=")
    {'query': ['ASK {}'], 'default-graph-uri': ['a', 'b'], 'format': ['']}
    """
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params


def is_query_request(params: Params) -> bool:
    """Whether a GET carries protocol parameters (else it asks for the service description).

    >>> is_query_request({}), is_query_request({"format": ["turtle"]})
    (False, False)
    >>> is_query_request({"query": ["ASK {}"]})
    True
    """
    return any(name in params for name in _PROTOCOL_PARAMS)


def _one(params: Params, name: str) -> str | None:
    values = params.get(name, ())
    if len(values) > 1:
        raise QueryError(f"{len(values)} '{name}' parameters: send exactly one")
    return values[0] if values else None


def from_params(params: Params, *, query: str | None = None) -> ProtocolRequest:
    """The request a set of parameters makes; ``query`` is given when it came as a body.

    :raises QueryError: no query, more than one, or an update.

    >>> from_params({"query": ["ASK {}", "ASK {}"]})
    Traceback (most recent call last):
    ...
    portefeuille_ld.errors.QueryError: 2 'query' parameters: send exactly one
    """
    if "update" in params:
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only")
    in_params = _one(params, "query")
    if query is not None and in_params is not None:
        raise QueryError("the query is both in the body and in a 'query' parameter: send one")
    query = query if query is not None else in_params
    if query is None:
        raise QueryError("no 'query' parameter: send a SPARQL query")
    return ProtocolRequest(
        query=query,
        default_graph_uris=tuple(params.get("default-graph-uri", ())),
        named_graph_uris=tuple(params.get("named-graph-uri", ())),
        format=_one(params, "format"),
    )


def _media_type(content_type: str | None) -> tuple[str, str]:
    """The bare media type and the charset (UTF-8 unless said otherwise)."""
    media_type, *params = (content_type or "").split(";")
    charset = "utf-8"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or charset
    return media_type.strip().lower(), charset


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except UnicodeDecodeError as exc:
        raise QueryError(f"the body is not valid {charset}: {exc.reason}") from exc
    except UnicodeError as exc:  # idna, punycode: not charsets a body is written in
        raise QueryError(f"the body is not valid {charset}: {exc}") from exc
    except LookupError as exc:  # unknown, or a codec that is not a charset (base64, rot13…)
        raise HTTPException(415, f"unknown charset {charset!r}: send UTF-8") from exc


def _parse_form(body: bytes, charset: str) -> dict[str, list[str]]:
    text = _decode(body, charset)
    try:
        return parse_qs(text, keep_blank_values=True, encoding=charset, errors="strict")
    except UnicodeDecodeError as exc:
        raise QueryError(f"a form parameter is not valid {charset}: {exc.reason}") from exc
    except UnicodeError as exc:
        raise QueryError(f"a form parameter is not valid {charset}: {exc}") from exc


def _merged(first: Params, second: Params) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {name: list(values) for name, values in first.items()}
    for name, values in second.items():
        merged.setdefault(name, []).extend(values)
    return merged


def from_post(content_type: str | None, body: bytes, url_params: Params) -> ProtocolRequest:
    """The request a POST makes, from its ``Content-Type``, body and URL parameters.

    :raises QueryError: a malformed request or an update (400).
    :raises HTTPException: 415 for a media type the protocol does not define for queries.

    >>> from_post(QUERY_MEDIA_TYPE + "; charset=utf-8", b"ASK {}", {}).query
    'ASK {}'
    >>> from_post(FORM, b"query=ASK%20%7B%7D&format=csv", {}).format
    'csv'
    """
    media_type, charset = _media_type(content_type)
    if media_type == FORM:
        form = _parse_form(body, charset)
        return from_params(_merged(form, url_params))
    if media_type == QUERY_MEDIA_TYPE:
        return from_params(url_params, query=_decode(body, charset))
    if media_type == UPDATE_MEDIA_TYPE:
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only")
    raise HTTPException(
        415,
        f"cannot read a {media_type or 'body without Content-Type'}:"
        f" send {FORM} or {QUERY_MEDIA_TYPE}",
    )
