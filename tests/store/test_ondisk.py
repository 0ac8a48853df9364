"""The on-disk store the build writes into each release, and how the server opens it."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, Manifest
from portefeuille_ld.settings import Settings
from portefeuille_ld.store.embedded import EmbeddedStore
from portefeuille_ld.store.ondisk import (
    DISK_STORE,
    load_files,
    open_read_only,
    stated_statistics,
    write_disk_store,
)
from portefeuille_ld.store.process import WorkerProcess
from portefeuille_ld.store.sources import ReleaseSource
from portefeuille_ld.store.worker import QueryCall, WorkerSpec
from portefeuille_ld.web.app import open_store


def test_the_build_writes_a_store_holding_the_dump(built: BuildResult) -> None:
    dump = pyoxigraph.Store()
    dump.load(path=built.release / "portefeuille.nq", format=pyoxigraph.RdfFormat.N_QUADS)
    on_disk = open_read_only(built.release / DISK_STORE)
    assert len(on_disk) == len(dump)
    assert _without_blank_nodes(on_disk) == _without_blank_nodes(dump)  # fresh ids each load
    for graph in dump.named_graphs():  # loaded a piece at a time: blank nodes kept whole
        assert isomorphic(_rdflib_graph(on_disk, graph), _rdflib_graph(dump, graph)), graph
    assert DISK_STORE not in {f.name for f in built.manifest.files}


def _without_blank_nodes(store: pyoxigraph.Store) -> set[pyoxigraph.Quad]:
    blank = pyoxigraph.BlankNode
    return {
        q for q in store if not isinstance(q.subject, blank) and not isinstance(q.object, blank)
    }


def test_several_readers_open_it_at_once(built: BuildResult) -> None:
    readers = [open_read_only(built.release / DISK_STORE) for _ in range(3)]
    assert {len(reader) for reader in readers} == {len(readers[0])}


def test_the_server_opens_the_release_store_without_parsing(built: BuildResult) -> None:
    out_dir = built.release.parent.parent
    source = ReleaseSource(out_dir)
    prepared = source.prepare(source.current())
    assert prepared.disk == built.release / DISK_STORE
    assert prepared.files == (built.release / "portefeuille.nq",)  # to warm up from
    assert prepared.release == built.release
    started = time.monotonic()
    settings = Settings(out_dir=out_dir, workers=2, store_in_memory=False)  # never parses
    store = open_store(settings)
    elapsed = time.monotonic() - started
    try:
        assert store.statistics().triples == len(open_read_only(built.release / DISK_STORE))
        assert elapsed < 5, f"start-up took {elapsed:.2f} s"  # about 0.3 s; generous for CI
    finally:
        store.close()


def _open_files(pid: int, under: Path) -> list[str]:
    links = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            links.append(os.readlink(fd))
        except FileNotFoundError:  # closed meanwhile: the worker opens and closes files
            continue
    return [link for link in links if link.startswith(str(under))]


def _worker(built: BuildResult, *, warm_up: bool, parse_at_once_bytes: int) -> WorkerProcess:
    release = built.release
    spec = WorkerSpec(
        release / DISK_STORE,
        (release / "portefeuille.nq",),
        warm_up=warm_up,
        parse_at_once_bytes=parse_at_once_bytes,
    )
    worker = WorkerProcess(spec)
    worker.wait_ready(60)
    return worker


@pytest.mark.parametrize("warm_up", [False, True], ids=["on-disk", "warmed-up"])
def test_workers_move_to_memory_once_they_have_parsed_the_dump(
    built: BuildResult, warm_up: bool
) -> None:
    worker = _worker(built, warm_up=warm_up, parse_at_once_bytes=0)
    try:
        assert _open_files(worker.pid, built.release / DISK_STORE)  # answering from disk at once
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            worker.call(QueryCall("ASK {}"), 10).unwrap()  # it switches between two calls
            if not _open_files(worker.pid, built.release / DISK_STORE):
                break
            time.sleep(0.05)
        assert bool(_open_files(worker.pid, built.release / DISK_STORE)) is not warm_up
    finally:
        worker.stop()


def test_a_small_dump_is_parsed_before_the_worker_is_ready(built: BuildResult) -> None:
    size = (built.release / "portefeuille.nq").stat().st_size
    worker = _worker(built, warm_up=True, parse_at_once_bytes=size)
    try:
        assert not _open_files(worker.pid, built.release / DISK_STORE)  # never opened
        assert worker.call(QueryCall("ASK { ?s ?p ?o }"), 10).unwrap().body.endswith(b"true}")
    finally:
        worker.stop()


def test_without_a_store_the_workers_parse_the_dump(tmp_path: Path) -> None:
    (tmp_path / "current").mkdir()
    (tmp_path / "current" / "portefeuille.nq").write_text(
        "<http://ex.org/a> <http://ex.org/p> <http://ex.org/b> <http://ex.org/g> .\n"
    )
    prepared = ReleaseSource(tmp_path).prepare(str(tmp_path / "current"))
    assert prepared.disk is None and prepared.files == (tmp_path / "current/portefeuille.nq",)
    assert prepared.release is None  # a plain directory is no release: no dumps are listed


class _RecordingStore:
    """A store's ``bulk_load``, noting the thread it runs on."""

    def __init__(self) -> None:
        self.store = pyoxigraph.Store()
        self.threads: list[int] = []

    def bulk_load(self, **kwargs: object) -> None:
        self.threads.append(threading.get_ident())
        self.store.bulk_load(**kwargs)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.store)


def test_files_are_parsed_on_another_thread_than_the_callers(tmp_path: Path) -> None:
    # The store's queries then run on the caller's thread, away from the load's leftovers.
    path = tmp_path / "a.nq"
    path.write_text("<http://ex.org/a> <http://ex.org/p> <http://ex.org/b> <http://ex.org/g> .\n")
    recording = _RecordingStore()
    load_files(recording, [path, path])  # type: ignore[arg-type]
    assert len(recording.threads) == 2 and threading.get_ident() not in recording.threads
    assert len(recording.store) == 1


def test_a_file_that_does_not_parse_is_reported_from_the_loading_thread(tmp_path: Path) -> None:
    path = tmp_path / "broken.nq"
    path.write_text("<http://ex.org/a> <http://ex.org/p> .\n")
    with pytest.raises(StoreUnavailable, match=r"cannot load .*broken\.nq as N-Quads"):
        load_files(pyoxigraph.Store(), [path])


def test_a_store_directory_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / DISK_STORE).mkdir()
    with pytest.raises(FileExistsError):
        write_disk_store(tmp_path / DISK_STORE, [])


def test_a_directory_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="cannot open the store"):
        open_read_only(tmp_path / "nothing")


def test_the_manifest_states_the_statistics_the_store_would_count(built: BuildResult) -> None:
    store = open_read_only(built.release / DISK_STORE)
    stated = stated_statistics(store, built.release / MANIFEST_FILE)
    assert stated == EmbeddedStore(store).statistics()


def test_a_manifest_naming_other_graphs_is_not_believed(built: BuildResult, tmp_path: Path) -> None:
    manifest = Manifest.from_json((built.release / MANIFEST_FILE).read_bytes())
    other = dataclasses.replace(manifest, graphs=manifest.graphs[1:])
    (tmp_path / MANIFEST_FILE).write_bytes(other.to_json())
    store = open_read_only(built.release / DISK_STORE)
    assert stated_statistics(store, tmp_path / MANIFEST_FILE) is None
    assert stated_statistics(store, tmp_path / "missing.json") is None


class _PieceRecorder(_RecordingStore):
    """A store's ``bulk_load``, noting each input's size."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def bulk_load(self, **kwargs: object) -> None:
        assert isinstance(kwargs["input"], bytes)
        self.sizes.append(len(kwargs["input"]))
        super().bulk_load(**kwargs)


def _lines(count: int, blank_at: Sequence[int] = ()) -> bytes:
    """N-Quads lines, the ``blank_at`` ones naming the same blank node."""
    lines = []
    for n in range(count):
        subject = "_:shared" if n in blank_at else f"<http://ex.org/s{n}>"
        lines.append(f'{subject} <http://ex.org/p> "{n}" <http://ex.org/g> .\n')
    return "".join(lines).encode()


def test_lines_are_loaded_a_piece_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "data.nq"
    path.write_bytes(_lines(100))
    recording = _PieceRecorder()
    load_files(recording, [path], piece_bytes=1_000)  # type: ignore[arg-type]
    assert len(recording.sizes) > 3 and max(recording.sizes) < 1_000 + 100  # a line more
    assert len(recording.store) == 100


def test_a_blank_node_named_in_several_pieces_stays_one_node(tmp_path: Path) -> None:
    path = tmp_path / "data.nq"
    path.write_bytes(_lines(100, blank_at=(0, 50, 99)))
    store = pyoxigraph.Store()
    load_files(store, [path], piece_bytes=1_000)
    blank = {q.subject for q in store if isinstance(q.subject, pyoxigraph.BlankNode)}
    assert len(blank) == 1 and len(store) == 100


def test_the_release_dump_loaded_in_pieces_is_the_dump(built: BuildResult) -> None:
    dump = built.release / "portefeuille.nq"
    whole, pieces = pyoxigraph.Store(), pyoxigraph.Store()
    load_files(whole, [dump])
    load_files(pieces, [dump], piece_bytes=4_096)  # the shapes' blank nodes span pieces
    assert dump.stat().st_size > 50 * 4_096
    for graph in whole.named_graphs():
        assert isomorphic(_rdflib_graph(whole, graph), _rdflib_graph(pieces, graph)), graph


def _rdflib_graph(store: pyoxigraph.Store, name: pyoxigraph.NamedNode) -> Graph:
    text = pyoxigraph.serialize(
        (q.triple for q in store.quads_for_pattern(None, None, None, name)),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    return Graph().parse(data=text, format="nt")


@pytest.mark.parametrize("bad_line", [7, 95], ids=["first-piece", "later-piece"])
@pytest.mark.parametrize("blank", [False, True], ids=["iri", "blank-node"])
def test_a_line_that_does_not_parse_is_named_in_the_file(
    tmp_path: Path, bad_line: int, blank: bool
) -> None:
    lines = _lines(100, blank_at=(0, 99)).splitlines(keepends=True)
    subject = b"_:x" if blank else b"<http://ex.org/x>"
    lines[bad_line - 1] = subject + b' <http://ex.org/p> "unclosed <http://ex.org/g> .\n'
    path = tmp_path / "broken.nq"
    path.write_bytes(b"".join(lines))
    with pytest.raises(StoreUnavailable, match=rf"broken\.nq as N-Quads: line {bad_line}, "):
        load_files(pyoxigraph.Store(), [path], piece_bytes=1_000)


@pytest.mark.parametrize("piece_bytes", [None, 1_000], ids=["whole", "pieces"])
def test_only_a_lenient_load_takes_an_iri_the_checks_refuse(
    tmp_path: Path, piece_bytes: int | None
) -> None:
    lines = _lines(100).splitlines(keepends=True)
    lines[41] = b'<http://ex.org/a{b}> <http://ex.org/p> "x" <http://ex.org/g> .\n'
    path = tmp_path / "data.nq"
    path.write_bytes(b"".join(lines))
    with pytest.raises(StoreUnavailable, match="Invalid IRI code point"):
        load_files(pyoxigraph.Store(), [path], piece_bytes=piece_bytes)
    store = pyoxigraph.Store()
    load_files(store, [path], piece_bytes=piece_bytes, lenient=True)
    assert len(store) == 100
    assert pyoxigraph.NamedNode("http://ex.org/s0") in {q.subject for q in store}
