"""Hostile and malformed input gets a 4xx and a clear message, never a 5xx, a hang or a trace.

Raw requests go over a socket byte for byte (no client would send most of them): bad
percent-encoding, invalid UTF-8, control bytes, enormous or repeated headers, unknown
methods, broken bodies. uvicorn refuses some before the app sees them (a 400 of its own is
fine); the app answers the rest with a problem body. Then: unknown parameters are
ignored, wrong methods get 405 with ``Allow``, literals and IRIs holding markup are inert
in every page, and no path leaves the published folders.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from portefeuille_ld.formats import TRIG
from portefeuille_ld.pipeline.manifest import FileEntry, Manifest
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.routers import resources
from portefeuille_ld.web.security import MAX_FIELD_BYTES

Serve = Callable[[FastAPI], AbstractContextManager[str]]
Raw = tuple[int, dict[str, str], bytes]


def request(target: bytes, *headers: bytes, method: bytes = b"GET", body: bytes = b"") -> bytes:
    """A request as bytes: ``Host: x`` unless a Host is given, and ``Connection: close``."""
    lines = [method + b" " + target + b" HTTP/1.1"]
    if not any(h.lower().startswith(b"host:") for h in headers):
        lines.append(b"Host: x")
    lines += [*headers, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def connect(base_url: str) -> socket.socket:
    url = urlsplit(base_url)
    assert url.hostname is not None and url.port is not None
    return socket.create_connection((url.hostname, url.port), timeout=10)


def exchange(base_url: str, data: bytes) -> Raw:
    """Send ``data`` as it is and read the whole answer; a hang fails (10 s)."""
    with connect(base_url) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65_536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def assert_refused(answer: Raw, statuses: set[int]) -> None:
    """A 4xx among ``statuses``; when the app answered, a problem body with a detail."""
    status, headers, body = answer
    assert status in statuses, (status, body[:300])
    if "content-security-policy" not in headers:  # uvicorn answered, not the app
        return
    if headers["content-type"] == "text/html; charset=utf-8":  # a browser's 404 page
        assert status == 404 and b"<h1" in body
    else:
        assert headers["content-type"] == "application/problem+json; charset=utf-8"
        assert json.loads(body)["detail"]


# ------------------------------------------------------------------ raw requests

ACCEPT_SPARQL = b"/sparql?query=ASK%7B%7D"
BIG = MAX_FIELD_BYTES + 100

RAW = [
    pytest.param(request(b"/\xff\xfe"), {400}, id="invalid-utf-8-path"),
    pytest.param(request(b"/doc/\xc3\xa9"), {400, 404}, id="raw-utf-8-path"),
    pytest.param(request(b"/doc/%zz"), {404}, id="bad-percent-path"),
    pytest.param(request(b"/doc/%ff%fe"), {404}, id="percent-invalid-utf-8-path"),
    pytest.param(request(b"/id/%"), {404}, id="lone-percent"),
    pytest.param(request(b"/sparql?query=%ff"), {400}, id="percent-invalid-utf-8-query"),
    pytest.param(request(b"/sparql?query=%zz"), {400}, id="bad-percent-query"),
    pytest.param(request(b"/sparql?query=ASK%7B%7D&format=%ff"), {406}, id="bad-format"),
    pytest.param(request(b"/sparql?query=%00"), {400}, id="nul-query"),
    pytest.param(request(b"/sparql?query=ASK%7B%7D&default-graph-uri=%ff"), {400},
                 id="bad-graph-uri"),
    pytest.param(request(ACCEPT_SPARQL, b"Accept: \x00"), {400}, id="nul-in-header"),
    pytest.param(request(ACCEPT_SPARQL, b"Accept: a\x7fb"), {400}, id="del-in-header"),
    pytest.param(request(ACCEPT_SPARQL, b"Accept: " + b"a" * BIG), {400, 431},
                 id="enormous-header"),
    pytest.param(request(ACCEPT_SPARQL, b"Accept: " + b"*/*;q=0.5," * 100_000), {400, 431},
                 id="megabyte-accept"),
    pytest.param(request(ACCEPT_SPARQL, *(b"X-%d: %s" % (i, b"a" * 1_000) for i in range(40))),
                 {400, 431}, id="many-large-headers"),
    pytest.param(request(ACCEPT_SPARQL, *(b"X-%d: a" % i for i in range(150))), {400, 431},
                 id="too-many-headers"),
    pytest.param(request(b"/", b"Host: a", b"Host: b"), {400}, id="two-hosts"),
    pytest.param(request(b"/", b"Host: a b"), {400}, id="host-with-space"),
    pytest.param(request(b"/", b"Host: x\"><script>alert(1)</script>"), {400}, id="host-markup"),
    pytest.param(request(b"/", b"Host: x>; rel=next"), {400}, id="host-header-injection"),
    pytest.param(request(b"/", b"Host: \xff"), {400}, id="host-not-ascii"),
    pytest.param(request(b"/", b"Host:"), {400}, id="host-empty"),
    pytest.param(request(b"/", method=b"BREW"), {400, 405}, id="unknown-method"),
    pytest.param(request(b"/", method=b"TRACE"), {400, 405}, id="trace"),
    pytest.param(request(b"x:443", method=b"CONNECT"), {400, 404, 405}, id="connect"),
    pytest.param(request(b"*", method=b"OPTIONS"), {400, 404, 405}, id="options-asterisk"),
    pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {400}, id="http2-preface"),
    pytest.param(request(b"/sparql", b"Content-Type: application/sparql-query",
                         b"Content-Length: -1", method=b"POST"), {400}, id="negative-length"),
    pytest.param(request(b"/sparql", b"Content-Type: application/sparql-query",
                         b"Transfer-Encoding: chunked", method=b"POST", body=b"zz\r\n"),
                 {400}, id="bad-chunk"),
    pytest.param(request(b"/sparql", b"Content-Type: application/sparql-query",
                         b"Content-Length: 3", b"Transfer-Encoding: chunked", method=b"POST",
                         body=b"0\r\n\r\n"), {400}, id="length-and-chunked"),
    pytest.param(request(b"/sparql", b"Content-Type: \xff\xfe", b"Content-Length: 6",
                         method=b"POST", body=b"ASK {}"), {415}, id="content-type-not-ascii"),
    pytest.param(request(b"/sparql", b"Content-Type: application/sparql-query; charset=rot13",
                         b"Content-Length: 6", method=b"POST", body=b"ASK {}"), {415},
                 id="codec-not-charset"),
    pytest.param(request(b"/sparql", b"Content-Type: application/x-www-form-urlencoded;"
                         b" charset=idna", b"Content-Length: 9", method=b"POST",
                         body=b"query=%ff"), {400}, id="form-in-idna"),
    pytest.param(request(b"/sparql", b"Content-Type: application/sparql-query",
                         b"Content-Length: 4", method=b"POST", body=b"\xff\xfe\x00\x01"),
                 {400}, id="body-not-utf-8"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "statuses"), RAW)
def test_a_malformed_request_is_refused_with_a_4xx(
    live_server: str, data: bytes, statuses: set[int]
) -> None:
    assert_refused(exchange(live_server, data), statuses)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param(request(ACCEPT_SPARQL, b"Accept: \xff\xfe"), 200, id="accept-latin-1"),
        pytest.param(request(b"/", b"Accept-Language: \xe9\xff"), 200, id="language-latin-1"),
        pytest.param(request(b"/?lang=%ff%fe"), 200, id="bad-lang"),
        pytest.param(request(b"/sparql?%ff=%fe&query=ASK%7B%7D"), 200, id="bad-param-name"),
        pytest.param(request(b"/", b"Host: [::1]:8000"), 200, id="host-ipv6"),
        pytest.param(request(b"/", b"Host: example.org:80"), 200, id="host-port"),
        pytest.param(request(b"http://elsewhere.example/sparql"), 200, id="absolute-form"),
        pytest.param(request(ACCEPT_SPARQL, b"Accept-Encoding: gzip;q=nan"), 200, id="q-nan"),
        pytest.param(request(ACCEPT_SPARQL, b"If-Modified-Since: \xff"), 200, id="bad-date"),
    ],
)
def test_odd_but_harmless_input_is_answered(live_server: str, data: bytes, status: int) -> None:
    assert exchange(live_server, data)[0] == status


TRUNCATED = request(
    b"/sparql",
    b"Content-Type: application/sparql-query",
    b"Content-Length: 1000",
    method=b"POST",
    body=b"ASK",
)


def test_a_client_that_leaves_mid_body_leaves_no_trace(
    live_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    server_log = logging.getLogger("uvicorn.error")  # uvicorn's loggers do not propagate
    server_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO):
            with connect(live_server) as sock:
                sock.sendall(TRUNCATED)
            deadline = time.monotonic() + 10
            while "disconnected" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.02)
            assert exchange(live_server, request(ACCEPT_SPARQL))[0] == 200  # still serving
    finally:
        server_log.removeHandler(caplog.handler)
    assert "the client disconnected" in caplog.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


# ------------------------------------------------------------------ headers and parameters

MALFORMED_ACCEPT = [
    ";;;", ",,,", "text/html;q=nan", "text/html;q=1e400", "text/html;q=-1", "*/html", "a/b/c",
    "/", "*", "text/", "text/html;;q=0.5;", "q=1", "*/*;q=0", "x" * 4_000,
    ", ".join(["a/b;q=0.001"] * 500),
]  # fmt: skip
PATHS = [
    "/", "/sparql", "/sparql?query=ASK%7B%7D", "/sparql?query=CONSTRUCT%20WHERE%20%7B%7D",
    "/doc/projet/dossier-sante", "/doc/projet/nope", "/id/projet/dossier-sante",
    "/graphe/2025-2026", "/ontologie", "/dumps/", "/dataset", "/static/site.css", "/nope",
]  # fmt: skip


@pytest.mark.parametrize("accept", MALFORMED_ACCEPT, ids=lambda a: a[:20])
def test_a_malformed_accept_is_never_a_server_error(site: httpx.Client, accept: str) -> None:
    for path in PATHS:
        response = site.get(path, headers={"Accept": accept, "Accept-Language": accept})
        assert response.status_code < 500, (path, response.text)
        if response.status_code == 406:
            assert response.json()["detail"], path


def get_routes(http: httpx.Client) -> list[str]:
    samples = {"{path}": "projet/dossier-sante", "{name}": "portefeuille.ttl", "{rest}": ""}
    routes = []
    for template, operations in http.get("/openapi.json").json()["paths"].items():
        if "get" in operations:
            for placeholder, value in samples.items():
                template = template.replace(placeholder, value)
            routes.append(template)
    return routes


def test_unknown_parameters_are_ignored(site: httpx.Client) -> None:
    junk = "zz=1&a%5Bb%5D=c&=&%26=%3D&lang2=en&query2=x&format2=y"
    for path in get_routes(site):
        plain = site.get(path)
        with_junk = site.get(f"{path}?{junk}")
        assert with_junk.status_code == plain.status_code, (path, with_junk.text)
        assert plain.status_code < 500, (path, plain.text)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_wrong_method_is_405_naming_the_allowed_ones(client: httpx.Client, method: str) -> None:
    for path in [*get_routes(client), "/static/site.css", "/docs", "/openapi.json"]:
        response = client.request(method, path)
        assert response.status_code == 405, (path, response.text)
        allowed = response.headers["allow"].split(", ")
        assert {"GET", "HEAD"} <= set(allowed), path
        assert f"{method} is not allowed here" in response.json()["detail"]
    response = client.post("/static/site.css")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


# ------------------------------------------------------------------ markup is inert

MARKUP = '</script><script>alert("x")</script>'
HOSTILE_DATA = f"""
@prefix id: <https://w3id.org/portefeuille-qc/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/portefeuille-qc/graphe/2025-2026> {{
  id:projet\\/x a <https://w3id.org/portefeuille-qc/ontologie#Project> ;
    rdfs:label {json.dumps(MARKUP)}@fr , "\\" onmouseover=\\"alert(1)"@en ;
    dcterms:description "<img src=x onerror=alert(1)>&amp;"@fr-x-evil ;
    rdfs:seeAlso <javascript:alert(1)> , <JaVaScRiPt:alert(2)> , <data:text/html,%3Cb%3E> ,
      <vbscript:msgbox> , <https://www.quebec.ca/?a=%22> ;
    dcterms:title "x"^^<http://ex.org/%22%3E> .
}}
"""


class Page(HTMLParser):
    """The elements and attributes of a page, and its JSON-LD blocks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.json_ld: list[str] = []
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        self._in_json_ld = tag == "script" and attributes.get("type") == "application/ld+json"

    def handle_endtag(self, tag: str) -> None:
        self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld.append(data)


def assert_inert(html: str) -> Page:
    """No script but ours and data blocks, no event handler, no script URL, no markup leak."""
    page = Page(html)
    for tag, attributes in page.tags:
        assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
        for name in ("href", "src", "action", "formaction"):
            value = attributes.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), (tag, attributes)
        if tag == "script":
            data_block = attributes.get("type") == "application/ld+json"
            assert data_block or attributes.get("src", "").endswith("/static/query.js"), attributes
    assert "<script>alert" not in html and "<img src=x" not in html
    return page


@pytest.fixture(scope="module")
def hostile(serve_app: Serve, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server whose data holds markup in literals and script IRIs."""
    store = EmbeddedStore.from_data(HOSTILE_DATA, TRIG)
    settings = Settings(out_dir=tmp_path_factory.mktemp("out"))
    with (
        serve_app(create_app(settings, store)) as url,
        httpx.Client(base_url=url, trust_env=False, timeout=10) as http,
    ):
        yield http
    store.close()


def test_markup_in_the_data_is_inert_in_its_page(hostile: httpx.Client) -> None:
    response = hostile.get("/doc/projet/x", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = assert_inert(response.text)
    assert "&lt;/script&gt;&lt;script&gt;alert(" in response.text
    [block] = page.json_ld
    assert "</" not in block
    [node] = json.loads(block)
    labels = [value["@value"] for value in node["http://www.w3.org/2000/01/rdf-schema#label"]]
    assert MARKUP in labels  # the escapes mean the same to a JSON-LD reader
    hrefs = {a.get("href") for tag, a in page.tags if tag == "a"}
    assert "https://www.quebec.ca/?a=%22" in hrefs


@pytest.mark.parametrize(
    "path",
    [
        "/graphe/2025-2026",
        "/doc/projet/" + quote(MARKUP, safe=""),
        "/id/projet/" + quote(MARKUP, safe=""),
        "/graphe/" + quote(MARKUP, safe=""),
        "/ontologie/" + quote(MARKUP, safe=""),
        "/doc/projet/x?lang=" + quote(MARKUP, safe=""),
        "/sparql?example=" + quote(MARKUP, safe=""),
        "/sparql?lang=" + quote(MARKUP, safe="") + "&" + quote(MARKUP, safe="") + "=1",
    ],
)
def test_markup_in_the_request_is_inert(hostile: httpx.Client, path: str) -> None:
    response = hostile.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (200, 404)
    if response.headers["content-type"] == "text/html; charset=utf-8":
        assert_inert(response.text)
    else:  # no route for that path: a problem body, which no browser renders as a page
        assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("accept", ["application/json", "text/plain"])
def test_an_error_echoing_markup_is_never_html(hostile: httpx.Client, accept: str) -> None:
    response = hostile.get("/doc/" + quote(MARKUP, safe=""), headers={"Accept": accept})
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ paths stay inside

SOURCE_MARKERS = (b"def create_app", b"{% extends", b"root:", b"[build-system]")
TRAVERSALS = [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2ftemplates%2fbase.html", "/static/..%5capp.py", "/static/%252e%252e/app.py",
    "/static/%c0%ae%c0%ae/app.py", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/static/../../../../../../../etc/passwd", "/static/site.css%00", "/static/%00",
    "/static/templates/base.html", "/static/../templates/base.html",
    "/doc/../../etc/passwd", "/doc/%2e%2e/%2e%2e/etc/passwd", "/doc/%2fetc%2fpasswd",
    "/id/..%2f..%2fpyproject.toml", "/graphe/..%2f..%2fpyproject.toml",
    "/ontologie/..%2f..%2fpyproject.toml", "/formes%2f..%2f..%2fetc%2fpasswd",
    "/dumps/..%2f..%2fpyproject.toml", "/dumps/%2e%2e", "/dumps/secret.txt",
    "/dumps/..%2fsecret.txt", "/dumps/%2e%2e%2fcurrent%2fsecret.txt", "/../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
]  # fmt: skip


def publish(out_dir: Path, files: dict[str, bytes]) -> Path:
    """A release listing ``files`` in its manifest, next to a file it does not list."""
    release = out_dir / "releases" / "0123456789abcdef"
    release.mkdir(parents=True)
    entries = []
    for name, content in files.items():
        (release / name).write_bytes(content)
        entries.append(FileEntry.of_bytes(name, "text/turtle", content))
    (release / "secret.txt").write_bytes(b"root: not listed\n")
    manifest = Manifest("https://w3id.org/portefeuille-qc/", "2025-09-12", 1, files=(*entries,))
    (release / "manifest.json").write_bytes(manifest.to_json())
    (out_dir / "current").symlink_to("releases/0123456789abcdef")
    return release


@pytest.fixture(scope="module")
def published(
    serve_app: Serve, store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A server with a release, as the build publishes it."""
    out_dir = tmp_path_factory.mktemp("out")
    publish(out_dir, {"portefeuille.ttl": b"<http://ex.org/a> <http://ex.org/b> 1 .\n"})
    with serve_app(create_app(Settings(out_dir=out_dir), store)) as url:
        yield url


@pytest.fixture
def site(published: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=published, trust_env=False, timeout=10) as http:
        yield http


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_leaves_the_published_folders(published: str, target: str) -> None:
    status, _, body = exchange(published, request(target.encode()))
    assert status in (400, 404), (status, body[:200])
    assert not any(marker in body for marker in SOURCE_MARKERS)


def test_a_symlink_in_the_static_folder_is_not_followed(
    tmp_path: Path, store: EmbeddedStore, serve_app: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "site.css").write_text("body {}\n")
    (tmp_path / "secret.txt").write_text("root: not for you\n")
    (folder / "leak.css").symlink_to(tmp_path / "secret.txt")
    [mount] = [r for r in resources.router.routes if getattr(r, "path", None) == "/static"]
    assert isinstance(mount.app, StaticFiles)
    monkeypatch.setattr(mount.app, "all_directories", [folder])
    with serve_app(create_app(Settings(), store)) as url:
        assert httpx.get(f"{url}/static/site.css", trust_env=False).status_code == 200
        leak = httpx.get(f"{url}/static/leak.css", trust_env=False)
    assert leak.status_code == 404
    assert b"root:" not in leak.content


def test_a_symlinked_description_is_not_followed(
    tmp_path: Path, store: EmbeddedStore, serve_app: Serve
) -> None:
    outside = tmp_path / "outside.ttl"
    outside.write_text("<http://ex.org/secret> <http://ex.org/p> 'root: not for you' .\n")
    release = publish(tmp_path / "out", {"void.ttl": outside.read_bytes()})
    (release / "void.ttl").unlink()
    (release / "void.ttl").symlink_to(outside)  # same bytes: the manifest's checks pass
    with serve_app(create_app(Settings(out_dir=tmp_path / "out"), store)) as url:
        for path in ("/dataset", "/.well-known/void", "/dumps/void.ttl"):
            response = httpx.get(url + path, headers={"Accept": "text/turtle"}, trust_env=False)
            assert response.status_code == 404, path
            assert b"root:" not in response.content
