"""HTTP caching and compression of the release's files (RFC 9110, sections 8.8 and 13).

Each file has a strong ``ETag`` from the manifest's SHA-256, and another one for its
gzip variant (``"<sha256>-gzip"``); revalidation with ``If-None-Match`` (which wins) or
``If-Modified-Since`` gets a 304. `FileVersion` is what a request for one file of a
release gets (its validators and headers): the ``/dumps/{name}`` route and the caching
layer, which answers revalidations before any routing, share it.

>>> from portefeuille_ld.pipeline.manifest import FileEntry
>>> entry = FileEntry("portefeuille.nt", "application/n-triples", 10, "ab" * 32)
>>> entity_tag(entry, gzip=True) == '"' + "ab" * 32 + '-gzip"'
True
>>> accepts_gzip("deflate, gzip;q=0.5"), accepts_gzip("gzip;q=0"), accepts_gzip(None)
(True, False, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from portefeuille_ld.pipeline.manifest import FileEntry
from portefeuille_ld.web.release import Release

__all__ = [
    "CACHE_CONTROL",
    "DESCRIBED_BY",
    "INLINE_FILES",
    "FileVersion",
    "accepts_gzip",
    "content_disposition",
    "content_type",
    "entity_tag",
    "file_headers",
    "http_date",
    "is_not_modified",
]

DESCRIBED_BY = '</dataset>; rel="describedby"'

CACHE_CONTROL = "public, max-age=3600"
"""A release never changes, but ``current`` may move to a new one: revalidate hourly."""

INLINE_FILES = frozenset({"manifest.json", "contexte.jsonld", "void.ttl", "SHA256SUMS"})
"""Small metadata files a browser may show; every other file is offered as a download."""

_BINARY = "application/octet-stream"


def entity_tag(entry: FileEntry, *, gzip: bool) -> str:
    """The strong entity tag of a file, or of its gzip variant."""
    return f'"{entry.sha256}-gzip"' if gzip else f'"{entry.sha256}"'


def content_type(media_type: str) -> str:
    """The ``Content-Type`` of a published file: every one but binaries is UTF-8 text.

    >>> content_type("text/turtle"), content_type("application/octet-stream")
    ('text/turtle; charset=utf-8', 'application/octet-stream')
    """
    return media_type if media_type == _BINARY else f"{media_type}; charset=utf-8"


def content_disposition(name: str) -> str:
    """``attachment`` for the dumps, ``inline`` for small metadata; names are plain ASCII.

    >>> content_disposition("portefeuille.ttl")
    'attachment; filename="portefeuille.ttl"'
    >>> content_disposition("manifest.json")
    'inline; filename="manifest.json"'
    """
    kind = "inline" if name in INLINE_FILES else "attachment"
    return f'{kind}; filename="{name}"'


def http_date(moment: datetime) -> str:
    """An HTTP date (IMF-fixdate).

    >>> http_date(datetime(2025, 9, 12, 8, 30, tzinfo=UTC))
    'Fri, 12 Sep 2025 08:30:00 GMT'
    """
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _codings(header: str) -> dict[str, float]:
    codings: dict[str, float] = {}
    for part in header.split(","):
        name, *params = part.split(";")
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.strip():
            codings[name.strip().lower()] = q
    return codings


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` accepts gzip (by name, or by ``*``) with a quality > 0.

    >>> accepts_gzip("*"), accepts_gzip("*, gzip;q=0"), accepts_gzip("x-gzip")
    (True, False, True)
    """
    codings = _codings(accept_encoding or "")
    for name in ("gzip", "x-gzip", "*"):
        if name in codings:
            return codings[name] > 0
    return False


def _tags(header: str) -> list[str]:
    """The entity tags of an ``If-None-Match`` list, weakness dropped (weak comparison)."""
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def is_not_modified(headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    """Whether a GET with these request headers should be answered 304 Not Modified.

    ``If-None-Match`` decides when present; else ``If-Modified-Since`` (an unparsable
    date is ignored, as RFC 9110 asks).

    >>> moment = datetime(2025, 9, 12, tzinfo=UTC)
    >>> is_not_modified({"if-none-match": 'W/"x", "y"'}, '"y"', moment)
    True
    >>> is_not_modified({"if-none-match": '"x"', "if-modified-since": http_date(moment)},
    ...                 '"y"', moment)
    False
    >>> is_not_modified({"if-modified-since": "Sat, 13 Sep 2025 00:00:00 GMT"}, '"y"', moment)
    True
    """
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or etag in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified <= since


def file_headers(name: str, etag: str, modified: datetime) -> dict[str, str]:
    """The headers of a release's file, on a 200 as on a 304."""
    return {
        "ETag": etag,
        "Last-Modified": http_date(modified),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
        "Link": DESCRIBED_BY,
        "Content-Disposition": content_disposition(name),
    }


@dataclass(frozen=True)
class FileVersion:
    """One listed file of a release, as a request with this ``Accept-Encoding`` gets it."""

    entry: FileEntry
    path: Path
    gzip: bool
    modified: datetime

    @classmethod
    def of(cls, release: Release, name: str, accept_encoding: str | None) -> FileVersion:
        """The file ``name`` of ``release``, checked on disk (`Release.open_path`).

        :raises ResourceNotFound: ``name`` is not a listed regular file of the release.
        """
        entry, path, mtime = release.open_path(name)
        modified = datetime.fromtimestamp(mtime, UTC)
        return cls(entry, path, accepts_gzip(accept_encoding), modified)

    @property
    def etag(self) -> str:
        """Its strong entity tag (the gzip variant has its own)."""
        return entity_tag(self.entry, gzip=self.gzip)

    def headers(self) -> dict[str, str]:
        """Its headers, on a 200 as on a 304."""
        return file_headers(self.entry.name, self.etag, self.modified)
