"""Inspect a SPARQL query before it runs: refuse what must never run, learn what it answers.

pyoxigraph 0.5.13 runs ``SERVICE`` as an outbound HTTP request, so a federated query
must be refused before it reaches the store. A small tokenizer sets comments, strings
and IRIs aside, then the remaining words are checked:

- ``SERVICE`` anywhere (any case, ``SILENT``, ``SERVICE ?var``) is refused. pyoxigraph's
  parser does not need a space after a keyword (``SERVICESILENT<…>`` and ``SERVICE:x``
  both run), so a word or a prefix *containing* ``SERVICE`` is refused too.
- an update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``CREATE``, ``DROP``, ``COPY``,
  ``MOVE``, ``ADD``, ``WITH``) is refused with a clear message.
- ``FROM`` / ``FROM NAMED`` must name graphs of the dataset, when they are known.

The query is then parsed by pyoxigraph against an empty store, which reports syntax
errors with the parser's message and tells whether it answers a graph or results.

>>> inspect_query('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE').kind
'results'
>>> inspect_query("select * { service <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
portefeuille_ld.errors.QueryError: SERVICE is not allowed: this endpoint never sends queries \
to other endpoints (found 'service')
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple, cast
from urllib.parse import urljoin

import pyoxigraph

from portefeuille_ld.errors import QueryError
from portefeuille_ld.formats import ResultKind

__all__ = ["QueryInspection", "Token", "inspect_query", "tokenize"]

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:(?:[\w:%]|\\\S)(?:(?:[\w.:%-]|\\\S)*(?:[\w:%-]|\\\S))?)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

TokenKind = Literal["comment", "string", "iri", "var", "lang", "pname", "word", "other"]


class Token(NamedTuple):
    """One token of a query: its kind and its text."""

    kind: TokenKind
    text: str


@dataclass(frozen=True)
class QueryInspection:
    """What a query answers and the dataset it declares (absolute IRIs)."""

    kind: ResultKind
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()

    @property
    def declares_dataset(self) -> bool:
        """Whether the query has a ``FROM`` or ``FROM NAMED`` clause."""
        return bool(self.from_graphs or self.from_named_graphs)


def tokenize(sparql: str) -> Iterator[Token]:
    """The tokens of a query, without white space; never raises.

    >>> [t.text for t in tokenize('ASK { ?s ?p "a # b" } # SERVICE')]
    ['ASK', '{', '?s', '?p', '"a # b"', '}', '# SERVICE']
    """
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind != "space":
            yield Token(cast(TokenKind, kind), match.group())


def _prefix(token: Token) -> str:
    """The upper-cased word, or prefix of a prefixed name, a keyword could hide in."""
    if token.kind == "word":
        return token.text.upper()
    return token.text.partition(":")[0].upper() if token.kind == "pname" else ""


def _refuse_service(tokens: list[Token]) -> None:
    for token in tokens:
        if "SERVICE" in _prefix(token):
            raise QueryError(
                "SERVICE is not allowed: this endpoint never sends queries to other endpoints"
                f" (found {token.text!r})"
            )


def _first_keyword(tokens: list[Token]) -> str:
    """The first word after the prologue (``PREFIX p: <…>`` and ``BASE <…>``)."""
    index = 0
    while index < len(tokens):
        word = tokens[index].text.upper()
        if word not in ("PREFIX", "BASE"):
            return _prefix(tokens[index])
        index += 3 if word == "PREFIX" else 2
    return ""


def _refuse_update(tokens: list[Token]) -> None:
    first = _first_keyword(tokens)
    for keyword in (*UPDATE_KEYWORDS, "WITH"):
        if first.startswith(keyword):
            raise QueryError(
                f"SPARQL Update is not allowed: this endpoint is read-only (found {keyword});"
                " send a SELECT, ASK, CONSTRUCT or DESCRIBE query"
            )


def _unglued(tokens: list[Token]) -> Iterator[Token]:
    """Split ``FROMNAMED`` and ``FROM:g`` the way pyoxigraph reads them."""
    for token in tokens:
        head = _prefix(token)
        if token.kind == "pname" and head in ("FROM", "FROMNAMED", "NAMED"):
            yield from _unglued([Token("word", token.text.partition(":")[0])])
            yield Token("pname", ":" + token.text.partition(":")[2])
        elif token.kind == "word" and head == "FROMNAMED":
            yield from (Token("word", "FROM"), Token("word", "NAMED"))
        else:
            yield token


def _resolver(tokens: list[Token]) -> dict[str, str]:
    """The prologue's prefixes, and its base under the key ``""`` (``BASE`` then ``PREFIX``)."""
    names: dict[str, str] = {}
    for before, token, after in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if before.text.upper() == "PREFIX" and token.kind == "pname" and after.kind == "iri":
            names[token.text.rstrip(":") + ":"] = after.text[1:-1]
    for before, token in zip(tokens, tokens[1:], strict=False):
        if before.text.upper() == "BASE" and token.kind == "iri":
            names[""] = token.text[1:-1]
    return names


def _absolute(token: Token, names: dict[str, str]) -> str:
    if token.kind == "iri":
        return urljoin(names.get("", ""), token.text[1:-1])
    prefix, _, local = token.text.partition(":")
    namespace = names.get(prefix + ":")
    if namespace is None:
        raise QueryError(f"FROM {token.text}: the prefix {prefix}: is not declared")
    return urljoin(names.get("", ""), namespace + local.replace("\\", ""))


def _dataset(tokens: list[Token]) -> tuple[list[str], list[str]]:
    """The IRIs of the ``FROM`` and ``FROM NAMED`` clauses."""
    names = _resolver(tokens)
    plain: list[str] = []
    named: list[str] = []
    flat = list(_unglued(tokens))
    for index, token in enumerate(flat):
        if token.kind != "word" or token.text.upper() != "FROM":
            continue
        rest = flat[index + 1 : index + 3]
        is_named = bool(rest) and rest[0].text.upper() == "NAMED"
        target = rest[1:] if is_named else rest[:1]
        if target and target[0].kind in ("iri", "pname"):
            (named if is_named else plain).append(_absolute(target[0], names))
    return plain, named


def _check_graphs(iris: list[str], known_graphs: Collection[str]) -> None:
    for iri in iris:
        if iri not in known_graphs:
            listed = ", ".join(f"<{g}>" for g in sorted(known_graphs)) or "none"
            raise QueryError(
                f"FROM <{iri}> is not a graph of this dataset; the graphs are: {listed}"
                " (without FROM, the default graph is the union of all of them)"
            )


def _kind_by_parsing(sparql: str) -> ResultKind:
    """Parse (and trivially run) the query on an empty store; only call it once it is safe."""
    try:
        answer = pyoxigraph.Store().query(sparql)
    except SyntaxError as exc:
        raise QueryError(f"syntax error: {exc}") from exc
    except (RuntimeError, ValueError, OSError) as exc:  # ASK runs at once, even here
        raise QueryError(f"the query failed: {exc}") from exc
    return "rdf" if isinstance(answer, pyoxigraph.QueryTriples) else "results"


def inspect_query(sparql: str, *, known_graphs: Collection[str] | None = None) -> QueryInspection:
    """Refuse a query that must not run, or tell what it answers and which graphs it names.

    With ``known_graphs``, a ``FROM`` or ``FROM NAMED`` naming another graph is refused.

    :raises QueryError: a syntax error, an update, ``SERVICE`` or an unknown ``FROM`` graph.

    >>> inspect_query("CONSTRUCT WHERE { ?s ?p ?o }").kind
    'rdf'
    >>> inspect_query("PREFIX g: <http://ex.org/g/> SELECT * FROM g:1 { ?s ?p ?o }").from_graphs
    ('http://ex.org/g/1',)
    """
    tokens = [token for token in tokenize(sparql) if token.kind != "comment"]
    _refuse_service(tokens)
    _refuse_update(tokens)
    plain, named = _dataset(tokens)
    if known_graphs is not None:
        _check_graphs(plain + named, known_graphs)
    return QueryInspection(_kind_by_parsing(sparql), tuple(plain), tuple(named))
