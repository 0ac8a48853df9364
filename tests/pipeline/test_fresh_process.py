"""`FreshProcess`: jobs run in another interpreter, their results and errors come back."""

from __future__ import annotations

import functools
import os
import runpy
import subprocess
import sys
import textwrap
import time
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


def _shell(command: str) -> functools.partial[subprocess.CompletedProcess[bytes]]:
    """A picklable job that runs `command` in ``sh``."""
    return functools.partial(subprocess.run, ["sh", "-c", command], check=True)


def test_max_workers_runs_the_jobs_one_at_a_time(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    job = _shell(f"echo start >> {log}; sleep 0.5; echo end >> {log}")
    with FreshProcess(max_workers=1) as worker:
        done = [worker.submit(job) for _ in range(3)]
    assert [future.result().returncode for future in done] == [0, 0, 0]
    assert log.read_text().split() == ["start", "end"] * 3


def test_leaving_on_an_exception_stops_the_jobs(tmp_path: Path) -> None:
    """A failed build does not wait for the dumps it throws away."""
    started = tmp_path / "started"
    script = tmp_path / "job.py"
    script.write_text(
        f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(60)\n"
    )
    with pytest.raises(KeyError), FreshProcess(max_workers=1) as worker:
        running = worker.submit(runpy.run_path, str(script))
        waiting = worker.submit(os.getpid)
        while not started.exists():
            time.sleep(0.05)
        raise KeyError("the validation failed")
    with pytest.raises(WorkerDied, match="exited with status -9"):
        running.result(timeout=0)
    with pytest.raises(WorkerDied, match="was not started"):
        waiting.result(timeout=0)


def test_max_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FreshProcess(max_workers=0)


def test_a_job_after_another_is_given_its_result() -> None:
    with FreshProcess(max_workers=1) as worker:
        first = worker.submit(os.getpid)
        second = worker.after(first, lambda pid: functools.partial(_pids, pid))
        then = worker.after(second, lambda pids: functools.partial(len, set(pids)))
        assert then.result(timeout=60) == 2
        assert second.result()[0] == first.result()


def _pids(earlier: int) -> tuple[int, int]:
    return earlier, os.getpid()


def test_a_job_after_a_failed_one_fails_as_it_did_without_running(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    with FreshProcess() as worker:
        failed = worker.submit(read_graph, tmp_path / "missing.ttl")
        after = worker.after(failed, lambda graph: _shell(f"touch {ran}"))
        with pytest.raises(SourceError, match="cannot read"):
            after.result(timeout=60)
    assert not ran.exists()


def test_a_job_that_cannot_be_made_fails_the_future_it_was_for() -> None:
    with FreshProcess() as worker:
        after = worker.after(worker.submit(os.getpid), lambda pid: lambda: pid)  # no pickle
        with pytest.raises(Exception, match="pickle"):
            after.result(timeout=60)
