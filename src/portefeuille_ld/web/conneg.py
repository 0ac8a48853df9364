"""Content negotiation: pick the offer an ``Accept`` header prefers (RFC 9110, section 12.5.1).

Pure functions, no framework. The most specific media range that matches an offer
gives its quality (``text/csv;q=0`` beats ``*/*``); the highest quality wins, then the
more specific match, then the range the client listed first, then the server's order.
A malformed header or range never raises: bad parts are skipped, and a header with
nothing usable counts as ``*/*``. Only the first `MAX_RANGES` ranges count, so the work
stays small whatever the header's size.

>>> from portefeuille_ld.formats import SPARQL_CSV, SPARQL_JSON
>>> negotiate("text/csv;q=0.5, application/json", [SPARQL_JSON, SPARQL_CSV]).name
'json'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

__all__ = ["MAX_RANGES", "MediaRange", "Offer", "negotiate", "parse_accept"]

MAX_RANGES = 64
"""The ranges of an ``Accept`` header that are read; a browser sends fewer than ten."""


class Offer(Protocol):
    """Anything with a media type and aliases, like `portefeuille_ld.formats.Format`."""

    @property
    def media_type(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


OfferT = TypeVar("OfferT", bound=Offer)


@dataclass(frozen=True)
class MediaRange:
    """One media range of an ``Accept`` header, lower-cased, with its quality."""

    type: str
    subtype: str
    q: float = 1.0

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        """Whether this range covers a bare ``type/subtype``.

        >>> MediaRange("text", "*").matches("text/turtle")
        True
        """
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


_ANY = MediaRange("*", "*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
"""An RFC 9110 token (lower-cased)."""


def _quality(params: list[str]) -> float | None:
    """The ``q`` parameter (1 when absent), or None when it is malformed."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            q = float(value.strip())
        except ValueError:
            return None
        return q if 0.0 <= q <= 1.0 else None
    return 1.0


def _parse_range(part: str) -> MediaRange | None:
    media, *params = part.split(";")
    kind, slash, sub = media.strip().lower().partition("/")
    if not slash or not kind or not sub or (kind == "*" and sub != "*"):
        return None
    if not (_TOKEN.match(kind) and _TOKEN.match(sub)):
        return None
    q = _quality(params)
    return None if q is None else MediaRange(kind, sub, q)


def parse_accept(accept: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header, in the client's order.

    Malformed ranges are skipped; a missing, empty or wholly malformed header is ``*/*``.
    Ranges after the first `MAX_RANGES` are ignored.

    >>> parse_accept("text/html, application/xml;q=0.9, */*;q=0.8")[1]
    MediaRange(type='application', subtype='xml', q=0.9)
    >>> parse_accept("garbage;;q=zz")
    [MediaRange(type='*', subtype='*', q=1.0)]
    """
    parts = (accept or "").split(",", MAX_RANGES)[:MAX_RANGES]
    ranges = [r for r in (_parse_range(p) for p in parts) if r]
    return ranges or [_ANY]


def _name_score(ranges: list[MediaRange], media_type: str) -> tuple[int, float, int] | None:
    """(specificity, quality, -position) of the most specific range covering ``media_type``.

    When equally specific ranges cover it, the best quality among them counts.
    """
    matching = [
        (r.specificity, r.q, -position)
        for position, r in enumerate(ranges)
        if r.matches(media_type)
    ]
    return max(matching) if matching else None


def _score(ranges: list[MediaRange], offer: Offer) -> tuple[float, int, bool, int] | None:
    """How much the client wants ``offer``: its best name, the canonical one winning ties."""
    names = ((True, offer.media_type), *((False, alias) for alias in offer.aliases))
    scores = []
    for canonical, media_type in names:
        found = _name_score(ranges, media_type)
        if found is not None:
            specificity, q, position = found
            scores.append((q, specificity, canonical, position))
    return max(scores) if scores else None


def negotiate(accept: str | None, offers: Sequence[OfferT]) -> OfferT | None:
    """The offer the client prefers, or None when none is acceptable (answer 406).

    Offers are in the server's order of preference: the first wins a tie, so it is the
    answer to a missing ``Accept`` or to ``*/*``.

    >>> from portefeuille_ld.formats import JSON_LD, N_TRIPLES, TURTLE
    >>> negotiate(None, [TURTLE, JSON_LD]).name
    'turtle'
    >>> negotiate("text/*, application/ld+json;q=0.5", [JSON_LD, TURTLE]).name
    'turtle'
    >>> negotiate("*/*, text/turtle;q=0", [TURTLE, N_TRIPLES]).name
    'n-triples'
    >>> negotiate("image/png", [TURTLE]) is None
    True
    """
    ranges = parse_accept(accept)
    best: tuple[tuple[float, int, bool, int], int, OfferT] | None = None
    for index, offer in enumerate(offers):
        score = _score(ranges, offer)
        if score is None or score[0] <= 0.0:
            continue
        if best is None or (score, -index) > (best[0], -best[1]):
            best = (score, index, offer)
    return None if best is None else best[2]
