"""The benchmark's generator at a tiny scale: deterministic, and shaped like the real portfolio.

The benchmarks themselves never run in the test suite (``make bench`` runs them), except
the build's timeline, once at this scale: it replaces the build's functions by name, and
must notice when one is renamed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `bench/` sits beside `src/`, outside the installed package
    sys.path.insert(0, str(ROOT))

from bench.generate import EDITION, generate, write_dataset  # noqa: E402

from portefeuille_ld.iris import Iris  # noqa: E402
from portefeuille_ld.namespaces import PF  # noqa: E402
from portefeuille_ld.pipeline.build import build, check  # noqa: E402
from portefeuille_ld.pipeline.editions import read_edition  # noqa: E402
from portefeuille_ld.pipeline.mapping import map_portfolio  # noqa: E402
from portefeuille_ld.settings import Settings  # noqa: E402

PROJECTS = 120


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("synthetic"), PROJECTS, seed=11)


def test_same_seed_same_bytes() -> None:
    assert generate(PROJECTS, seed=11) == generate(PROJECTS, seed=11)


def test_other_seed_other_bytes() -> None:
    assert generate(PROJECTS, seed=11) != generate(PROJECTS, seed=12)


def test_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        generate(19)


def test_the_real_reader_reads_every_kind_of_row(data_dir: Path) -> None:
    portfolio = read_edition(data_dir / EDITION)
    kinds = Counter(i.kind for i in portfolio.initiatives)
    changes = Counter(c for e in portfolio.entries for c in e.changes)
    assert len(portfolio.initiatives) == len(portfolio.entries) == PROJECTS
    assert kinds["programme"] > 0 and kinds["project"] > kinds["programme"]
    assert {"New", "Merged", "Renamed"} <= set(changes)
    assert any(e.completed for e in portfolio.entries)
    assert any(i.programme for i in portfolio.initiatives)
    assert any(i.legal_basis for i in portfolio.initiatives if i.kind == "project")
    assert any("é" in i.title or "’" in i.title for i in portfolio.initiatives)


def test_the_graph_is_about_thirty_triples_per_initiative(data_dir: Path) -> None:
    graph = map_portfolio(read_edition(data_dir / EDITION), Iris())
    assert 25 * PROJECTS < len(graph) < 40 * PROJECTS
    assert len(set(graph.subjects(predicate=None, object=PF.PortfolioEntry))) == PROJECTS


def test_the_synthetic_portfolio_conforms_to_the_shapes(data_dir: Path) -> None:
    settings = Settings()
    checked = check(
        data_dir,
        ontology_path=settings.ontology_path,
        shapes_path=settings.shapes_path,
        iris=Iris(),
    )
    assert checked.report.conforms
    assert not checked.report.warnings


def test_the_timeline_times_both_processes_and_publishes_the_same_release(
    data_dir: Path, tmp_path: Path
) -> None:
    settings = Settings()
    plain = build(
        data_dir,
        tmp_path / "plain",
        ontology_path=settings.ontology_path,
        shapes_path=settings.shapes_path,
        iris=Iris(settings.base_iri),
        build_date="2025-09-12",
    )
    command = [sys.executable, "-m", "bench.timeline", "--projects", str(PROJECTS), "--seed", "11"]
    command += ["--work", str(tmp_path / "work")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"published release {plain.release.name} " in done.stdout
    rows = [row.split(" | ") for row in done.stdout.splitlines() if row.startswith("| ")]
    steps = {(row[0].split()[1], row[1]) for row in rows[2:]}  # (process, step)
    expected = {
        ("build", "SHACL validation"),
        ("build", "write portefeuille.ttl"),
        ("build", "VoID statistics"),
        ("worker", "job LineFiles"),
        ("worker", "write portefeuille.jsonld"),
        ("worker", "load the on-disk store"),
    }
    if len(os.sched_getaffinity(0)) > 1:  # on one core, the build makes the lines itself
        expected.add(("worker", "job edition_lines"))
    assert expected <= steps
    assert "at least" in done.stdout.splitlines()[-1]
