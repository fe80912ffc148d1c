"""The Aurora job schema for .aurora files: the Thermos structs (Process, Task,
Resources, Logger, Constraint; docs/aurora-compatibility.md), the Thermos helpers (order,
SequentialTask, SimpleTask, Tasks.combine/concat, Options; section 1.5) and the
job-level structs (Job/Service, UpdateConfig, HealthCheckConfig, Announcer,
containers, SLA policies, ...; section 1.6), with Aurora's field names, types and
defaults. Every public name here is pre-seeded into a config's namespace.

Written from the published schema facts, in our own code. One deliberate difference:
Tasks.combine/concat keep processes and constraints in first-seen order (Aurora
dedupes through a set, so its order is arbitrary). `TcpHealthChecker` is a Borealis
addition (the executor supports TCP checks).
"""

from functools import reduce

from pystachio_lite import (Boolean, Choice, Default, Empty, Enum, Float, Integer, List, Map,
                            Required, String, Struct)

AURORA_EXECUTOR_NAME = 'AuroraExecutor'

# Resource sizes, in bytes.
BYTES = 1
KB = 1024 * BYTES
MB = 1024 * KB
GB = 1024 * MB
TB = 1024 * GB


# ---------------------------------------------------------------------------------
# Thermos (process and task level).


class ThermosContext(Struct):
  ports = Map(String, Integer)
  task_id = String
  user = String


class Resources(Struct):
  cpu = Required(Float)
  ram = Required(Integer)
  disk = Required(Integer)
  gpu = Default(Integer, 0)


class Constraint(Struct):
  order = List(String)


class RotatePolicy(Struct):
  log_size = Default(Integer, 100 * MB)
  backups = Default(Integer, 5)


LoggerDestination = Enum('file', 'console', 'both', 'none')
LoggerMode = Enum('standard', 'rotate')


class Logger(Struct):
  destination = Default(LoggerDestination, LoggerDestination('file'))
  mode = Default(LoggerMode, LoggerMode('standard'))
  rotate = RotatePolicy


class Process(Struct):
  cmdline = Required(String)
  name = Required(String)
  resources = Resources  # reserved, unused
  max_failures = Default(Integer, 1)
  daemon = Default(Boolean, False)
  ephemeral = Default(Boolean, False)
  min_duration = Default(Integer, 5)
  final = Default(Boolean, False)
  logger = Default(Logger, Empty)


class Task(Struct):
  name = Default(String, '{{processes[0].name}}')
  processes = List(Process)
  constraints = Default(List(Constraint), [])
  resources = Resources
  max_failures = Default(Integer, 1)
  max_concurrency = Default(Integer, 0)
  finalization_wait = Default(Integer, 30)
  user = String


# ---------------------------------------------------------------------------------
# Thermos helpers.


def _unique(items):
  """Items without repeats, in first-seen order (Struct equality)."""
  out = []
  for item in items:
    if item not in out:
      out.append(item)
  return out


class Units(object):
  """Arithmetic over the units of Tasks and Processes."""

  @classmethod
  def safe_get(cls, unit):
    return 0 if unit is Empty else unit.get()

  @classmethod
  def optional_resources(cls, resources):
    return Resources() if resources is Empty else resources

  @classmethod
  def _combine(cls, pick, resources):
    def merge(a, b):
      return Resources(**dict((dim, pick(cls.safe_get(getattr(a, dim)()),
                                         cls.safe_get(getattr(b, dim)())))
                              for dim in ('cpu', 'ram', 'disk', 'gpu')))
    return reduce(merge, [cls.optional_resources(r) for r in resources],
                  Resources(cpu=0, ram=0, disk=0, gpu=0))

  @classmethod
  def resources_sum(cls, *resources):
    return cls._combine(lambda a, b: a + b, resources)

  @classmethod
  def resources_max(cls, resources):
    return cls._combine(max, resources)

  @classmethod
  def finalization_wait_sum(cls, waits):
    return sum(cls.safe_get(w) for w in waits)

  @classmethod
  def finalization_wait_max(cls, waits):
    return max([0] + [cls.safe_get(w) for w in waits])

  @classmethod
  def processes_merge(cls, tasks):
    return _unique(p for task in tasks for p in task.processes())

  @classmethod
  def constraints_merge(cls, tasks):
    return _unique(c for task in tasks for c in task.constraints())


class Processes(object):
  @classmethod
  def _process_name(cls, process):
    if isinstance(process, Process):
      return process.name()
    if isinstance(process, str):
      return process
    raise ValueError('order() takes Process objects or process names, not %r' % (process,))

  @classmethod
  def order(cls, *processes):
    """[Constraint(order=[names...])]: each process runs after its predecessor."""
    return [Constraint(order=[cls._process_name(p) for p in processes])]


class Tasks(object):
  SIMPLE_CPU = 1.0
  SIMPLE_RAM = 1 * GB
  SIMPLE_DISK = 1 * GB

  @classmethod
  def _combine_processes(cls, *tasks):
    # As in Aurora's code: the LAST task is the base (its name and other fields).
    return tasks[-1](processes=Units.processes_merge(tasks))

  @classmethod
  def combine(cls, *tasks, **kw):
    """One task running every process of `tasks` in parallel."""
    if not tasks:
      return Task()
    base = cls._combine_processes(*tasks)
    return base(resources=Units.resources_sum(*(t.resources() for t in tasks)),
                constraints=Units.constraints_merge(tasks),
                finalization_wait=Units.finalization_wait_max(
                    t.finalization_wait() for t in tasks),
                **kw)

  @classmethod
  def concat(cls, *tasks, **kw):
    """One task running the processes of each task after all those of the previous."""
    if not tasks:
      return Task()
    base = cls._combine_processes(*tasks)
    constraints = Units.constraints_merge(tasks)
    for before, after in zip(tasks[:-1], tasks[1:]):
      for p1 in before.processes():
        for p2 in after.processes():
          if p1 != p2:
            constraints.extend(Processes.order(p1, p2))
    return base(resources=Units.resources_max(t.resources() for t in tasks),
                constraints=constraints,
                finalization_wait=Units.finalization_wait_sum(
                    t.finalization_wait() for t in tasks),
                **kw)

  @classmethod
  def simple(cls, name, command):
    return Task(name=name, processes=[Process(name=name, cmdline=command)],
                resources=Resources(cpu=cls.SIMPLE_CPU, ram=cls.SIMPLE_RAM,
                                    disk=cls.SIMPLE_DISK))

  @classmethod
  def sequential(cls, task):
    if task.constraints() is Empty or task.constraints() == List(Constraint)([]):
      if task.processes() is Empty:
        return task()
      return task(constraints=order(*task.processes()))
    raise ValueError('Cannot turn a Task with existing constraints into a SequentialTask!')


class Options(object):
  """Command-line rendering: Options.java(...) and Options.python(...)."""

  @classmethod
  def render_option(cls, short_prefix, long_prefix, option, value=None):
    flag = '%s%s' % (short_prefix if len(option) == 1 else long_prefix, option)
    return '%s %s' % (flag, value) if value else flag

  @classmethod
  def render_options(cls, short_prefix, long_prefix, *options, **kw_options):
    out = []
    for option in options:
      if isinstance(option, str):
        out.append(cls.render_option(short_prefix, long_prefix, option))
      elif isinstance(option, dict):
        for name, value in option.items():
          out.append(cls.render_option(short_prefix, long_prefix, name, value))
      else:
        raise ValueError('options are strings or dicts, not %r' % (option,))
    for name, value in kw_options.items():
      out.append(cls.render_option(short_prefix, long_prefix, name, value))
    return out

  @classmethod
  def java(cls, *options, **kw_options):
    return ' '.join(cls.render_options('-', '-', *options, **kw_options))

  @classmethod
  def python(cls, *options, **kw_options):
    return ' '.join(cls.render_options('-', '--', *options, **kw_options))


def SimpleTask(name, command):
  return Tasks.simple(name, command)


def SequentialTask(*args, **kw):
  return Tasks.sequential(Task(*args, **kw))


python_options = Options.python
java_options = Options.java
combine_tasks = Tasks.combine
concat_tasks = Tasks.concat
order = Processes.order


# ---------------------------------------------------------------------------------
# Aurora (job level).


class MesosContext(Struct):
  instance = Required(Integer)
  hostname = Required(String)


class QueueUpdateStrategy(Struct):
  batch_size = Default(Integer, 1)


class BatchUpdateStrategy(Struct):
  batch_size = Default(Integer, 1)
  autopause_after_batch = Default(Boolean, False)


class VariableBatchUpdateStrategy(Struct):
  batch_sizes = Required(List(Integer))
  autopause_after_batch = Default(Boolean, False)


class UpdateConfig(Struct):
  batch_size = Default(Integer, 1)
  watch_secs = Default(Integer, 45)
  max_per_shard_failures = Default(Integer, 0)
  max_total_failures = Default(Integer, 0)
  rollback_on_failure = Default(Boolean, True)
  wait_for_batch_completion = Default(Boolean, False)
  pulse_interval_secs = Integer
  sla_aware = Default(Boolean, False)
  update_strategy = Choice([QueueUpdateStrategy, BatchUpdateStrategy,
                            VariableBatchUpdateStrategy])


class HttpHealthChecker(Struct):
  endpoint = Default(String, '/health')
  expected_response = Default(String, 'ok')
  expected_response_code = Default(Integer, 0)


class ShellHealthChecker(Struct):
  shell_command = Required(String)


class TcpHealthChecker(Struct):
  """Borealis addition: healthy when the `health` port accepts a connection."""


class HealthCheckerConfig(Struct):
  http = HttpHealthChecker
  shell = ShellHealthChecker
  tcp = TcpHealthChecker


DefaultHealthChecker = HealthCheckerConfig(http=HttpHealthChecker())


class HealthCheckConfig(Struct):
  health_checker = Default(HealthCheckerConfig, DefaultHealthChecker)
  initial_interval_secs = Default(Float, 15.0)
  interval_secs = Default(Float, 10.0)
  max_consecutive_failures = Default(Integer, 0)
  min_consecutive_successes = Default(Integer, 1)
  timeout_secs = Default(Float, 1.0)


class HttpLifecycleConfig(Struct):
  port = Default(String, 'health')
  graceful_shutdown_endpoint = Default(String, '/quitquitquit')
  shutdown_endpoint = Default(String, '/abortabortabort')
  graceful_shutdown_wait_secs = Default(Integer, 5)
  shutdown_wait_secs = Default(Integer, 5)


class LifecycleConfig(Struct):
  http = HttpLifecycleConfig


DisableLifecycle = LifecycleConfig()
DefaultLifecycleConfig = LifecycleConfig(http=HttpLifecycleConfig())


class Announcer(Struct):
  primary_port = Default(String, 'http')
  # Values alias another port name or give a static port number.
  portmap = Default(Map(String, String), {'aurora': '{{primary_port}}'})
  zk_path = String


class MesosTaskInstance(Struct):
  task = Required(Task)
  instance = Required(Integer)
  role = Required(String)
  announce = Announcer
  environment = Required(String)
  health_check_config = Default(HealthCheckConfig, HealthCheckConfig())
  lifecycle = LifecycleConfig


class Parameter(Struct):
  name = Required(String)
  value = Required(String)


class Docker(Struct):
  image = Required(String)
  parameters = Default(List(Parameter), [])


class AppcImage(Struct):
  name = Required(String)
  image_id = Required(String)


class DockerImage(Struct):
  name = Required(String)
  tag = Required(String)


Mode = Enum('RO', 'RW')


class Volume(Struct):
  container_path = Required(String)
  host_path = Required(String)
  mode = Required(Mode)


class Mesos(Struct):
  image = Choice([AppcImage, DockerImage])
  volumes = Default(List(Volume), [])


class Container(Struct):
  docker = Docker  # deprecated wrapper; give Docker(...) directly


class PartitionPolicy(Struct):
  reschedule = Default(Boolean, True)
  delay_secs = Default(Integer, 0)


class Metadata(Struct):
  key = Required(String)
  value = Required(String)


class ExecutorConfig(Struct):
  name = Default(String, AURORA_EXECUTOR_NAME)
  data = Default(String, '')


class PercentageSlaPolicy(Struct):
  percentage = Required(Float)
  duration_secs = Required(Integer)


class CountSlaPolicy(Struct):
  count = Required(Integer)
  duration_secs = Required(Integer)


class CoordinatorSlaPolicy(Struct):
  coordinator_url = Required(String)
  status_key = Default(String, 'drain')


class MesosJob(Struct):
  name = Default(String, '{{task.name}}')
  role = Required(String)
  contact = String
  cluster = Required(String)
  environment = Required(String)
  instances = Default(Integer, 1)
  task = Required(Task)
  announce = Announcer
  tier = String
  cron_schedule = String
  cron_collision_policy = Default(String, 'KILL_EXISTING')
  update_config = Default(UpdateConfig, UpdateConfig())
  constraints = Map(String, String)
  metadata = Default(List(Metadata), [])
  service = Default(Boolean, False)
  max_task_failures = Default(Integer, 1)
  production = Default(Boolean, False)
  priority = Default(Integer, 0)
  health_check_config = Default(HealthCheckConfig, HealthCheckConfig())
  lifecycle = Default(LifecycleConfig, DefaultLifecycleConfig)
  task_links = Map(String, String)  # unsupported, as in Aurora
  executor_config = Default(ExecutorConfig, ExecutorConfig())
  enable_hooks = Default(Boolean, False)
  partition_policy = PartitionPolicy
  sla_policy = Choice([CoordinatorSlaPolicy, CountSlaPolicy, PercentageSlaPolicy])
  container = Choice([Container, Docker, Mesos])


Job = MesosJob
Service = Job(service=True)
