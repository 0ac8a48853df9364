"""Write one file of a release and describe it (media type, size, SHA-256) as it is written.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     entry = write_file(Path(tmp), "a.nt", lambda output: output.write(b"<a> <b> <c> .\\n"))
>>> entry.name, entry.media_type, entry.size
('a.nt', 'application/n-triples', 14)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from portefeuille_ld import formats
from portefeuille_ld.pipeline.dumps import Output
from portefeuille_ld.pipeline.manifest import FileEntry

__all__ = ["Content", "media_type", "write_file"]

_OTHER_MEDIA_TYPES = {"json": "application/json", "txt": "text/plain", "md": "text/markdown"}

Content = bytes | Callable[[Output], None]
"""A file's bytes, or what writes them into an output a part at a time (no two large
dumps in memory, nor one whole)."""


def media_type(name: str) -> str:
    """The media type of a file, from its extension.

    >>> media_type("portefeuille.nq"), media_type("manifest.json"), media_type("x.bin")
    ('application/n-quads', 'application/json', 'application/octet-stream')
    """
    extension = name.rpartition(".")[2]
    known = formats.from_extension(extension)
    if known is not None:
        return known.media_type
    return _OTHER_MEDIA_TYPES.get(extension, "application/octet-stream")


class _HashedFile:
    """A file being written, its size and SHA-256 counted as it goes."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.file.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.file.flush()


def write_file(directory: Path, name: str, content: Content) -> FileEntry:
    """Write `directory / name`, at once or a part at a time, and return its entry."""
    if isinstance(content, bytes):
        (directory / name).write_bytes(content)
        return FileEntry.of_bytes(name, media_type(name), content)
    with (directory / name).open("wb") as file:
        hashed = _HashedFile(file)
        content(hashed)
    return FileEntry(name, media_type(name), hashed.size, hashed.sha256.hexdigest())
