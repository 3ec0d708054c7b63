#!/usr/bin/env bash
# Ferry's whole pipeline beside rsyslog and syslog-ng, in one run, on the same input.
#
#   tools/bench-vs-peers.sh [-n LINES] [-r REPS] [PEER...]
#
# Runs the peers' throughput benchmark (../shared/peers/run-peers.sh; PEERS_DIR to use a
# copy, e.g. one where `run-peers.sh setup` could unpack syslog-ng), then
# `ferryctl bench pipeline` on the very input file the peers read, and prints one table
# of medians. Results: $RESULTS (default build/bench-vs-peers). Default peers: tcp (the
# loopback ceiling), rsyslog-relp-tls and syslogng-tls (the TLS setups comparable to
# Ferry's mTLS), rsyslog-relp and syslogng-tcp.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS_DIR="${PEERS_DIR:-$ROOT/../shared/peers}"
BIN="${BIN:-$ROOT/build/bin}"
export RESULTS="${RESULTS:-$ROOT/build/bench-vs-peers}"
export DATA="${DATA:-$RESULTS/data}"
N=1000000
REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N="$2"; shift 2 ;;
    -r) REPS="$2"; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) break ;;
  esac
done
PEERS=("$@")
[ ${#PEERS[@]} -gt 0 ] || PEERS=(tcp rsyslog-relp-tls syslogng-tls rsyslog-relp syslogng-tcp)

[ -x "$PEERS_DIR/run-peers.sh" ] || { echo "no run-peers.sh in $PEERS_DIR (set PEERS_DIR)" >&2; exit 2; }
[ -x "$BIN/ferryctl" ] || { echo "no ferryctl in $BIN (build first, or set BIN)" >&2; exit 2; }
mkdir -p "$RESULTS" "$DATA"
rm -f "$RESULTS/throughput.jsonl" "$RESULTS"/ferry*.jsonl

"$PEERS_DIR/run-peers.sh" throughput -n "$N" -r "$REPS" "${PEERS[@]}"
input="$DATA/input-$N.log"
[ -f "$input" ] || { echo "the peers' input $input is missing" >&2; exit 1; }
# A failed or lossy run is reported in the table (its error, lost and dup columns).
# One Ferry row per consumer roll_age (FERRY_ROLL_AGES, default "1s"): the last part
# file of a run waits for it, so it is part of the figure.
for roll_age in ${FERRY_ROLL_AGES:-1s}; do
  "$BIN/ferryctl" bench pipeline --dir "$RESULTS/ferry" --input "$input" --reps "$REPS" \
    --roll-age "$roll_age" --json "$RESULTS/ferry-$roll_age.jsonl" || true
done

python3 - "$RESULTS/throughput.jsonl" "$RESULTS"/ferry-*.jsonl <<'EOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("status") != "complete":
        continue
    key = f'{r["peer"]} {r["variant"]}'
    rows.setdefault(key, []).append((r["elapsed_s"], r["in_bytes"], r["lines"], r["snd_cpu_s"] + r["rcv_cpu_s"],
                                     r["lost"], r["dup_extra_lines"]))
for line in (l for path in sys.argv[2:] for l in open(path)):
    r = json.loads(line)
    if r["error"]:
        print(f'ferry run failed: {r["error"]}', file=sys.stderr)
        continue
    rows.setdefault(f'ferry mTLS zstd fsync e2e-ack, roll_age {r["roll_age"]}', []).append(
        (r["seconds"], r["bytes"], r["lines"], r["cpu_agent"] + r["cpu_broker"] + r["cpu_consumer"],
         r["lost"], r["duplicated"]))
print(f'{"setup":60} {"runs":>4} {"s":>7} {"lines/s":>10} {"MB/s":>7} {"cpu s/1M":>9} {"lost":>5} {"dup":>5}')
for key, runs in rows.items():
    s = statistics.median(x[0] for x in runs)
    b, n = runs[0][1], runs[0][2]
    cpu = statistics.median(x[3] for x in runs) / n * 1e6
    print(f'{key:60} {len(runs):>4} {s:>7.2f} {n / s:>10.0f} {b / s / 1e6:>7.1f} {cpu:>9.2f} '
          f'{max(x[4] for x in runs):>5} {max(x[5] for x in runs):>5}')
EOF
