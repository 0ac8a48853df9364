"""The page language, and the message table: every message in both languages, none missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portefeuille_ld.web.i18n import MESSAGES, choose_language, message, other_language

TEMPLATES = Path(__file__).parents[2] / "src" / "portefeuille_ld" / "web" / "templates"
_KEY = re.compile(r"""\bt\(\s*["']([\w.]+)["']\s*[,)]""")
"""A message key written out in a template (keys built with ``~`` are not checked)."""


@pytest.mark.parametrize(
    ("param", "accept_language", "expected"),
    [
        pytest.param(None, None, "fr", id="default-french"),
        pytest.param(None, "", "fr", id="empty-header"),
        pytest.param(None, "en", "en", id="english"),
        pytest.param(None, "en-CA,en;q=0.9,fr;q=0.8", "en", id="english-region"),
        pytest.param(None, "fr-CA,fr;q=0.9,en;q=0.8", "fr", id="french-region"),
        pytest.param(None, "de, en;q=0.5, fr;q=0.4", "en", id="first-known-by-quality"),
        pytest.param(None, "fr;q=0.2, en;q=0.3", "en", id="quality-not-order"),
        pytest.param(None, "en;q=0, fr;q=0.1", "fr", id="q-zero-refuses"),
        pytest.param(None, "en, fr", "en", id="tie-goes-to-first"),
        pytest.param(None, "de, es", "fr", id="unknown-languages"),
        pytest.param(None, "en;q=abc", "fr", id="malformed-quality"),
        pytest.param(None, "*", "fr", id="wildcard"),
        pytest.param("en", "fr", "en", id="param-wins"),
        pytest.param("FR", "en", "fr", id="param-any-case"),
        pytest.param("xx", "en", "en", id="unknown-param-ignored"),
    ],
)
def test_choose_language(param: str | None, accept_language: str | None, expected: str) -> None:
    assert choose_language(param=param, accept_language=accept_language) == expected


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_both_languages(key: str) -> None:
    fr, en = MESSAGES[key]
    assert fr.strip() and en.strip()
    assert re.findall(r"{\w+}", fr) == re.findall(r"{\w+}", en)


def test_message_fills_placeholders() -> None:
    assert message("graph.triples", "en", n=12) == "12 triples"
    assert other_language("en") == "fr"


@pytest.mark.parametrize(
    "template", [pytest.param(p, id=p.name) for p in sorted(TEMPLATES.glob("*.html"))]
)
def test_templates_use_only_known_messages(template: Path) -> None:
    used = set(_KEY.findall(template.read_text(encoding="utf-8")))
    assert used - set(MESSAGES) == set()


def test_templates_are_found() -> None:
    assert {"base.html", "resource.html", "ontology.html", "not_found.html"} <= {
        p.name for p in TEMPLATES.glob("*.html")
    }
