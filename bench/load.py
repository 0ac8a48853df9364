"""A lean closed-loop HTTP/1.1 load client: asyncio streams + httptools, keep-alive.

Each of ``concurrency`` workers holds one connection and sends its next request as soon as
the previous answer is read, until the time budget or the request cap is reached. The
client's own CPU time is measured, so its overhead can be reported beside the servers'.
Loopback only: `Target` refuses any other address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httptools

__all__ = ["Cell", "Connection", "CutShort", "Req", "Target", "percentile", "run_cell"]


@dataclass(frozen=True)
class Target:
    """A server on a loopback address."""

    host: str
    port: int

    def __post_init__(self) -> None:
        host = "127.0.0.1" if self.host == "localhost" else self.host
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"benchmarks only talk to loopback addresses, not {self.host}")


@dataclass(frozen=True)
class Req:
    """One request, encoded once."""

    path: str
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    body: bytes = b""
    expect: tuple[int, ...] = (200,)

    def encode(self, target: Target) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {target.host}:{target.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Cell:
    """What one closed-loop run measured."""

    requests: int = 0
    errors: int = 0
    timeouts: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    """Exceptions (by type) of the requests that got no answer."""
    latencies: list[float] = field(default_factory=list)
    """Seconds, of the requests answered with an expected status."""
    received: int = 0
    duration_s: float = 0.0
    client_cpu_s: float = 0.0
    first_body: bytes | None = None
    first_headers: dict[str, str] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.duration_s if self.duration_s else 0.0

    def summary(self) -> dict[str, object]:
        lat = sorted(self.latencies)
        return {
            "requests": self.requests,
            "ok": len(lat),
            "errors": self.errors,
            "timeouts": self.timeouts,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": dict(self.failures.most_common(3)),
            "duration_s": round(self.duration_s, 4),
            "rps": round(self.rps, 2),
            "p50_ms": round(percentile(lat, 50) * 1000, 3) if lat else None,
            "p99_ms": round(percentile(lat, 99) * 1000, 3) if lat else None,
            "mean_ms": round(statistics.fmean(lat) * 1000, 3) if lat else None,
            "bytes_per_request": round(self.received / self.requests) if self.requests else 0,
            "client_cpu_ms_per_request": round(self.client_cpu_s * 1000 / self.requests, 4)
            if self.requests
            else None,
        }


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of sorted values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)
    (2.0, 4.0)
    """
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class CutShort(ConnectionError):
    """The server closed the connection in the middle of a response whose head it sent:
    how a streamed answer ends when the server stops it (the status could not change)."""

    def __init__(self, status: int, received: int) -> None:
        super().__init__(f"HTTP {status}, cut after {received:,} bytes of body")
        self.status = status


class _Response:
    """httptools callbacks for one response."""

    def __init__(self, keep_body: bool) -> None:
        self.done = False
        self.head_done = False
        self.size = 0
        self.keep_body = keep_body
        self.body: list[bytes] = []
        self.headers: dict[str, str] = {}

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.head_done = True

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.keep_body:
            self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class Connection:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, payload: bytes, keep_body: bool) -> tuple[int, _Response]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.target.host, self.target.port
            )
        assert self.reader is not None
        self.writer.write(payload)
        response = _Response(keep_body)
        parser = httptools.HttpResponseParser(response)
        while not response.done:
            data = await self.reader.read(262_144)
            if not data and response.head_done:
                raise CutShort(parser.get_status_code(), response.size)
            if not data:
                raise ConnectionError("the server closed the connection")
            parser.feed_data(data)
        status = parser.get_status_code()
        if not parser.should_keep_alive():
            self.close()
        return status, response

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _worker(
    target: Target,
    requests: Sequence[Req],
    offset: int,
    cell: Cell,
    deadline: float,
    budget: list[int],
    timeout_s: float,
    keep_first: bool,
) -> None:
    connection = Connection(target)
    payloads = [r.encode(target) for r in requests]
    index = offset
    try:
        while budget[0] > 0 and (time.perf_counter() < deadline or budget[1] > 0):
            budget[0] -= 1
            budget[1] -= 1
            request = requests[index % len(requests)]
            payload = payloads[index % len(requests)]
            index += 1
            keep = keep_first and cell.first_body is None
            start = time.perf_counter()
            cell.requests += 1
            try:
                status, response = await asyncio.wait_for(
                    connection.exchange(payload, keep), timeout_s
                )
            except TimeoutError:
                cell.timeouts += 1
                cell.errors += 1
                connection.close()
                continue
            except (OSError, ConnectionError, httptools.HttpParserError) as exc:
                cell.errors += 1
                cell.statuses[0] += 1
                cell.failures[f"{type(exc).__name__}: {exc}"[:120]] += 1
                connection.close()
                continue
            elapsed = time.perf_counter() - start
            cell.statuses[status] += 1
            cell.received += response.size
            if keep and cell.first_body is None:
                cell.first_body = b"".join(response.body)
                cell.first_headers = response.headers
            if status in request.expect:
                cell.latencies.append(elapsed)
            else:
                cell.errors += 1
    finally:
        connection.close()


async def _run(
    target: Target,
    requests: Sequence[Req],
    concurrency: int,
    duration_s: float,
    max_requests: int,
    min_requests: int,
    timeout_s: float,
    keep_first: bool,
) -> Cell:
    cell = Cell()
    budget = [max_requests, min_requests]  # shared by the workers (one event loop)
    cpu = time.process_time()
    start = time.perf_counter()
    deadline = start + duration_s
    await asyncio.gather(
        *(
            _worker(target, requests, i, cell, deadline, budget, timeout_s, keep_first)
            for i in range(concurrency)
        )
    )
    cell.duration_s = time.perf_counter() - start
    cell.client_cpu_s = time.process_time() - cpu
    return cell


def run_cell(
    target: Target,
    requests: Sequence[Req],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int = 1_000_000,
    min_requests: int | None = None,
    timeout_s: float = 60.0,
    keep_first: bool = False,
) -> Cell:
    """Run ``concurrency`` closed-loop workers for ``duration_s`` (at least ``min_requests``).

    Requests are taken in turn from ``requests`` (each worker starts at a different one).
    """
    if not requests:
        raise ValueError("no request to send")
    minimum = concurrency if min_requests is None else min_requests
    return asyncio.run(
        _run(
            target,
            requests,
            concurrency,
            duration_s,
            max_requests,
            minimum,
            timeout_s,
            keep_first,
        )
    )
