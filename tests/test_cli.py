"""The command line, run as a real process: clear errors, and nothing lost on a failed build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portefeuille_ld.settings import PROJECT_ROOT


def _run(
    *args: str, data_dir: Path | None = None, shapes: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTEFEUILLE_")}
    env["COLUMNS"] = "200"
    if data_dir is not None:
        env["PORTEFEUILLE_DATA_DIR"] = str(data_dir)
    if shapes is not None:
        env["PORTEFEUILLE_SHAPES_PATH"] = str(shapes)
    return subprocess.run(
        [sys.executable, "-m", "portefeuille_ld", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", target)
    return target


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A release built by the command line: the last good version."""
    out = tmp_path / "artifacts"
    result = _run("build", "--out", str(out), "--build-date", "2025-09-12")
    assert result.returncode == 0, result.stderr
    return out


def _snapshot(out: Path) -> dict[str, bytes]:
    """The published files (not the server's on-disk store, a directory whose bytes vary)."""
    current = (out / "current").resolve()
    return {p.name: p.read_bytes() for p in sorted(current.iterdir()) if p.is_file()}


def test_validate_passes_on_the_real_data() -> None:
    result = _run("validate")
    assert result.returncode == 0, result.stderr
    assert "conforms" in result.stdout


def test_build_twice_gives_the_same_bytes(tmp_path: Path, published: Path) -> None:
    again = tmp_path / "again"
    assert _run("build", "--out", str(again), "--build-date", "2025-09-12").returncode == 0
    assert _snapshot(again) == _snapshot(published)


def test_bad_yaml_fails_with_file_and_line_and_keeps_the_release(
    data_dir: Path, published: Path
) -> None:
    before = _snapshot(published)
    curation = data_dir / "2025-2026" / "curation.yaml"
    curation.write_text(
        curation.read_text(encoding="utf-8").replace("  - key: pdm\n", "  - key: [pdm\n")
    )
    result = _run("build", "--out", str(published), data_dir=data_dir)
    assert result.returncode == 1
    assert "curation.yaml:" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(published) == before


def test_missing_organization_names_the_text_line(data_dir: Path, published: Path) -> None:
    before = _snapshot(published)
    curation = data_dir / "2025-2026" / "curation.yaml"
    text = curation.read_text(encoding="utf-8").replace(
        'name: "Curateur public"', 'name: "Curatrice"'
    )
    curation.write_text(text, encoding="utf-8")
    result = _run("build", "--out", str(published), data_dir=data_dir)
    assert result.returncode == 1
    assert "portefeuille-2025-2026.txt:26" in result.stderr and "Curateur public" in result.stderr
    assert _snapshot(published) == before


def test_shape_violation_is_reported_and_nothing_is_published(
    tmp_path: Path, published: Path
) -> None:
    before = _snapshot(published)
    shapes = tmp_path / "shapes.ttl"
    original = (PROJECT_ROOT / "shapes" / "portefeuille.shacl.ttl").read_text(encoding="utf-8")
    shapes.write_text(
        original
        + """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:test:NoDeploymentsShape> a sh:NodeShape ;
    sh:targetClass <https://w3id.org/portefeuille-qc/ontologie#Deployment> ;
    sh:property <urn:test:NoDeploymentsShape-p> .
<urn:test:NoDeploymentsShape-p> sh:path <urn:test:never> ;
    sh:minCount 1 ;
    sh:message "test: toujours en défaut"@fr, "test: always failing"@en .
""",
        encoding="utf-8",
    )
    result = _run("build", "--out", str(published), shapes=shapes)
    assert result.returncode == 1
    assert "dsn-deploiement-provincial" in result.stderr
    assert "always failing" in result.stderr and "toujours en défaut" in result.stderr
    assert "nothing was published" in result.stderr
    assert _snapshot(published) == before
    assert not list(published.glob(".staging-*"))  # the release being written is thrown away
    assert _run("validate", shapes=shapes).returncode == 1


def test_unreadable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    result = _run("validate", data_dir=tmp_path / "nowhere")
    assert result.returncode == 1
    assert "no edition directory" in result.stderr and "Traceback" not in result.stderr
