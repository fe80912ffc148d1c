#!/usr/bin/env bash
# Brings up a local Borealis cluster and runs hello_world on it.
#   usage: scripts/demo.sh BIN_DIR DEMO_DIR
# BIN_DIR holds borealis, borealis-scheduler, borealis-agent and borealis-executor;
# DEMO_DIR keeps the cluster's state and logs. A previous demo there is stopped and its
# state removed first, so every run starts from an empty cluster. Clusters come from
# DEMO_DIR/clusters.json, so HOME does not matter.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BIN_DIR DEMO_DIR" >&2
  exit 2
fi
bin_dir=$(cd "$1" && pwd)
mkdir -p "$2"
demo_dir=$(cd "$2" && pwd)
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
borealis="$bin_dir/borealis"
job=devcluster/www-data/devel/hello_world
export BOREALIS_CLUSTERS="$demo_dir/clusters.json"

if [ -f "$demo_dir/local.json" ]; then
  echo "==> stopping the previous demo in $demo_dir"
  "$borealis" local stop --dir "$demo_dir"
  # Only what `local start` creates; anything else in DEMO_DIR stays.
  rm -rf "$demo_dir"/scheduler "$demo_dir"/agent-* "$demo_dir"/scheduler.* \
    "$demo_dir"/local.json "$demo_dir"/clusters.json
fi

echo "==> starting a local cluster in $demo_dir"
"$borealis" local start --dir "$demo_dir" --cluster devcluster

echo "==> creating $job"
"$borealis" job create "$job" "$repo_root/examples/hello_world.json" --read-json \
  --wait-until RUNNING

echo "==> status"
"$borealis" job status "$job"

port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scheduler"]["port"])' \
  "$demo_dir/local.json")
cat <<NEXT

Next steps:
  status:  BOREALIS_CLUSTERS=$demo_dir/clusters.json $borealis job status $job
  web UI:  http://127.0.0.1:$port/
  stop:    make demo-stop   (or: $borealis local stop --dir $demo_dir)
NEXT
