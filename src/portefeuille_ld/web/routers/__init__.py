"""One router per concern (`sparql`, …)."""
