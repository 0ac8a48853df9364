"""Large answers leave as their worker writes them, over the socket.

The server runs as in production (`create_app(settings)`, queries in worker processes) on
the fixture dataset (20 quads), with one worker and pieces of 16 KiB: the cartesian
products of the quads give answers of any size (400 rows, about 150 KB; 8,000 rows, about
3 MB; 160,000 rows, past 64 MiB).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from portefeuille_ld.settings import Settings
from portefeuille_ld.store.isolated import IsolatedStore
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]

PIECE = 16_384
TWO = "SELECT * { ?s ?p ?o . ?a ?b ?c }"
THREE = "SELECT * { ?s ?p ?o . ?a ?b ?c . ?x ?y ?z }"
FOUR = "SELECT * { ?s ?p ?o . ?a ?b ?c . ?x ?y ?z . ?q ?r ?t }"


def settings_for(tmp_path: Path, fixture_path: Path, **limits: float) -> Settings:
    values = {"workers": 1, "answer_piece_bytes": PIECE, "max_result_bytes": 64 * 2**20}
    return Settings(
        out_dir=tmp_path,
        data_files=(fixture_path,),
        **{"query_timeout_s": 5.0, **values, **limits},  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def streaming(
    serve_app: Serve, fixture_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FastAPI]]:
    """A server with one worker and 16 KiB pieces, and its app."""
    app = create_app(settings_for(tmp_path_factory.mktemp("out"), fixture_path))
    with serve_app(app) as url:
        yield url, app


@pytest.fixture
def http(streaming: tuple[str, FastAPI]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=streaming[0], trust_env=False, timeout=10) as client:
        yield client


def _pids(app: FastAPI) -> tuple[int, ...]:
    store = app.state.store
    assert isinstance(store, IsolatedStore)
    return store.worker_pids()


def _request(url: str, sparql: str) -> bytes:
    """A GET of ``sparql`` on ``url``'s /sparql, as raw HTTP/1.1."""
    query = httpx.QueryParams({"query": sparql})
    return f"GET /sparql?{query} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


def test_an_answer_past_a_piece_comes_chunked_and_whole(
    http: httpx.Client, serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    streamed = http.get("/sparql", params={"query": TWO})
    assert streamed.status_code == 200
    assert streamed.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in streamed.headers
    assert len(streamed.content) > 4 * PIECE
    whole_app = create_app(settings_for(tmp_path, fixture_path, answer_piece_bytes=0))
    with serve_app(whole_app) as url:
        whole = httpx.get(url + "/sparql", params={"query": TWO}, trust_env=False)
    assert "transfer-encoding" not in whole.headers
    assert int(whole.headers["content-length"]) == len(whole.content)
    assert streamed.content == whole.content
    assert streamed.headers["content-type"] == whole.headers["content-type"]


def test_a_small_answer_is_sent_whole(http: httpx.Client) -> None:
    response = http.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) < PIECE


def test_an_answer_cut_by_the_size_limit_is_a_truncated_transfer(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, fixture_path, max_result_bytes=100_000))
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False) as client:
        pids = _pids(app)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/sparql", params={"query": THREE})
        # the worker stopped at the limit, and is ready for the next query: not replaced
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert _pids(app) == pids
        limited = client.get("/sparql", params={"query": TWO + " LIMIT 10"})
        assert limited.status_code == 200


def test_an_answer_cut_by_the_time_limit_is_a_truncated_transfer(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    # 3.2 million rows, gigabytes: far more than a second to write, past the first pieces.
    settings = settings_for(tmp_path, fixture_path, query_timeout_s=1, max_result_bytes=2**33)
    app = create_app(settings)
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=30) as client:
        (worker,) = _pids(app)
        five = FOUR.replace(" }", " . ?u ?v ?w }")
        with client.stream("GET", "/sparql", params={"query": five}) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):  # no last chunk
                for _ in response.iter_bytes():
                    pass
        # the worker was killed at the limit; its replacement answers
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert worker not in _pids(app)


def test_an_answer_larger_than_the_limit_before_its_first_piece_is_still_a_422(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    app = create_app(settings_for(tmp_path, fixture_path, max_result_bytes=10_000))
    with serve_app(app) as url:
        response = httpx.get(url + "/sparql", params={"query": TWO}, trust_env=False)
    assert response.status_code == 422
    assert "larger than 10,000 bytes" in response.json()["detail"]


def test_a_client_leaving_mid_answer_stops_its_worker(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    # 160,000 rows, past 100 MB: left alone, the worker would write until the size limit.
    app = create_app(settings_for(tmp_path, fixture_path, query_timeout_s=30))
    with serve_app(app) as url:
        (worker,) = _pids(app)
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
            conn.sendall(_request(url, FOUR))
            assert conn.recv(4096).startswith(b"HTTP/1.1 200 ")
        deadline = time.monotonic() + 5
        proc = Path(f"/proc/{worker}")  # gone once killed and reaped by the pool
        while proc.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not proc.exists()
        answer = httpx.get(url + "/sparql", params={"query": "ASK {}"}, trust_env=False)
        assert answer.status_code == 200
        assert len(_pids(app)) == 1 and worker not in _pids(app)


def test_a_slow_client_holds_pieces_not_the_worker(
    serve_app: Serve, fixture_path: Path, tmp_path: Path
) -> None:
    # The client reads nothing for a while: the worker still ends its 20 MB answer (more
    # than the sockets' buffers; the server keeps the pieces), answers the next query, and
    # the client then gets the whole answer.
    app = create_app(settings_for(tmp_path, fixture_path))
    large = FOUR + " LIMIT 40000"
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False) as client:
        whole = client.get("/sparql", params={"query": large}).content
        assert len(whole) > 16 * 2**20
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65_536)
            conn.sendall(_request(url, large))
            received = bytearray(conn.recv(1024))
            ask = client.get("/sparql", params={"query": "ASK {}"})  # the worker is free
            assert ask.status_code == 200
            while not received.endswith(b"0\r\n\r\n"):
                data = conn.recv(1 << 20)
                assert data, "the connection closed before the end of the answer"
                received += data
    assert _dechunked(bytes(received)) == whole


def _dechunked(raw: bytes) -> bytes:
    """The body of a chunked HTTP/1.1 response (head included)."""
    body, at = bytearray(), raw.index(b"\r\n\r\n") + 4
    while True:
        end = raw.index(b"\r\n", at)
        size = int(raw[at:end], 16)
        if size == 0:
            return bytes(body)
        body += raw[end + 2 : end + 2 + size]
        at = end + 2 + size + 2
