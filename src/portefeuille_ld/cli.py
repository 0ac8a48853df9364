"""The `portefeuille-ld` command: thin Typer wrappers over the pipeline and the server."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from portefeuille_ld import __version__
from portefeuille_ld.errors import PortefeuilleError, ValidationFailed
from portefeuille_ld.iris import Iris
from portefeuille_ld.settings import Settings

if TYPE_CHECKING:  # pyshacl and rdflib's SPARQL parser cost `serve` 0.13 s of start-up
    from portefeuille_ld.pipeline.validate import ValidationReport

__all__ = ["app", "main"]

app = typer.Typer(
    help="Publish Québec's portfolio of priority IT projects as linked open data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

OutOption = Annotated[
    Path | None, typer.Option("--out", help="Artifacts directory (default: artifacts/).")
]
BaseOption = Annotated[str | None, typer.Option("--base", help="Base IRI of the minted IRIs.")]
DataOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        help="Serve these RDF files instead of the build (Turtle, N-Triples, N-Quads, TriG,"
        " JSON-LD, RDF/XML; the format comes from the extension). Repeatable.",
    ),
]
FilesArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="More files to serve, as --data (serve --data a.ttl b.nq).",
        show_default=False,
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Answer queries from this SPARQL endpoint instead of the embedded store"
        " (credentials: PORTEFEUILLE_STORE_USER and PORTEFEUILLE_STORE_PASSWORD).",
    ),
]
GraphStoreOption = Annotated[
    str | None,
    typer.Option("--graph-store", help="The remote's Graph Store Protocol endpoint, if any."),
]


def _settings(**overrides: object) -> Settings:
    return Settings.from_env(os.environ, **overrides)


def _print_report(report: ValidationReport) -> None:
    table = Table(title="SHACL validation", show_lines=True)
    for column in ("severity", "focus node", "path", "message (fr / en)"):
        table.add_column(column, overflow="fold")
    for result in report.results:
        table.add_row(
            result.severity.split("#")[-1],
            str(result.focus_node),
            result.path or "",
            f"{result.message_fr}\n{result.message_en}",
        )
    err.print(table)


@app.command()
def build(
    out_dir: OutOption = None,
    base: BaseOption = None,
    build_date: Annotated[
        str | None, typer.Option(help="Override the build date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Build, validate and publish every artifact (atomically) into the artifacts directory."""
    from portefeuille_ld.pipeline.build import build as run_build

    settings = _settings(out_dir=out_dir, base_iri=base)
    result = run_build(
        settings.data_dir,
        settings.out_dir,
        ontology_path=settings.ontology_path,
        shapes_path=settings.shapes_path,
        iris=Iris(settings.base_iri),
        build_date=build_date,
    )
    table = Table(title=f"Published {result.release}")
    for column in ("file", "bytes", "sha256"):
        table.add_column(column)
    for entry in result.manifest.files:
        table.add_row(entry.name, f"{entry.size:,}", entry.sha256[:16] + "…")
    out.print(table)
    out.print(f"editions: {', '.join(result.editions)}; warnings: {len(result.report.warnings)}")


@app.command()
def validate(base: BaseOption = None) -> None:
    """Validate every edition against the shapes; print the report; exit 1 on a violation."""
    from portefeuille_ld.pipeline.build import check

    settings = _settings(base_iri=base)
    checked = check(
        settings.data_dir,
        ontology_path=settings.ontology_path,
        shapes_path=settings.shapes_path,
        iris=Iris(settings.base_iri),
    )
    if checked.report.results:
        _print_report(checked.report)
    out.print(f"conforms: {len(checked.dataset)} quads, editions {', '.join(checked.editions)}")


def _check_remote(settings: Settings) -> None:
    """Warn when the remote store's graphs are not the sizes the served release lists."""
    from portefeuille_ld.pipeline.manifest import MANIFEST_FILE, Manifest
    from portefeuille_ld.pipeline.publish import current_release
    from portefeuille_ld.store.remote import RemoteStore

    release = current_release(settings.out_dir)
    if release is None:
        return
    expected = Manifest.from_json((release / MANIFEST_FILE).read_bytes()).graphs
    remote = RemoteStore.from_settings(settings)
    try:
        held = remote.statistics().graphs
    except PortefeuilleError as exc:
        err.print(f"[yellow]warning:[/yellow] {exc}")
        return
    finally:
        remote.close()
    if {(g.iri, g.triples) for g in held} != {(g.iri, g.triples) for g in expected}:
        err.print(
            f"[yellow]warning:[/yellow] the store at {settings.store_url} does not hold release"
            f" {release.name} (graph sizes differ from its manifest): publish it with"
            " portefeuille-ld publish --to <graph store URL> --update <update URL>"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    out_dir: OutOption = None,
    base: BaseOption = None,
    store: StoreOption = None,
    graph_store: GraphStoreOption = None,
    data: DataOption = None,
    files: FilesArgument = None,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log one line per request on stderr (default: PORTEFEUILLE_ACCESS_LOG, else"
            " on); turn it off behind a proxy that logs requests already.",
        ),
    ] = None,
    result_cache_bytes: Annotated[
        int | None,
        typer.Option(
            "--result-cache-bytes",
            help="Keep up to this many bytes of query answers per release, to answer a"
            " repeated query without running it (default: PORTEFEUILLE_RESULT_CACHE_BYTES,"
            " else 0: none).",
        ),
    ] = None,
    inline_describe_quads: Annotated[
        int | None,
        typer.Option(
            "--inline-describe-quads",
            help="Answer a DESCRIBE of IRIs reading at most this many quads in the server,"
            " without a worker, from a copy of the data of its own (default:"
            " PORTEFEUILLE_INLINE_DESCRIBE_QUADS, else 256; 0: none, and no copy).",
        ),
    ] = None,
) -> None:
    """Serve the published build (building it first if there is none) over HTTP.

    With --data FILE…, serve those RDF files instead, with every feature of the server.
    """
    import uvicorn

    from portefeuille_ld.pipeline.publish import current_release
    from portefeuille_ld.store.sources import check_files
    from portefeuille_ld.web.access_log import log_config
    from portefeuille_ld.web.app import create_app

    data_files = (*(data or ()), *(files or ()))
    settings = _settings(
        out_dir=out_dir,
        base_iri=base,
        store_url=store,
        graph_store_url=graph_store,
        data_files=data_files or None,
        access_log=access_log,
        result_cache_bytes=result_cache_bytes,
        inline_describe_quads=inline_describe_quads,
    )
    if settings.data_files:
        check_files(settings.data_files)
    elif current_release(settings.out_dir) is None:
        err.print(f"no build in {settings.out_dir}: building it first")
        build(out_dir=settings.out_dir, base=settings.base_iri, build_date=None)
    if settings.store_url and not settings.data_files:
        _check_remote(settings)
    served = ", ".join(map(str, settings.data_files)) or settings.out_dir / "current"
    err.print(f"serving {served} on http://{host}:{port}/")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        access_log=settings.access_log,
        log_config=log_config(),  # uvicorn's, with a cheaper access-line formatter
    )


@app.command()
def publish(
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Graph Store Protocol endpoint to upload to (default:"
            " PORTEFEUILLE_GRAPH_STORE_URL); credentials: PORTEFEUILLE_STORE_USER and"
            " PORTEFEUILLE_STORE_PASSWORD.",
        ),
    ] = None,
    update: Annotated[
        str | None,
        typer.Option(
            "--update",
            help="The store's SPARQL Update endpoint: upload to staging graphs, then swap"
            " every graph at once (recommended; without it, graphs are replaced one by one).",
        ),
    ] = None,
    out_dir: OutOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds each request may take.")] = 120.0,
) -> None:
    """Upload the current release to a triplestore and verify it; exit 1 if it failed."""
    from portefeuille_ld.pipeline.graph_store import publish_release
    from portefeuille_ld.pipeline.publish import current_release
    from portefeuille_ld.store.remote import http_client

    settings = _settings(out_dir=out_dir, graph_store_url=to)
    release = current_release(settings.out_dir)
    if release is None:
        raise PortefeuilleError(f"no build in {settings.out_dir}: run portefeuille-ld build first")
    if settings.graph_store_url is None:
        raise typer.BadParameter("give the Graph Store endpoint: --to URL", param_hint="--to")
    with http_client(settings, timeout=timeout) as client:
        done = publish_release(client, settings.graph_store_url, release, update=update)
    table = Table(title=f"Published {done.release_id} to {settings.graph_store_url} ({done.mode})")
    for column in ("graph", "triples (verified)"):
        table.add_column(column)
    for iri, triples in done.graphs:
        table.add_row(iri, f"{triples:,}")
    out.print(table)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


def main() -> None:
    """Entry point: run the app, turning our errors into a message and exit status 1."""
    logging.basicConfig(level=os.environ.get("PORTEFEUILLE_LOG_LEVEL", "WARNING"))
    try:
        app()
    except ValidationFailed as exc:
        _print_report(exc.report)
        err.print(f"[red]error:[/red] {exc}; nothing was published")
        raise SystemExit(1) from None
    except PortefeuilleError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from None
