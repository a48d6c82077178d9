#!/bin/bash
# Load test of `vnlink serve` on loopback (issue 15): single-record lookups, batched lookups and
# durable additions, 20 s each, against a store of RECORDS.csv; then lookups and additions at
# once for 40 s on a server that compacts its log past 16 MiB (readers must not wait for the
# writer or the compaction). The server and the load generators share the machine. Prints one
# JSON line per load and writes them to OUT/serve_load.jsonl.
#
#   bash benches/serve_load.sh RECORDS.csv OUT        # e.g. a `vnlink gen --entities 1000000` file
set -euo pipefail
RECORDS=${1:?records.csv}; OUT=${2:?output directory}
cargo build --release --quiet --bin vnlink --example serve_load
V=target/release/vnlink; L=target/release/examples/serve_load
mkdir -p "$OUT"
# The store as built (and its clusters, once computed): each server starts from a copy, since
# additions and compactions change the store.
[ -f "$OUT/pristine.vnl" ] || $V build "$RECORDS" -o "$OUT/pristine.vnl" -q
start() {
  cp "$OUT/pristine.vnl" "$OUT/people.vnl"
  rm -f "$OUT/people.vnl.wal" "$OUT/people.vnl.clusters" "$OUT/people.vnl.next"*
  [ ! -f "$OUT/pristine.vnl.clusters" ] || cp "$OUT/pristine.vnl.clusters" "$OUT/people.vnl.clusters"
  $V serve "$OUT/people.vnl" --listen 127.0.0.1:0 "$@" > "$OUT/serve.out" 2> "$OUT/serve.err" &
  SERVER=$!
  for _ in $(seq 1 600); do grep -q listening "$OUT/serve.out" 2>/dev/null && break; sleep 1; done
  ADDR=$(sed -n 's|listening on http://||p' "$OUT/serve.out")
  [ -f "$OUT/pristine.vnl.clusters" ] || cp "$OUT/people.vnl.clusters" "$OUT/pristine.vnl.clusters"
}
start --compact-at-mb 0
trap 'kill $SERVER 2>/dev/null' EXIT
: > "$OUT/serve_load.jsonl"
$L "$ADDR" query "$RECORDS" --connections 32 --seconds 20 | tee -a "$OUT/serve_load.jsonl"
$L "$ADDR" query "$RECORDS" --connections 8 --batch 100 --seconds 20 | tee -a "$OUT/serve_load.jsonl"
$L "$ADDR" add "$RECORDS" --connections 32 --seconds 20 | tee -a "$OUT/serve_load.jsonl"
kill $SERVER; wait $SERVER 2>/dev/null || true
start --compact-at-mb 16
$L "$ADDR" query "$RECORDS" --connections 16 --seconds 90 > "$OUT/mixed_query.json" &
Q=$!
$L "$ADDR" add "$RECORDS" --connections 16 --seconds 90 > "$OUT/mixed_add.json"
wait $Q
for f in mixed_query mixed_add; do
  sed "s/\"mode\":\"/\"mode\":\"mixed_/" "$OUT/$f.json" | tee -a "$OUT/serve_load.jsonl"
done
grep -h "compacted" "$OUT/serve.err" || echo "no compaction during the mixed load"
