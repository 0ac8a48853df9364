"""The build pipeline, read top to bottom.

sources → curation → portfolio → mapping → validate → artifacts → publish (see `build`).
"""
