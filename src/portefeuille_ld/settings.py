"""Settings, built once at the edge (`cli.main`, `create_app`) and passed down.

Every field can come from the environment with the prefix ``PORTEFEUILLE_``:

>>> s = Settings.from_env({"PORTEFEUILLE_BASE_IRI": "http://localhost:8000/"})
>>> s.base_iri
'http://localhost:8000/'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portefeuille_ld.iris import DEFAULT_BASE

__all__ = ["PROJECT_ROOT", "Settings"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The checkout this package runs from (data/, ontology/ and shapes/ live there)."""

_PREFIX = "PORTEFEUILLE_"


@dataclass(frozen=True)
class Settings:
    """What the build and the server need to know; defaults are the safe choices."""

    base_iri: str = DEFAULT_BASE
    data_dir: Path = PROJECT_ROOT / "data"
    ontology_path: Path = PROJECT_ROOT / "ontology" / "portefeuille.ttl"
    shapes_path: Path = PROJECT_ROOT / "shapes" / "portefeuille.shacl.ttl"
    out_dir: Path = PROJECT_ROOT / "artifacts"
    public_base: str | None = None
    """Where the server is reached, when it differs from `base_iri` (e.g. localhost)."""
    query_timeout_s: float = 10.0
    max_query_length: int = 20_000
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> Settings:
        """Read ``PORTEFEUILLE_<FIELD>`` variables; explicit overrides win."""
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(_PREFIX + f.name.upper())
            if raw is None or f.name == "extra":
                continue
            values[f.name] = _convert(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _convert(annotation: object, raw: str) -> object:
    kind = str(annotation)
    if "Path" in kind:
        return Path(raw)
    if "float" in kind:
        return float(raw)
    if "int" in kind:
        return int(raw)
    return raw
