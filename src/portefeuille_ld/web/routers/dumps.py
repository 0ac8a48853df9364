"""``/dumps/``: the current release's files, their checksums, and an index of them.

Only the files the release's ``manifest.json`` lists (and the manifest itself) are
served, looked up by exact name: no path is ever built from the request. Each answer
carries a strong ``ETag`` (the SHA-256), ``Last-Modified``, ``Cache-Control`` and a
``Link`` to the dataset's description; gzip is used when accepted, compressed once per
release.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.pipeline.manifest import FileEntry
from portefeuille_ld.web import downloads
from portefeuille_ld.web.i18n import Lang
from portefeuille_ld.web.pages import Choice, choose_page_format, human_size
from portefeuille_ld.web.release import Release, ReleaseDep, get_releases, require_release
from portefeuille_ld.web.templating import render, request_language

__all__ = ["router"]

router = APIRouter(tags=["Dumps"])

SUMS = "SHA256SUMS"
_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file, gzip-encoded when accepted."},
    304: {"description": "The cached copy (same ETag, or not modified since) is current."},
    404: {"description": "No file of the current release has this name."},
}


def _compressed(path: Path, entry: FileEntry) -> bytes:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise StoreUnavailable(f"{entry.name} differs from the release's manifest")
    return gzip.compress(data, compresslevel=6, mtime=0)


@router.get("/dumps/SHA256SUMS", responses={200: {"content": {"text/plain": {}}}})
def checksums(release: ReleaseDep) -> Response:
    """The SHA-256 of every file, in the format ``sha256sum --check`` reads."""
    body = "".join(f"{f.sha256}  {f.name}\n" for f in release.files)
    headers = downloads.file_headers(
        SUMS, f'"{hashlib.sha256(body.encode()).hexdigest()}"', release.published
    )
    del headers["Vary"]
    return PlainTextResponse(body, headers=headers)


@router.get("/dumps/{name}", name="dump", responses=_FILE_RESPONSES)
async def dump(name: str, request: Request) -> Response:
    """One file of the current release, by its exact name.

    ``async``, with no dependency to solve: it costs one ``lstat`` on the event loop; the
    first gzip of a file runs in the thread pool. Revalidations are answered before any
    routing, by `portefeuille_ld.web.caching.Caching`, the same way.
    """
    releases = get_releases(request)
    release = require_release(releases)
    version = downloads.FileVersion.of(release, name, request.headers.get("accept-encoding"))
    entry, path, headers = version.entry, version.path, version.headers()
    if downloads.is_not_modified(request.headers, version.etag, version.modified):
        return Response(status_code=304, headers=headers)
    media_type = downloads.content_type(entry.media_type)
    if version.gzip:
        body = await run_in_threadpool(
            releases.derived, release, f"gzip:{name}", lambda _: _compressed(path, entry)
        )
        headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=media_type, headers=headers)
    return FileResponse(path, headers=headers, media_type=media_type, stat_result=path.lstat())


def _index_json(release: Release) -> dict[str, object]:
    return {
        "release": release.id,
        "build_date": release.manifest.build_date,
        "published": release.published.isoformat(),
        "checksums": f"/dumps/{SUMS}",
        "described_by": "/dataset",
        "files": [
            {
                "name": f.name,
                "url": f"/dumps/{f.name}",
                "media_type": f.media_type,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in release.files
        ],
    }


def _index_rows(release: Release, lang: Lang) -> list[dict[str, object]]:
    return [{**vars(f), "size_text": human_size(f.size, lang)} for f in release.files]


@router.get("/dumps", include_in_schema=False)
@router.get(
    "/dumps/",
    responses={200: {"content": {"text/html": {}, "application/json": {}}}},
)
def index(request: Request, release: ReleaseDep) -> Response:
    """The files of the current release with their sizes and SHA-256 (HTML or JSON)."""
    headers = {"Link": downloads.DESCRIBED_BY, "Cache-Control": downloads.CACHE_CONTROL}
    if choose_page_format(request) is Choice.JSON:
        return JSONResponse(_index_json(release), headers=headers)
    lang = request_language(request)
    context = {"release": release, "rows": _index_rows(release, lang), "sums": SUMS}
    return render(request, "dumps.html", context, lang=lang, headers=headers)
