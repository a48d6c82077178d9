#!/bin/bash
# Load test of `vnlink serve` on loopback (issue 15): single-record lookups, batched lookups and
# durable additions, 20 s each, against a store of RECORDS.csv; the server and the load generator
# share the machine. Prints one JSON line per load and writes them to OUT/serve_load.jsonl.
#
#   bash benches/serve_load.sh RECORDS.csv OUT        # e.g. a `vnlink gen --entities 1000000` file
set -euo pipefail
RECORDS=${1:?records.csv}; OUT=${2:?output directory}
cargo build --release --quiet --bin vnlink --example serve_load
V=target/release/vnlink; L=target/release/examples/serve_load
mkdir -p "$OUT"
[ -f "$OUT/people.vnl" ] || $V build "$RECORDS" -o "$OUT/people.vnl" -q
rm -f "$OUT/people.vnl.wal"
$V serve "$OUT/people.vnl" --listen 127.0.0.1:0 -q > "$OUT/serve.out" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 600); do grep -q listening "$OUT/serve.out" 2>/dev/null && break; sleep 1; done
ADDR=$(sed -n 's|listening on http://||p' "$OUT/serve.out")
: > "$OUT/serve_load.jsonl"
$L "$ADDR" query "$RECORDS" --connections 32 --seconds 20 | tee -a "$OUT/serve_load.jsonl"
$L "$ADDR" query "$RECORDS" --connections 8 --batch 100 --seconds 20 | tee -a "$OUT/serve_load.jsonl"
$L "$ADDR" add "$RECORDS" --connections 32 --seconds 20 | tee -a "$OUT/serve_load.jsonl"
