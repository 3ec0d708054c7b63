#!/usr/bin/env bash
# Ferry quickstart on a fresh Debian 12 machine: installs dependencies, builds, and
# starts a local cluster (2 DCs x 2 brokers, 4 agent hosts, 1 consumer) with steady
# traffic, then prints the dashboard URLs and how to stop it.
#   FERRY_QUICKSTART_DIR  cluster directory (default /tmp/ferry-quickstart)
#   FERRY_QUICKSTART_RATE generated lines per second (default 200)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${FERRY_QUICKSTART_DIR:-/tmp/ferry-quickstart}
rate=${FERRY_QUICKSTART_RATE:-200}
build=${FERRY_BUILD_DIR:-$root/build}

bash "$root/deploy/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2 --target ferry-agent ferry-broker ferry-consumer ferryctl

ctl="$build/bin/ferryctl"
if [[ -f "$dir/cluster.json" ]]; then
  echo "A cluster already exists in $dir:"
  "$ctl" cluster status --dir "$dir" || true
  echo "Stop it with: $ctl cluster down --dir $dir   (remove $dir for a fresh one)"
  exit 0
fi

# --events: lines per host and category; at $rate lines/s this runs for hours.
"$ctl" cluster up --dir "$dir" --dcs 2 --brokers-per-dc 2 --hosts-per-dc 2 --consumers 1 \
  --rate "$rate" --events 10000000

consumer_url=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['dashboards'][0])" "$dir/cluster.json")
cat <<MSG

Ferry is running in $dir (logs in $dir/logs, output in $dir/output).
  Dashboard (all DCs):  $consumer_url
  Hosts as JSON:        ${consumer_url}api/hosts
  Hours as JSON:        ${consumer_url}api/hours
  In a terminal:        $ctl status --url ${consumer_url%/}
  Processes:            $ctl cluster status --dir $dir
  Kill/restart one:     $ctl cluster kill broker-dc1-1 --dir $dir; $ctl cluster start broker-dc1-1 --dir $dir
  Check delivery:       $ctl verify --dir $dir   (lines agents still hold count as in flight)
Stop everything:        $ctl cluster down --dir $dir
MSG
