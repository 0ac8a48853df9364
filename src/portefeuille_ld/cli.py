"""The `portefeuille-ld` command: thin Typer wrappers over the pipeline and the server."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from portefeuille_ld import __version__
from portefeuille_ld.errors import PortefeuilleError, ValidationFailed
from portefeuille_ld.iris import Iris
from portefeuille_ld.pipeline.validate import ValidationReport
from portefeuille_ld.settings import Settings

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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    out_dir: OutOption = None,
    base: BaseOption = None,
) -> None:
    """Serve the published build (building it first if there is none) over HTTP."""
    import uvicorn

    from portefeuille_ld.pipeline.publish import current_release
    from portefeuille_ld.web.app import create_app

    settings = _settings(out_dir=out_dir, base_iri=base)
    if current_release(settings.out_dir) is None:
        err.print(f"no build in {settings.out_dir}: building it first")
        build(out_dir=settings.out_dir, base=settings.base_iri, build_date=None)
    err.print(f"serving {settings.out_dir / 'current'} on http://{host}:{port}/")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


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
