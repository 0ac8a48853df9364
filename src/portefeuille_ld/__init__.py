"""portefeuille-ld: Québec's portfolio of priority IT projects as linked open data."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
