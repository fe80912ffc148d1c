"""Every method of the scheduler's Thrift API, called by a Python client generated from our
IDL in the test (as Aurora's Python client is), over TJSON and over TBinaryProtocol, against
a real scheduler and agent on loopback.

Each row of METHODS says what the method is given and what it must answer. A method that
exists in api.thrift but not in the table fails the test, so the table stays the list of
every Aurora method and its state (docs/aurora-compatibility.md, "Thrift API").

Environment: BOREALIS_BIN_DIR (the daemons and the CLI), THRIFT (the compiler),
BOREALIS_SOURCE_DIR (for api/*.thrift and examples/). Needs Debian's python3-thrift.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BIN = os.environ.get("BOREALIS_BIN_DIR", "")
SRC = os.environ.get("BOREALIS_SOURCE_DIR", "")
THRIFT = os.environ.get("THRIFT", "thrift")

ROLE, ENV, JOB = "www-data", "devel", "hello_world"
NOT_SUPPORTED = "not supported yet"


def wait_for(cond, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Cluster:
    """A scheduler and one agent in their own process groups, stopped by pid."""

    def __init__(self, root):
        self.root = root
        self.procs = []
        self.port = self._start_scheduler()
        self._start_agent()

    def _spawn(self, argv, log):
        out = open(os.path.join(self.root, log), "ab")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def _port_from(self, path, proc, log):
        def ready():
            if proc.poll() is not None:
                raise AssertionError(log + " exited:\n" + self.log(log))
            try:
                with open(path) as f:
                    text = f.read().strip()
                return int(text) if text else 0
            except (OSError, ValueError):
                return 0
        return wait_for(ready, 30, path)

    def _start_scheduler(self):
        port_file = os.path.join(self.root, "scheduler.port")
        p = self._spawn([os.path.join(BIN, "borealis-scheduler"),
                         "--data-dir", os.path.join(self.root, "scheduler"),
                         "--http-port", "0", "--port-file", port_file,
                         "--cluster-name", "devcluster", "--tick-ms", "100",
                         "--heartbeat-interval-ms", "300"], "scheduler.log")
        port = self._port_from(port_file, p, "scheduler.log")
        with open(os.path.join(self.root, "clusters.json"), "w") as f:
            json.dump([{"name": "devcluster", "scheduler_uri": "http://127.0.0.1:%d" % port}], f)
        return port

    def _start_agent(self):
        port_file = os.path.join(self.root, "agent.port")
        p = self._spawn([os.path.join(BIN, "borealis-agent"),
                         "--master", "127.0.0.1:%d" % self.port,
                         "--work-dir", os.path.join(self.root, "agent"),
                         "--host", "127.0.0.2", "--http-port", "0", "--port-file", port_file,
                         "--resources", "cpus:4;mem:4096;disk:10000;ports:[39000-39099]",
                         "--attributes", "rack:r1;zone:z1", "--kill-grace-ms", "2000",
                         "--run-as-agent-user", "--isolation", "none"], "agent.log")
        self._port_from(port_file, p, "agent.log")

    def cli(self, *args):
        env = dict(os.environ, BOREALIS_CLUSTERS=os.path.join(self.root, "clusters.json"))
        return subprocess.run([os.path.join(BIN, "borealis")] + list(args), env=env,
                              capture_output=True, text=True, timeout=60)

    def log(self, name):
        try:
            with open(os.path.join(self.root, name), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


class ThriftApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not BIN or not SRC:
            raise unittest.SkipTest("BOREALIS_BIN_DIR and BOREALIS_SOURCE_DIR must be set")
        cls.root = tempfile.mkdtemp(prefix="thrift-python-")
        gen = os.path.join(cls.root, "gen-py")
        os.makedirs(gen)
        subprocess.run([THRIFT, "--gen", "py", "-out", gen, os.path.join(SRC, "api", "api.thrift")],
                       check=True)
        sys.path.insert(0, gen)
        global api, ttypes, TJSONProtocol, TBinaryProtocol, THttpClient, AuroraAdmin
        from gen.apache.aurora.api import AuroraAdmin  # noqa: F401  (generated)
        from gen.apache.aurora.api import ttypes  # noqa: F401
        from thrift.protocol import TBinaryProtocol, TJSONProtocol  # noqa: F401
        from thrift.transport import THttpClient  # noqa: F401
        # Thrift 0.17's Python structs are mutable and so unhashable, but our IDL (like
        # Aurora's) has sets of structs; the Thrift generator Aurora's client used hashed
        # them by value, which this restores.
        for value in vars(ttypes).values():
            if isinstance(value, type) and hasattr(value, "thrift_spec"):
                value.__hash__ = lambda self: hash(repr(self))
        cls.cluster = Cluster(cls.root)
        # One job made the way a user makes it, so that reads have something to return and
        # createJob has a real TaskConfig (with its executor data) to copy.
        r = cls.cluster.cli("job", "create", "--read-json",
                            "devcluster/%s/%s/%s" % (ROLE, ENV, JOB),
                            os.path.join(SRC, "examples", "hello_world.json"))
        if r.returncode != 0:
            cls.cluster.stop()
            raise AssertionError("job create failed: " + r.stdout + r.stderr)

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "cluster"):
            cls.cluster.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def client(self, binary):
        transport = THttpClient.THttpClient("http://127.0.0.1:%d/api" % self.cluster.port)
        if binary:
            # Without these the scheduler tells the protocol by the first byte.
            transport.setCustomHeaders({"Accept": "application/vnd.apache.thrift.binary"})
            protocol = TBinaryProtocol.TBinaryProtocol(transport)
        else:
            protocol = TJSONProtocol.TJSONProtocol(transport)
        return AuroraAdmin.Client(protocol)

    def key(self, name=JOB):
        return ttypes.JobKey(role=ROLE, environment=ENV, name=name)

    def query(self, **kw):
        return ttypes.TaskQuery(role=ROLE, environment=ENV, jobName=JOB, **kw)

    def stored_job(self, client):
        r = client.getJobs(ROLE)
        self.assertEqual(r.responseCode, ttypes.ResponseCode.OK, r.details)
        configs = [c for c in r.result.getJobsResult.configs if c.key.name == JOB]
        self.assertEqual(len(configs), 1)
        return configs[0]

    def rows(self, client, suffix):
        """(method, args, expected ResponseCode name, check or None) for every method."""
        k = self.key()
        job = self.stored_job(client)
        copy = ttypes.JobConfiguration(key=self.key("copy_" + suffix), owner=job.owner,
                                       taskConfig=job.taskConfig, instanceCount=1)
        copy.taskConfig.job = copy.key
        cron_task = ttypes.TaskConfig(**vars(job.taskConfig))  # a cron job is no service
        cron_task.isService = False
        cron = ttypes.JobConfiguration(key=self.key("cron_" + suffix), owner=job.owner,
                                       taskConfig=cron_task, instanceCount=1,
                                       cronSchedule="0 3 1 1 *")
        cron_task.job = cron.key
        bad_cron = ttypes.JobConfiguration(key=cron.key, owner=job.owner, taskConfig=cron_task,
                                           instanceCount=1, cronSchedule="61 * * * *")
        update_key = ttypes.JobUpdateKey(job=k, id="no-such-update")
        # The job as it runs (hello_world.json has 2 instances): startJobUpdate has nothing
        # to do and answers OK whichever protocol's run comes first.
        request = ttypes.JobUpdateRequest(taskConfig=job.taskConfig, instanceCount=2,
                                          settings=ttypes.JobUpdateSettings(updateGroupSize=1))
        hosts = ttypes.Hosts(hostNames={"127.0.0.2"})
        quota = ttypes.ResourceAggregate(resources={ttypes.Resource(numCpus=1.0)})

        def has_tasks(r):
            tasks = r.result.scheduleStatusResult.tasks
            self.assertTrue(tasks and all(t.assignedTask.task.job.name == JOB for t in tasks))

        def has_role(r):
            roles = {s.role for s in r.result.roleSummaryResult.summaries}
            self.assertIn(ROLE, roles)

        def paged(r):
            self.assertEqual(len(r.result.scheduleStatusResult.tasks), 1)

        not_yet = "ERROR"
        return [
            ("getRoleSummary", (), "OK", has_role),
            ("getJobSummary", (ROLE,), "OK", None),
            ("getTasksStatus", (self.query(),), "OK", has_tasks),
            ("getTasksWithoutConfigs", (self.query(offset=1, limit=1),), "OK", paged),
            ("getPendingReason", (self.query(),), "OK", None),
            ("getPendingReason", (self.query(statuses={ttypes.ScheduleStatus.RUNNING}),),
             "INVALID_REQUEST", None),
            ("getConfigSummary", (k,), "OK", None),
            ("getJobs", (ROLE,), "OK", None),
            ("getQuota", (ROLE,), "OK", None),
            ("getTierConfigs", (), "OK", None),
            ("populateJobConfig", (job,), "OK", None),
            ("getJobUpdateSummaries", (ttypes.JobUpdateQuery(role=ROLE),), "OK", None),
            ("getJobUpdateDetails", (update_key, None), "INVALID_REQUEST", None),
            ("getJobUpdateDiff", (request,), "OK", None),
            ("createJob", (copy,), "OK", None),
            ("createJob", (copy,), "INVALID_REQUEST", None),  # it exists now
            ("addInstances", (ttypes.InstanceKey(jobKey=copy.key, instanceId=0), 1), "OK", None),
            ("addInstances", (ttypes.InstanceKey(jobKey=copy.key, instanceId=0), 0),
             "INVALID_REQUEST", None),
            ("killTasks", (copy.key, None, "by the API test"), "OK", None),
            ("replaceCronTemplate", (cron,), "INVALID_REQUEST", None),  # none yet
            ("scheduleCronJob", (bad_cron,), "INVALID_REQUEST", None),
            ("scheduleCronJob", (cron,), "OK", None),
            ("replaceCronTemplate", (cron,), "OK", None),
            ("startCronJob", (cron.key,), "OK", None),
            ("descheduleCronJob", (cron.key,), "OK", None),
            ("startCronJob", (cron.key,), "INVALID_REQUEST", None),  # descheduled
            ("restartShards", (k, {0}), "OK", None),
            ("restartShards", (k, {99}), "INVALID_REQUEST", None),  # no such instance
            ("startJobUpdate", (request, "api test"), "OK", None),  # unchanged job,
            ("pauseJobUpdate", (update_key, "m"), "INVALID_REQUEST", None),
            ("resumeJobUpdate", (update_key, "m"), "INVALID_REQUEST", None),
            ("abortJobUpdate", (update_key, "m"), "INVALID_REQUEST", None),
            ("rollbackJobUpdate", (update_key, "m"), "INVALID_REQUEST", None),
            ("pulseJobUpdate", (update_key,), "INVALID_REQUEST", None),
            ("setQuota", ("api-test-" + suffix, quota), "OK", None),
            ("setQuota", ("api-test-" + suffix, ttypes.ResourceAggregate(
                resources={ttypes.Resource(numCpus=-1.0)})), "INVALID_REQUEST", None),
            ("forceTaskState", ("no-such-task", ttypes.ScheduleStatus.LOST), "INVALID_REQUEST",
             None),
            ("performBackup", (), not_yet, None),
            ("listBackups", (), not_yet, None),
            ("stageRecovery", ("b",), not_yet, None),
            ("queryRecovery", (self.query(),), not_yet, None),
            ("deleteRecoveryTasks", (self.query(),), not_yet, None),
            ("commitRecovery", (), not_yet, None),
            ("unloadRecovery", (), not_yet, None),
            ("startMaintenance", (hosts,), "OK", lambda r: self.assertEqual(
                [(h.host, h.mode) for h in r.result.startMaintenanceResult.statuses],
                [("127.0.0.2", ttypes.MaintenanceMode.SCHEDULED)])),
            ("startMaintenance", (ttypes.Hosts(set()),), "INVALID_REQUEST", None),
            ("maintenanceStatus", (hosts,), "OK", lambda r: self.assertEqual(
                [h.mode for h in r.result.maintenanceStatusResult.statuses],
                [ttypes.MaintenanceMode.SCHEDULED])),
            ("endMaintenance", (hosts,), "OK", None),
            ("drainHosts", (ttypes.Hosts(hostNames={"no-such-host"}),), "INVALID_REQUEST", None),
            ("slaDrainHosts", (hosts, ttypes.SlaPolicy(), 60), "INVALID_REQUEST", None),
            ("snapshot", (), not_yet, None),
            ("triggerExplicitTaskReconciliation",
             (ttypes.ExplicitReconciliationSettings(batchSize=10),), "OK", None),
            ("triggerExplicitTaskReconciliation",
             (ttypes.ExplicitReconciliationSettings(batchSize=0),), "INVALID_REQUEST", None),
            ("triggerImplicitTaskReconciliation", (), "OK", None),
            ("pruneTasks", (self.query(),), "OK", None),
        ]

    def check_every_method(self, binary):
        client = self.client(binary)
        suffix = "binary" if binary else "json"
        rows = self.rows(client, suffix)
        idl = {name for name in dir(AuroraAdmin.Iface) if not name.startswith("_")}
        self.assertEqual(idl, {row[0] for row in rows}, "the table must list every method")
        for method, args, expected, check in rows:
            with self.subTest(method=method, protocol=suffix, args=repr(args)[:80]):
                r = getattr(client, method)(*args)
                code = ttypes.ResponseCode._VALUES_TO_NAMES[r.responseCode]
                messages = " | ".join(d.message for d in (r.details or []))
                self.assertEqual(code, expected, messages)
                # Aurora sets serverInfo on every answer, and details on every refusal.
                self.assertIsNotNone(r.serverInfo)
                self.assertEqual(r.serverInfo.clusterName, "devcluster")
                if expected != "OK":
                    self.assertTrue(messages, "a refusal says why")
                if expected == "ERROR":
                    self.assertIn(NOT_SUPPORTED, messages)
                    self.assertIn(method, messages)
                if check:
                    check(r)

    def test_every_method_over_tjson(self):
        self.check_every_method(binary=False)

    def test_every_method_over_binary(self):
        self.check_every_method(binary=True)

    def test_binary_request_without_accept_is_answered_in_binary(self):
        transport = THttpClient.THttpClient("http://127.0.0.1:%d/api" % self.cluster.port)
        client = AuroraAdmin.Client(TBinaryProtocol.TBinaryProtocol(transport))
        r = client.getRoleSummary()
        self.assertEqual(r.responseCode, ttypes.ResponseCode.OK)


if __name__ == "__main__":
    unittest.main()
