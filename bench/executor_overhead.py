#!/usr/bin/env python3
"""Per-task overhead of borealis-executor, side by side with Slurm's slurmstepd.

Starts a scheduler and one agent in a temporary directory (loopback, ephemeral ports),
creates one job of N instances that each run `sleep 1000`, and once every task is
RUNNING reads, for each executor, PSS and RSS from /proc/PID/smaps_rollup. Launch
latency is measured on the agent: from the moment it received LaunchTask
(`launched_ms` in the task's agent_task.json) to the executor's RUNNING update
(`timestamp_ms` in status.json); both come from the same machine's wall clock.

Then, unless --no-slurm, starts one slurmctld and one slurmd on loopback in the same
temporary directory (auth/none, proctrack/linuxproc, no munge), submits N `sleep 1000`
batch jobs with sbatch and measures every `slurmstepd` the same way.

Prints a table and one JSON line. Every process started here is stopped by its pid.
Usage: executor_overhead.py --bin-dir build/bin [--tasks 20] [--no-slurm]
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchutil import Daemons, read, wait_for

MIB = 1024.0


def smaps_rollup(pid):
    """PSS, RSS, anonymous PSS in KiB of one process."""
    out = {}
    for line in read(f"/proc/{pid}/smaps_rollup").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("Rss:", "Pss:", "Pss_Anon:", "Pss_File:"):
            out[parts[0][:-1]] = int(parts[1])
    return out


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task")) if os.path.isdir(f"/proc/{pid}/task") else 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def summarize(samples):
    pss = [s["Pss"] / MIB for s in samples]
    rss = [s["Rss"] / MIB for s in samples]
    anon = [s.get("Pss_Anon", 0) / MIB for s in samples]
    return {
        "count": len(samples),
        "pss_mib_mean": round(statistics.mean(pss), 3),
        "pss_mib_max": round(max(pss), 3),
        "pss_anon_mib_mean": round(statistics.mean(anon), 3),
        "rss_mib_mean": round(statistics.mean(rss), 3),
        "rss_mib_max": round(max(rss), 3),
    }


def run_borealis(bin_dir, tasks, work, daemons):
    port_file = os.path.join(work, "scheduler.port")
    daemons.start([os.path.join(bin_dir, "borealis-scheduler"), "--data-dir",
                   os.path.join(work, "scheduler"), "--http-port", "0", "--port-file", port_file,
                   "--cluster-name", "devcluster", "--tick-ms", "20"],
                  os.path.join(work, "scheduler.log"))
    port = int(wait_for(lambda: read(port_file).strip(), 20, "the scheduler's port"))
    agent_dir = os.path.join(work, "agent")
    agent_port_file = os.path.join(work, "agent.port")
    daemons.start([os.path.join(bin_dir, "borealis-agent"), "--master", f"127.0.0.1:{port}",
                   "--work-dir", agent_dir, "--host", "127.0.0.2", "--http-port", "0",
                   "--port-file", agent_port_file, "--resources",
                   f"cpus:{tasks};mem:{64 * tasks};disk:{64 * tasks};ports:[40000-40999]",
                   "--run-as-agent-user"],
                  os.path.join(work, "agent.log"))
    wait_for(lambda: read(agent_port_file).strip(), 20, "the agent's port")
    clusters = os.path.join(work, "clusters.json")
    with open(clusters, "w") as f:
        json.dump([{"name": "devcluster", "scheduler_uri": f"http://127.0.0.1:{port}"}], f)
    job = {"name": "sleepers", "role": "bench", "environment": "devel", "cluster": "devcluster",
           "instances": tasks, "service": True,
           "task": {"name": "sleepers",
                    "processes": [{"name": "sleep", "cmdline": "sleep 1000"}],
                    "resources": {"cpu": 0.01, "ram": 4 << 20, "disk": 4 << 20}}}
    job_file = os.path.join(work, "sleepers.json")
    with open(job_file, "w") as f:
        json.dump(job, f)
    env = dict(os.environ, BOREALIS_CLUSTERS=clusters, HOME=work)
    r = subprocess.run([os.path.join(bin_dir, "borealis"), "job", "create",
                        "devcluster/bench/devel/sleepers", job_file, "--read-json"],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"job create failed: {r.stdout}{r.stderr}")
    sandboxes = os.path.join(agent_dir, "sandboxes")

    def running():
        found = {}
        for task_id in os.listdir(sandboxes) if os.path.isdir(sandboxes) else []:
            try:
                status = json.loads(read(os.path.join(sandboxes, task_id, "status.json")))
                record = json.loads(read(os.path.join(sandboxes, task_id, "agent_task.json")))
            except ValueError:
                continue
            runs = [u for u in status.get("updates", []) if u["state"] == "RUNNING"]
            if runs:
                found[task_id] = (status["executor_pid"], record["launched_ms"],
                                  runs[0]["timestamp_ms"])
        return found if len(found) >= tasks else None

    found = wait_for(running, 120, f"{tasks} RUNNING tasks")
    time.sleep(1.0)  # let every executor settle into its idle loop
    samples, latencies, thread_counts = [], [], []
    for pid, launched_ms, running_ms in found.values():
        samples.append(smaps_rollup(pid))
        thread_counts.append(threads(pid))
        latencies.append(running_ms - launched_ms)
    summary = summarize(samples)
    latencies.sort()
    summary.update({
        "launch_to_running_ms_p50": statistics.median(latencies),
        "launch_to_running_ms_max": latencies[-1],
        "threads": max(thread_counts),
    })
    # Kill the job so the executors stop their sleeps before the daemons go.
    subprocess.run([os.path.join(bin_dir, "borealis"), "job", "killall",
                    "devcluster/bench/devel/sleepers"], env=env, capture_output=True)
    wait_for(lambda: all(not os.path.exists(f"/proc/{pid}") or
                         read(f"/proc/{pid}/stat").split(")")[-1].split()[0] == "Z"
                         for pid, _, _ in found.values()), 60, "the executors to exit")
    return summary


SLURM_CONF = """ClusterName=bench
SlurmctldHost={host}(127.0.0.1)
MailProg=/bin/true
AuthType=auth/none
CredType=cred/none
SlurmUser={user}
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/linear
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
NodeName=benchnode NodeHostname={host} NodeAddr=127.0.0.1 CPUs=64 RealMemory=65536 State=UNKNOWN
PartitionName=bench Nodes=benchnode Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:64
"""


def run_slurm(tasks, work, daemons):
    for tool in ("slurmctld", "slurmd", "sbatch", "slurmstepd"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            raise RuntimeError(f"{tool} not found (make bench-deps installs Slurm)")
    if os.geteuid() != 0:
        raise RuntimeError("slurmd must run as root to start job steps")
    sdir = os.path.join(work, "slurm")
    for sub in ("state", "spool"):
        os.makedirs(os.path.join(sdir, sub), exist_ok=True)
    conf = os.path.join(sdir, "slurm.conf")
    with open(conf, "w") as f:
        f.write(SLURM_CONF.format(user="root", ctld_port=free_port(), slurmd_port=free_port(),
                                  dir=sdir, host=socket.gethostname()))
    env = dict(os.environ, SLURM_CONF=conf)
    daemons.start(["slurmctld", "-D", "-i", "-f", conf], os.path.join(sdir, "ctld.out"), env)
    daemons.start(["slurmd", "-D", "-N", "benchnode", "-f", conf],
                  os.path.join(sdir, "slurmd.out"), env)

    def node_idle():
        r = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True)
        return r.returncode == 0 and r.stdout.strip() in ("idle", "mix", "alloc")

    wait_for(node_idle, 60, "the slurm node to come up (see " + sdir + "/slurmd.log)")
    out_dir = os.path.join(sdir, "out")
    os.makedirs(out_dir)
    job_ids = []
    for _ in range(tasks):
        r = subprocess.run(["sbatch", "--parsable", "-n1", "--oversubscribe", "-o",
                            os.path.join(out_dir, "%j.out"), "--wrap", "sleep 1000"],
                           env=env, capture_output=True, text=True, cwd=out_dir)
        if r.returncode != 0:
            raise RuntimeError(f"sbatch failed: {r.stdout}{r.stderr}")
        job_ids.append(r.stdout.strip().split(";")[0])

    def stepds():
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            cmdline = read(f"/proc/{entry}/cmdline").replace("\0", " ")
            if cmdline.startswith("slurmstepd:") and any(f"[{j}.batch]" in cmdline
                                                         for j in job_ids):
                # Not a short-lived child forked by a stepd (same command line).
                ppid = read(f"/proc/{entry}/stat").rsplit(")", 1)[-1].split()[1:2]
                parent = read(f"/proc/{ppid[0]}/cmdline") if ppid else ""
                if not parent.startswith("slurmstepd:"):
                    found.append(int(entry))
        return found if len(found) >= tasks else None

    pids = wait_for(stepds, 120, f"{tasks} slurmstepd processes")
    time.sleep(1.0)
    samples = [smaps_rollup(pid) for pid in pids]
    thread_counts = [threads(pid) for pid in pids]
    summary = summarize(samples)
    summary["threads"] = max(thread_counts)
    subprocess.run(["scancel"] + job_ids, env=env, capture_output=True)
    wait_for(lambda: not stepds_any(), 60, "the slurm jobs to end")
    return summary


def stepds_any():
    for entry in os.listdir("/proc"):
        if entry.isdigit() and read(f"/proc/{entry}/cmdline").startswith("slurmstepd:"):
            return True
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", required=True, help="directory of the borealis binaries")
    parser.add_argument("--tasks", type=int, default=20, help="tasks (and slurm jobs) to run")
    parser.add_argument("--no-slurm", action="store_true", help="measure borealis only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="borealis-bench-")
    daemons = Daemons()
    result = {"benchmark": "executor_overhead", "tasks": args.tasks}
    try:
        result["borealis_executor"] = run_borealis(os.path.abspath(args.bin_dir), args.tasks,
                                                   work, daemons)
        if not args.no_slurm:
            try:
                result["slurmstepd"] = run_slurm(args.tasks, work, daemons)
            except RuntimeError as e:
                result["slurmstepd_error"] = str(e)
    finally:
        daemons.stop_all()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    rows = [("borealis-executor", result["borealis_executor"])]
    if "slurmstepd" in result:
        rows.append(("slurmstepd", result["slurmstepd"]))
    print(f"{'per task':<20}{'PSS MiB':>10}{'PSS anon':>10}{'RSS MiB':>10}{'threads':>9}"
          f"{'launch→RUNNING p50/max ms':>28}")
    for name, r in rows:
        lat = (f"{r['launch_to_running_ms_p50']:.0f} / {r['launch_to_running_ms_max']:.0f}"
               if "launch_to_running_ms_p50" in r else "-")
        print(f"{name:<20}{r['pss_mib_mean']:>10.2f}{r['pss_anon_mib_mean']:>10.2f}"
              f"{r['rss_mib_mean']:>10.2f}{r['threads']:>9}{lat:>28}")
    if "slurmstepd" in result:
        b, s = result["borealis_executor"], result["slurmstepd"]
        result["ratio_pss"] = round(b["pss_mib_mean"] / s["pss_mib_mean"], 3)
        result["ratio_rss"] = round(b["rss_mib_mean"] / s["rss_mib_mean"], 3)
        print(f"executor / slurmstepd: PSS {result['ratio_pss']:.2f}x, "
              f"RSS {result['ratio_rss']:.2f}x")
    elif "slurmstepd_error" in result:
        print(f"slurmstepd: not measured: {result['slurmstepd_error']}")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
