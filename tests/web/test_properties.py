"""Properties of content negotiation and of the IRI ↔ path mapping, for any input (hypothesis).

`conneg` never raises and picks only what the client accepts; `linking` maps every safe
path to an IRI and back, lets no unsafe text into an IRI, and links no script. The runs
are derandomized (the same examples every time) and keep no example database.
"""

from __future__ import annotations

import re
import string

import pyoxigraph
from hypothesis import given, settings, strategies as st

from portefeuille_ld.formats import FORMATS, Format
from portefeuille_ld.iris import DEFAULT_BASE, Iris
from portefeuille_ld.web.conneg import MAX_RANGES, MediaRange, negotiate, parse_accept
from portefeuille_ld.web.linking import (
    VOCABULARY_BASE,
    VOCABULARY_DOCUMENTS,
    Linker,
    is_safe_path,
    split_extension,
)

PROFILE = settings(derandomize=True, database=None, deadline=None)
"""Every test: the same examples on every run, nothing written to ``.hypothesis/``."""

# ------------------------------------------------------------------ content negotiation

TOKEN = st.text(string.ascii_lowercase + string.digits + "+.-", min_size=1, max_size=8)
KNOWN_TYPES = sorted({t for f in FORMATS for t in f.media_types})
QUALITY = st.one_of(
    st.none(),
    st.floats(0, 1).map(lambda q: f"{q:.3f}"),
    st.sampled_from(["0", "1", "1.0", "0.5", "nan", "-1", "2", "x", "", "1e400"]),
)


@st.composite
def media_ranges(draw: st.DrawFn) -> str:
    """A media range, known or not, with any quality (some malformed) and other parameters."""
    kind = draw(st.one_of(st.sampled_from([*KNOWN_TYPES, "*/*", "text/*", "application/*"]),
                          st.builds(lambda a, b: f"{a}/{b}", TOKEN, TOKEN)))  # fmt: skip
    q = draw(QUALITY)
    extra = draw(st.sampled_from(["", ";charset=utf-8", "; level=1", ";;", ";q"]))
    spaces = draw(st.sampled_from(["", " ", "  "]))
    return f"{spaces}{kind}{extra}" + ("" if q is None else f";{spaces}q={q}")


ACCEPT = st.lists(media_ranges(), max_size=8).map(",".join)
OFFERS = st.lists(st.sampled_from(FORMATS), min_size=1, max_size=6, unique=True)


@PROFILE
@given(st.text(max_size=300))
def test_parse_accept_never_raises_and_is_never_empty(header: str) -> None:
    ranges = parse_accept(header)
    assert 1 <= len(ranges) <= MAX_RANGES
    for media_range in ranges:
        assert 0.0 <= media_range.q <= 1.0
        assert media_range.type == media_range.type.lower()
        assert "/" not in media_range.type + media_range.subtype


@PROFILE
@given(st.one_of(st.none(), st.text(max_size=200), ACCEPT), OFFERS)
def test_negotiate_picks_an_offer_or_none(accept: str | None, offers: list[Format]) -> None:
    chosen = negotiate(accept, offers)
    assert chosen is None or chosen in offers


@PROFILE
@given(ACCEPT, OFFERS)
def test_what_is_chosen_is_accepted(accept: str, offers: list[Format]) -> None:
    """The choice has a positive quality by its most specific matching range."""
    chosen = negotiate(accept, offers)
    if chosen is None:
        return
    ranges = parse_accept(accept)
    qualities = []
    for name in chosen.media_types:
        matching = [r for r in ranges if r.matches(name)]
        if matching:
            best = max(r.specificity for r in matching)
            qualities.append(max(r.q for r in matching if r.specificity == best))
    assert max(qualities) > 0


@PROFILE
@given(ACCEPT, OFFERS, st.data())
def test_q_zero_on_every_name_of_an_offer_refuses_it(
    accept: str, offers: list[Format], data: st.DataObject
) -> None:
    refused = data.draw(st.sampled_from(offers))
    kept = [r for r in accept.split(",") if r.split(";")[0].strip() not in refused.media_types]
    header = ",".join([*kept, *(f"{name};q=0" for name in refused.media_types)])
    assert negotiate(header, offers) is not refused


@PROFILE
@given(OFFERS, st.data())
def test_an_exact_media_type_picks_its_format(offers: list[Format], data: st.DataObject) -> None:
    wanted = data.draw(st.sampled_from(offers))
    assert negotiate(wanted.media_type, offers) is wanted
    assert negotiate(f"{wanted.media_type.upper()} ; Q=1", offers) is wanted


@PROFILE
@given(ACCEPT, OFFERS)
def test_case_and_white_space_do_not_matter(accept: str, offers: list[Format]) -> None:
    spaced = ", ".join(f"  {r.strip()}  " for r in accept.split(","))
    assert negotiate(accept.upper(), offers) is negotiate(accept, offers)
    assert negotiate(spaced, offers) is negotiate(accept, offers)


@PROFILE
@given(OFFERS)
def test_no_header_and_any_get_the_server_s_first_choice(offers: list[Format]) -> None:
    for accept in (None, "", "*/*", "*/*;q=0.1", "garbage", ",,,"):
        assert negotiate(accept, offers) is offers[0]


@PROFILE
@given(st.sampled_from(["text", "application", "*"]), st.sampled_from(["*", "turtle", "json"]))
def test_specificity_counts_the_named_parts(kind: str, subtype: str) -> None:
    media_range = MediaRange(kind, subtype)
    assert media_range.specificity == (kind != "*") + (subtype != "*")


# ------------------------------------------------------------------ IRIs and paths

SEGMENT = st.text(string.ascii_letters + string.digits + "._~-", min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..")
)
SAFE_PATH = st.lists(SEGMENT, min_size=1, max_size=5).map("/".join)
HOSTS = st.sampled_from(["ex.org", "w3id.org", "127.0.0.1:8000", "[::1]:8080"])
BASES = st.one_of(
    st.just(DEFAULT_BASE),
    st.builds(lambda scheme, host, path: f"{scheme}://{host}/{path}",
              st.sampled_from(["http", "https"]), HOSTS,
              st.lists(SEGMENT, max_size=2).map(lambda p: "".join(f"{s}/" for s in p))),
)  # fmt: skip
KEY = st.from_regex(r"[a-z0-9]{1,6}(?:[-.][a-z0-9]{1,6}){0,3}", fullmatch=True)


def is_vocabulary_path(path: str) -> bool:
    return path.split("/", 1)[0] in VOCABULARY_DOCUMENTS


def is_vocabulary_iri(iri: str) -> bool:
    roots = [VOCABULARY_BASE + document for document in VOCABULARY_DOCUMENTS]
    return any(iri == root or iri.startswith((root + "/", root + "#")) for root in roots)


NEAR_THE_VOCABULARY = st.sampled_from(
    ["portefeuille-qc/ontologie", "portefeuille-qc/formes/1.0", "portefeuille-qc/x", "ontologies"]
)


@PROFILE
@given(BASES, st.one_of(SAFE_PATH, NEAR_THE_VOCABULARY))
def test_a_safe_path_maps_to_an_iri_and_back(base: str, path: str) -> None:
    linker = Linker(base, "http://127.0.0.1:8000/")
    iri = linker.iri_of(path)
    assert iri.startswith(VOCABULARY_BASE if is_vocabulary_path(path) else base)
    if is_vocabulary_iri(iri) and not is_vocabulary_path(path):
        # A base that is a prefix of the vocabulary's (``https://w3id.org/``) shares its
        # IRIs: ``portefeuille-qc/ontologie`` is the ontology, whichever way it was reached.
        assert linker.path_of(iri) == iri.removeprefix(VOCABULARY_BASE)
        return
    assert linker.path_of(iri) == path


@PROFILE
@given(SAFE_PATH)
def test_a_safe_path_makes_a_valid_iri_that_injects_nothing(path: str) -> None:
    assert is_safe_path(path)
    iri = Linker(DEFAULT_BASE, "http://h/").iri_of(f"id/{path}")
    assert pyoxigraph.NamedNode(iri).value == iri
    assert not set(iri) & set('<>"{}|^`\\ \n#?')


@PROFILE
@given(st.text(max_size=60))
def test_only_plain_segments_are_safe(text: str) -> None:
    if is_safe_path(text):
        assert text and ".." not in text.split("/") and "//" not in text
        assert not text.startswith("/") and not text.endswith("/")
        assert set(text) <= set(string.ascii_letters + string.digits + "._~-/")


@PROFILE
@given(st.text(max_size=40), st.lists(st.sampled_from(["ttl", "nt", "jsonld", "rdf", "html"])))
def test_split_extension_splits_only_a_known_extension(path: str, extensions: list[str]) -> None:
    stem, extension = split_extension(path, tuple(extensions))
    if extension is None:
        assert stem == path
    else:
        assert extension in extensions and f"{stem}.{extension}" == path and stem


@PROFILE
@given(BASES, st.one_of(st.text(max_size=60), SAFE_PATH.map(lambda p: f"{DEFAULT_BASE}id/{p}")))
def test_a_link_never_runs_a_script(base: str, iri: str) -> None:
    href = Linker(base, "http://127.0.0.1:8000/", lang="en").href(iri)
    assert href == "#" or re.match(r"(?:https?|mailto):", href, re.IGNORECASE)


@PROFILE
@given(
    st.sampled_from(["javascript", "JavaScript", "data", "vbscript", "file"]),
    st.text(max_size=30),
)
def test_a_script_iri_is_never_a_link(scheme: str, rest: str) -> None:
    assert Linker(DEFAULT_BASE, "http://h/").href(f"{scheme}:{rest}") == "#"


@PROFILE
@given(BASES, st.lists(KEY, min_size=1, max_size=3))
def test_minted_iris_resolve_to_their_page(base: str, keys: list[str]) -> None:
    iris = Iris(base)
    linker = Linker(base, "http://127.0.0.1:8000/")
    things = [
        iris.initiative(keys[0]),
        iris.entry("2025-2026", keys[-1]),
        iris.organization(keys[0]),
    ]
    for iri, page in [*((t, "doc/") for t in things), (iris.edition_graph(keys[-1]), "graphe/")]:
        path = linker.path_of(str(iri))
        assert path is not None and is_safe_path(path)
        assert linker.iri_of(path) == str(iri)
        assert linker.href(str(iri)).startswith("http://127.0.0.1:8000/" + page)


@PROFILE
@given(st.text(max_size=20))
def test_a_key_that_is_not_plain_is_never_minted(key: str) -> None:
    try:
        iri = Iris().initiative(key)
    except ValueError:
        return
    assert is_safe_path(str(iri).removeprefix(DEFAULT_BASE))
