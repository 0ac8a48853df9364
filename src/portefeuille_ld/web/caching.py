"""HTTP caching a CDN can use: ``ETag`` from the dataset version and the request, 304s.

Every answer to a GET (or HEAD) is a function of the published release and of the request
alone, whichever process or machine computes it; so its entity tag is too::

    W/"<release id>-<first 16 hex digits of the SHA-256 of the request's key>"

where the key is the path, the query string and the headers content negotiation reads
(``Accept``, ``Accept-Language``), plus the scheme and host the pages link to. Two
workers, or two servers behind a load balancer serving the same build, give the same tag
for the same request; a new release changes every tag. The tag is weak: a CDN may
compress the body without making it wrong.

`Caching` adds the tag, and ``Cache-Control: public, max-age=<Settings.cache_max_age_s>``
when the handler set none, to each 200 answer without a tag of its own (the dumps have
strong tags from their SHA-256). A request whose ``If-None-Match`` holds the tag gets
``304 Not Modified`` before any handler runs: the tag is only ever sent with a 200, and
the same release answers the same request the same way. Without a release, or when the
server answers from files given on the command line (``serve --data``), nothing is added.

A file of the release (``/dumps/{name}``) has strong tags of its own; a conditional
request for one is answered here too, before any routing, with the headers the route
would send (`portefeuille_ld.web.downloads.FileVersion`): a CDN or a mirror revalidating
dumps costs a table lookup and an ``lstat``. Anything else goes on to the route.

>>> tag = entity_tag("95bf6fdd3676ae20", RequestKey("/sparql", "query=ASK%7B%7D", "", "", ""))
>>> tag
'W/"95bf6fdd3676ae20-6f34a3f5d9b93917"'
>>> matches('"a", W/"95bf6fdd3676ae20-6f34a3f5d9b93917"', tag), matches("*", tag)
(True, False)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portefeuille_ld.errors import ResourceNotFound
from portefeuille_ld.settings import Settings
from portefeuille_ld.web.downloads import FileVersion, is_not_modified
from portefeuille_ld.web.release import Release, get_releases

__all__ = ["Caching", "RequestKey", "entity_tag", "matches"]


@dataclass(frozen=True)
class RequestKey:
    """What an answer depends on, besides the release."""

    path: str
    query: str
    accept: str
    accept_language: str
    origin: str
    """``scheme://host``: pages link to the server the browser is on."""

    @classmethod
    def of(cls, scope: Scope, origin: str | None = None) -> RequestKey:
        """The key of an ASGI request (HEAD and GET share it); ``origin`` if known already.

        One pass over the raw headers: a revalidation is answered from this alone.
        """
        accept = accept_language = ""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = accept or value.decode("latin-1")
            elif name == b"accept-language":
                accept_language = accept_language or value.decode("latin-1")
        return cls(
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            accept=accept,
            accept_language=accept_language,
            origin=origin if origin is not None else _origin(scope),
        )


def _origin(scope: Scope) -> str:
    """``scheme://host[:port]`` as the pages see it (Starlette's ``request.url``)."""
    url = Request(scope).url
    return f"{url.scheme}://{url.netloc}"


def entity_tag(version: str, key: RequestKey) -> str:
    """The weak entity tag of the answer to ``key`` from the dataset ``version``."""
    fields = (key.path, key.query, key.accept, key.accept_language, key.origin)
    digest = hashlib.sha256("\n".join(fields).encode()).hexdigest()[:16]
    return f'W/"{version}-{digest}"'


def matches(if_none_match: str, tag: str) -> bool:
    """Whether an ``If-None-Match`` list names ``tag`` (weak comparison).

    ``*`` is left to the handler: only it knows whether the resource exists.
    """
    opaque = tag.removeprefix("W/")
    return opaque in {t.strip().removeprefix("W/") for t in if_none_match.split(",")}


class Caching:
    """ASGI middleware: entity tags, ``Cache-Control`` and 304s for GET and HEAD."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.cache_control = f"public, max-age={settings.cache_max_age_s}"
        self.enabled = settings.serves_release
        self._not_modified_headers = [
            (b"cache-control", self.cache_control.encode("latin-1")),
            (b"vary", b"Accept, Accept-Language"),
        ]
        self._origins: dict[tuple[str, bytes | None, object], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not self.enabled:
            await self.app(scope, receive, send)
            return
        release = get_releases(Request(scope)).current()
        if release is None:
            await self.app(scope, receive, send)
            return
        name = _dump_name(scope["path"])
        if name is not None:
            if not await _revalidate_dump(release, name, scope, send):
                await self.app(scope, receive, send)
            return
        if_none_match = _header(scope, b"if-none-match")
        if if_none_match is not None:
            tag = entity_tag(release.id, RequestKey.of(scope, self._origin(scope)))
            if matches(if_none_match, tag):
                await self._not_modified(send, tag)
                return
        asked = dict(scope)  # the key is of the request as it came in, computed on a 200

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                if "etag" not in headers:
                    key = RequestKey.of(asked, self._origin(asked))
                    headers["ETag"] = entity_tag(release.id, key)
                    headers.setdefault("Cache-Control", self.cache_control)
                    if "content-language" in headers:
                        headers.add_vary_header("Accept-Language")
            await send(message)

        await self.app(scope, receive, send_tagged)

    def _origin(self, scope: Scope) -> str:
        """`RequestKey.origin`, kept per (scheme, ``Host``, server address) it comes from.

        Few distinct values: at most `_ORIGINS_MAX` are kept (all dropped when full).
        """
        key = (scope.get("scheme", "http"), _raw_header(scope, b"host"), scope.get("server"))
        origin = self._origins.get(key)
        if origin is None:
            if len(self._origins) >= _ORIGINS_MAX:
                self._origins.clear()
            origin = self._origins[key] = _origin(scope)
        return origin

    async def _not_modified(self, send: Send, tag: str) -> None:
        headers = [(b"etag", tag.encode("latin-1")), *self._not_modified_headers]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


_ORIGINS_MAX = 64


def _raw_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower case), as sent."""
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case), as ``Headers.get`` reads it."""
    value = _raw_header(scope, name)
    return None if value is None else value.decode("latin-1")


_DUMPS = "/dumps/"
_SUMS = "SHA256SUMS"


def _dump_name(path: str) -> str | None:
    """The name in ``/dumps/{name}`` (the route's path segment), else None.

    >>> _dump_name("/dumps/portefeuille.nt"), _dump_name("/dumps/"), _dump_name("/dumps/a/b")
    ('portefeuille.nt', None, None)
    """
    if not path.startswith(_DUMPS):
        return None
    name = path[len(_DUMPS) :]
    return name if name and "/" not in name else None


async def _revalidate_dump(release: Release, name: str, scope: Scope, send: Send) -> bool:
    """Answer 304 to a conditional request for a current file; False to let the route answer.

    ``SHA256SUMS`` is not a listed file: its route answers it.
    """
    headers = Headers(scope=scope)
    if name == _SUMS or ("if-none-match" not in headers and "if-modified-since" not in headers):
        return False
    try:
        version = FileVersion.of(release, name, headers.get("accept-encoding"))
    except ResourceNotFound:
        return False
    if not is_not_modified(headers, version.etag, version.modified):
        return False
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in version.headers().items()]
    await send({"type": "http.response.start", "status": 304, "headers": raw})
    await send({"type": "http.response.body", "body": b""})
    return True
