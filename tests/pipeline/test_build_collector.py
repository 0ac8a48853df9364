"""The build keeps Python's cyclic collector off the mapped data, and leaves it as it was;
its worker's lines are those of the graphs it maps, from the same sources."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portefeuille_ld.errors import SourceError
from portefeuille_ld.iris import Iris
from portefeuille_ld.pipeline import build as build_module, publish as publish_module
from portefeuille_ld.pipeline.build import MappedDataset, build, map_editions, read_graph
from portefeuille_ld.pipeline.edition_lines import EditionLines, edition_lines

REPO = Path(__file__).parents[2]
PATHS = {
    "ontology_path": REPO / "ontology" / "portefeuille.ttl",
    "shapes_path": REPO / "shapes" / "portefeuille.shacl.ttl",
}
SCHEMA = {
    "ontology": read_graph(PATHS["ontology_path"]),
    "shapes": read_graph(PATHS["shapes_path"]),
}


def _spy(
    monkeypatch: pytest.MonkeyPatch, name: str, note: Callable[[dict[str, Any]], bool]
) -> list[bool]:
    """`build`'s function `name`, called as before, noting `note(its keyword arguments)`
    at each call in the list returned."""
    notes: list[bool] = []
    original = getattr(build_module, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        notes.append(note(kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(build_module, name, recording)
    return notes


@pytest.mark.parametrize("enabled", [True, False])
def test_mapping_pauses_the_collector_and_restores_it(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    seen = _spy(monkeypatch, "map_portfolio", lambda kwargs: gc.isenabled())
    (gc.enable if enabled else gc.disable)()
    try:
        mapped = map_editions(REPO / "data", iris=Iris(), **SCHEMA)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen == [False] and mapped.editions == ("2025-2026",)


def test_the_mapped_data_is_frozen_while_validated_then_unfrozen_even_on_failure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    frozen: list[int] = []

    def failing(self: MappedDataset, *args: object) -> object:
        frozen.append(gc.get_freeze_count())
        raise RuntimeError("the validation failed")

    monkeypatch.setattr(MappedDataset, "validate", failing)
    with pytest.raises(RuntimeError, match="the validation failed"):
        build(REPO / "data", tmp_path, iris=Iris(), **PATHS)
    assert frozen and frozen[0] > 0
    assert gc.get_freeze_count() == 0
    assert not list((tmp_path / "releases").iterdir())


def test_the_workers_lines_are_those_of_the_mapped_graphs() -> None:
    made_here = map_editions(REPO / "data", iris=Iris(), **SCHEMA)
    made_there = edition_lines(REPO / "data", Iris())
    assert {e.graph: e.lines for e in made_there} == made_here.lines
    assert {e.graph: e.lines.known for e in made_there} == {  # `==` of lines leaves it out
        graph: lines.known for graph, lines in made_here.lines.items()
    }
    given = map_editions(REPO / "data", iris=Iris(), lines=lambda: made_there, **SCHEMA)
    assert given.lines == made_here.lines and given.union == made_here.union


def test_lines_of_other_sources_are_refused() -> None:
    made = edition_lines(REPO / "data", Iris())
    stale = [EditionLines(e.graph, "another fingerprint", e.lines) for e in made]
    with pytest.raises(SourceError, match="changed during the build"):
        map_editions(REPO / "data", iris=Iris(), lines=lambda: stale, **SCHEMA)
    with pytest.raises(SourceError, match="changed during the build"):
        map_editions(REPO / "data", iris=Iris(), lines=lambda: made[:0], **SCHEMA)


def test_the_worker_maps_only_given_a_second_core(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    given = _spy(monkeypatch, "map_editions", lambda kwargs: kwargs["lines"] is not None)
    releases = []
    for cores in (1, 2):
        monkeypatch.setattr(build_module, "_cores", lambda cores=cores: cores)
        releases.append(build(REPO / "data", tmp_path / str(cores), iris=Iris(), **PATHS))
    assert given == [False, True]
    assert releases[0].manifest.release_id == releases[1].manifest.release_id


def test_the_worker_writes_its_dumps_without_waiting_for_the_builds_mapping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Its lines made, the worker writes the dumps made from them at once: the build's
    mapping, held back here until the N-Triples dump exists, does not hold it back."""
    original = build_module.map_editions
    seen: list[bool] = []

    def slow_mapping(*args: Any, **kwargs: Any) -> Any:
        mapped = original(*args, **kwargs)
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".staging-*/portefeuille.nt")):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        seen.append(bool(list(tmp_path.glob(".staging-*/portefeuille.nt"))))
        return mapped

    monkeypatch.setattr(build_module, "_cores", lambda: 2)
    monkeypatch.setattr(build_module, "map_editions", slow_mapping)
    build(REPO / "data", tmp_path, iris=Iris(), **PATHS)
    assert seen == [True]


def test_a_failed_validation_stops_the_worker_before_its_files_are_removed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The worker may be writing the on-disk store when the validation fails: it is
    stopped first, then the release being written is removed, all of it."""

    def failing(self: MappedDataset, *args: object) -> object:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".staging-*/oxigraph/*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        raise RuntimeError("the validation failed")

    workers_when_removed: list[list[int]] = []
    original_remove = publish_module._remove

    def remove(path: Path) -> None:
        workers_when_removed.append(_workers())
        original_remove(path)

    monkeypatch.setattr(build_module, "_cores", lambda: 2)
    monkeypatch.setattr(MappedDataset, "validate", failing)
    monkeypatch.setattr(publish_module, "_remove", remove)
    with pytest.raises(RuntimeError, match="the validation failed"):
        build(REPO / "data", tmp_path, iris=Iris(), **PATHS)
    assert workers_when_removed == [[]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "releases"]
    assert not list((tmp_path / "releases").iterdir())


def _workers() -> list[int]:
    """The `FreshProcess` workers this process has running (read from Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"fresh_process" in command:
            found.append(int(stat.parent.name))
    return found
