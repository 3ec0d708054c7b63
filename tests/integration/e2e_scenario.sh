#!/usr/bin/env bash
# One end-to-end fault scenario through the operator tools: `ferryctl cluster up`
# (2 DCs x 2 brokers, 4 agents, 1 consumer, 2 categories) with the generator at a
# steady rate, faults through `ferryctl cluster kill/start` (SIGKILL), then
# `ferryctl verify` must report every generated line delivered once.
#
# Usage: e2e_scenario.sh BIN_DIR SCENARIO
#   nofault        no fault
#   agent          SIGKILL two agents mid-stream, restart them
#   broker         SIGKILL a broker per DC (agents fail over), restart them later
#   consumer       SIGKILL the consumer three times, restart it
#   rotation       every file rotates (rename+create and copytruncate in turn) while
#                  streaming, and an agent is SIGKILLed meanwhile
#   consumer-away  the consumer is down for a while (backlog builds in the brokers),
#                  then returns
#   random         a random kill schedule over every process (FERRY_FAULT_SEED)
#   wipe-state     an agent's state dir is moved aside mid-stream: nothing may be lost;
#                  re-read lines are reported as duplicated (verify --allow-duplicates)
#   zookeeper      the cluster runs a ZooKeeper (cluster up --zookeeper) and agents know
#                  no broker address: they discover them; a broker per DC is SIGKILLed,
#                  then ZooKeeper itself, and a broker while ZooKeeper is away
#   zookeeper-consumers  as zookeeper, with a tier of consumers sharing the streams
#                  (cluster up --zookeeper --consumers 4): consumer-4 is SIGKILLed at
#                  once and joins mid-stream later; consumer-2 is SIGKILLed mid-stream
#                  (its streams move, its successor fences it), then a broker, then
#                  ZooKeeper is SIGKILLed and restarted. Also checks that no two
#                  consumer instances' commits of one stream overlap in seq (the
#                  _ferry/commits manifests), and that every hour of the output that
#                  has ended (when the run crosses an hour) has its _SUCCESS, written
#                  once by one consumer of the tier
#   reload         every daemon's config is edited (its log level) and the daemon
#                  SIGHUPed (systemctl reload), over and over while streaming; each must
#                  log that it re-read its config
#   sealed         payloads sealed at the agents, opened at the consumer (cluster up
#                  --sealed); a broker and the consumer are SIGKILLed and restarted, so
#                  stored ciphertext is forwarded again; nothing may be quarantined
# FERRY_E2E_ROTATE=1 rotates the files (as in `rotation`) in any scenario.
# Volume: FERRY_E2E_EVENTS lines per host and category (default 25000, so 200,000 in
# all) at FERRY_E2E_RATE lines/s (default 8000); delivery must complete within
# FERRY_E2E_DRAIN_S seconds after the generator ends (default 150). A soak:
#   FERRY_E2E_EVENTS=2500000 FERRY_E2E_RATE=15000 FERRY_E2E_DRAIN_S=1800 \
#     e2e_scenario.sh build/bin random
# and one where every file is copytruncated or renamed every 1 MB under random kills:
#   FERRY_E2E_ROTATE=1 FERRY_E2E_EVENTS=1000000 FERRY_E2E_RATE=15000 \
#     FERRY_E2E_DRAIN_S=1800 e2e_scenario.sh build/bin random
set -euo pipefail
bin=$1
scenario=$2
events=${FERRY_E2E_EVENTS:-25000}
rate=${FERRY_E2E_RATE:-8000}
total=$((events * 8))
ctl="$bin/ferryctl"
dir=$(mktemp -d "/tmp/ferry-e2e-$scenario-XXXXXX")
cleanup() { "$ctl" cluster down --dir "$dir" >/dev/null 2>&1 || true; [[ -n "${FERRY_KEEP_TEST_DIRS:-}" ]] || rm -rf "$dir"; }
trap cleanup EXIT

say() { echo "[$(date -u +%T)] $*"; }
kill9() { say "SIGKILL $1"; "$ctl" cluster kill "$1" --dir "$dir" >/dev/null; kills=$((kills + 1)); }
start() { say "start $1"; "$ctl" cluster start "$1" --dir "$dir" >/dev/null; }
generating() { ! grep -q "^generated" "$dir/logs/gen.log" 2>/dev/null; }
# Sets every daemon's [log] level to $1 and SIGHUPs it: what `systemctl reload` does.
reload_all() {
  python3 - "$dir/cluster.json" "$1" <<'EOF'
import json, os, re, signal, sys
for p in json.load(open(sys.argv[1]))["processes"]:
    if p["role"] not in ("agent", "broker", "consumer") or not p["pid"]:
        continue
    text = open(p["config"]).read()
    text = re.sub(r'(?m)^\[log\]\nlevel = ".*"\n', "", text) + f'[log]\nlevel = "{sys.argv[2]}"\n'
    open(p["config"], "w").write(text)
    os.kill(p["pid"], signal.SIGHUP)
EOF
}
# Batches stored in the brokers and not yet committed by the consumer, all brokers.
broker_backlog() {
  python3 - "$dir/cluster.json" <<'EOF'
import json, sys, urllib.request
total = 0
for p in json.load(open(sys.argv[1]))["processes"]:
    if p["role"] == "broker":
        with urllib.request.urlopen(f"http://127.0.0.1:{p['http_port']}/api/summary", timeout=5) as r:
            total += json.load(r)["pending_batches"]
print(total)
EOF
}

rotation=()
if [[ $scenario == rotation || -n ${FERRY_E2E_ROTATE:-} ]]; then
  rotation=(--rotate-bytes 1000000 --rotate-style mixed)
fi
coordination=()
consumers=1
[[ $scenario == zookeeper ]] && coordination=(--zookeeper)
[[ $scenario == zookeeper-consumers ]] && coordination=(--zookeeper) && consumers=4
[[ $scenario == sealed ]] && coordination=(--sealed)
kills=0
began=$(date +%s)
say "scenario $scenario: $total lines at $rate lines/s"
"$ctl" cluster up --dir "$dir" --dcs 2 --brokers-per-dc 2 --hosts-per-dc 2 --consumers "$consumers" \
  --categories song_completion,playback --events "$events" --rate "$rate" "${rotation[@]}" "${coordination[@]}"

case $scenario in
  nofault) ;;
  agent)
    sleep 4; kill9 agent-dc1-h1; sleep 2; start agent-dc1-h1
    sleep 4; kill9 agent-dc2-h2; sleep 1; start agent-dc2-h2 ;;
  broker)
    sleep 4; kill9 broker-dc1-1; sleep 6; start broker-dc1-1
    sleep 2; kill9 broker-dc2-2; sleep 4; start broker-dc2-2 ;;
  consumer)
    for _ in 1 2 3; do sleep 4; kill9 consumer-1; sleep 2; start consumer-1; done ;;
  rotation)
    sleep 6; kill9 agent-dc1-h2; sleep 2; start agent-dc1-h2 ;;
  consumer-away)
    sleep 2; kill9 consumer-1; sleep 15
    backlog=$(broker_backlog)
    say "brokers hold $backlog batches awaiting the consumer"
    if (( backlog == 0 )); then echo "FAIL: no backlog built up in the brokers"; exit 1; fi
    start consumer-1 ;;
  random)
    seed=${FERRY_FAULT_SEED:-$((RANDOM * 32768 + RANDOM))}
    say "FERRY_FAULT_SEED=$seed"
    RANDOM=$seed
    victims=(consumer-1 broker-dc1-1 broker-dc1-2 broker-dc2-1 broker-dc2-2
             agent-dc1-h1 agent-dc1-h2 agent-dc2-h1 agent-dc2-h2)
    while generating; do
      sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
      victim=${victims[$((RANDOM % ${#victims[@]}))]}
      kill9 "$victim"; sleep "0.$((RANDOM % 10))"; start "$victim"
    done ;;
  wipe-state)
    # An operator "starts fresh": the agent's state dir goes while lines keep coming. The
    # new state is a new incarnation: every line still arrives; lines the old state had
    # shipped are read again from the files (duplicates, reported apart).
    sleep 4; kill9 agent-dc1-h1
    say "state dir of agent-dc1-h1 moved aside"; mv "$dir/data/agent-dc1-h1" "$dir/data/agent-dc1-h1.wiped"
    sleep 1; start agent-dc1-h1 ;;
  zookeeper)
    sleep 4; kill9 broker-dc1-1; sleep 6; start broker-dc1-1
    sleep 2; kill9 zookeeper; sleep 3; kill9 broker-dc2-2
    sleep 3; start zookeeper; sleep 3; start broker-dc2-2 ;;
  zookeeper-consumers)
    kill9 consumer-4
    sleep 4; kill9 consumer-2; sleep 3; kill9 broker-dc1-1
    sleep 3; start consumer-4; sleep 2; start broker-dc1-1
    sleep 2; kill9 zookeeper; sleep 2; start zookeeper; sleep 3; start consumer-2 ;;
  sealed)
    sleep 4; kill9 broker-dc1-1; sleep 2; kill9 consumer-1; sleep 3; start consumer-1
    sleep 2; start broker-dc1-1 ;;
  reload)
    reloads=0
    while generating; do
      sleep 1; reload_all warn; sleep 1; reload_all info; reloads=$((reloads + 2))
    done
    say "$reloads reloads of every daemon"
    for log in "$dir"/logs/{agent,broker,consumer}-*.log; do
      grep -q "SIGHUP: config .* re-read" "$log" || { echo "FAIL: $log shows no config reload"; exit 1; }
    done ;;
  *) echo "unknown scenario $scenario"; exit 2 ;;
esac

# Bounded waits: the generator, then delivery.
limit=$((began + total / rate + 120))
while generating; do
  if (( $(date +%s) > limit )); then echo "FAIL: the generator did not finish"; exit 1; fi
  sleep 1
done
limit=$(($(date +%s) + ${FERRY_E2E_DRAIN_S:-150}))
verify_flags=()
[[ $scenario == wipe-state ]] && verify_flags=(--allow-duplicates)
until "$ctl" verify --input "$dir/input" --output "$dir/output" "${verify_flags[@]}" > "$dir/verify.txt" 2>&1; do
  if (( $(date +%s) > limit )); then break; fi
  sleep 2
done
say "kills=$kills elapsed=$(($(date +%s) - began))s; verify says:"
cat "$dir/verify.txt"
if [[ $scenario == wipe-state ]]; then
  tail -1 "$dir/verify.txt" | grep -qx "delivered=$total lost=0 duplicated=[0-9]*"
else
  tail -1 "$dir/verify.txt" | grep -qx "delivered=$total lost=0 duplicated=0"
fi
if [[ $scenario == zookeeper-consumers ]]; then
  # One writer per stream at a time: per stream, the seq ranges [first, last] that
  # the consumer instances committed (their commit manifests) do not overlap.
  python3 - "$dir/output" <<'EOF'
import collections, os, sys
root = sys.argv[1]
seqs = collections.defaultdict(lambda: collections.defaultdict(list))
for name in os.listdir(os.path.join(root, "_ferry/commits")):
    lines = open(os.path.join(root, "_ferry/commits", name)).read().splitlines()
    fields = dict(l.split(" ", 1) for l in lines if l.split(" ", 1)[0] in ("writer", "final", "category", "end"))
    if "end" not in fields or not os.path.exists(os.path.join(root, fields["final"])):
        continue
    for line in lines:
        if line.startswith("b "):
            _, host, _, seq, _ = line.split(" ")
            seqs[(host, fields["category"])][fields["writer"]].append(int(seq))
bad, writers = 0, set()
for stream, by_writer in seqs.items():
    spans = sorted((min(s), max(s), w) for w, s in by_writer.items())
    writers.update(by_writer)
    for (a0, a1, wa), (b0, b1, wb) in zip(spans, spans[1:]):
        if b0 <= a1:
            print(f"FAIL: {stream}: {wa} wrote {a0}..{a1}, {wb} {b0}..{b1}")
            bad += 1
print(f"{len(seqs)} streams, {len(writers)} consumer instances wrote, {bad} overlaps")
sys.exit(1 if bad or len(writers) < 3 else 0)
EOF
  # Every hour of the output that has ended (the run crossed an hour) gets its _SUCCESS,
  # written once, by one consumer of the tier, whichever consumers wrote its streams.
  finished_hours_complete() {
    python3 - "$dir/output" "$1" <<'EOF'
import calendar, os, sys, time
root, final = sys.argv[1], sys.argv[2] == "final"
now, waiting, done = time.time(), [], 0
for category in sorted(os.listdir(root)):
    if category.startswith(("_", ".")) or not os.path.isdir(os.path.join(root, category)):
        continue
    for day in sorted(os.listdir(os.path.join(root, category))):
        for hour in sorted(os.listdir(os.path.join(root, category, day))):
            end = calendar.timegm(time.strptime(f"{day} {hour}", "%Y-%m-%d %H")) + 3600
            if end > now:
                continue
            if os.path.exists(os.path.join(root, category, day, hour, "_SUCCESS")):
                done += 1
            else:
                waiting.append(f"{category}/{day}/{hour}")
if final:
    print(f"{done} finished hours with _SUCCESS" + (f"; without: {' '.join(waiting)}" if waiting else ""))
sys.exit(1 if waiting else 0)
EOF
  }
  limit=$(($(date +%s) + 60))
  until finished_hours_complete wait; do
    if (( $(date +%s) > limit )); then break; fi
    sleep 2
  done
  finished_hours_complete final || { echo "FAIL: a finished hour has no _SUCCESS"; exit 1; }
  writes=$(cat "$dir"/logs/consumer-*.log | grep -c "_SUCCESS written by" || true)
  markers=$(find "$dir/output" -path "$dir/output/_ferry" -prune -o -name _SUCCESS -print | wc -l)
  say "$markers _SUCCESS markers, $writes written (consumer logs)"
  (( writes == markers )) || { echo "FAIL: $writes _SUCCESS writes for $markers markers"; exit 1; }
fi
if [[ $scenario == sealed ]]; then
  for log in "$dir"/logs/agent-*.log; do
    grep -q "sealing payloads with key id 1" "$log" || { echo "FAIL: $log shows no sealing"; exit 1; }
  done
  "$ctl" quarantine list --dir "$dir/data/consumer-1" | tail -1 | grep -q "^0 quarantined batches" ||
    { echo "FAIL: the consumer quarantined sealed batches"; "$ctl" quarantine list --dir "$dir/data/consumer-1"; exit 1; }
fi
