"""JSON-LD a web developer reads as plain JSON, with a context generated from the data.

The context is derived from the vocabulary the graph uses, never written by hand. Each
predicate and class gets its local name as key ("title", "responsibleOrganization",
"Project") unless two IRIs share it; then both keep their prefixed name
("dcterms:title"). A key's values are written by what the data holds:

- IRIs only: ``"@type": "@id"``, and the IRI (prefixed when a prefix fits);
- one language only: ``"@language"`` and plain strings; several: a language map;
- plain strings: plain strings;
- one datatype: ``"@type"``; integers and booleans become JSON numbers and booleans;
- anything else: explicit value objects;
- a key that some node repeats is always an array (``"@container": "@set"``).

``@id`` and ``@type`` are aliased to ``id`` and ``type``. The document is a flat
``@graph`` of nodes sorted by IRI, keys and values in a stable order, so the same graph
gives the same bytes. Only JSON-LD 1.0 features are used.

Two readers feed the same writer: an rdflib graph (`to_jsonld`, `write_jsonld`), or a
graph's sorted N-Triples lines (`write_jsonld_lines`, what the build uses: another process
writes the dump from the lines alone, in two passes, holding one node at a time).

>>> from rdflib import BNode, Graph, Literal, URIRef
>>> g = Graph()
>>> s = URIRef("https://example.org/id/p1")
>>> _ = g.add((s, URIRef("http://purl.org/dc/terms/title"), Literal("Élan", lang="fr")))
>>> jsonld = to_jsonld(g, prefixes={"dcterms": "http://purl.org/dc/terms/"})
>>> jsonld.document["@graph"]
[{'id': 'https://example.org/id/p1', 'title': 'Élan'}]
>>> jsonld.context["title"]
{'@id': 'dcterms:title', '@language': 'fr'}
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Literal as Choice, Protocol, TypeAlias

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from portefeuille_ld.pipeline.dumps import SortedTriples

__all__ = [
    "Json",
    "JsonLd",
    "dumps",
    "local_name",
    "to_jsonld",
    "write_jsonld",
    "write_jsonld_lines",
]

Json: TypeAlias = "str | int | bool | list[Json] | dict[str, Json]"
"""A JSON value (these documents never need null or floats)."""

TermKind = Choice["iri", "string", "lang", "langmap", "typed", "mixed"]

Value: TypeAlias = tuple[int, str, str, str]
"""A term as (rank, text, language, datatype): rank `_IRI`, `_BLANK` or `_LITERAL`; the
language or ""; the datatype, "" for a plain or language string (``"x"^^xsd:string`` is
``"x"``, RDF 1.1). Values sort in the order the document lists them."""
Properties: TypeAlias = "dict[str, list[Value]]"
"""A node's values by predicate IRI, each list sorted."""

_IRI, _BLANK, _LITERAL = 0, 1, 2
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SURVEYED = re.compile(
    r'^(<[^>]*>|_:\S+) <([^>]*)> (?:<([^>]*)>|(_):\S+|".*"(?:@(\S+)|\^\^<([^>]*)>)?) \.$', re.M
)
"""A line as `_Survey.of_lines` reads it: subject as written, predicate IRI, then the
object's IRI, ``_`` for a blank node, or a literal's language or datatype (every group
not matched is "")."""
_NICE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALIASES: dict[str, Json] = {"id": "@id", "type": "@type"}
_SCHEMES = {"data", "file", "ftp", "http", "https", "mailto", "tel", "urn"}
"""Never keys: a term named like a scheme would rewrite the IRIs that use it."""
_GEN_DELIMS = tuple(":/?#[]@")
_HEAD = re.compile(r".*[:/?#\[\]@]", re.DOTALL)
"""An IRI up to its last delimiter (greedy)."""
_CANONICAL_INT = re.compile(r"^(0|-?[1-9][0-9]*)$")
_SAFE_INT = 2**53
_INTEGER_TYPES = frozenset(
    str(XSD[name])
    for name in (
        "integer nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger"
        " long int short byte unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
)
_TYPE, _XSD_BOOLEAN = str(RDF.type), str(XSD.boolean)
_string = encode_basestring
"""A JSON string, non-ASCII characters as they are (``ensure_ascii=False``), in C."""
_PLAIN = frozenset({str(XSD.string), str(RDF.langString)})
"""The datatypes of the strings a `Value` writes as ""."""

_PARTS = 4_096
"""Pieces of JSON text (nodes and separators) gathered before each write."""
_KNOWN = 65_536
"""IRIs a `_Compactor` remembers."""


class _Output(Protocol):
    def write(self, data: bytes, /) -> int: ...


@dataclass(frozen=True)
class JsonLd:
    """A graph as JSON-LD: the generated ``@context`` object and the document embedding it."""

    context: dict[str, Json]
    document: dict[str, Json]


def to_jsonld(graph: Graph, *, prefixes: Mapping[str, str]) -> JsonLd:
    """Generate the context of `graph` and compact `graph` with it.

    Only the prefixes the document or its context uses appear in the context.
    """
    nodes = _graph_nodes(graph)
    writer = _Survey.of(nodes, prefixes).writer()
    graph_nodes: list[Json] = [writer.node(subject, props) for subject, props in nodes]
    return JsonLd(writer.context, {"@context": writer.context, "@graph": graph_nodes})


def write_jsonld(graph: Graph, output: _Output, *, prefixes: Mapping[str, str]) -> dict[str, Json]:
    """``dumps(to_jsonld(graph).document)`` written a node at a time; returns the context.

    ``json`` escapes every newline inside a string, so a value encoded alone is the same
    text as within the document, once its lines are indented as deep as it sits there.

    >>> import io
    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph()
    >>> _ = g.add((URIRef("https://e.org/a"), URIRef("https://e.org/o#p"), Literal("x\\ny")))
    >>> output = io.BytesIO()
    >>> context = write_jsonld(g, output, prefixes={})
    >>> output.getvalue() == dumps(to_jsonld(g, prefixes={}).document)
    True
    """
    nodes = _graph_nodes(graph)
    writer = _Survey.of(nodes, prefixes).writer()
    writer.write((_indented(writer.node(s, props), 2) for s, props in nodes), output)
    return writer.context


def write_jsonld_lines(
    lines: SortedTriples, output: _Output, *, prefixes: Mapping[str, str]
) -> dict[str, Json]:
    """`write_jsonld` of the graph whose sorted N-Triples lines are `lines`: the same bytes.

    Two passes over the lines, one node at a time: the first finds the context and the
    nodes' order, the second writes them. The lines come grouped by subject in the byte
    order of their N-Triples text, where ``<a-2>`` sorts before ``<a>``: a node written
    before those sorting ahead of it waits for them.

    >>> import io
    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph()
    >>> for iri in ("https://e.org/a", "https://e.org/a-2"):
    ...     _ = g.add((URIRef(iri), URIRef("https://e.org/o#p"), Literal("x", lang="fr")))
    >>> output = io.BytesIO()
    >>> context = write_jsonld_lines(SortedTriples.of_graph(g), output, prefixes={})
    >>> output.getvalue() == dumps(to_jsonld(g, prefixes={}).document)
    True
    """
    subjects: list[Value] = []
    survey = _Survey.of_lines(lines, prefixes, subjects)
    if survey is None:  # lines these expressions do not read: every term made a `Value`
        subjects.clear()

        def listed(
            nodes: Iterable[tuple[Value, Properties]],
        ) -> Iterator[tuple[Value, Properties]]:
            for subject, props in nodes:
                subjects.append(subject)
                yield subject, props

        survey = _Survey.of(listed(_line_nodes(lines)), prefixes)
    writer = survey.writer()
    order = sorted(subjects)
    subjects.clear()

    def texts() -> Iterator[str]:
        waiting: dict[Value, str] = {}
        position = 0
        for subject, props in _line_nodes(lines):
            waiting[subject] = _indented(writer.node(subject, props), 2)
            while position < len(order) and order[position] in waiting:
                yield waiting.pop(order[position])
                position += 1

    writer.write(texts(), output)
    return writer.context


def _indented(value: Json, depth: int) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, each line after the first
    indented `depth` levels more. Written here: with an indent, ``json`` encodes in Python
    through generators, half the CPU of the dump; strings are still escaped by its C code.

    >>> value = {"a": [1, True, {"b": "é\\n"}], "c": {}, "d": []}
    >>> _indented(value, 1) == json.dumps(value, ensure_ascii=False, indent=2).replace(
    ...     "\\n", "\\n  ")
    True
    """
    parts: list[str] = []
    _encode(value, "\n" + "  " * depth, parts)
    return "".join(parts)


def _encode(value: Json, newline: str, parts: list[str]) -> None:
    """Append the text of `value` to `parts`; `newline` starts a line at its depth."""
    if isinstance(value, str):
        parts.append(_string(value))
    elif value is True or value is False:
        parts.append("true" if value else "false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner, separator = newline + "  ", "{"
        for key, item in value.items():
            parts += [separator, inner, _string(key), ": "]
            _encode(item, inner, parts)
            separator = ","
        parts += [newline, "}"]
    elif isinstance(value, list):
        if not value:
            parts.append("[]")
            return
        inner, separator = newline + "  ", "["
        for item in value:
            parts += [separator, inner]
            _encode(item, inner, parts)
            separator = ","
        parts += [newline, "]"]
    else:
        raise TypeError(f"not a JSON value of these documents: {value!r}")


def _graph_nodes(graph: Graph) -> list[tuple[Value, Properties]]:
    """The triples of an rdflib graph grouped by subject, both sorted."""
    nodes: dict[Value, dict[str, set[Value]]] = {}
    values: dict[object, Value] = {}
    for s, p, o in graph:
        if not isinstance(p, URIRef):
            raise ValueError(f"the predicate {p!r} is not an IRI")
        subject, value = _rdflib_value(s, values), _rdflib_value(o, values)
        nodes.setdefault(subject, {}).setdefault(str(p), set()).add(value)
    return [(s, {p: sorted(vs) for p, vs in nodes[s].items()}) for s in sorted(nodes)]


def _rdflib_value(node: object, seen: dict[object, Value]) -> Value:
    """`node` as a `Value`; IRIs and blank nodes, which repeat, are kept in `seen`."""
    if isinstance(node, Literal):
        datatype = "" if node.datatype is None else str(node.datatype)
        return (_LITERAL, str(node), node.language or "", "" if datatype in _PLAIN else datatype)
    found = seen.get(node)
    if found is None:
        if isinstance(node, URIRef):
            found = seen[node] = (_IRI, str(node), "", "")
        elif isinstance(node, BNode):
            found = seen[node] = (_BLANK, str(node), "", "")
        else:
            raise ValueError(f"not an RDF term: {node!r}")
    return found


def _line_nodes(lines: SortedTriples) -> Iterator[tuple[Value, Properties]]:
    """The triples of `lines` grouped by subject, in the lines' order; values sorted.

    Nothing is kept from one node to the next: at 100k projects, the build's worker
    writes this dump while the build's own process holds the graphs. Each line is cut
    as bytes (`SortedTriples.terms`), not parsed: pyoxigraph writes every term one way
    (`_line_value`), and making its term objects took half of this dump's time.
    """
    iris: dict[bytes, str] = {}
    current = b""
    subject_value: Value | None = None
    props: dict[str, list[Value]] = {}
    for subject, predicate, value in lines.terms():
        if subject != current:
            if subject_value is not None:
                yield subject_value, {p: sorted(vs) for p, vs in props.items()}
            current, subject_value, props = subject, _line_value(subject), {}
        key = iris.get(predicate)
        if key is None:
            key = iris[predicate] = predicate[1:-1].decode()
        props.setdefault(key, []).append(_line_value(value))
    if subject_value is not None:
        yield subject_value, {p: sorted(vs) for p, vs in props.items()}


def _line_value(term: bytes) -> Value:
    """The `Value` of a term as pyoxigraph writes it in N-Triples.

    >>> _line_value(b'"a\\"b"@fr'), _line_value(b'"1"^^<http://www.w3.org/2001/XMLSchema#integer>')
    ((2, 'a"b', 'fr', ''), (2, '1', '', 'http://www.w3.org/2001/XMLSchema#integer'))
    >>> _line_value(b"<https://e.org/a>"), _line_value(b"_:b1")
    ((0, 'https://e.org/a', '', ''), (1, 'b1', '', ''))
    """
    first = term[0]
    if first == 0x3C:  # "<"
        return (_IRI, term[1:-1].decode(), "", "")
    if first == 0x5F:  # "_"
        return (_BLANK, term[2:].decode(), "", "")
    close = term.rindex(b'"')  # a language tag or an IRI holds no quote
    text = _unescaped(term[1:close].decode())
    if close == len(term) - 1:
        return (_LITERAL, text, "", "")
    if term[close + 1] == 0x40:  # "@"
        return (_LITERAL, text, term[close + 2 :].decode(), "")
    datatype = term[close + 4 : -1].decode()  # after '^^<'
    return (_LITERAL, text, "", "" if datatype in _PLAIN else datatype)


def _unescaped(text: str) -> str:
    """A literal's text with N-Triples' escapes (ECHAR, UCHAR) read.

    >>> _unescaped(r"a\\nb \\"c\\" \\u00e9\\U0001F600 \\\\")
    'a\\nb "c" é😀 \\\\'
    """
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_escaped_character, text)


def _escaped_character(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code:
        return chr(int(code, 16))
    return _ECHAR[match.group(3)]


def dumps(document: Mapping[str, Json]) -> bytes:
    """UTF-8 JSON, indent 2, keys in the order built, one final newline.

    >>> dumps({"title": "Élan"})
    b'{\\n  "title": "\\xc3\\x89lan"\\n}\\n'
    """
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``#`` or ``/``.

    >>> local_name("http://purl.org/dc/terms/title"), local_name("https://e.org/o#Project")
    ('title', 'Project')
    """
    return re.split(r"[#/]", iri)[-1]


@dataclass
class _Compactor:
    """Shortens IRIs with a prefix map (the longest namespace wins) and records its use.

    >>> short = _Compactor({"pf": "https://e.org/o#"})
    >>> short("https://e.org/o#Project"), short("https://e.org/id/1"), short.used
    ('pf:Project', 'https://e.org/id/1', {'pf'})
    """

    prefixes: Mapping[str, str]
    used: set[str] = field(default_factory=set)
    known: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """IRIs already shortened, and the prefix that did it: at most `_KNOWN`, then forgotten
    (the vocabulary's few IRIs come back at once; a large graph's subjects need not stay)."""
    heads: dict[str, tuple[int, str] | None] = field(default_factory=dict)
    """The longest namespace each head of an IRI starts with (its length and prefix)."""

    def __post_init__(self) -> None:
        if not all(ns.endswith(_GEN_DELIMS) for ns in self.prefixes.values()):
            raise ValueError("every namespace must end with a delimiter (one of :/?#[]@)")

    def __call__(self, iri: str) -> str:
        found = self.known.get(iri)
        if found is None:
            if len(self.known) >= _KNOWN:
                self.known.clear()
            found = self.known[iri] = self._shortened(iri)
        short, prefix = found
        if prefix is not None:
            self.used.add(prefix)
        return short

    def _shortened(self, iri: str) -> tuple[str, str | None]:
        """A namespace ends with a delimiter, so the IRI starts with it exactly when the
        IRI's head (up to its last delimiter) does: the heads, few, are searched once."""
        head = _HEAD.match(iri)
        namespace = None if head is None else self._namespace(head.group())
        if namespace is None:
            return iri, None
        length, prefix = namespace
        rest = iri[length:]
        if not rest or rest.startswith("//"):
            return iri, None
        return f"{prefix}:{rest}", prefix

    def _namespace(self, head: str) -> tuple[int, str] | None:
        if head in self.heads:
            return self.heads[head]
        if len(self.heads) >= _KNOWN:
            self.heads.clear()
        matches = [(len(ns), p) for p, ns in self.prefixes.items() if head.startswith(ns)]
        found = self.heads[head] = max(matches) if matches else None
        return found


@dataclass
class _Usage:
    """What the values of one predicate are, over all the nodes: what its term says."""

    ranks: set[int] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    """Of its literals, "" for none."""
    datatypes: set[str] = field(default_factory=set)
    """Of its literals without a language."""
    repeated: bool = False
    """Some node has several values."""
    repeated_language: bool = False
    """Some node has several values in one language (or several without one)."""

    def add(self, values: list[Value]) -> None:
        for rank, _, language, datatype in values:
            self.ranks.add(rank)
            if rank == _LITERAL:
                self.languages.add(language)
                if not language:
                    self.datatypes.add(datatype)
        if len(values) > 1:
            self.repeated = True
            if not self.repeated_language:
                counts = Counter(v[2] if v[0] == _LITERAL else "" for v in values)
                self.repeated_language = max(counts.values()) > 1

    def kind(self) -> tuple[TermKind, str | None, str | None]:
        """The coercion all the values allow, with its datatype or language."""
        if self.ranks == {_IRI}:
            return "iri", None, None
        if self.ranks != {_LITERAL}:
            return "mixed", None, None
        if "" not in self.languages:
            if len(self.languages) == 1:
                return "lang", None, next(iter(self.languages))
            return "langmap", None, None
        if self.languages != {""}:
            return "mixed", None, None
        if self.datatypes == {""}:
            return "string", None, None
        if len(self.datatypes) == 1:
            return "typed", next(iter(self.datatypes)), None
        return "mixed", None, None


@dataclass(frozen=True)
class _Term:
    """How one predicate is written: its key, its values' coercion, array or not."""

    key: str
    iri: str
    kind: TermKind
    multi: bool
    datatype: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, key: str, iri: str, usage: _Usage) -> _Term:
        kind, datatype, language = usage.kind()
        multi = usage.repeated_language if kind == "langmap" else usage.repeated
        return cls(key, iri, kind, multi, datatype, language)

    def definition(self, short: _Compactor) -> Json | None:
        """The context entry, or None when the key alone says everything."""
        spec: dict[str, Json] = {"@id": short(self.iri)}
        if self.kind == "iri":
            spec["@type"] = "@id"
        elif self.kind == "typed" and self.datatype is not None:
            spec["@type"] = short(self.datatype)
        elif self.kind == "lang" and self.language is not None:
            spec["@language"] = self.language
        if self.kind == "langmap":
            spec["@container"] = "@language"
        elif self.multi:
            spec["@container"] = "@set"
        if len(spec) > 1:
            return spec
        return None if ":" in self.key else spec["@id"]


@dataclass
class _Survey:
    """What the context needs to know of every node, gathered one node at a time."""

    candidates: dict[str, str]
    short: _Compactor
    usage: dict[str, _Usage] = field(default_factory=dict)
    classes: set[str] = field(default_factory=set)
    multi_typed: bool = False

    @classmethod
    def empty(cls, prefixes: Mapping[str, str]) -> _Survey:
        """A survey of no node yet, with the prefixes a document may use."""
        candidates = {p: ns for p, ns in sorted(prefixes.items()) if ns.endswith(_GEN_DELIMS)}
        return cls(candidates, _Compactor(candidates))

    @classmethod
    def of(cls, nodes: Iterable[tuple[Value, Properties]], prefixes: Mapping[str, str]) -> _Survey:
        survey = cls.empty(prefixes)
        for subject, props in nodes:
            survey.add(subject, props)
        return survey

    @classmethod
    def of_lines(
        cls, lines: SortedTriples, prefixes: Mapping[str, str], subjects: list[Value]
    ) -> _Survey | None:
        """`of` the nodes of `lines`, read off each chunk's text by `_SURVEYED` and set
        operations, no `Value` made per term (it cost half of the JSON-LD dump); each
        subject's `Value` is appended to `subjects`. None if a line does not read so, or
        an rdf:type is not an IRI (`of` says which).

        A node's lines are together, and a predicate's lines within them: they share
        their start, and the lines are sorted. Those of the last node of a chunk wait for
        the next chunk's.
        """
        survey = cls.empty(prefixes)
        waiting: list[tuple[str, ...]] = []
        for chunk in lines.chunks():
            rows = waiting + _SURVEYED.findall(chunk.decode())
            if len(rows) - len(waiting) != chunk.count(b"\n"):
                return None
            cut = len(rows) - 1
            while cut > 0 and rows[cut - 1][0] == rows[-1][0]:
                cut -= 1
            if not survey._add_rows(rows[:cut], subjects):
                return None
            waiting = rows[cut:]
        return survey if survey._add_rows(waiting, subjects) else None

    def _add_rows(self, rows: list[tuple[str, ...]], subjects: list[Value]) -> bool:
        """`add` every node of `rows` (whole nodes, from `_SURVEYED`); False if an
        rdf:type is not an IRI."""
        short = self.short
        types = [row for row in rows if row[1] == _TYPE]
        if any(not row[2] for row in types):
            return False
        classes = {row[2] for row in types}
        self.classes |= classes
        self.multi_typed = self.multi_typed or any(
            a[0] == b[0] for a, b in zip(types, types[1:], strict=False)
        )
        nodes = dict.fromkeys(row[0] for row in rows)
        for node in nodes:
            subject = _line_value(node.encode())
            subjects.append(subject)
            if subject[0] == _IRI:
                short(subject[1])
        others = [row for row in rows if row[1] != _TYPE]
        repeated = {a[1] for a, b in zip(others, others[1:], strict=False) if a[:2] == b[:2]}
        counts = Counter((row[0], row[1], row[4]) for row in others)
        same_language = {key[1] for key, n in counts.items() if n > 1}
        for iri in {*classes, *(row[2] for row in others if row[2])}:
            short(iri)
        for predicate, iri, blank, language, datatype in {row[1:] for row in others}:
            usage = self.usage.get(predicate)
            if usage is None:
                short(predicate)
                usage = self.usage[predicate] = _Usage()
            rank = _IRI if iri else _BLANK if blank else _LITERAL
            usage.ranks.add(rank)
            if rank == _LITERAL:
                usage.languages.add(language)
                plain = "" if datatype in _PLAIN else datatype
                if not language:
                    usage.datatypes.add(plain)
                if plain:
                    short(plain)
        for predicate in repeated:
            self.usage[predicate].repeated = True
        for predicate in same_language:
            self.usage[predicate].repeated_language = True
        return True

    def add(self, subject: Value, props: Properties) -> None:
        """Note a node: every IRI the document or its context may write, rdf:type excepted,
        goes through `short` (to know which prefixes are used)."""
        short = self.short
        if subject[0] == _IRI:
            short(subject[1])
        for predicate, values in props.items():
            if predicate == _TYPE:
                for rank, text, _, _ in values:
                    if rank != _IRI:
                        raise ValueError(
                            f"{subject[1]} has an rdf:type that is not an IRI: {text!r}"
                        )
                    self.classes.add(text)
                    short(text)
                self.multi_typed = self.multi_typed or len(values) > 1
                continue
            short(predicate)
            usage = self.usage.get(predicate)
            if usage is None:
                usage = self.usage[predicate] = _Usage()
            usage.add(values)
            for rank, text, _, datatype in values:
                if rank == _IRI:
                    short(text)
                elif datatype:
                    short(datatype)

    def writer(self) -> _Writer:
        short = _Compactor({p: self.candidates[p] for p in sorted(self.short.used)})
        keys = _keys({*self.classes, *self.usage}, set(self.candidates), short)
        terms = {p: _Term.of(keys[p], p, self.usage[p]) for p in sorted(self.usage)}
        context = _context(short, terms, {keys[c]: short(c) for c in self.classes})
        return _Writer(short, keys, terms, context, self.multi_typed)


@dataclass(frozen=True)
class _Writer:
    """How to write each node: compactor, keys, terms, and the context that says so."""

    short: _Compactor
    keys: dict[str, str]
    terms: dict[str, _Term]
    context: dict[str, Json]
    multi_typed: bool

    def node(self, subject: Value, props: Properties) -> dict[str, Json]:
        short, keys = self.short, self.keys
        node: dict[str, Json] = {"id": _reference(subject, short)}
        types: list[Json] = [keys[t[1]] for t in props.get(_TYPE, [])]
        if types:
            node["type"] = sorted(types, key=str) if self.multi_typed else types[0]
        terms = self.terms
        written = sorted(((terms[p], p) for p in props if p != _TYPE), key=lambda t: t[0].key)
        for term, predicate in written:
            node[term.key] = _values(term, props[predicate], short)
        return node

    def write(self, nodes: Iterable[str], output: _Output) -> None:
        """The document, its nodes' JSON text given (each indented two levels)."""
        parts = ['{\n  "@context": ', _indented(self.context, 1), ',\n  "@graph": [']
        separator = "\n    "
        for text in nodes:
            parts += [separator, text]
            separator = ",\n    "
            if len(parts) >= _PARTS:
                output.write("".join(parts).encode())
                parts.clear()
        parts.append("]\n}\n" if separator == "\n    " else "\n  ]\n}\n")
        output.write("".join(parts).encode())


def _keys(iris: Iterable[str], reserved: set[str], short: _Compactor) -> dict[str, str]:
    """Local names where unique and safe; prefixed names (or whole IRIs) otherwise.

    >>> _keys(["https://a.org/title", "https://b.org/title", "https://a.org/id"], set(),
    ...       _Compactor({"a": "https://a.org/"}))
    {'https://a.org/id': 'a:id', 'https://a.org/title': 'a:title', 'https://b.org/title': 'https://b.org/title'}
    """
    names = {iri: local_name(iri) for iri in sorted(iris)}
    counts = Counter(names.values())
    taken = reserved | set(_ALIASES) | _SCHEMES
    return {
        iri: name if _NICE.match(name) and counts[name] == 1 and name not in taken else short(iri)
        for iri, name in names.items()
    }


def _context(
    short: _Compactor, terms: Mapping[str, _Term], classes: Mapping[str, str]
) -> dict[str, Json]:
    """The ``@context`` object: used prefixes, aliases, class names and terms, sorted."""
    entries: dict[str, Json] = {**_ALIASES, **short.prefixes}
    entries.update({name: iri for name, iri in classes.items() if ":" not in name})
    for term in terms.values():
        definition = term.definition(short)
        if definition is not None:
            entries[term.key] = definition
    return dict(sorted(entries.items()))


def _values(term: _Term, values: list[Value], short: _Compactor) -> Json:
    if term.kind == "langmap":
        grouped: dict[str, list[Json]] = {}
        for _, text, language, _ in values:
            grouped.setdefault(language, []).append(text)
        return {lang: texts if term.multi else texts[0] for lang, texts in sorted(grouped.items())}
    rendered: list[Json] = [_value(term.kind, v, short) for v in values]
    return rendered if term.multi else rendered[0]


def _reference(node: Value, short: _Compactor) -> str:
    """A node's ``id``: its IRI, prefixed when a prefix fits, or ``_:label``."""
    return f"_:{node[1]}" if node[0] == _BLANK else short(node[1])


def _value(kind: TermKind, value: Value, short: _Compactor) -> Json:
    rank, text, language, datatype = value
    if kind == "iri":
        return short(text)
    if kind in ("string", "lang"):
        return text
    if kind == "typed":
        return _native(text, datatype)
    if rank != _LITERAL:
        return {"@id": _reference(value, short)}
    if language:
        return {"@language": language, "@value": text}
    if not datatype:
        return text
    return {"@type": short(datatype), "@value": text}


def _native(lexical: str, datatype: str) -> Json:
    """A JSON number or boolean when it reads back as the same literal, else the lexical form.

    >>> _native("37", str(XSD.positiveInteger)), _native("2024", str(XSD.gYear))
    (37, '2024')
    """
    if datatype in _INTEGER_TYPES and _CANONICAL_INT.match(lexical):
        number = int(lexical)
        return number if abs(number) < _SAFE_INT else lexical
    if datatype == _XSD_BOOLEAN and lexical in ("true", "false"):
        return lexical == "true"
    return lexical
