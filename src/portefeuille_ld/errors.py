"""The exceptions portefeuille-ld raises, as one hierarchy.

    PortefeuilleError
    ├── SourceError          a source or curated file is wrong (names the file, line, field)
    ├── ValidationFailed     the graph violates the SHACL shapes (carries the report)
    ├── ResourceNotFound     no resource has that IRI
    └── StoreError
        ├── QueryError       the query is malformed or not allowed (HTTP 400)
        │   ├── NotAcceptable    no requested format fits what the query answers (HTTP 406)
        │   └── ResultTooLarge   the answer outgrew the result size limit (HTTP 422)
        └── StoreUnavailable the store cannot answer now (HTTP 503)
            ├── QueryTimeout     the query ran past the time limit and was stopped
            └── StoreBusy        every worker is busy and the wait queue is full (Retry-After)

Domain code raises these; only `web/errors.py` turns them into HTTP responses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portefeuille_ld.pipeline.validate import ValidationReport

__all__ = [
    "NotAcceptable",
    "PortefeuilleError",
    "QueryError",
    "QueryTimeout",
    "ResourceNotFound",
    "ResultTooLarge",
    "SourceError",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "ValidationFailed",
]


class PortefeuilleError(Exception):
    """Base class of every error this package raises on purpose."""


class SourceError(PortefeuilleError):
    """A source or curated file cannot be read as expected.

    >>> print(SourceError("unknown organization 'X'", path=Path("a.yaml"), line=3))
    a.yaml:3: unknown organization 'X'
    """

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class ValidationFailed(PortefeuilleError):
    """The graph does not conform to the shapes; nothing was published."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(f"the graph violates the shapes ({len(report.violations)} violation(s))")


class ResourceNotFound(PortefeuilleError):
    """No resource of the dataset has this IRI."""

    def __init__(self, iri: str) -> None:
        self.iri = iri
        super().__init__(f"no resource {iri}")


class StoreError(PortefeuilleError):
    """The store failed to answer."""


class QueryError(StoreError):
    """The query is malformed or asks for something the endpoint refuses."""


class StoreUnavailable(StoreError):
    """The store cannot answer now (overloaded, timed out or unreachable)."""


class NotAcceptable(QueryError):
    """None of the formats the client accepts can carry what the query answers."""


class ResultTooLarge(QueryError):
    """The answer is larger than the server sends; the query must ask for less."""


class QueryTimeout(StoreUnavailable):
    """The query ran past the time limit; its computation was stopped."""


class StoreBusy(StoreUnavailable):
    """Every worker is busy and enough requests wait already: come back later.

    >>> StoreBusy("busy", retry_after_s=2).retry_after_s
    2
    """

    def __init__(self, message: str, *, retry_after_s: int = 1) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)
