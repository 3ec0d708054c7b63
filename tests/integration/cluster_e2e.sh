#!/usr/bin/env bash
# End to end through the operator tools: `ferryctl cluster up` (2 DCs x 2 brokers,
# 4 agents, 1 consumer) with the generator, SIGKILLs of a broker, an agent and the
# consumer through `ferryctl cluster kill/start`, then `ferryctl verify` must report
# lost=0 duplicated=0. Usage: cluster_e2e.sh BIN_DIR
set -euo pipefail
bin=$1
dir=$(mktemp -d /tmp/ferry-cluster-e2e-XXXXXX)
ctl="$bin/ferryctl"
cleanup() { "$ctl" cluster down --dir "$dir" >/dev/null 2>&1 || true; [[ -n "${FERRY_KEEP_TEST_DIRS:-}" ]] || rm -rf "$dir"; }
trap cleanup EXIT

"$ctl" cluster up --dir "$dir" --dcs 2 --brokers-per-dc 2 --hosts-per-dc 2 --consumers 1 \
  --categories song_completion,playback --events 2500 --rate 1000
sleep 3
"$ctl" cluster kill broker-dc1-1 --dir "$dir"
sleep 2
"$ctl" cluster kill agent-dc2-h1 --dir "$dir"
sleep 1
"$ctl" cluster start agent-dc2-h1 --dir "$dir"
"$ctl" cluster kill consumer-1 --dir "$dir"
sleep 2
"$ctl" cluster start consumer-1 --dir "$dir"
"$ctl" cluster start broker-dc1-1 --dir "$dir"

# 4 hosts x 2 categories x 2500 lines; wait (bounded) for the generator, then delivery.
for _ in $(seq 1 120); do
  grep -q "generated" "$dir/logs/gen.log" 2>/dev/null && break
  sleep 1
done
for _ in $(seq 1 90); do
  if "$ctl" verify --input "$dir/input" --output "$dir/output" > "$dir/verify.txt" 2>&1; then break; fi
  sleep 1
done
cat "$dir/verify.txt"
tail -1 "$dir/verify.txt" | grep -qx "delivered=20000 lost=0 duplicated=0"
