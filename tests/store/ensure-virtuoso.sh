#!/bin/sh
# Make sure Debian's Virtuoso Open Source 7 is at /usr/bin/virtuoso-t: the contract tests of
# the remote store (tests/store/test_contract.py) run it on loopback as a second real engine.
set -eu
VIRTUOSO=/usr/bin/virtuoso-t
if [ -x "$VIRTUOSO" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-virtuoso: $VIRTUOSO is missing; install it as root: apt-get install virtuoso-opensource" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-virtuoso: $VIRTUOSO is missing and apt-get is not available to install it" >&2
    exit 1
fi
echo "ensure-virtuoso: installing Debian's virtuoso-opensource with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq virtuoso-opensource
if [ ! -x "$VIRTUOSO" ]; then
    echo "ensure-virtuoso: apt-get finished but $VIRTUOSO is still missing" >&2
    exit 1
fi
