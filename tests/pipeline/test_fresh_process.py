"""`FreshProcess`: jobs run in another interpreter, their results and errors come back."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portefeuille_ld.errors import SourceError
from portefeuille_ld.pipeline.build import read_graph
from portefeuille_ld.pipeline.fresh_process import FreshProcess, WorkerDied


def test_runs_in_another_process() -> None:
    with FreshProcess() as worker:
        assert worker.submit(os.getpid).result() != os.getpid()


def test_the_job_exception_comes_back_as_it_was(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    with FreshProcess() as worker:
        with pytest.raises(SourceError, match="not valid Turtle") as raised:
            worker.submit(read_graph, bad).result()
    assert raised.value.path == bad


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with FreshProcess() as worker:
        with pytest.raises(WorkerDied, match="exited with status 7"):
            worker.submit(os._exit, 7).result(timeout=60)


def test_an_unpicklable_job_is_refused_at_once() -> None:
    with FreshProcess() as worker, pytest.raises(Exception, match="pickle"):
        worker.submit(lambda: 1)


def test_a_script_without_a_main_guard_runs_once(tmp_path: Path) -> None:
    """A `spawn` child would import the script again, and run its build twice."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(f"""
            import os
            from portefeuille_ld.pipeline.fresh_process import FreshProcess
            with open({str(runs)!r}, "a") as f:
                f.write("run\\n")
            with FreshProcess() as worker:
                print(worker.submit(os.getpid).result() != os.getpid())
        """)
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "True"
    assert runs.read_text() == "run\n"
