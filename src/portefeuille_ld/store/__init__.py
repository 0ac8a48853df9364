"""Stores answer SPARQL queries: `base.Store` is the interface, `embedded` the default."""
