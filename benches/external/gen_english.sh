#!/usr/bin/env bash
# Generated English sets (`vnlink gen --locale en`, seeds 1-3): dedupe and link with no config,
# and Splink with its hand-written English configuration (splink_english.py) on the same files,
# both scored by the peer's score.py.
#
#   bash benches/external/gen_english.sh BIN WORK [ENTITIES]     # SPLINK=0 to skip Splink
#
# Needs the peer's environment (bash /work/shared/peer/setup.sh) for score.py and Splink.
set -euo pipefail
BIN=$(realpath "$1"); WORK=$2; N=${3:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PY:-$HOME/.cache/vnlink-peer/venv/bin/python}
SCORE=${SCORE:-/work/shared/peer/score.py}
mkdir -p "$WORK/runs"; cd "$WORK"
f1() { "$PY" -c 'import json,sys;j=json.load(sys.stdin);print("P %.4f R %.4f F1 %.4f"%(j["pairwise_precision"],j["pairwise_recall"],j["pairwise_f1"]))'; }
for s in 1 2 3; do
  [ -d "d$s" ] || "$BIN" gen --locale en --shape dedupe --entities "$N" --seed "$s" --out "d$s" >/dev/null
  [ -d "l$s" ] || "$BIN" gen --locale en --shape link --entities "$N" --seed "$s" --out "l$s" >/dev/null
  t0=$(date +%s.%N); "$BIN" dedupe "d$s/records.csv" --out "runs/v_d$s" -q || true; t1=$(date +%s.%N)
  echo "vnlink dedupe seed $s: $("$PY" "$SCORE" --truth "d$s/truth.csv" --pred "runs/v_d$s/clusters.csv" --json | f1), $(echo "$t1 - $t0" | bc) s"
  t0=$(date +%s.%N); "$BIN" link "l$s/registry.csv" "l$s/agency.csv" --out "runs/v_l$s" -q || true; t1=$(date +%s.%N)
  echo "vnlink link seed $s: $("$PY" "$SCORE" --truth "l$s/truth.csv" --pred "runs/v_l$s/links.csv" --json | f1), $(echo "$t1 - $t0" | bc) s"
done
[ "${SPLINK:-1}" = 0 ] && exit 0
for s in 1 2 3; do
  "$PY" "$HERE/splink_english.py" dedupe "d$s/records.csv" --out "runs/s_d$s" --truth "d$s/truth.csv" --columns address=street_address > "runs/s_d$s.log" 2>&1
  echo "splink dedupe seed $s: $("$PY" -c "import json;print(json.dumps(json.load(open('runs/s_d$s/result.json'))['score']))" | f1)"
  "$PY" "$HERE/splink_english.py" link "l$s/registry.csv" "l$s/agency.csv" --out "runs/s_l$s" --truth "l$s/truth.csv" --columns address=street_address > "runs/s_l$s.log" 2>&1
  echo "splink link seed $s: $("$PY" -c "import json;print(json.dumps(json.load(open('runs/s_l$s/result.json'))['score']))" | f1)"
done
