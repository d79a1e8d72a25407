#!/bin/sh
# Regenerates docs/pagerank-steps.html (PageRank on the 8-page web of docs/web-graph.txt,
# replayed superstep by superstep) and its screenshot docs/pagerank-steps.png.
# Run from anywhere; needs this checkout's dependencies and Debian's chromium.
set -eu
cd "$(dirname "$0")/.."
PYTHONPATH=. python3 -m pregel viz pagerank docs/web-graph.txt --output docs/pagerank-steps.html --quiet
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# opened at #3: three supersteps done, ranks already apart, messages of superstep 2 on the edges
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
    --window-size=1400,860 --screenshot=docs/pagerank-steps.png "file://$PWD/docs/pagerank-steps.html#3" 2>/dev/null
