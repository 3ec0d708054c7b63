#!/usr/bin/env bash
# A smoke run of `ferryctl bench pipeline` so it cannot rot: a small throughput run, the
# same over two agent hosts with two live Kafka subscribers, and a short latency run with
# one. Each must report lost=0 duplicated=0 (each subscriber too) and a JSON line with
# every key; a run without subscribers has no subscriber key. No timing is asserted.
#
# Usage: bench_smoke.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d /tmp/ferry-bench-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
json=$work/runs.jsonl

"$bin/ferryctl" bench pipeline --dir "$work/one" --lines 20000 --reps 1 --json "$json"
"$bin/ferryctl" bench pipeline --dir "$work/two" --lines 20000 --reps 1 --hosts 2 --subscribers 2 --json "$json"
"$bin/ferryctl" bench pipeline --dir "$work/latency" --rate 2000 --seconds 2 --roll-age 200ms --subscribers 1 --json "$json"

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
sub_keys = {"subscribers", "subscriber_lost", "subscriber_duplicated"}
assert not any(k.startswith(("subscriber", "retention_read")) for k in runs[0]), sorted(runs[0])
for r, k, more in ((runs[1], 2, {"subscriber_seconds", "subscriber_lines_per_s", "retention_read_seconds",
                                 "retention_read_lines_per_s"}),
                   (runs[2], 1, {"subscriber_latency_ms"})):
    missing = (sub_keys | more) - r.keys()
    assert not missing, f"{r['mode']} run with subscribers lacks {sorted(missing)}"
    assert r["subscribers"] == k, r["subscribers"]
    assert r["subscriber_lost"] == 0 and r["subscriber_duplicated"] == 0, \
        f"subscriber_lost={r['subscriber_lost']} subscriber_duplicated={r['subscriber_duplicated']}"
assert runs[1]["subscriber_lines_per_s"] > 0 and runs[1]["retention_read_lines_per_s"] > 0, runs[1]
lat = runs[2]
for k in ("rate", "written_rate", "latency_ms", "parts"):
    assert k in lat, f"latency run lacks {k}"
assert set(lat["latency_ms"]) == {"count", "p50", "p90", "p99", "max"}, lat["latency_ms"]
assert lat["parts"] > 0, "no part file seen"
assert lat["latency_ms"]["count"] == lat["lines"], f"{lat['latency_ms']['count']} of {lat['lines']} lines timed"
sub_lat = lat["subscriber_latency_ms"]
assert set(sub_lat) == {"count", "p50", "p90", "p99", "max"}, sub_lat
assert sub_lat["count"] == lat["lines"], f"{sub_lat['count']} of {lat['lines']} lines timed by the subscriber"
print(f"bench smoke: {len(runs)} runs, lost=0 duplicated=0 (subscribers too), every key present")
PY
