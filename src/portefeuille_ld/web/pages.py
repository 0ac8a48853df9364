"""Small helpers shared by the home, dumps and dataset pages: negotiation and numbers.

>>> format_number(132456, "fr"), format_number(132456, "en")
('132\\u202f456', '132,456')
>>> human_size(1_500_000, "fr"), human_size(1_500_000, "en"), human_size(512, "en")
('1,4\\xa0Mio', '1.4 MiB', '512 B')
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request

from portefeuille_ld.formats import HTML
from portefeuille_ld.web.conneg import negotiate
from portefeuille_ld.web.i18n import Lang

__all__ = ["Choice", "choose_page_format", "format_number", "human_size"]


class Choice(enum.Enum):
    """What a page can be answered as."""

    HTML = "text/html"
    JSON = "application/json"


@dataclass(frozen=True)
class _Offer:
    media_type: str
    aliases: tuple[str, ...] = ()


_OFFERS = {
    Choice.HTML: _Offer(HTML.media_type, HTML.aliases),
    Choice.JSON: _Offer("application/json"),
}


def choose_page_format(request: Request) -> Choice:
    """HTML or JSON, by ``Accept`` (HTML for ``*/*``).

    :raises HTTPException: 406 when the client accepts neither.
    """
    offers = list(_OFFERS.values())
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        raise HTTPException(406, "this page is available as text/html or application/json")
    return next(choice for choice, offer in _OFFERS.items() if offer is chosen)


def format_number(value: int, lang: Lang) -> str:
    """A whole number with the language's digit grouping (a narrow space in French)."""
    grouped = f"{value:,}"
    return grouped.replace(",", "\u202f") if lang == "fr" else grouped


def human_size(size: int, lang: Lang) -> str:
    """A byte count in binary units, with one decimal beyond kibibytes."""
    units = ("o", "Kio", "Mio", "Gio") if lang == "fr" else ("B", "KiB", "MiB", "GiB")
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    text = f"{int(value)}" if unit == 0 else f"{value:.1f}"
    if lang == "fr":
        return text.replace(".", ",") + "\u00a0" + units[unit]
    return f"{text} {units[unit]}"
