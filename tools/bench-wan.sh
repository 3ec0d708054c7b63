#!/usr/bin/env bash
# Ferry over an emulated WAN beside iperf3 (cubic and bbr) on the same link, in one run:
# each hop (agent -> broker, broker -> consumer) through the user-space WAN emulator at
# 100 ms RTT and 100 Mbit/s, with loss 0 / 0.1 % / 1 %, three runs each, medians printed
# as a table (docs/benchmarks.md explains the figures). Needs root (network namespaces,
# TUN devices) and a build (cmake --build build). Arguments go to wan_bench, e.g.
#   tools/bench-wan.sh --loss 0.01 --reps 5 --rate-mbit 200
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/build/bin}"
[[ $(id -u) -eq 0 ]] || { echo "bench-wan: needs root (network namespaces and TUN devices)" >&2; exit 2; }
[[ -x $BIN/wan_bench ]] || { echo "bench-wan: no $BIN/wan_bench: build first (cmake --build build)" >&2; exit 2; }
command -v iperf3 >/dev/null || echo "bench-wan: iperf3 not installed (deploy/install-deps.sh); the baseline is measured in-process" >&2
exec "$BIN/wan_bench" "$@"
