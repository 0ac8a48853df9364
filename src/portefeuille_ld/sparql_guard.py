"""Inspect a SPARQL query before it runs: refuse what must never run, learn what it answers.

pyoxigraph 0.5.13 runs ``SERVICE`` as an outbound HTTP request, so a federated query
must be refused before it reaches the store. A small tokenizer sets comments, strings
and IRIs aside, then the remaining words are checked:

- ``SERVICE`` anywhere (any case, ``SILENT``, ``SERVICE ?var``) is refused. pyoxigraph's
  parser does not need a space after a keyword (``SERVICESILENT<…>`` and ``SERVICE:x``
  both run), so a word or a prefix *containing* ``SERVICE`` is refused too. The raw
  text is searched as well (`_service_calls`), strings and comments included, since a
  tokenizer without the parser's context can be misled about where a string starts.
- an update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``CREATE``, ``DROP``, ``COPY``,
  ``MOVE``, ``ADD``, ``WITH``) is refused with a clear message.
- ``FROM`` / ``FROM NAMED`` must name graphs of the dataset, when they are known.

`guard_query` does only that, from the tokens: it never runs anything, so it is safe
anywhere, and it is linear in the query's length (an unterminated string runs to the end
of its line: no pattern is retried from every position). `inspect_query` then also
parses the query with pyoxigraph against an empty store, which reports syntax errors
with the parser's message and tells whether it answers a graph or results. That parse is
not free: pyoxigraph evaluates ``ASK``, ``ORDER BY`` and aggregates at once, and
``VALUES`` alone can make that a long computation, even on an empty store. Call
`inspect_query` only where time is bounded (a worker process).

>>> inspect_query('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE').kind
'results'
>>> inspect_query("select * { service <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
portefeuille_ld.errors.QueryError: SERVICE is not allowed: this endpoint never sends queries \
to other endpoints (found 'service')
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple, cast
from urllib.parse import urljoin

import pyoxigraph

from portefeuille_ld.errors import QueryError
from portefeuille_ld.formats import ResultKind

__all__ = ["QueryDataset", "QueryInspection", "Token", "guard_query", "inspect_query", "tokenize"]

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
              |'(?:[^'\\\r\n]|\\.)*'?|"(?:[^"\\\r\n]|\\.)*"?)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:(?:(?:[\w:%]|\\\S)(?:(?:[\w.:%-]|\\\S)*(?:[\w:%-]|\\\S))?)?)
  | (?P<word>[^\W\d][\w.-]*)
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
class QueryDataset:
    """The dataset a query declares: its ``FROM`` and ``FROM NAMED`` graphs (absolute IRIs)."""

    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()

    @property
    def declares_dataset(self) -> bool:
        """Whether the query has a ``FROM`` or ``FROM NAMED`` clause."""
        return bool(self.from_graphs or self.from_named_graphs)


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


_SERVICE_WORD = re.compile(r"service", re.IGNORECASE)
_SILENT_WORD = re.compile(r"silent", re.IGNORECASE)
_SPACE = re.compile(r"\s*")
_NAME_RUN = re.compile(r"[\w-]+")
_TERM_RUN = re.compile(r"""[^\s{}()<>"'\#]+""")


class _Runs:
    """The maximal runs of a pattern in a text, to find the one around a position quickly."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        spans = [match.span() for match in pattern.finditer(text)]
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def around(self, pos: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, pos) - 1
        if index < 0 or self.ends[index] <= pos:
            return pos, pos
        return self.starts[index], self.ends[index]


def _skip_gap(text: str, pos: int) -> int:
    """The position after the white space and comments at ``pos``."""
    while True:
        space = _SPACE.match(text, pos)
        pos = space.end() if space else pos
        if not text.startswith("#", pos):
            return pos
        ends = [i for i in (text.find("\n", pos), text.find("\r", pos)) if i != -1]
        pos = min(ends, default=len(text))


def _service_calls(sparql: str) -> Iterator[str]:
    """Each ``SERVICE`` of the raw text that pyoxigraph could read as a service call.

    A tokenizer cannot settle every case the way pyoxigraph's parser does (``<`` opens an
    IRI or compares, by context; pyoxigraph reads ``\\u`` escapes inside IRIs), so the
    text is also searched as it is, strings and IRIs included: ``SERVICE``, then white
    space and comments, an optional ``SILENT``, then what a call names (``<``, ``?``,
    ``$`` or a prefixed name). Only the end of a variable or of a prefixed name's local
    part (``?service``, ``dcat:service``) is not a call. Linear in the query's length.

    >>> list(_service_calls("ASK { <http://x/\\u0041'> ?p ?o . SERVICE <http://x/> {} }"))
    ['SERVICE']
    >>> list(_service_calls('SELECT ?service { ?c dcat:service ?service ; ?p "SERVICE" }'))
    []
    """
    words = list(_SERVICE_WORD.finditer(sparql))
    if not words:
        return
    names, terms = _Runs(_NAME_RUN, sparql), _Runs(_TERM_RUN, sparql)

    def names_a_service(pos: int) -> bool:
        if sparql.startswith(("<", "?", "$"), pos):
            return True
        return sparql.find(":", pos, terms.around(pos)[1]) != -1

    for match in words:
        start = names.around(match.start())[0]
        before = sparql[start - 1] if start else ""
        in_variable = before in ("?", "$") and sparql.find("-", start, match.start()) == -1
        in_local_name = before == ":" and not sparql.startswith("-", start)
        if in_variable or in_local_name:
            continue
        pos = _skip_gap(sparql, match.end())
        silent = _SILENT_WORD.match(sparql, pos)
        if names_a_service(pos) or (silent and names_a_service(_skip_gap(sparql, silent.end()))):
            yield match.group()


def _refuse_service(sparql: str, tokens: list[Token]) -> None:
    found = [t.text for t in tokens if "SERVICE" in _prefix(t)]
    found.extend(_service_calls(sparql))
    if found:
        raise QueryError(
            "SERVICE is not allowed: this endpoint never sends queries to other endpoints"
            f" (found {found[0]!r})"
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


_GUARDED_WORDS = ("SERVICE", "FROM", *UPDATE_KEYWORDS, "WITH")


def _may_need_tokens(sparql: str) -> bool:
    """Whether the query could be refused or declare a dataset: a cheap test on the raw text.

    Every refusal, and every ``FROM``, needs one of `_GUARDED_WORDS` in a token's
    upper-cased text, hence in the upper-cased query (``str.upper`` maps character by
    character). The raw-text ``SERVICE`` search ignores case the way `re` does, which
    upper-casing matches for every character but ``İ`` (it matches ``i``). Most queries
    have none of these and are let through untokenized (tokens cost microseconds each);
    a word in a comment or a string only means the full check runs. One ``in`` per word
    (a C substring search) takes a microsecond on a typical query, where one pattern
    alternating the words took 20 to 40.

    >>> _may_need_tokens("SELECT * { ?s ?p ?o }"), _may_need_tokens("ASK { ?s ?p 'from' }")
    (False, True)
    >>> _may_need_tokens("ASK { SERV\u0130CE <http://x/> {} }")
    True
    """
    upper = sparql.upper()
    return "\u0130" in sparql or any(word in upper for word in _GUARDED_WORDS)


def guard_query(sparql: str, *, known_graphs: Collection[str] | None = None) -> QueryDataset:
    """Refuse a query that must not run, from its tokens alone; never parses nor runs it.

    With ``known_graphs``, a ``FROM`` or ``FROM NAMED`` naming another graph is refused.

    :raises QueryError: an update, ``SERVICE`` or an unknown ``FROM`` graph.

    >>> guard_query("PREFIX g: <http://ex.org/g/> SELECT * FROM g:1 { ?s ?p ?o }").from_graphs
    ('http://ex.org/g/1',)
    >>> guard_query("SELECT * {").declares_dataset  # syntax is the parser's business
    False
    """
    if not _may_need_tokens(sparql):
        return QueryDataset()
    tokens = [token for token in tokenize(sparql) if token.kind != "comment"]
    _refuse_service(sparql, tokens)
    _refuse_update(tokens)
    plain, named = _dataset(tokens)
    if known_graphs is not None:
        _check_graphs(plain + named, known_graphs)
    return QueryDataset(tuple(plain), tuple(named))


def inspect_query(sparql: str, *, known_graphs: Collection[str] | None = None) -> QueryInspection:
    """`guard_query`, then parse the query to tell what it answers (see the module's warning).

    :raises QueryError: a syntax error, an update, ``SERVICE`` or an unknown ``FROM`` graph.

    >>> inspect_query("CONSTRUCT WHERE { ?s ?p ?o }").kind
    'rdf'
    >>> inspect_query("PREFIX g: <http://ex.org/g/> SELECT * FROM g:1 { ?s ?p ?o }").from_graphs
    ('http://ex.org/g/1',)
    """
    dataset = guard_query(sparql, known_graphs=known_graphs)
    kind = _kind_by_parsing(sparql)
    return QueryInspection(kind, dataset.from_graphs, dataset.from_named_graphs)
