"""Benchmarks of portefeuille-ld (``make bench``, ``python -m bench``): not part of the tests.

- `bench.generate`: synthetic portfolios shaped like the real one, deterministic by seed;
- `bench.pipeline`: build, validation and dump cost by scale (wall time, peak memory);
- `bench.endpoint`: HTTP cost side by side with rdflib-endpoint and Oxigraph's server;
- `bench.soak`: 16 clients for 60 s on a mixed workload with runaway queries (issue 5).

Results go to ``bench/results/`` (JSON, ignored by git, and a Markdown summary).
"""
