"""aurora_loader: every corpus config evaluates to its golden JSON, every negative config
fails with the expected line, field path and message, and --bind/job selection work.

Golden files (golden/<config>.json) are the contract with the C++ side, which compares
`borealis job inspect --write-json` output to them. To rewrite them after a deliberate
change: AURORA_REGEN_GOLDEN=1 python3 -m unittest test_loader; then read the diff.
"""

import glob
import json
import os
import shutil
import tempfile
import unittest

import aurora_loader
from aurora_loader import AuroraConfigError

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, 'golden')
BAD = os.path.join(HERE, 'bad')


def corpus():
  return sorted(glob.glob(os.path.join(HERE, '*.aurora')))


def binds_for(path):
  with open(os.path.join(HERE, 'binds.json')) as f:
    return json.load(f).get(os.path.basename(path), [])


WARNINGS = []


def evaluate(path, binds, job_key=None):
  return aurora_loader.evaluate(path, binds, job_key=job_key, warn=WARNINGS.append)


def pretty(text):
  return json.dumps(json.loads(text), indent=2, sort_keys=True) + '\n'


class CorpusTest(unittest.TestCase):

  def test_corpus_matches_golden(self):
    self.assertGreaterEqual(len(corpus()), 14)
    regen = os.environ.get('AURORA_REGEN_GOLDEN') == '1'
    for path in corpus():
      name = os.path.basename(path)
      with self.subTest(config=name):
        got = pretty(evaluate(path, binds_for(path)))
        golden = os.path.join(GOLDEN, name.replace('.aurora', '.json'))
        if regen:
          with open(golden, 'w') as f:
            f.write(got)
        with open(golden) as f:
          self.assertEqual(got, f.read())

  def test_output_reads_back_unchanged(self):
    # What --read-json does with our output: Job(dict), then interpolate again.
    import aurora_schema
    import pystachio_lite
    for path in corpus():
      for job in json.loads(evaluate(path, binds_for(path)))['jobs']:
        with self.subTest(config=os.path.basename(path), job=job['name']):
          with pystachio_lite.keep_escapes():
            again = aurora_schema.Job(job).interpolate()[0].get()
          self.assertEqual(json.loads(json.dumps(again)), job)

  def test_every_job_is_listed(self):
    for path in corpus():
      with self.subTest(config=os.path.basename(path)):
        keys = aurora_loader.list_jobs(path, binds_for(path))
        jobs = json.loads(evaluate(path, binds_for(path)))['jobs']
        self.assertEqual(keys, ['%(cluster)s/%(role)s/%(environment)s/%(name)s' % j
                                for j in jobs])

  def test_negative_configs(self):
    with open(os.path.join(BAD, 'expected.json')) as f:
      expected = json.load(f)
    expected.pop('_comment')
    self.assertEqual(sorted(expected),
                     sorted(os.path.basename(p) for p in glob.glob(os.path.join(BAD, '*.aurora'))))
    for name, want in sorted(expected.items()):
      with self.subTest(config=name):
        path = os.path.join(BAD, name)
        with self.assertRaises(AuroraConfigError) as cm:
          evaluate(path, [])
        e = cm.exception
        self.assertIn(want['message'], e.message)
        self.assertEqual(e.file, path)
        self.assertEqual(e.line, want['line'])
        self.assertEqual(e.field_path, want['field_path'])
        self.assertNotIn('\n', e.message)


class LoaderTest(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp()

  def tearDown(self):
    shutil.rmtree(self.dir)

  def write(self, name, text):
    path = os.path.join(self.dir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
      f.write(text)
    return path

  JOB = ("jobs = [Job(cluster='c', role='r', environment='devel', name='{{n}}', "
         "instances='{{count}}', task=SimpleTask('t', 'echo {{msg}}'))]\n")

  def test_binds(self):
    path = self.write('a.aurora', self.JOB)
    job = json.loads(evaluate(path, ['n=x', 'count=3', 'msg=hi=there']))['jobs'][0]
    self.assertEqual((job['name'], job['instances']), ('x', 3))
    self.assertEqual(job['task']['processes'][0]['cmdline'], 'echo hi=there')
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, ['novalue'])
    self.assertIn('name=value', cm.exception.message)
    with self.assertRaises(AuroraConfigError):
      evaluate(path, ['9x=1'])

  def test_unbound_integer_names_field(self):
    path = self.write('a.aurora', self.JOB)
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, ['n=x', 'msg=m'])
    self.assertEqual(cm.exception.field_path, 'jobs[0].instances')
    self.assertIn('{{count}}', cm.exception.message)
    self.assertEqual(cm.exception.line, 1)

  def test_job_key_selects_and_skips_checks_of_others(self):
    path = self.write('a.aurora', (
        "ok = Job(cluster='c', role='r', environment='prod', name='ok', "
        "task=SimpleTask('t', 'echo'))\n"
        "jobs = [ok, ok(name='broken', task=SimpleTask('t', '{{unbound}}'))]\n"))
    self.assertEqual(aurora_loader.list_jobs(path, []), ['c/r/prod/ok', 'c/r/prod/broken'])
    only = json.loads(evaluate(path, [], job_key='c/r/prod/ok'))['jobs']
    self.assertEqual([j['name'] for j in only], ['ok'])
    self.assertEqual(json.loads(evaluate(path, [], job_key='c/r/x/y'))['jobs'],
                     [])
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, [])
    self.assertEqual(cm.exception.field_path, 'jobs[1].task.processes[0].cmdline')
    self.assertEqual(cm.exception.line, 2)

  def test_include_is_relative_to_the_including_file(self):
    self.write('lib/a.aurora', "include('b.aurora')\n")
    self.write('lib/b.aurora', "X = 'from b'\n")
    path = self.write('main.aurora', "include('lib/a.aurora')\n" +
                      self.JOB.replace("'{{n}}'", "X.replace(' ', '_')"))
    job = json.loads(evaluate(path, ['count=1', 'msg=m']))
    self.assertEqual(job['jobs'][0]['name'], 'from_b')
    bad = self.write('lib/c.aurora', "\n\nraise ValueError('boom')\n")
    path = self.write('main2.aurora', "include('lib/c.aurora')\n")
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, [])
    self.assertEqual((cm.exception.file, cm.exception.line), (bad, 3))
    self.assertIn('boom', cm.exception.message)

  def test_namespace_is_fresh(self):
    a = self.write('a.aurora', "LEAK = 1\n" + self.JOB)
    b = self.write('b.aurora', "x = LEAK\n")
    evaluate(a, ['n=x', 'count=1', 'msg=m'])
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(b, [])
    self.assertIn("NameError", cm.exception.message)

  def test_namespace_has_the_whole_schema(self):
    names = (
        'Struct Required Default Empty String Integer Float Boolean Enum List Map Choice Ref '
        'Environment include BYTES KB MB GB TB Process Task Resources Constraint Logger '
        'RotatePolicy LoggerDestination LoggerMode ThermosContext order Processes Tasks Units '
        'Options SequentialTask SimpleTask combine_tasks concat_tasks java_options '
        'python_options Job Service MesosJob MesosContext MesosTaskInstance UpdateConfig '
        'QueueUpdateStrategy BatchUpdateStrategy VariableBatchUpdateStrategy '
        'HealthCheckConfig HealthCheckerConfig HttpHealthChecker ShellHealthChecker '
        'DefaultHealthChecker LifecycleConfig HttpLifecycleConfig DisableLifecycle '
        'DefaultLifecycleConfig Announcer Metadata ExecutorConfig PartitionPolicy '
        'PercentageSlaPolicy CountSlaPolicy CoordinatorSlaPolicy Docker Parameter Mesos '
        'AppcImage DockerImage Volume Mode Container AURORA_EXECUTOR_NAME').split()
    path = self.write('a.aurora', "import json\nNAMES = sorted(globals())\n")
    run = aurora_loader._load(path)
    self.assertEqual([n for n in names if n not in run.namespace['NAMES']], [])

  def test_list_jobs(self):
    path = self.write('a.aurora', "x = 1\n")
    self.assertEqual(aurora_loader.list_jobs(path, []), [])
    path = self.write('b.aurora', self.JOB)
    self.assertEqual(aurora_loader.list_jobs(path, ['n=web']), ['c/r/devel/web'])
    path = self.write('c.aurora', "jobs = [Job(cluster='c', name='n', task=SimpleTask('t', 'x'))]\n")
    self.assertEqual(aurora_loader.list_jobs(path, []), ['c/{MISSING}/{MISSING}/n'])

  def test_list_jobs_leaves_unbound_templates(self):
    path = self.write('a.aurora', (
        "jobs = [Job(cluster='c', role='r', environment='{{profile.env}}', name='n', "
        "container=Mesos(image=DockerImage(name='app', tag='{{docker.image[app][1]}}')), "
        "task=SimpleTask('t', 'echo {{profile.x}}'))]\n"))
    self.assertEqual(aurora_loader.list_jobs(path, []), ['c/r/{{profile.env}}/n'])

  def test_list_json_jobs(self):
    path = self.write('a.json', json.dumps(
        {'cluster': 'c', 'role': 'r', 'environment': '{{e}}', 'name': 'n'}))
    self.assertEqual(aurora_loader.list_json_jobs(path, []), ['c/r/{{e}}/n'])
    self.assertEqual(aurora_loader.list_json_jobs(path, ['e=prod']), ['c/r/prod/n'])
    path = self.write('b.json', json.dumps({'jobs': []}))
    self.assertEqual(aurora_loader.list_json_jobs(path, []), [])
    path = self.write('c.json', json.dumps({'jobs': [{'name': 'n', 'bogus': 1}]}))
    with self.assertRaises(AuroraConfigError) as e:
      aurora_loader.list_json_jobs(path, [])
    self.assertEqual((e.exception.file, e.exception.field_path), (path, 'jobs[0]'))
    path = self.write('d.json', '{')
    with self.assertRaises(AuroraConfigError):
      aurora_loader.list_json_jobs(path, [])

  def test_docker_image_helper_is_not_supported(self):
    path = self.write('a.aurora', (
        "jobs = [Job(cluster='c', role='r', environment='devel', name='n', "
        "container=Docker(image='{{docker.image[app][latest]}}'), "
        "task=SimpleTask('t', 'x'))]\n"))
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, [])
    self.assertIn('not supported yet', cm.exception.message)
    self.assertEqual(cm.exception.field_path, 'jobs[0].container.image')

  def test_jobs_forms(self):
    path = self.write('a.aurora', "jobs = SimpleTask('t', 'x')\n")
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, [])
    self.assertIn('must be a list', cm.exception.message)
    path = self.write('b.aurora', "jobs = [SimpleTask('t', 'x')]\n")
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(path, [])
    self.assertIn('jobs[0] is a Task, not a Job', cm.exception.message)
    path = self.write('c.aurora', "jobs = [{'cluster': 'c', 'role': 'r', 'environment': 'e',"
                                  " 'task': {'processes': [{'name': 'p', 'cmdline': 'x'}],"
                                  " 'resources': {'cpu': 1, 'ram': 1, 'disk': 1}}}]\n")
    self.assertEqual(json.loads(evaluate(path, []))['jobs'][0]['name'], 'p')

  def test_client_side_rules(self):
    cases = [
        ("resources=Resources(cpu=0, ram=MB, disk=MB)", 'task.resources.cpu'),
        ("resources=Resources(cpu=1, ram=0, disk=MB)", 'task.resources.ram'),
        ("name='.hidden'", 'task.processes[0].name'),
        ("constraints=order('p', 'nope')", 'task.constraints[0].order'),
    ]
    for task_kw, field in cases:
      with self.subTest(field=field):
        kw = "resources=Resources(cpu=1, ram=MB, disk=MB)"
        proc_name = "'p'"
        if task_kw.startswith('name='):
          proc_name, task_kw = task_kw[5:], ''
        elif task_kw.startswith('resources='):
          kw, task_kw = task_kw, ''
        text = ("jobs = [Job(cluster='c', role='r', environment='devel', name='j', "
                "task=Task(processes=[Process(name=%s, cmdline='x')], %s%s))]\n" % (
                    proc_name, kw, (', ' + task_kw) if task_kw else ''))
        path = self.write('rules.aurora', text)
        with self.assertRaises(AuroraConfigError) as cm:
          evaluate(path, [])
        self.assertEqual(cm.exception.field_path, 'jobs[0].' + field)
    job_cases = [
        ("environment='bad env'", 'environment'),
        ("instances=2, update_config=UpdateConfig(max_total_failures=2)",
         'update_config.max_total_failures'),
        ("update_config=UpdateConfig(pulse_interval_secs=10)",
         'update_config.pulse_interval_secs'),
        ("update_config=UpdateConfig(batch_size=2, update_strategy=QueueUpdateStrategy())",
         'update_config.batch_size'),
        ("announce=Announcer(portmap={'http': '80'})", 'announce.portmap[http]'),
        ("announce=Announcer(portmap={'a': 'b', 'b': 'a'})", 'announce.portmap[a]'),
        ("cron_collision_policy='SOMETIMES'", 'cron_collision_policy'),
    ]
    for job_kw, field in job_cases:
      with self.subTest(field=field):
        kw = "environment='devel', " if 'environment' not in job_kw else ''
        path = self.write('rules.aurora', (
            "jobs = [Job(cluster='c', role='r', name='j', %s%s, "
            "task=SimpleTask('t', 'x'))]\n" % (kw, job_kw)))
        with self.assertRaises(AuroraConfigError) as cm:
          evaluate(path, [])
        self.assertEqual(cm.exception.field_path, 'jobs[0].' + field)

  def test_warnings(self):
    path = self.write('a.aurora', (
        "jobs = [Job(cluster='c', role='r', environment='devel', name='n', production=True,"
        " announce=Announcer(primary_port='web', portmap={}), task=SimpleTask('t', 'x'))]\n"))
    got = []
    aurora_loader.evaluate(path, [], warn=got.append)
    self.assertEqual(len(got), 2)
    self.assertIn("primary port 'web' is not used", got[0])
    self.assertIn("'production' is deprecated", got[1])
    got = []
    path = self.write('b.aurora', (
        "jobs = [Job(cluster='c', role='r', environment='devel', name='n', tier='preferred',"
        " announce=Announcer(portmap={'aurora': 'http', 'http': 'web'}),"
        " task=SimpleTask('t', 'x {{thermos.ports[web]}}'))]\n"))
    aurora_loader.evaluate(path, [], warn=got.append)
    self.assertEqual(got, [])

  def test_error_string_format(self):
    e = AuroraConfigError('boom', 'f.aurora', 3, 'jobs[0].name')
    self.assertEqual(str(e), 'f.aurora:3: jobs[0].name: boom')
    self.assertEqual(str(AuroraConfigError('boom')), 'boom')

  def test_unreadable_file(self):
    with self.assertRaises(AuroraConfigError) as cm:
      evaluate(os.path.join(self.dir, 'missing.aurora'), [])
    self.assertIn('cannot read config file', cm.exception.message)


if __name__ == '__main__':
  unittest.main()
