"""``/dumps/``: only the manifest's files, with ETag, Last-Modified, 304, gzip, checksums.

A small release is published into a temporary ``out_dir`` (the layout the build makes:
``current -> releases/<id>``) and served by a real uvicorn server.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from portefeuille_ld.pipeline.artifacts import media_type
from portefeuille_ld.pipeline.manifest import FileEntry, Manifest
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.web.app import create_app
from portefeuille_ld.web.release import Releases

Serve = Callable[[FastAPI], AbstractContextManager[str]]

FILES = {
    "portefeuille.ttl": '<https://ex.org/s> <https://ex.org/p> "Québec"@fr .\n'.encode() * 200,
    "portefeuille.nt": '<https://ex.org/s> <https://ex.org/p> "é" .\n'.encode() * 300,
    "contexte.jsonld": b'{"@context": {"pf": "https://w3id.org/portefeuille-qc/ontologie#"}}\n',
}
SECRET = b"not listed in the manifest\n"


def publish(out_dir: Path, files: dict[str, bytes], release_id: str = "0123456789abcdef") -> Path:
    """Write a release as the build does, with a file that the manifest does not list."""
    release = out_dir / "releases" / release_id
    release.mkdir(parents=True)
    entries = []
    for name, content in files.items():
        (release / name).write_bytes(content)
        entries.append(FileEntry.of_bytes(name, media_type(name), content))
    (release / "secret.txt").write_bytes(SECRET)
    manifest = Manifest("https://w3id.org/portefeuille-qc/", "2025-09-12", 1, files=tuple(entries))
    (release / "manifest.json").write_bytes(manifest.to_json())
    (out_dir / "current").symlink_to(f"releases/{release_id}")
    return release


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, store: EmbeddedStore, serve_app: Serve
) -> Iterator[tuple[str, Path]]:
    """The base URL of a server publishing `FILES`, and the release directory."""
    out_dir = tmp_path_factory.mktemp("out")
    release = publish(out_dir, FILES)
    with serve_app(create_app(Settings(out_dir=out_dir), store)) as url:
        yield url, release


@pytest.fixture
def http(site: tuple[str, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site[0], trust_env=False, timeout=10) as client:
        yield client


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def raw_status(base_url: str, target: str) -> int:
    """The status of a GET sent byte for byte (no client normalizes ``..`` or ``%2e``)."""
    host = urlsplit(base_url)
    assert host.hostname is not None and host.port is not None
    with socket.create_connection((host.hostname, host.port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        head = sock.recv(64)
    return int(head.split()[1])


@pytest.mark.parametrize(
    ("name", "content_type", "disposition"),
    [
        pytest.param(
            "portefeuille.ttl",
            "text/turtle; charset=utf-8",
            'attachment; filename="portefeuille.ttl"',
            id="turtle",
        ),
        pytest.param(
            "portefeuille.nt",
            "application/n-triples; charset=utf-8",
            'attachment; filename="portefeuille.nt"',
            id="n-triples",
        ),
        pytest.param(
            "contexte.jsonld",
            "application/ld+json; charset=utf-8",
            'inline; filename="contexte.jsonld"',
            id="context",
        ),
    ],
)
def test_a_listed_file_is_served_with_its_manifest_facts(
    http: httpx.Client, name: str, content_type: str, disposition: str
) -> None:
    response = http.get(f"/dumps/{name}", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.content == FILES[name]
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"] == disposition
    assert response.headers["etag"] == f'"{sha256(FILES[name])}"'
    assert response.headers["content-length"] == str(len(FILES[name]))
    assert response.headers["link"] == '</dataset>; rel="describedby"'
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert parsedate_to_datetime(response.headers["last-modified"]) <= datetime.now(UTC)


def test_the_manifest_itself_is_served_inline(http: httpx.Client, site: tuple[str, Path]) -> None:
    response = http.get("/dumps/manifest.json", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.content == (site[1] / "manifest.json").read_bytes()
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_head_gives_the_headers_without_the_body(http: httpx.Client) -> None:
    get = http.get("/dumps/portefeuille.nt", headers={"Accept-Encoding": "identity"})
    head = http.head("/dumps/portefeuille.nt", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    for name in ("etag", "content-length", "content-type", "last-modified"):
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize(
    "if_none_match",
    [
        pytest.param("{etag}", id="same"),
        pytest.param('"other", {etag}', id="in-a-list"),
        pytest.param("W/{etag}", id="weak"),
        pytest.param("*", id="any"),
    ],
)
def test_if_none_match_revalidates_with_304(http: httpx.Client, if_none_match: str) -> None:
    etag = f'"{sha256(FILES["portefeuille.ttl"])}"'
    headers = {"If-None-Match": if_none_match.format(etag=etag), "Accept-Encoding": "identity"}
    response = http.get("/dumps/portefeuille.ttl", headers=headers)
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


def test_a_changed_etag_gets_the_file_even_if_not_modified_since(http: httpx.Client) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": later}
    assert http.get("/dumps/portefeuille.ttl", headers=headers).status_code == 200


def test_if_modified_since_revalidates_by_date(http: httpx.Client) -> None:
    first = http.get("/dumps/portefeuille.ttl")
    modified = parsedate_to_datetime(first.headers["last-modified"])
    same = {"If-Modified-Since": first.headers["last-modified"]}
    earlier = {"If-Modified-Since": format_datetime(modified - timedelta(days=1), usegmt=True)}
    assert http.get("/dumps/portefeuille.ttl", headers=same).status_code == 304
    assert http.get("/dumps/portefeuille.ttl", headers=earlier).status_code == 200
    garbage = {"If-Modified-Since": "yesterday"}
    assert http.get("/dumps/portefeuille.ttl", headers=garbage).status_code == 200


def test_gzip_is_sent_when_accepted_with_its_own_etag(http: httpx.Client) -> None:
    content = FILES["portefeuille.nt"]
    with http.stream("GET", "/dumps/portefeuille.nt", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == content
    assert len(raw) < len(content)
    assert r.headers["etag"] == f'"{sha256(content)}-gzip"'
    assert "accept-encoding" in r.headers["vary"].lower()
    again = http.get("/dumps/portefeuille.nt", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    identity_tag = {"If-None-Match": f'"{sha256(content)}"', "Accept-Encoding": "gzip"}
    assert http.get("/dumps/portefeuille.nt", headers=identity_tag).status_code == 200


def test_gzip_refused_with_q0_gives_the_file_as_it_is(http: httpx.Client) -> None:
    response = http.get("/dumps/portefeuille.nt", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in response.headers
    assert response.content == FILES["portefeuille.nt"]


def test_a_release_compresses_each_file_once(tmp_path: Path) -> None:
    release = publish(tmp_path, FILES)
    releases = Releases(tmp_path)
    current = releases.current()
    assert current is not None and current.directory == release.resolve()
    calls: list[str] = []

    def compress(_: object) -> bytes:
        calls.append("x")
        return b"z"

    for _ in range(3):
        assert releases.derived(current, "gzip:portefeuille.nt", compress) == b"z"
    assert calls == ["x"]


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/dumps/%2e%2e/manifest.json", id="encoded-dots"),
        pytest.param("/dumps/..%2fmanifest.json", id="encoded-slash"),
        pytest.param("/dumps/..%2f..%2f..%2fetc%2fpasswd", id="encoded-climb"),
        pytest.param("/dumps/%2e%2e%2f%2e%2e%2fcurrent%2fmanifest.json", id="all-encoded"),
        pytest.param("/dumps/../current/manifest.json", id="dots"),
        pytest.param("/dumps/%2fetc%2fpasswd", id="absolute"),
        pytest.param("/dumps//etc/passwd", id="double-slash"),
        pytest.param("/dumps/secret.txt", id="not-in-manifest"),
        pytest.param("/dumps/.", id="dot"),
        pytest.param("/dumps/%00manifest.json", id="nul"),
    ],
)
def test_nothing_outside_the_manifest_is_served(site: tuple[str, Path], target: str) -> None:
    assert raw_status(site[0], target) in (400, 404)


def test_a_symlink_in_the_release_is_never_followed(
    tmp_path: Path, store: EmbeddedStore, serve_app: Serve
) -> None:
    outside = tmp_path / "outside.nt"
    outside.write_bytes(FILES["portefeuille.nt"])  # same bytes: the size check passes
    release = publish(tmp_path / "out", FILES)
    (release / "portefeuille.nt").unlink()
    (release / "portefeuille.nt").symlink_to(outside)
    (release / "elsewhere.ttl").symlink_to(outside)
    with serve_app(create_app(Settings(out_dir=tmp_path / "out"), store)) as url:
        assert httpx.get(f"{url}/dumps/portefeuille.nt", trust_env=False).status_code == 404
        assert httpx.get(f"{url}/dumps/elsewhere.ttl", trust_env=False).status_code == 404
        assert httpx.get(f"{url}/dumps/portefeuille.ttl", trust_env=False).status_code == 200


def test_sha256sums_checks_every_file(http: httpx.Client, tmp_path: Path) -> None:
    response = http.get("/dumps/SHA256SUMS")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    names = [line.split("  ", 1)[1] for line in response.text.splitlines()]
    assert sorted(names) == sorted([*FILES, "manifest.json"])
    for name in names:
        (tmp_path / name).write_bytes(http.get(f"/dumps/{name}").content)
    (tmp_path / "SHA256SUMS").write_bytes(response.content)
    check = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_index_lists_files_sizes_and_checksums_as_json(http: httpx.Client) -> None:
    response = http.get("/dumps/", headers={"Accept": "application/json"})
    assert response.headers["content-type"] == "application/json"
    listed = {f["name"]: f for f in response.json()["files"]}
    for name, content in FILES.items():
        assert listed[name]["size"] == len(content)
        assert listed[name]["sha256"] == sha256(content)
        assert listed[name]["url"] == f"/dumps/{name}"


def test_the_index_is_a_page_for_a_browser(http: httpx.Client) -> None:
    response = http.get("/dumps/", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    for name, content in FILES.items():
        assert f'/dumps/{name}"' in response.text
        assert sha256(content) in response.text
    assert "SHA256SUMS" in response.text
    assert http.get("/dumps", headers={"Accept": "text/html"}).status_code == 200


def test_without_a_release_dumps_are_unavailable(
    tmp_path: Path, store: EmbeddedStore, serve_app: Serve
) -> None:
    with serve_app(create_app(Settings(out_dir=tmp_path), store)) as url:
        response = httpx.get(f"{url}/dumps/portefeuille.nt", trust_env=False)
    assert response.status_code == 503
    assert "portefeuille-ld build" in response.text
