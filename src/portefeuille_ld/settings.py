"""Settings, built once at the edge (`cli.main`, `create_app`) and passed down.

Every field can come from the environment with the prefix ``PORTEFEUILLE_``:

>>> s = Settings.from_env({"PORTEFEUILLE_BASE_IRI": "http://localhost:8000/"})
>>> s.base_iri
'http://localhost:8000/'
"""

from __future__ import annotations

import dataclasses
import os
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
    """A query still running after this is stopped (its worker process is killed): 503."""
    max_query_length: int = 20_000
    """Longer queries are refused (400); request bodies past 16 bytes a character, 413."""
    workers: int = 0
    """Query worker processes; 0 for one per CPU."""
    max_queued_queries: int = 16
    """Requests that may wait for a busy worker; more get 503 with ``Retry-After``."""
    max_result_bytes: int = 64 * 1024 * 1024
    """A larger answer is not sent: 422, asking for a LIMIT (dumps have no such limit);
    an answer already being streamed (`answer_piece_bytes`) is cut there instead."""
    answer_piece_bytes: int = 1024 * 1024
    """A SPARQL answer growing past this is sent as its worker serializes it, a piece of
    this size at a time (chunked): its first byte leaves sooner, and neither the worker
    nor the server holds it whole. An error after the first piece (the size or the time
    limit) can no longer change the status: the connection is closed before the end of
    the answer, which clients report as a truncated transfer. 0: answers are sent whole."""
    result_cache_bytes: int = 0
    """Bytes of query answers the server keeps per release, to answer a repeated query
    without running it (`portefeuille_ld.store.result_cache`); 0: none are kept."""
    inline_describe_quads: int = 256
    """A ``DESCRIBE`` of IRIs reading at most this many quads is answered in the server
    process, without a worker's round trip (`portefeuille_ld.store.inline`), from a copy of
    the data of its own (one more, in memory, when the workers are); 0: every query goes to
    a worker, and the server holds no copy."""
    store_in_memory: bool = True
    """Workers answer from the release's on-disk store at once, and meanwhile parse the data
    into memory, then answer from there (several times faster; one copy per worker).
    False: they stay on the on-disk store, whose pages all workers share."""
    data_files: tuple[Path, ...] = ()
    """Serve these RDF files instead of the published release (``serve --data``);
    from the environment, separated by ``os.pathsep``."""
    store_url: str | None = None
    """A remote SPARQL query endpoint to answer from instead of the embedded store."""
    graph_store_url: str | None = None
    """The remote's Graph Store Protocol endpoint (``publish --to``'s default)."""
    store_user: str | None = None
    """The remote's user name: from the environment only, never from the command line."""
    store_password: str | None = field(default=None, repr=False)
    """The remote's password: from the environment only, never from the command line."""
    cache_max_age_s: int = 300
    """``Cache-Control: public, max-age=`` of pages and query answers (0: no caching)."""
    access_log: bool = True
    """``serve`` logs one line per request (uvicorn's access log, on stderr). Off behind a
    proxy that logs them already: it costs a fifth of the CPU of the cheapest answers."""

    @property
    def serves_release(self) -> bool:
        """Whether the answers are those of the release in `out_dir`: not with ``--data``. A
        remote store is taken to hold it (``publish --to`` loads it there)."""
        return not self.data_files

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> Settings:
        """Read ``PORTEFEUILLE_<FIELD>`` variables; explicit overrides win."""
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _convert(annotation: object, raw: str) -> object:
    """A field's value from its environment text.

    >>> _convert("bool", "yes"), _convert("tuple[Path, ...]", os.pathsep.join(["a", "b"]))
    (True, (PosixPath('a'), PosixPath('b')))
    """
    kind = str(annotation)
    if kind == "bool":
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind.startswith("tuple[Path"):
        return tuple(Path(part) for part in raw.split(os.pathsep) if part)
    if "Path" in kind:
        return Path(raw)
    if "float" in kind:
        return float(raw)
    if "int" in kind:
        return int(raw)
    return raw
