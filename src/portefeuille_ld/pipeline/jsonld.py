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
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal as Choice, Protocol, TypeAlias

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

__all__ = ["Json", "JsonLd", "dumps", "local_name", "to_jsonld", "write_jsonld"]

Json: TypeAlias = "str | int | bool | list[Json] | dict[str, Json]"
"""A JSON value (these documents never need null or floats)."""

TermKind = Choice["iri", "string", "lang", "langmap", "typed", "mixed"]
Properties: TypeAlias = "dict[URIRef, list[Node]]"

_NICE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ALIASES: dict[str, Json] = {"id": "@id", "type": "@type"}
_SCHEMES = {"data", "file", "ftp", "http", "https", "mailto", "tel", "urn"}
"""Never keys: a term named like a scheme would rewrite the IRIs that use it."""
_GEN_DELIMS = tuple(":/?#[]@")
_CANONICAL_INT = re.compile(r"^(0|-?[1-9][0-9]*)$")
_SAFE_INT = 2**53
_INTEGER_TYPES = frozenset(
    XSD[name]
    for name in (
        "integer nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger"
        " long int short byte unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
)
_STRING_TYPES = frozenset({None, XSD.string})
_TYPE, _XSD_STRING, _XSD_BOOLEAN = RDF.type, XSD.string, XSD.boolean
"""Looked up once: a namespace's attribute access costs a method call each time."""


_PARTS = 4_096
"""Pieces of JSON text (nodes and separators) gathered before each write."""


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
    compaction = _Compaction.of(graph, prefixes)
    graph_nodes: list[Json] = list(compaction.graph_nodes())
    context = compaction.context
    return JsonLd(context, {"@context": context, "@graph": graph_nodes})


def write_jsonld(graph: Graph, output: _Output, *, prefixes: Mapping[str, str]) -> dict[str, Json]:
    """``dumps(to_jsonld(graph).document)`` written a node at a time; returns the context.

    Each node is let go once written. ``json`` escapes every newline inside a string, so
    a value encoded alone is the same text as within the document, once its lines are
    indented as deep as it sits there.

    >>> import io
    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph()
    >>> _ = g.add((URIRef("https://e.org/a"), URIRef("https://e.org/o#p"), Literal("x\\ny")))
    >>> output = io.BytesIO()
    >>> context = write_jsonld(g, output, prefixes={})
    >>> output.getvalue() == dumps(to_jsonld(g, prefixes={}).document)
    True
    """
    compaction = _Compaction.of(graph, prefixes)
    context = compaction.context
    parts = ['{\n  "@context": ', _indented(context, 1), ',\n  "@graph": [']
    separator = "\n    "
    for node in compaction.graph_nodes(release=True):
        parts += [separator, _indented(node, 2)]
        separator = ",\n    "
        if len(parts) >= _PARTS:
            output.write("".join(parts).encode())
            parts.clear()
    parts.append("]\n}\n" if separator == "\n    " else "\n  ]\n}\n")
    output.write("".join(parts).encode())
    return context


def _indented(value: Json, depth: int) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)


@dataclass
class _Compaction:
    """The graph's triples by node, and how to write them: context, keys, terms."""

    nodes: dict[Node, Properties]
    short: _Compactor
    keys: dict[str, str]
    terms: dict[URIRef, _Term]
    context: dict[str, Json]
    multi_typed: bool

    @classmethod
    def of(cls, graph: Graph, prefixes: Mapping[str, str]) -> _Compaction:
        nodes = _nodes(graph)
        candidates = {p: ns for p, ns in sorted(prefixes.items()) if ns.endswith(_GEN_DELIMS)}
        short = _Compactor(candidates)
        for iri in sorted(_iris(nodes)):
            short(iri)
        short = _Compactor({p: candidates[p] for p in sorted(short.used)})
        classes = {o for props in nodes.values() for o in props.get(_TYPE, [])}
        predicates = {p for props in nodes.values() for p in props if p is not _TYPE}
        keys = _keys({*map(str, classes), *map(str, predicates)}, set(candidates), short)
        terms = {p: _term(keys[str(p)], p, nodes) for p in sorted(predicates)}
        context = _context(short, terms, {keys[str(c)]: short(str(c)) for c in classes})
        multi_typed = any(len(props.get(_TYPE, [])) > 1 for props in nodes.values())
        return cls(nodes, short, keys, terms, context, multi_typed)

    def graph_nodes(self, *, release: bool = False) -> Iterator[dict[str, Json]]:
        """Each node's JSON object, in order; `release` forgets each node once given."""
        for subject in list(self.nodes):
            props = self.nodes.pop(subject) if release else self.nodes[subject]
            yield _node(
                subject, props, self.terms, self.keys, self.short, multi_typed=self.multi_typed
            )


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
    """Each IRI already shortened, and the prefix that did it."""

    def __call__(self, iri: str) -> str:
        found = self.known.get(iri)
        if found is None:
            found = self.known[iri] = self._shortened(iri)
        short, prefix = found
        if prefix is not None:
            self.used.add(prefix)
        return short

    def _shortened(self, iri: str) -> tuple[str, str | None]:
        matches = [(len(ns), p) for p, ns in self.prefixes.items() if iri.startswith(ns)]
        if not matches:
            return iri, None
        length, prefix = max(matches)
        rest = iri[length:]
        if not rest or rest.startswith("//"):
            return iri, None
        return f"{prefix}:{rest}", prefix


@dataclass(frozen=True)
class _Term:
    """How one predicate is written: its key, its values' coercion, array or not."""

    key: str
    iri: str
    kind: TermKind
    multi: bool
    datatype: str | None = None
    language: str | None = None

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


def _nodes(graph: Graph) -> dict[Node, Properties]:
    """The triples grouped by subject (sorted) then predicate, values sorted.

    Each predicate is one object (``rdf:type`` is `_TYPE`, so ``is`` finds it).
    ``"x"^^xsd:string`` is ``"x"`` (RDF 1.1), so both are one value.
    """
    nodes: dict[Node, dict[URIRef, set[Node]]] = {}
    predicates: dict[URIRef, URIRef] = {_TYPE: _TYPE}
    for s, p, o in graph:
        if not isinstance(p, URIRef):
            raise ValueError(f"the predicate {p!r} is not an IRI")
        p = predicates.setdefault(p, p)  # one object per predicate: rdf:type is _TYPE
        if p is _TYPE and not isinstance(o, URIRef):
            raise ValueError(f"{s} has an rdf:type that is not an IRI: {o!r}")
        if isinstance(o, Literal) and o.datatype == _XSD_STRING:
            o = Literal(str(o))
        nodes.setdefault(s, {}).setdefault(p, set()).add(o)
    ordered = sorted(nodes.items(), key=lambda item: _sort_key(item[0]))
    return {s: {p: sorted(vs, key=_sort_key) for p, vs in props.items()} for s, props in ordered}


def _sort_key(node: Node) -> tuple[int, str, str, str]:
    if isinstance(node, Literal):
        return (2, str(node), node.language or "", str(node.datatype or ""))
    return (0 if isinstance(node, URIRef) else 1, str(node), "", "")


def _iris(nodes: Mapping[Node, Properties]) -> set[str]:
    """Every IRI the document or its context may write, rdf:type excepted."""
    found: set[str] = set()
    for subject, props in nodes.items():
        found.update(str(p) for p in props if p is not _TYPE)
        for node in [subject, *(v for values in props.values() for v in values)]:
            if isinstance(node, Literal):
                if node.datatype not in _STRING_TYPES:
                    found.add(str(node.datatype))
            elif isinstance(node, URIRef):
                found.add(str(node))
    return found


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


def _term(key: str, predicate: URIRef, nodes: Mapping[Node, Properties]) -> _Term:
    per_node = [props[predicate] for props in nodes.values() if predicate in props]
    kind, datatype, language = _kind([v for values in per_node for v in values])
    if kind == "langmap":
        multi = any(max(Counter(map(_language, vs)).values()) > 1 for vs in per_node)
    else:
        multi = any(len(values) > 1 for values in per_node)
    return _Term(key, str(predicate), kind, multi, datatype, language)


def _language(node: Node) -> str:
    return (node.language or "") if isinstance(node, Literal) else ""


def _kind(values: list[Node]) -> tuple[TermKind, str | None, str | None]:
    """The coercion all the values of a predicate allow, with its datatype or language."""
    if all(isinstance(v, URIRef) for v in values):
        return "iri", None, None
    literals = [v for v in values if isinstance(v, Literal)]
    if len(literals) < len(values):
        return "mixed", None, None
    languages = {v.language for v in literals}
    if None not in languages:
        if len(languages) == 1:
            return "lang", None, next(iter(languages))
        return "langmap", None, None
    datatypes = {v.datatype for v in literals}
    if languages != {None}:
        return "mixed", None, None
    if datatypes <= _STRING_TYPES:
        return "string", None, None
    if len(datatypes) == 1:
        return "typed", str(next(iter(datatypes))), None
    return "mixed", None, None


def _context(
    short: _Compactor, terms: Mapping[URIRef, _Term], classes: Mapping[str, str]
) -> dict[str, Json]:
    """The ``@context`` object: used prefixes, aliases, class names and terms, sorted."""
    entries: dict[str, Json] = {**_ALIASES, **short.prefixes}
    entries.update({name: iri for name, iri in classes.items() if ":" not in name})
    for term in terms.values():
        definition = term.definition(short)
        if definition is not None:
            entries[term.key] = definition
    return dict(sorted(entries.items()))


def _node(
    subject: Node,
    props: Properties,
    terms: Mapping[URIRef, _Term],
    keys: Mapping[str, str],
    short: _Compactor,
    *,
    multi_typed: bool,
) -> dict[str, Json]:
    node: dict[str, Json] = {"id": _reference(subject, short)}
    types: list[Json] = [keys[str(t)] for t in props.get(_TYPE, [])]
    if types:
        node["type"] = sorted(types, key=str) if multi_typed else types[0]
    written = sorted(((terms[p], p) for p in props if p is not _TYPE), key=lambda item: item[0].key)
    for term, predicate in written:
        node[term.key] = _values(term, props[predicate], short)
    return node


def _values(term: _Term, values: list[Node], short: _Compactor) -> Json:
    if term.kind == "langmap":
        grouped: dict[str, list[Json]] = defaultdict(list)
        for value in values:
            grouped[_language(value)].append(str(value))
        return {lang: texts if term.multi else texts[0] for lang, texts in sorted(grouped.items())}
    rendered: list[Json] = [_value(term.kind, v, short) for v in values]
    return rendered if term.multi else rendered[0]


def _reference(node: Node, short: _Compactor) -> str:
    """A node's ``id``: its IRI, prefixed when a prefix fits, or ``_:label``."""
    return f"_:{node}" if isinstance(node, BNode) else short(str(node))


def _value(kind: TermKind, value: Node, short: _Compactor) -> Json:
    if kind == "iri":
        return short(str(value))
    if kind in ("string", "lang"):
        return str(value)
    if kind == "typed" and isinstance(value, Literal):
        return _native(value)
    if not isinstance(value, Literal):
        return {"@id": _reference(value, short)}
    if value.language is not None:
        return {"@language": value.language, "@value": str(value)}
    if value.datatype in _STRING_TYPES:
        return str(value)
    return {"@type": short(str(value.datatype)), "@value": str(value)}


def _native(literal: Literal) -> Json:
    """A JSON number or boolean when it reads back as the same literal, else the lexical form.

    >>> _native(Literal("37", datatype=XSD.positiveInteger))
    37
    >>> _native(Literal("2024", datatype=XSD.gYear))
    '2024'
    """
    lexical = str(literal)
    if literal.datatype in _INTEGER_TYPES and _CANONICAL_INT.match(lexical):
        number = int(lexical)
        return number if abs(number) < _SAFE_INT else lexical
    if literal.datatype == _XSD_BOOLEAN and lexical in ("true", "false"):
        return lexical == "true"
    return lexical
