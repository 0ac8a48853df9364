"""Streamed answers (``ANSWER_PIECE_BYTES``) against answers sent whole, on one large answer.

Two instances of ``portefeuille-ld serve --data`` on the endpoint benchmark's data, one
worker each: ``whole`` with ``ANSWER_PIECE_BYTES=0``, ``streamed`` with the default (or
``--piece-bytes``). Each run sends the same ``CONSTRUCT … LIMIT n`` (N-Triples) to each in
turn over a raw socket and times the first byte of the body and the last; the peak RSS of
the server process and of its worker (``VmHWM``, reset after start-up through
``/proc/PID/clear_refs``) is read at the end. Medians of ``--runs``:

    .venv/bin/python -m bench.streaming --triples 200000 --runs 7

Only 127.0.0.1 is contacted; every server is stopped by its process group.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from bench.release import Dataset, default_work_dir
from bench.servers import VENV_BIN, Server, free_port, tree_pids

__all__ = ["fetch", "main"]


def fetch(port: int, query: str) -> tuple[float, float, int]:
    """Seconds to the first byte of the body and to the last, and the bytes received."""
    target = "/sparql?" + urllib.parse.urlencode({"query": query})
    request = (
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/n-triples\r\n"
        "Connection: close\r\n\r\n"
    )
    received = bytearray()
    first: float | None = None
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        start = time.perf_counter()
        conn.sendall(request.encode())
        while data := conn.recv(1 << 20):
            received += data
            if first is None:
                head_end = received.find(b"\r\n\r\n")
                if head_end >= 0 and len(received) > head_end + 4:
                    first = time.perf_counter() - start
        end = time.perf_counter() - start
    if not received.startswith(b"HTTP/1.1 200 "):
        raise RuntimeError(f"not a 200: {bytes(received[:200])!r}")
    return first if first is not None else end, end, len(received)


def _peak_mib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def _reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")


def main(argv: Sequence[str] | None = None) -> None:
    """Print a Markdown table: medians of first byte, last byte, peak RSS per variant."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--triples", type=int, default=200_000, help="the CONSTRUCT's LIMIT")
    parser.add_argument("--piece-bytes", type=int, default=None, help="for `streamed`")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    dataset = Dataset(args.projects, args.seed, default_work_dir()).prepare()
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {args.triples}"
    pieces = {"whole": "0"}
    if args.piece_bytes is not None:
        pieces["streamed"] = str(args.piece_bytes)
    servers = []
    for name in ("whole", "streamed"):
        port = free_port()
        command = [
            str(VENV_BIN / "portefeuille-ld"),
            *("serve", "--data", str(dataset.nquads), "--host", "127.0.0.1", "--port", str(port)),
        ]
        env = {"PORTEFEUILLE_WORKERS": "1"}
        if name in pieces:
            env["PORTEFEUILLE_ANSWER_PIECE_BYTES"] = pieces[name]
        servers.append(Server(name, command, port, "/sparql", "/sparql?query=ASK%7B%7D", env=env))
    timings: dict[str, list[tuple[float, float, int]]] = {s.name: [] for s in servers}
    peaks: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as logs:
        try:
            for server in servers:
                server.start(Path(logs))
            time.sleep(2)  # the workers are ready; the server's own copy loads meanwhile
            for server in servers:
                for pid in tree_pids(server.pid):
                    _reset_peak(pid)
            for _ in range(args.runs):
                for server in servers:
                    timings[server.name].append(fetch(server.port, query))
            for server in servers:
                main_pid, *workers = tree_pids(server.pid)
                peaks[server.name] = (_peak_mib(main_pid), max(map(_peak_mib, workers)))
        finally:
            for server in servers:
                server.stop()
    print(f"{dataset.nquads}: `{query}`, one worker; medians of {args.runs}")
    print("| answers | first byte ms | last byte ms | bytes | peak RSS MiB: server, worker |")
    print("|---|---|---|---|---|")
    for name, runs in timings.items():
        first = statistics.median(r[0] for r in runs) * 1000
        last = statistics.median(r[1] for r in runs) * 1000
        peak = "{}, {}".format(*peaks[name])
        print(f"| {name} | {first:.1f} | {last:.1f} | {runs[0][2]:,} | {peak} |")


if __name__ == "__main__":
    main()
