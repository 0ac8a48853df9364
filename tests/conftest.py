"""Shared fixtures: the real portfolio built once per session into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from portefeuille_ld.iris import Iris
from portefeuille_ld.pipeline.build import BuildResult, build
from portefeuille_ld.settings import PROJECT_ROOT

BUILD_DATE = "2025-09-12"


def build_portfolio(out_dir: Path) -> BuildResult:
    """Build the real data of `data/` into `out_dir` (the same call as `portefeuille-ld build`)."""
    return build(
        PROJECT_ROOT / "data",
        out_dir,
        ontology_path=PROJECT_ROOT / "ontology" / "portefeuille.ttl",
        shapes_path=PROJECT_ROOT / "shapes" / "portefeuille.shacl.ttl",
        iris=Iris(),
        build_date=BUILD_DATE,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current build instead of comparing with it.",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real portfolio, built and published once for the whole session."""
    return build_portfolio(tmp_path_factory.mktemp("artifacts"))
