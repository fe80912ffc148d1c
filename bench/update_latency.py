#!/usr/bin/env python3
"""Wall time of a rolling job update with real agents and executors, against the time its
health checks alone need.

Starts a scheduler and three agents in a temporary directory (loopback, ephemeral ports),
creates a service of 6 instances, each a tiny `python3 -m http.server` on its `health`
port with an HTTP health check of `/`, waits until every instance is RUNNING, then runs
`borealis update start --wait` to a new command (batch_size 2, watch_secs 0), and back
again, --reps times in all. For each update it records:

- `cli_s`: the wall time of the `update start --wait` command, start to exit (what a user
  waits; `--wait` asks for the status once a second, so up to 1 s of this is polling);
- `scheduler_s`: the update's own span, from its first to its last status event in the
  scheduler (`update info --write-json`);
- `health_s`: what the health checks themselves took, measured: for each batch, the
  longest time of its new tasks from the agent receiving LaunchTask (`launched_ms` in
  agent_task.json) to the executor reporting RUNNING once healthy (status.json), summed
  over the batches;
- `floor_s`: the least the health checks could need: per batch, a new instance passes its
  first check as it starts at the earliest and then needs
  (min_consecutive_successes - 1) more checks, interval_secs apart, so
  batches * (min_consecutive_successes - 1) * interval_secs. A server that is not yet
  listening when the first check runs (as here: python3 takes a moment to start) fails it
  within the grace of initial_interval_secs, and needs one interval more per batch.

The target (issue 13) is an update that takes at most 2 s beyond what the health checks
need; both differences are reported. Prints a
table and one JSON line with the median and spread. Every process started here is stopped
by its pid.
Usage: update_latency.py --bin-dir build/bin [--reps 5]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchutil import Daemons, read, wait_for

JOB_KEY = "devcluster/bench/devel/web"
INSTANCES = 6
BATCH_SIZE = 2
AGENTS = 3
HEALTH = {
    "health_checker": {"http": {"endpoint": "/", "expected_response_code": 200}},
    "initial_interval_secs": 1, "interval_secs": 1, "timeout_secs": 1,
    "max_consecutive_failures": 0, "min_consecutive_successes": 2,
}


def job(version):
    # The version is in the command, so each update replaces every instance.
    cmd = (f"exec python3 -m http.server {{{{thermos.ports[health]}}}} --bind 127.0.0.1 "
           f"# {version}")
    return {"name": "web", "role": "bench", "environment": "devel", "cluster": "devcluster",
            "instances": INSTANCES, "service": True,
            "update_config": {"batch_size": BATCH_SIZE, "watch_secs": 0},
            "health_check_config": HEALTH,
            "lifecycle": {},  # no graceful-shutdown POSTs: a kill is SIGTERM at once
            "task": {"name": "web", "processes": [{"name": "server", "cmdline": cmd}],
                     "resources": {"cpu": 0.1, "ram": 64 << 20, "disk": 16 << 20}}}


class Cluster:
    def __init__(self, bin_dir, work, daemons):
        self.bin_dir, self.work, self.daemons = bin_dir, work, daemons
        port_file = os.path.join(work, "scheduler.port")
        daemons.start([self.bin("borealis-scheduler"), "--data-dir", os.path.join(work, "scheduler"),
                       "--http-port", "0", "--port-file", port_file, "--cluster-name", "devcluster",
                       "--tick-ms", "20"], os.path.join(work, "scheduler.log"))
        port = int(wait_for(lambda: read(port_file).strip(), 20, "the scheduler's port"))
        for i in range(AGENTS):
            agent_port_file = os.path.join(work, f"agent{i}.port")
            first = 41000 + 100 * i  # disjoint port ranges: the agents share one machine
            daemons.start([self.bin("borealis-agent"), "--master", f"127.0.0.1:{port}",
                           "--work-dir", os.path.join(work, f"agent{i}"), "--host", f"127.0.0.{i + 2}",
                           "--http-port", "0", "--port-file", agent_port_file, "--resources",
                           f"cpus:2;mem:2048;disk:2048;ports:[{first}-{first + 99}]",
                           "--run-as-agent-user"],
                          os.path.join(work, f"agent{i}.log"))
            wait_for(lambda: read(agent_port_file).strip(), 20, f"agent {i}'s port")
        clusters = os.path.join(work, "clusters.json")
        with open(clusters, "w") as f:
            json.dump([{"name": "devcluster", "scheduler_uri": f"http://127.0.0.1:{port}"}], f)
        self.env = dict(os.environ, BOREALIS_CLUSTERS=clusters, HOME=work)

    def bin(self, name):
        return os.path.join(self.bin_dir, name)

    def cli(self, *args, check=True):
        r = subprocess.run([self.bin("borealis"), *args], env=self.env, capture_output=True,
                           text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"borealis {' '.join(args)} failed: {r.stdout}{r.stderr}")
        return r

    def job_file(self, version):
        path = os.path.join(self.work, f"{version}.json")
        with open(path, "w") as f:
            json.dump(job(version), f)
        return path


def floor_seconds():
    batches = -(-INSTANCES // BATCH_SIZE)
    return batches * (HEALTH["min_consecutive_successes"] - 1) * HEALTH["interval_secs"]


def health_seconds(work, started_ms, ended_ms):
    """Sum over batches of the longest LaunchTask → RUNNING of the tasks launched in the
    window; batches are the instances in order, BATCH_SIZE at a time."""
    per_batch = {}
    for i in range(AGENTS):
        sandboxes = os.path.join(work, f"agent{i}", "sandboxes")
        for task_id in os.listdir(sandboxes) if os.path.isdir(sandboxes) else []:
            try:
                record = json.loads(read(os.path.join(sandboxes, task_id, "agent_task.json")))
                status = json.loads(read(os.path.join(sandboxes, task_id, "status.json")))
            except ValueError:
                continue
            launched = record.get("launched_ms", 0)
            if not started_ms <= launched <= ended_ms:
                continue
            runs = [u["timestamp_ms"] for u in status.get("updates", []) if u["state"] == "RUNNING"]
            if not runs:
                continue
            instance = int(task_id.split("-web-")[1].split("-")[0])
            batch = instance // BATCH_SIZE
            per_batch[batch] = max(per_batch.get(batch, 0), runs[0] - launched)
    return sum(per_batch.values()) / 1000.0


def one_update(cluster, version):
    path = cluster.job_file(version)
    t0 = time.monotonic()
    r = cluster.cli("update", "start", JOB_KEY, path, "--read-json", "--wait")
    cli_s = time.monotonic() - t0
    marker = "/update/"
    at = r.stdout.find(marker)
    if at < 0:
        raise RuntimeError(f"no update id in: {r.stdout}{r.stderr}")
    update_id = r.stdout[at + len(marker):].split()[0]
    info = json.loads(cluster.cli("update", "info", JOB_KEY, update_id, "--write-json").stdout)
    if info["status"] != "ROLLED_FORWARD":
        raise RuntimeError(f"update {update_id} ended {info['status']}: {json.dumps(info)}")
    stamps = [e["timestampMs"] for e in info["update_events"]]
    return {"version": version, "cli_s": round(cli_s, 3),
            "scheduler_s": round((max(stamps) - min(stamps)) / 1000.0, 3),
            "health_s": round(health_seconds(cluster.work, min(stamps), max(stamps)), 3),
            "instance_events": len(info["instance_update_events"])}


def spread(values):
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", default="build/bin")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    for name in ("borealis-scheduler", "borealis-agent", "borealis-executor", "borealis"):
        if not os.access(os.path.join(bin_dir, name), os.X_OK):
            sys.exit(f"{name} not found in {bin_dir}: build first (make build)")
    work = tempfile.mkdtemp(prefix="borealis-update-bench-")
    daemons = Daemons()
    runs = []
    try:
        cluster = Cluster(bin_dir, work, daemons)
        cluster.cli("job", "create", JOB_KEY, cluster.job_file("v0"), "--read-json",
                    "--wait-until", "RUNNING")
        for rep in range(args.reps):
            runs.append(one_update(cluster, f"v{rep + 1}"))
            print(f"update {rep + 1}: {runs[-1]}", file=sys.stderr)
        cluster.cli("job", "killall", JOB_KEY, check=False)
    finally:
        daemons.stop_all()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    floor = floor_seconds()
    result = {
        "instances": INSTANCES, "batch_size": BATCH_SIZE, "agents": AGENTS, "reps": len(runs),
        "health": HEALTH, "floor_s": floor,
        "cli_s": spread([r["cli_s"] for r in runs]),
        "scheduler_s": spread([r["scheduler_s"] for r in runs]),
        "cli_beyond_floor_s": spread([r["cli_s"] - floor for r in runs]),
        "scheduler_beyond_floor_s": spread([r["scheduler_s"] - floor for r in runs]),
        "health_s": spread([r["health_s"] for r in runs]),
        "cli_beyond_health_s": spread([r["cli_s"] - r["health_s"] for r in runs]),
        "scheduler_beyond_health_s": spread([r["scheduler_s"] - r["health_s"] for r in runs]),
        "target_beyond_health_s": 2.0,
        "runs": runs,
    }
    print(f"{'':26}{'median':>8}{'min':>8}{'max':>8}")
    for key in ("cli_s", "scheduler_s", "health_s", "cli_beyond_health_s",
                "scheduler_beyond_health_s", "cli_beyond_floor_s", "scheduler_beyond_floor_s"):
        s = result[key]
        print(f"{key:26}{s['median']:>8}{s['min']:>8}{s['max']:>8}")
    print(f"health-check floor {floor} s ({-(-INSTANCES // BATCH_SIZE)} batches)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
