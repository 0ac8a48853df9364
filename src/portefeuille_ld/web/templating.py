"""HTML pages: the Jinja2 templates of ``web/templates/`` rendered with the layout's context.

Every page extends ``base.html`` and is rendered through `render`, which adds what the
layout needs (the language, a message lookup ``t``, the navigation URLs), and sets
``Content-Language`` and ``Vary: Accept-Language``. Autoescape is on for every template:
a literal of the data can never become markup.

>>> page_urls("http://127.0.0.1:8000/", "/doc/projet/lexius", "lang=en&x=1", "en").switch_lang
'/doc/projet/lexius?x=1&lang=fr'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portefeuille_ld.web.i18n import Lang, choose_language, message, other_language

__all__ = ["PageUrls", "page_urls", "render", "request_language"]

_ENV = Environment(
    loader=PackageLoader("portefeuille_ld.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
"""The template environment: read-only configuration (Jinja2 caches compiled templates)."""


@dataclass(frozen=True)
class PageUrls:
    """The links of the layout: navigation, stylesheet and the same page in the other language."""

    home: str
    sparql: str
    dataset: str
    css: str
    switch_lang: str


def page_urls(base_url: str, path: str, query: str, lang: Lang) -> PageUrls:
    """The layout's links for a page at ``path`` of a server reached at ``base_url``."""
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    params.append(("lang", other_language(lang)))
    return PageUrls(
        home=base_url,
        sparql=f"{base_url}sparql",
        dataset=f"{base_url}dataset",
        css=f"{base_url}static/site.css",
        switch_lang=f"{path}?{urlencode(params)}",
    )


def request_language(request: Request) -> Lang:
    """The language of the page answering ``request`` (``?lang=``, then ``Accept-Language``)."""
    return choose_language(
        param=request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, object],
    *,
    lang: Lang,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with ``context`` plus the layout's: ``lang``, ``t``, ``urls``."""
    base_url = str(request.base_url)
    urls = page_urls(base_url, request.url.path, request.url.query, lang)
    html = _ENV.get_template(template).render(
        {
            **context,
            "lang": lang,
            "other_lang": other_language(lang),
            "t": partial(message, lang=lang),
            "urls": urls,
        }
    )
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    response.headers["Content-Language"] = lang
    vary = {v.strip().lower() for v in response.headers.get("vary", "").split(",")}
    for name in ("Accept", "Accept-Language"):
        if name.lower() not in vary:
            response.headers.add_vary_header(name)
    return response
