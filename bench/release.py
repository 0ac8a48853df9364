"""Synthetic datasets on disk, cached by generator version, seed and size.

``Dataset.prepare()`` writes ``data/`` (what `generate` makes) and publishes a release into
``out/`` with the build's own functions (`map_portfolio`, `write_artifacts`, `publish`,
`write_disk_store`), so
the server serves it exactly as it serves a real build. Validation is left out by default
(the pipeline benchmark measures it; at 10k projects pyshacl alone takes many minutes):
pass ``validate=True`` to run it too. An Oxigraph on-disk store of the same N-Quads is
loaded for Oxigraph's server.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.generate import EDITION, GENERATOR_VERSION, write_dataset
from portefeuille_ld.store.ondisk import DISK_STORE

__all__ = ["Dataset", "default_work_dir"]

BUILD_DATE = "2025-09-12"


def default_work_dir() -> Path:
    """Where datasets are cached between runs (outside the checkout)."""
    return Path(tempfile.gettempdir()) / "portefeuille-bench"


@dataclass(frozen=True)
class Dataset:
    """One synthetic dataset: its data directory, its published release, its Oxigraph store."""

    projects: int
    seed: int
    work_dir: Path

    @property
    def root(self) -> Path:
        return self.work_dir / f"v{GENERATOR_VERSION}-seed{self.seed}-n{self.projects}"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    @property
    def nquads(self) -> Path:
        return self.out_dir / "current" / "portefeuille.nq"

    @property
    def oxigraph_dir(self) -> Path:
        return self.root / "oxigraph"

    def prepare(
        self, *, publish: bool = True, oxigraph: str | None = None, timeout_s: float = 1800
    ) -> Dataset:
        """Generate, publish and load whatever is missing (each step in a subprocess)."""
        if not (self.data_dir / EDITION / "source.toml").exists():
            write_dataset(self.data_dir, self.projects, seed=self.seed)
        if publish and not (self.nquads.parent / DISK_STORE).exists():
            subprocess.run(
                [sys.executable, "-m", "bench.release", str(self.data_dir), str(self.out_dir)],
                check=True,
                timeout=timeout_s,
            )
        done = self.oxigraph_dir / ".loaded"
        if oxigraph is not None and not done.exists():
            subprocess.run(
                [
                    oxigraph,
                    "load",
                    "--location",
                    str(self.oxigraph_dir),
                    "--file",
                    str(self.nquads),
                ],
                check=True,
                timeout=timeout_s,
                capture_output=True,
            )
            done.touch()
        return self


def publish_release(data_dir: Path, out_dir: Path, *, validate: bool = False) -> Path:
    """Map the synthetic edition and publish every artifact, as `build` does."""
    from rdflib import Dataset as RdfDataset, Graph

    from portefeuille_ld.iris import Iris
    from portefeuille_ld.namespaces import PREFIXES
    from portefeuille_ld.pipeline.artifacts import Manifest, write_artifacts
    from portefeuille_ld.pipeline.build import read_graph
    from portefeuille_ld.pipeline.editions import read_edition
    from portefeuille_ld.pipeline.mapping import map_portfolio
    from portefeuille_ld.pipeline.publish import publish
    from portefeuille_ld.pipeline.validate import validate as shacl
    from portefeuille_ld.settings import Settings
    from portefeuille_ld.store.ondisk import write_disk_store

    settings = Settings()
    iris = Iris(settings.base_iri)
    ontology, shapes = read_graph(settings.ontology_path), read_graph(settings.shapes_path)
    dataset = RdfDataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    edition = dataset.graph(iris.edition_graph(EDITION))
    graph = map_portfolio(read_edition(data_dir / EDITION), iris, into=edition)
    for name, source in ((iris.ontology_graph(), ontology), (iris.shapes_graph(), shapes)):
        target = dataset.graph(name)
        for triple in source:
            target.add(triple)
    report = shacl(graph, shapes=shapes, ontology=ontology).graph if validate else Graph()

    def write(directory: Path) -> Manifest:
        manifest = write_artifacts(
            dataset,
            directory,
            data_graphs=[iris.edition_graph(EDITION)],
            ontology_graph=iris.ontology_graph(),
            shapes_graph=iris.shapes_graph(),
            report=report,
            base_iri=iris.base,
            build_date=BUILD_DATE,
        )
        # As `build` does: the server opens this store instead of parsing the dump.
        write_disk_store(directory / DISK_STORE, [directory / "portefeuille.nq"])
        return manifest

    return publish(out_dir, write)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m bench.release DATA_DIR OUT_DIR [--validate]``."""
    parser = argparse.ArgumentParser(description="Publish a release of a synthetic data dir.")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--validate", action="store_true", help="run SHACL validation too")
    args = parser.parse_args(argv)
    print(publish_release(args.data_dir, args.out_dir, validate=args.validate))


if __name__ == "__main__":
    main()
