"""Give each core-constraint shape, in pyshacl's private copy, only the focus nodes it may flag.

pyshacl checks a core constraint (``sh:minCount``, ``sh:class``…) by walking the rdflib
store node by node, value by value: most of the CPU of a 10k portfolio, though almost
every node conforms. `Screens` reads, once per shapes graph, the shapes whose every
constraint it knows; per validation, `Screens.apply` replaces each one's core targets
by ``sh:targetNode``, one per focus node that fails a quick test of every constraint on
an `Index` of the data (plain dicts, filled while the data is copied for Oxigraph).
pyshacl then checks the focus nodes left as before, under the same shape, so the report
is the same: a node left out is one for which no constraint can give a result.

Each test mirrors pyshacl (0.40)'s own on the same rdflib terms, or flags more: a value
passes ``sh:datatype xsd:integer`` only if rdflib parsed it to an ``int``, as pyshacl
asks. A shape with another constraint or parameter (``sh:property``, ``sh:sparql``,
``sh:flags``…), a SPARQL target, or one another shape refers to keeps its targets; so do
all shapes of a graph with SHACL rules (pyshacl applies them to the data first) or
constraint components of its own. `Validator` screens only without inference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from rdflib import BNode, Graph, URIRef
from rdflib.term import Literal as RdfLiteral, Node

from portefeuille_ld.namespaces import OWL, RDF, RDFS, SH, XSD

__all__ = ["Index", "Screens"]

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_ANNOTATIONS = {SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group, SH.path}


def key(node: Node) -> object:
    """`node` as a dict key: an IRI as a plain ``str`` (rdflib hashes its terms in Python)."""
    return str.__str__(node) if type(node) is URIRef else node


class Index:
    """Triples by predicate, then subject: the objects, as rdflib holds them.

    Predicates and subjects are `key`s. The objects of one subject and predicate are
    distinct (a graph holds a triple once), as are the subjects of `subjects`.

    >>> index = Index()
    >>> index.add((URIRef("urn:s"), RDF.type, URIRef("urn:C")))
    >>> list(index.instances(URIRef("urn:C")).values())
    [rdflib.term.URIRef('urn:s')]
    """

    def __init__(self) -> None:
        self.objects: dict[object, dict[object, list[Node]]] = {}
        self._subjects: dict[object, dict[object, list[Node]]] = {}
        self._superclasses: dict[object, set[object]] = {}
        self._instances: dict[object, dict[object, Node]] = {}
        self._outside: dict[frozenset[object], set[object]] = {}

    def add(self, triple: tuple[Node, Node, Node]) -> None:
        s, p, o = triple
        kp = str.__str__(p) if type(p) is URIRef else p  # key(p), inlined: once per triple
        by_subject = self.objects.get(kp)
        if by_subject is None:
            by_subject = self.objects[kp] = {}
        ks = str.__str__(s) if type(s) is URIRef else s
        values = by_subject.get(ks)
        if values is None:
            by_subject[ks] = [o]
        else:
            values.append(o)

    def subjects(self, predicate: object) -> dict[object, list[Node]]:
        """Objects (as keys) to subjects for `predicate`: the index read backwards, once."""
        found = self._subjects.get(predicate)
        if found is None:
            found = self._subjects[predicate] = {}
            subjects = {k: s for k, s in self.subject_terms(predicate)}
            for k, objects in self.objects.get(predicate, {}).items():
                for o in objects:
                    found.setdefault(key(o), []).append(subjects[k])
        return found

    def subject_terms(self, predicate: object) -> list[tuple[object, Node]]:
        """The subjects of `predicate` as rdflib terms (an IRI key is its own text)."""
        return [
            (k, URIRef(k) if isinstance(k, str) and type(k) is str else cast(Node, k))
            for k in self.objects.get(predicate, {})
        ]

    def instances(self, cls: Node) -> dict[object, Node]:
        """Instances of `cls` or of a subclass, as pyshacl finds a sh:targetClass's nodes."""
        found = self._instances.get(key(cls))
        if found is None:
            classes, todo = {key(cls)}, [cls]
            subclasses = self.subjects(_SUBCLASS_OF)
            while todo:
                for sub in subclasses.get(key(todo.pop()), []):
                    if key(sub) not in classes:
                        classes.add(key(sub))
                        todo.append(sub)
            typed = self.subjects(_TYPE)
            found = self._instances[key(cls)] = {
                key(s): s for c in classes for s in typed.get(c, [])
            }
        return found

    def superclasses(self, cls: Node) -> set[object]:
        """`cls` and its superclasses (``rdfs:subClassOf*``), as keys."""
        found = self._superclasses.get(key(cls))
        if found is None:
            found, todo = {key(cls)}, [cls]
            parents = self.objects.get(_SUBCLASS_OF, {})
            while todo:
                for parent in parents.get(key(todo.pop()), []):
                    if key(parent) not in found:
                        found.add(key(parent))
                        todo.append(parent)
            self._superclasses[key(cls)] = found
        return found

    def outside(self, allowed: frozenset[object]) -> set[object]:
        """The subjects (as keys) with a predicate not in `allowed` (built once per set)."""
        found = self._outside.get(allowed)
        if found is None:
            found = self._outside[allowed] = {
                s for p, by_subject in self.objects.items() if p not in allowed for s in by_subject
            }
        return found


_TYPE = key(RDF.type)
_SUBCLASS_OF = key(RDFS.subClassOf)


Values = Callable[[Index, object, Node], Sequence[Node]]
"""(index, focus node as a `key`, focus node) → its value nodes."""
Check = Callable[[Index, object, Sequence[Node]], bool]
"""(index, focus node as a `key`, its value nodes) → whether the constraint may give a result."""


@dataclass(frozen=True)
class _Screen:
    shape: Node
    targets: tuple[tuple[URIRef, URIRef], ...]
    values: Values
    checks: tuple[Check, ...]

    def focus_nodes(self, index: Index) -> dict[object, Node]:
        """The focus nodes by `key`, as pyshacl finds them from the shape's targets."""
        if len(self.targets) == 1 and self.targets[0][0] == SH.targetClass:
            return index.instances(self.targets[0][1])
        found: dict[object, Node] = {}
        for target, value in self.targets:
            if target == SH.targetClass:
                found.update(index.instances(value))
            elif target == SH.targetNode:
                found[key(value)] = value
            elif target == SH.targetSubjectsOf:
                found.update(index.subject_terms(key(value)))
            else:
                found.update(
                    (key(o), o) for os in index.objects.get(key(value), {}).values() for o in os
                )
        return found

    def candidates(self, index: Index) -> Iterator[Node]:
        """The focus nodes for which some constraint may give a result."""
        value_nodes, checks = self.values, self.checks
        for k, focus in self.focus_nodes(index).items():
            values = value_nodes(index, k, focus)
            for check in checks:  # not `any` over a generator: this runs millions of times
                if check(index, k, values):
                    yield focus
                    break


class Screens:
    """The shapes of a shapes graph whose targets `apply` can narrow, read once.

    >>> Screens(Graph()).apply(Graph(), Index()).serialize(format="nt").strip()
    ''
    """

    def __init__(self, shapes: Graph) -> None:
        self._screens: list[_Screen] = []
        if (None, SH.parameter, None) in shapes or (None, SH.rule, None) in shapes:
            return  # parameters this does not know; rules that change the data first
        for shape in sorted({s for t in _TARGETS for s in shapes.subjects(t)}, key=str):
            screen = _read(shapes, shape)
            if screen is not None:
                self._screens.append(screen)

    @property
    def shapes(self) -> list[Node]:
        return [screen.shape for screen in self._screens]

    def apply(self, shapes: Graph, index: Index) -> Graph:
        """A copy of `shapes`, each screened shape targeting its candidates in `index`."""
        copy = Graph()
        for triple in shapes:
            copy.add(triple)
        for screen in self._screens:
            for target, value in screen.targets:
                copy.remove((screen.shape, target, value))
            for node in screen.candidates(index):
                copy.add((screen.shape, SH.targetNode, node))
        return copy


def _read(shapes: Graph, shape: Node) -> _Screen | None:
    """The shape's targets, value nodes and checks, or None if it has one this cannot read."""
    targets = [(t, v) for t in _TARGETS for v in shapes.objects(shape, t)]
    if (
        (None, None, shape) in shapes
        or (shape, SH.target, None) in shapes
        or (shape, SH.deactivated, None) in shapes
        or any(t in (RDFS.Class, OWL.Class) for t in shapes.objects(shape, RDF.type))
        or not all(isinstance(v, URIRef) for _, v in targets)
    ):
        return None
    paths = list(shapes.objects(shape, SH.path))
    if len(paths) > 1:
        return None
    values = _values(shapes, paths[0]) if paths else _focus_itself
    if values is None:
        return None
    readers = _PROPERTY_READERS if paths else _NODE_READERS
    checks: list[Check] = []
    for predicate in sorted({str(p) for p in shapes.predicates(shape)}):
        if not predicate.startswith(str(SH)) or URIRef(predicate) in (*_ANNOTATIONS, *_TARGETS):
            continue
        reader = readers.get(URIRef(predicate))
        check = (
            None
            if reader is None
            else reader(shapes, shape, list(shapes.objects(shape, URIRef(predicate))))
        )
        if check is None:
            return None
        checks.append(check)
    return _Screen(shape, tuple(targets), values, tuple(checks))  # type: ignore[arg-type]


def _focus_itself(index: Index, k: object, focus: Node) -> Sequence[Node]:
    return (focus,)


def _values(shapes: Graph, path: Node) -> Values | None:
    """Value nodes along a predicate path or its inverse, as pyshacl finds them; else None."""
    if isinstance(path, URIRef):
        predicate = key(path)
        return lambda index, k, focus: index.objects.get(predicate, {}).get(k, [])
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(inverse, URIRef) and len(list(shapes.predicate_objects(path))) == 1:
        backwards = key(inverse)
        return lambda index, k, focus: index.subjects(backwards).get(k, [])
    return None


Reader = Callable[[Graph, Node, Sequence[Node]], "Check | None"]


def _one(objects: Sequence[Node]) -> Node | None:
    return objects[0] if len(objects) == 1 else None


def _integer(objects: Sequence[Node]) -> int | None:
    value = _one(objects)
    if isinstance(value, RdfLiteral) and value.datatype == XSD.integer:
        number = value.toPython()
        if type(number) is int:
            return number
    return None


def _each(accepted: Callable[[Node], bool]) -> Check:
    """A check that some value is not `accepted`."""
    return lambda index, k, values: not all(map(accepted, values))


def _min_count(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    count = _integer(objects)
    return None if count is None else (lambda index, k, values: len(values) < count)


def _max_count(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    count = _integer(objects)
    return None if count is None else (lambda index, k, values: len(values) > count)


_PYTHON_TYPES: dict[Node, type | tuple[type, ...]] = {
    XSD.integer: int,
    XSD.date: date,
    XSD.gYear: object,  # pyshacl checks only rdflib's parse (ill_typed)
    XSD.gYearMonth: object,
}


def _datatype(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    datatype = _one(objects)
    if datatype == XSD.string:
        return _each(
            lambda v: (
                isinstance(v, RdfLiteral)
                and v.language is None
                and v.datatype in (None, XSD.string)
                and v.ill_typed is not True
                and isinstance(v.value, str)
            )
        )
    if datatype == RDF.langString:
        return _each(
            lambda v: isinstance(v, RdfLiteral) and bool(v.language) and isinstance(v.value, str)
        )
    python_type = _PYTHON_TYPES.get(datatype) if datatype is not None else None
    if python_type is None:
        return None
    return _each(
        lambda v: (
            isinstance(v, RdfLiteral)
            and v.datatype == datatype
            and v.ill_typed is not True
            and isinstance(v.value, python_type)
            and not isinstance(v.value, bool)
        )
    )


def _min_inclusive(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    minimum = _integer(objects)
    if minimum is None:
        return None
    return _each(
        lambda v: (
            isinstance(v, RdfLiteral)
            and v.datatype == XSD.integer
            and v.ill_typed is not True
            and type(v.value) is int
            and v.value >= minimum
        )
    )


def _pattern(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    pattern = _one(objects)
    if not isinstance(pattern, RdfLiteral) or (shape, SH.flags, None) in shapes:
        return None
    try:
        text = pattern.value if pattern.value is not None and len(pattern.value) > 1 else pattern
        compiled = re.compile(str(text))
    except (re.error, TypeError):  # pyshacl reports it
        return None
    return _each(lambda v: not isinstance(v, BNode) and compiled.search(_string(v)) is not None)


def _string(node: Node) -> str:
    """The text pyshacl matches a value against (its `value_node_to_string`)."""
    if (
        isinstance(node, RdfLiteral)
        and node.value is not None
        and node.datatype in (None, RDF.langString, XSD.string)
    ):
        return str(node.value)
    return str(node)


def _language_in(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    tags = _list(shapes, _one(objects))
    if tags is None or not all(
        isinstance(t, RdfLiteral) and isinstance(t.value, str) for t in tags
    ):
        return None
    wanted = {str(t).lower() for t in tags}
    if "*" in wanted:
        return None
    return _each(
        lambda v: (
            isinstance(v, RdfLiteral)
            and bool(v.language)
            and (
                str(v.language).lower() in wanted or str(v.language).split("-")[0].lower() in wanted
            )
        )
    )


def _unique_lang(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    flag = _one(objects)
    if not isinstance(flag, RdfLiteral) or type(flag.value) is not bool:
        return None
    if not flag.value:
        return _never

    def duplicated(index: Index, k: object, values: Sequence[Node]) -> bool:
        tags = [str(v.language).lower() for v in values if isinstance(v, RdfLiteral) and v.language]
        return len(tags) != len(set(tags))

    return duplicated


def _in(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    members = _list(shapes, _one(objects))
    if members is None or not all(isinstance(m, URIRef) for m in members):
        return None
    allowed = set(members)
    return _each(lambda v: isinstance(v, URIRef) and v in allowed)


def _has_value(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    if not objects or not all(isinstance(v, URIRef) for v in objects):
        return None
    wanted = set(objects)
    return lambda index, k, values: not wanted <= set(values)


def _class(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    if not objects or not all(isinstance(c, URIRef) for c in objects):
        return None
    classes = {key(c) for c in objects}

    def untyped(index: Index, k: object, values: Sequence[Node]) -> bool:
        types = index.objects.get(_TYPE, {})
        for v in values:
            if isinstance(v, RdfLiteral):
                return True
            reached: set[object] = set()
            for t in types.get(key(v), ()):
                reached |= index.superclasses(t)
            if not classes <= reached:
                return True
        return False

    return untyped


_NODE_KINDS: dict[Node, tuple[type, ...]] = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (RdfLiteral,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, RdfLiteral),
    SH.IRIOrLiteral: (URIRef, RdfLiteral),
}


def _node_kind(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    kind = _one(objects)
    kinds = _NODE_KINDS.get(kind) if kind is not None else None
    return None if kinds is None else _each(lambda v: isinstance(v, kinds))


def _equals(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    other = _one(objects)
    if not isinstance(other, URIRef):
        return None
    predicate = key(other)

    def unequal(index: Index, k: object, values: Sequence[Node]) -> bool:
        stated = index.objects.get(predicate, {}).get(k, [])
        return len(values) != len(stated) or set(values) != set(stated)

    return unequal


def _closed(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    flag = _one(objects)
    if not isinstance(flag, RdfLiteral) or type(flag.value) is not bool:
        return None
    if not flag.value:
        return _never
    ignored = list(shapes.objects(shape, SH.ignoredProperties))
    allowed = _list(shapes, _one(ignored)) if ignored else []
    if allowed is None or not all(isinstance(p, URIRef) for p in allowed):
        return None
    known = frozenset(key(p) for p in allowed)
    return lambda index, k, values: k in index.outside(known)


def _ignored(shapes: Graph, shape: Node, objects: Sequence[Node]) -> Check | None:
    return _never if (shape, SH.closed, None) in shapes else None


def _never(index: Index, k: object, values: Sequence[Node]) -> bool:
    return False


def _list(shapes: Graph, head: Node | None) -> list[Node] | None:
    """The members of an RDF list, or None if it is not one."""
    if head is None:
        return None
    members: list[Node] = []
    seen: set[Node] = set()
    while head != RDF.nil:
        first, rest = shapes.value(head, RDF.first), shapes.value(head, RDF.rest)
        if first is None or rest is None or head in seen:
            return None
        seen.add(head)
        members.append(first)
        head = rest
    return members


_PROPERTY_READERS: dict[Node, Reader] = {
    SH.minCount: _min_count,
    SH.maxCount: _max_count,
    SH.datatype: _datatype,
    SH.minInclusive: _min_inclusive,
    SH.pattern: _pattern,
    SH.languageIn: _language_in,
    SH.uniqueLang: _unique_lang,
    SH["in"]: _in,
    SH.hasValue: _has_value,
    SH["class"]: _class,
    SH.nodeKind: _node_kind,
    SH.equals: _equals,
}

_NODE_READERS: dict[Node, Reader] = {
    SH.nodeKind: _node_kind,
    SH.closed: _closed,
    SH.ignoredProperties: _ignored,
}
