"""`AccessFormatter` writes uvicorn's access lines, character for character."""

from __future__ import annotations

import logging

import pytest
import uvicorn.config
import uvicorn.logging

from portefeuille_ld.web.access_log import ACCESS_FORMAT, AccessFormatter, log_config

LINE = '%s - "%s %s HTTP/%s" %d'


def record(status: int, path: str = "/sparql?query=ASK%7B%7D", level: int = logging.INFO):
    arguments = ("127.0.0.1:5000", "GET", path, "1.1", status)
    return logging.LogRecord("uvicorn.access", level, __file__, 1, LINE, arguments, None)


@pytest.mark.parametrize("status", [200, 303, 304, 400, 404, 418, 503, 599])
@pytest.mark.parametrize("colours", [False, True], ids=["plain", "colours"])
@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING], ids=["info", "warning"])
def test_the_same_line_as_uvicorn(status: int, colours: bool, level: int) -> None:
    ours = AccessFormatter(ACCESS_FORMAT, use_colors=colours)
    uvicorns = uvicorn.logging.AccessFormatter(ACCESS_FORMAT, use_colors=colours)
    path = "/doc/projet/%C3%A9t%C3%A9"
    assert ours.format(record(status, path, level)) == uvicorns.format(record(status, path, level))


def test_only_the_access_formatter_changes() -> None:
    config = log_config()
    assert config["formatters"]["access"]["()"] == "portefeuille_ld.web.access_log.AccessFormatter"
    config["formatters"]["access"]["()"] = "uvicorn.logging.AccessFormatter"
    assert config == uvicorn.config.LOGGING_CONFIG
