"""On-disk Oxigraph stores: written once, then opened read-only by any number of processes.

The build writes one into each release (``releases/<id>/oxigraph/``) from the N-Quads dump,
so the server opens it instead of parsing the dump again; ``serve --data FILE…`` writes
one, once, into a temporary directory. A release never changes once published, so readers
never share a store with a writer (pyoxigraph leaves that case undefined).

>>> import tempfile
>>> directory = Path(tempfile.mkdtemp()) / DISK_STORE
>>> source = directory.parent / "data.nt"
>>> _ = source.write_text('<http://ex.org/a> <http://ex.org/p> "x" .\\n')
>>> write_disk_store(directory, [source])
>>> len(open_read_only(directory))
1
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph

from portefeuille_ld.errors import StoreUnavailable
from portefeuille_ld.formats import from_extension
from portefeuille_ld.pipeline.manifest import Manifest
from portefeuille_ld.store.base import GraphStatistics, StoreStatistics
from portefeuille_ld.store.own_thread import on_own_thread

__all__ = [
    "DISK_STORE",
    "PIECE_BYTES",
    "data_format",
    "load_files",
    "open_read_only",
    "stated_statistics",
    "write_disk_store",
]

log = logging.getLogger(__name__)

DISK_STORE = "oxigraph"
"""The name of a release's on-disk store directory."""

PIECE_BYTES = 8_000_000
"""Lines of N-Triples or N-Quads the build's on-disk store loads at a time (`load_files`).

``bulk_load`` holds what it has parsed until its input ends. At the 2.7 million quads of a
100k portfolio (``python -m bench.disk_store``, medians of 3): loaded whole, a peak of
1,620 MiB in 30.7 s; 8 MB at a time, 136 MiB in 40.2 s. The build pays the time to load
beside its own work instead of after it; ``serve --data`` loads whole, sooner."""

_RDF_EXTENSIONS = ".ttl, .nt, .nq, .trig, .jsonld, .rdf"
_LINE_FORMATS = (pyoxigraph.RdfFormat.N_TRIPLES, pyoxigraph.RdfFormat.N_QUADS)
_POSITION = re.compile(r"^Parser error at line \d+ column \d+: ")


def data_format(path: Path) -> pyoxigraph.RdfFormat:
    """The RDF format of a data file, from its extension.

    :raises StoreUnavailable: the extension names no RDF format we read.

    >>> data_format(Path("a.trig")).name
    'TriG'
    >>> data_format(Path("a.csv"))
    Traceback (most recent call last):
    ...
    portefeuille_ld.errors.StoreUnavailable: cannot tell the RDF format of a.csv from its \
extension: use one of .ttl, .nt, .nq, .trig, .jsonld, .rdf
    """
    fmt = from_extension(path.suffix, kind="rdf")
    if fmt is None or not isinstance(fmt.oxigraph, pyoxigraph.RdfFormat):
        raise StoreUnavailable(
            f"cannot tell the RDF format of {path} from its extension: use one of {_RDF_EXTENSIONS}"
        )
    return fmt.oxigraph


def load_files(
    store: pyoxigraph.Store,
    paths: Sequence[Path],
    *,
    piece_bytes: int | None = None,
    lenient: bool = False,
) -> None:
    """Load RDF files into ``store`` (triples into the default graph, quads into theirs).

    Relative IRIs resolve against each file's ``file:`` URL; nothing is fetched (a JSON-LD
    remote ``@context`` is an error). Each file is parsed `on_own_thread`: queries run
    faster on the caller's thread. With ``piece_bytes``, N-Triples and N-Quads are loaded
    that many bytes of lines at a time (`_load_in_pieces`), other formats whole.
    ``lenient``: pyoxigraph's, which skips checking IRIs and language tags; only for files
    whose terms were checked when they were written (the build's own dumps).

    :raises StoreUnavailable: a file is missing, or cannot be parsed in its format.
    """
    for path in paths:
        fmt = data_format(path)
        try:
            if piece_bytes is not None and fmt in _LINE_FORMATS:
                on_own_thread(_load_in_pieces, store, path, fmt, piece_bytes, lenient)
            else:
                base_iri = path.resolve().as_uri()
                on_own_thread(
                    store.bulk_load, path=path, format=fmt, base_iri=base_iri, lenient=lenient
                )
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreUnavailable(f"cannot load {path} as {fmt.name}: {exc}") from exc
    log.info("loaded %d file(s): %d quads", len(paths), len(store))


def _load_in_pieces(
    store: pyoxigraph.Store, path: Path, fmt: pyoxigraph.RdfFormat, piece_bytes: int, lenient: bool
) -> None:
    """Load a file of lines (N-Triples, N-Quads) ``piece_bytes`` at a time.

    Each ``bulk_load`` gives the blank nodes it parses fresh identifiers, so a blank node
    named in two pieces would become two: every line that may name one (it holds ``_:``)
    waits, and they are all loaded at the end, together.

    :raises SyntaxError: where the file stops parsing, its line counted from the file's
        start (a piece's own parser counts from the piece's).
    """
    blank: list[tuple[int, bytes]] = []
    first_line = 1
    with path.open("rb") as file:
        while lines := file.readlines(piece_bytes):
            start, first_line = first_line, first_line + len(lines)
            piece = b"".join(lines)
            if b"_:" in piece:
                blank += ((n, line) for n, line in enumerate(lines, start) if b"_:" in line)
                piece = b"".join(line for line in lines if b"_:" not in line)
            _bulk_load(store, fmt, piece, enumerate(lines, start), lenient)
    if blank:
        _bulk_load(store, fmt, b"".join(line for _, line in blank), blank, lenient)


def _bulk_load(
    store: pyoxigraph.Store,
    fmt: pyoxigraph.RdfFormat,
    piece: bytes,
    numbered: Iterable[tuple[int, bytes]],
    lenient: bool,
) -> None:
    """Load a piece; on a syntax error, find the first line of ``numbered`` (the piece's,
    by their line in the file) that does not parse, and raise its error located."""
    try:
        store.bulk_load(input=piece, format=fmt, lenient=lenient)
    except SyntaxError:
        for number, line in numbered:
            try:
                for _ in pyoxigraph.parse(line, fmt, lenient=lenient):
                    pass
            except SyntaxError as exc:
                reason = _POSITION.sub("", str(exc.msg))
                column = exc.offset or 1
                raise SyntaxError(f"line {number}, column {column}: {reason}") from None
        raise


def write_disk_store(
    directory: Path,
    paths: Sequence[Path],
    *,
    piece_bytes: int | None = None,
    lenient: bool = False,
) -> None:
    """Create an on-disk store in ``directory`` (which must not exist) holding ``paths``.

    ``piece_bytes``, ``lenient``: as `load_files` (`PIECE_BYTES`: memory bounded,
    slower). The store is compacted and closed on return, ready to be opened read-only.

    :raises StoreUnavailable: as `load_files`.
    """
    directory.mkdir(parents=True)
    store = pyoxigraph.Store(directory)
    load_files(store, paths, piece_bytes=piece_bytes, lenient=lenient)
    store.flush()
    store.optimize()
    del store  # closes it: readers may now open the directory


def open_read_only(directory: Path) -> pyoxigraph.Store:
    """Open an on-disk store read-only; several processes may do so at once.

    :raises StoreUnavailable: the directory holds no readable store.
    """
    try:
        return pyoxigraph.Store.read_only(str(directory))
    except OSError as exc:
        raise StoreUnavailable(f"cannot open the store {directory}: {exc}") from exc


def stated_statistics(store: pyoxigraph.Store, manifest: Path) -> StoreStatistics | None:
    """The statistics a release's ``manifest.json`` states for ``store``, its on-disk store.

    Counting them scans every quad (about 2 s of CPU per worker at 2.7 million quads); the
    build wrote them down. None, to count them, when the manifest is missing or unreadable,
    or names other graphs than the store holds (listing those costs nothing).

    >>> import tempfile
    >>> directory = Path(tempfile.mkdtemp())
    >>> store = pyoxigraph.Store()
    >>> stated_statistics(store, directory / "manifest.json") is None
    True
    """
    try:
        graphs = Manifest.from_json(manifest.read_bytes()).graphs
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if {g.iri for g in graphs} != {g.value for g in store.named_graphs()}:
        log.warning("%s does not describe the store beside it: counting its triples", manifest)
        return None
    ordered = sorted(graphs, key=lambda g: g.iri)
    return StoreStatistics(
        triples=sum(g.triples for g in ordered),
        graphs=tuple(GraphStatistics(g.iri, g.triples) for g in ordered),
    )
