"""Schemathesis fuzzes every operation of the app's own OpenAPI description: never a 5xx.

The server is the production one (`IsolatedStore`, queries in worker processes) on the
real build, reached over a socket; its description is read from ``/openapi.json``. For
each operation, Schemathesis generates requests that fit the description and requests
that do not (wrong types, missing or extra parts, odd headers and bodies): no answer may
be a server error, and every one carries the security headers. The run is bounded (a
few derandomized examples per operation) to keep the suite quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from portefeuille_ld.pipeline.build import BuildResult
from portefeuille_ld.settings import Settings
from portefeuille_ld.web.app import create_app

Serve = Callable[[FastAPI], AbstractContextManager[str]]


def _operations() -> list[Any]:
    """Every operation the app describes, each in the generation modes that apply to it.

    Building the app reads nothing and starts nothing. Requests that do not fit the
    description exist only for an operation with a body or query parameters: a path
    parameter is any string, and so is every path.
    """
    cases = []
    for path, methods in create_app(Settings()).openapi()["paths"].items():
        for method, operation in methods.items():
            modes = [GenerationMode.POSITIVE]
            query = [p for p in operation.get("parameters", ()) if p["in"] == "query"]
            if "requestBody" in operation or query:
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                cases.append(pytest.param(path, method, mode, id=f"{method.upper()} {path} {mode}"))
    return cases


EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def api(built: BuildResult, serve_app: Serve) -> Iterator[Any]:
    """The description, read from the running server (so cases are sent to it)."""
    settings = Settings(out_dir=built.release.parent.parent, workers=2, query_timeout_s=5)
    with serve_app(create_app(settings)) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


@pytest.mark.parametrize(("path", "method", "mode"), _operations())
def test_no_generated_request_is_a_server_error(
    api: Any, path: str, method: str, mode: GenerationMode
) -> None:
    @EXAMPLES
    @given(case=api[path][method].as_strategy(mode))
    def check(case: Any) -> None:
        response = case.call(timeout=30)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"][0]

    check()
