#!/usr/bin/env bash
# A smoke run of `ferryctl bench pipeline` so it cannot rot: a small throughput run, the
# same over two agent hosts, and a short latency run. Each must report lost=0
# duplicated=0 and a JSON line with every key; no timing is asserted.
#
# Usage: bench_smoke.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d /tmp/ferry-bench-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
json=$work/runs.jsonl

"$bin/ferryctl" bench pipeline --dir "$work/one" --lines 20000 --reps 1 --json "$json"
"$bin/ferryctl" bench pipeline --dir "$work/two" --lines 20000 --reps 1 --hosts 2 --json "$json"
"$bin/ferryctl" bench pipeline --dir "$work/latency" --rate 2000 --seconds 2 --roll-age 200ms --json "$json"

python3 - "$json" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
want = [("throughput", 1), ("throughput", 2), ("latency", 1)]
got = [(r["mode"], r["hosts"]) for r in runs]
assert got == want, f"runs {got}, want {want}"
keys = {"lines", "bytes", "seconds", "lines_per_s", "mb_per_s", "cpu_s_per_million", "peak_rss_kib", "agents",
        "lost", "duplicated", "roll_age", "error"}
for r in runs:
    missing = keys - r.keys()
    assert not missing, f"{r['mode']} run lacks {sorted(missing)}"
    assert r["error"] == "", r["error"]
    assert r["lost"] == 0 and r["duplicated"] == 0, f"lost={r['lost']} duplicated={r['duplicated']}"
    assert r["lines"] > 0 and len(r["agents"]) == r["hosts"], r
    assert set(r["cpu_s_per_million"]) == {"agents", "agent_median", "broker", "consumer"}, r["cpu_s_per_million"]
    assert all(r["peak_rss_kib"][k] > 0 for k in ("agent_max", "broker", "consumer")), r["peak_rss_kib"]
lat = runs[2]
for k in ("rate", "written_rate", "latency_ms", "parts"):
    assert k in lat, f"latency run lacks {k}"
assert set(lat["latency_ms"]) == {"count", "p50", "p90", "p99", "max"}, lat["latency_ms"]
assert lat["parts"] > 0, "no part file seen"
assert lat["latency_ms"]["count"] == lat["lines"], f"{lat['latency_ms']['count']} of {lat['lines']} lines timed"
print(f"bench smoke: {len(runs)} runs, lost=0 duplicated=0, every key present")
PY
