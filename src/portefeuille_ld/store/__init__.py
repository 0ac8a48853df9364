"""Stores answer SPARQL queries: `base.Store` is the interface; the server uses `isolated`
(queries in worker processes it can kill), which runs `embedded` in each worker."""
