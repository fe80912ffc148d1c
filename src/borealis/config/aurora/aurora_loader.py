"""Evaluates an .aurora file the way Aurora's client does (docs/aurora-compatibility.md) and
returns its jobs as JSON.

Entry points (called by the CLI, which embeds CPython):
  evaluate(path, binds, job_key=None) -> '{"jobs": [<job>, ...]}'
  list_jobs(path, binds) -> ['cluster/role/env/name', ...]
  list_json_jobs(path, binds) -> the same for a JSON job file (--read-json)
All raise AuroraConfigError(message, file, line, field_path) on any problem.

A config runs as plain Python in a fresh namespace holding every public name of the
schema (no imports needed) and `include(path)`, which runs another file, relative to
the including one, in the same namespace. The client reads `jobs`. Each job gets the
--bind values (name=value, dotted names allowed; the last one given wins), then
{{mesos.role}}, {{mesos.cluster}} and {{thermos.user}} are rewritten to {{role}},
{{cluster}} and {{role}}. The job is checked (types, required fields, task plan,
update and announcer rules) and interpolated; only {{thermos.task_id}},
{{thermos.ports[NAME]}}, {{mesos.instance}} and {{mesos.hostname}} may remain, and
{{&x}} escapes are kept as written for the executor. Each <job> is the fully
defaulted job as Aurora's `job.json_dumps()` gives it (Pystachio field names).

Every call starts from scratch: nothing is cached between calls, and the only global
state touched (the set of files whose lines are remembered) is restored on return.
Calls must come from one thread at a time (the CLI makes one call per command).
"""

import json
import math
import os
import re
import sys
import traceback

import aurora_schema
import pystachio_lite
from pystachio_lite import Empty, Environment, MustacheParser, Namable, Ref, Struct

__all__ = ('AuroraConfigError', 'evaluate', 'list_jobs', 'list_json_jobs')


class AuroraConfigError(Exception):
  """A config problem: one sentence, plus where (file, line) and which field when known."""

  def __init__(self, message, file=None, line=None, field_path=None):
    Exception.__init__(self, message)
    self.message = message
    self.file = file
    self.line = line
    self.field_path = field_path

  def __str__(self):
    where = ''
    if self.file:
      where = self.file + (':%d' % self.line if self.line else '') + ': '
    field = (self.field_path + ': ') if self.field_path else ''
    return where + field + self.message


# ---------------------------------------------------------------------------------
# Running the file.


def _schema_namespace():
  names = {}
  for name in pystachio_lite.__all__:
    names[name] = getattr(pystachio_lite, name)
  for name, value in vars(aurora_schema).items():
    if not name.startswith('_') and name != 'reduce':
      names[name] = value
  return names


class _Run(object):
  """One evaluation: the namespace and the stack of files being executed."""

  def __init__(self, path):
    self.root = path
    self.stack = []
    self.files = set()
    self.namespace = _schema_namespace()
    self.namespace['__builtins__'] = __builtins__
    self.namespace['__name__'] = '__aurora_config__'
    self.namespace['include'] = self.include

  def include(self, path):
    if not isinstance(path, str):
      raise TypeError('include() takes a file path, not %r' % (path,))
    base = os.path.dirname(self.stack[-1]) if self.stack else ''
    self.execute(os.path.join(base, path))

  def execute(self, path):
    try:
      with open(path, encoding='utf-8') as f:
        source = f.read()
    except (OSError, UnicodeDecodeError) as e:
      reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
      raise _CannotRead('cannot read config file %s: %s' % (path, reason))
    code = compile(source, path, 'exec')
    self.files.add(path)
    pystachio_lite._Origin.files.add(path)
    self.stack.append(path)
    try:
      exec(code, self.namespace, self.namespace)
    finally:
      self.stack.pop()


class _CannotRead(Exception):
  pass


def _innermost_user_frame(tb, files):
  found = None
  for frame, line in traceback.walk_tb(tb):
    if frame.f_code.co_filename in files:
      found = (frame.f_code.co_filename, line)
  return found


def _exception_message(e):
  if isinstance(e, AttributeError) and ' has no field ' in str(e):
    return str(e)
  text = str(e) or e.__class__.__name__
  return '%s: %s' % (e.__class__.__name__, text) if str(e) else text


def _unknown_field_path(e):
  match = re.match(r"(\w+) has no field '(\w+)'", str(e))
  return '%s.%s' % match.groups() if match else None


def _load(path):
  """Runs the config; returns its namespace."""
  run = _Run(path)
  saved = set(pystachio_lite._Origin.files)
  try:
    run.execute(path)
  except _CannotRead as e:
    where = _innermost_user_frame(e.__traceback__, run.files) or (path, None)
    raise AuroraConfigError(str(e), where[0], where[1])
  except SyntaxError as e:
    text = e.msg or 'invalid syntax'
    raise AuroraConfigError('syntax error: %s' % text, e.filename or path, e.lineno)
  except RecursionError as e:
    where = _innermost_user_frame(e.__traceback__, run.files) or (path, None)
    raise AuroraConfigError('include() or code recursion too deep', where[0], where[1])
  except Exception as e:
    where = _innermost_user_frame(e.__traceback__, run.files) or (path, None)
    raise AuroraConfigError(_exception_message(e), where[0], where[1], _unknown_field_path(e))
  finally:
    pystachio_lite._Origin.files = saved
  return run


# ---------------------------------------------------------------------------------
# Jobs and bindings.


def _parse_binds(binds):
  scopes = []
  for bind in binds or ():
    name, sep, value = bind.partition('=')
    if not sep:
      raise AuroraConfigError("--bind '%s' is not of the form name=value" % bind)
    try:
      ref = Ref.from_address(name)
    except Ref.InvalidRefError:
      raise AuroraConfigError("--bind '%s': '%s' is not a valid variable name" % (bind, name))
    scopes.append({ref: value})
  return scopes


_STANDARD_BINDINGS = {
    Ref.from_address('mesos.role'): '{{role}}',
    Ref.from_address('mesos.cluster'): '{{cluster}}',
    Ref.from_address('thermos.user'): '{{role}}',
}


def _jobs(run):
  jobs = run.namespace.get('jobs')
  if jobs is None or (isinstance(jobs, (list, tuple)) and not jobs):
    raise AuroraConfigError('no job defined: the config must set jobs = [Job(...), ...]',
                            run.root)
  if not isinstance(jobs, (list, tuple)):
    raise AuroraConfigError('jobs must be a list of Job objects, not %s' % _kind(jobs),
                            run.root, None, 'jobs')
  out = []
  for i, job in enumerate(jobs):
    if isinstance(job, dict):
      try:
        job = aurora_schema.Job(job)
      except (AttributeError, ValueError, TypeError) as e:
        raise AuroraConfigError(str(e), run.root, None, 'jobs[%d]' % i)
    if not isinstance(job, aurora_schema.MesosJob):
      raise AuroraConfigError('jobs[%d] is %s, not a Job' % (i, _kind(job)), run.root, None,
                              'jobs[%d]' % i)
    out.append(job)
  return out


def _kind(value):
  name = type(value).__name__
  return 'an %s' % name if name[:1].lower() in 'aeiou' else 'a %s' % name


def _bind(job, scopes):
  if scopes:
    job = job.bind(*scopes)
  return job.bind(_STANDARD_BINDINGS)


def _text(job, attr):
  value = getattr(job, attr)()
  if value is Empty:
    return '{MISSING}'
  try:
    return str(value)
  except (ValueError, Ref.InvalidRefError, MustacheParser.Error):
    return value.get() if isinstance(value.get(), str) else '{INVALID}'


def _key(job):
  return '/'.join(_text(job, a) for a in ('cluster', 'role', 'environment', 'name'))


# ---------------------------------------------------------------------------------
# Checks.


class _MachineScope(Namable):
  """Stands in for what the executor binds at run time, to prove nothing else is left
  unbound (the same trick Aurora's client uses)."""

  def find(self, ref):
    parts = ref.components()
    names = tuple(value for _, value in parts)
    if names in (('mesos', 'instance'),):
      return '31337'
    if names in (('mesos', 'hostname'), ('thermos', 'task_id')):
      return 'dummy'
    if (len(parts) == 3 and names[:2] == ('thermos', 'ports') and parts[2][0] == '['):
      return '31337'
    raise Namable.NotFound(str(ref))


def _fail(message, job, path, field):
  origin = _origin_at(job, field)
  raise AuroraConfigError(message, origin[0] if origin else None,
                          origin[1] if origin else None, path + ('.' + field if field else ''))


def _origin_at(obj, field):
  """The (file, line) of the innermost struct along `field` ("task.processes[1].name")."""
  origin = getattr(obj, '_origin', None)
  for kind, name in Ref.from_address(field).components() if field else ():
    if isinstance(obj, Struct):
      obj = obj._schema_data.get(name, Empty) if kind == '.' else Empty
    elif isinstance(obj, pystachio_lite.ListContainer) and kind == '[' and name.isdigit():
      obj = obj._values[int(name)] if int(name) < len(obj._values) else Empty
    elif isinstance(obj, pystachio_lite.MapContainer):
      obj = Empty
    elif isinstance(obj, pystachio_lite.ChoiceContainer):
      obj = obj._value
    else:
      obj = Empty
    if isinstance(obj, pystachio_lite.ChoiceContainer):
      obj = obj._value
    if obj is Empty:
      break
    origin = getattr(obj, '_origin', None) or origin
  return origin


def _check_types(job, path):
  try:
    result = job.bind(_MachineScope()).check()
  except (Ref.InvalidRefError, MustacheParser.Error) as e:
    return _fail(str(e), job, path, None)
  if not result.ok():
    origin = result.origin or getattr(job, '_origin', None)
    raise AuroraConfigError(result.reason, origin[0] if origin else None,
                            origin[1] if origin else None,
                            path + ('.' + result.path if result.path else ''))


def _unbound_fields(obj, field, out):
  """Collects (field, refs) for every string still holding a template."""
  if isinstance(obj, Struct):
    for name in sorted(obj._schema_data):
      value = obj._schema_data[name]
      if value is not Empty:
        _unbound_fields(value, (field + '.' + name) if field else name, out)
  elif isinstance(obj, pystachio_lite.ListContainer):
    for i, value in enumerate(obj._values):
      _unbound_fields(value, '%s[%d]' % (field, i), out)
  elif isinstance(obj, pystachio_lite.MapContainer):
    for key, value in obj._map:
      _unbound_fields(key, '%s[%s]' % (field, key.get()), out)
      _unbound_fields(value, '%s[%s]' % (field, key.get()), out)
  elif isinstance(obj, pystachio_lite.ChoiceContainer):
    _unbound_fields(obj.unwrap(), field, out)
  elif isinstance(obj.get(), str):
    refs = MustacheParser.refs(obj.get())
    if refs:
      out.append((field, refs))


def _check_bound(job, path, interpolated, refs):
  """`interpolated, refs` is the job interpolated with _MachineScope bound."""
  if not refs:
    return
  found = []
  _unbound_fields(interpolated, '', found)
  field, field_refs = found[0] if found else (None, refs)
  names = ' '.join(sorted(set(str(r) for r in field_refs)))
  if any(r.components()[:2] == (('.', 'docker'), ('.', 'image')) for r in field_refs):
    _fail('%s: resolving Docker image tags through the cluster\'s registry is not supported '
          'yet; give the image as NAME:TAG' % names, job, path, field)
  _fail('unbound template %s: bind it in the config or with --bind name=value (only '
        '{{thermos.task_id}}, {{thermos.ports[NAME]}}, {{mesos.instance}} and '
        '{{mesos.hostname}} may stay unbound, and templates may not be nested)' % names,
        job, path, field)


_PROCESS_NAME = re.compile(r'^[^./][^/]*$')
_KEY_PART = re.compile(r'^[\w\-\.]+$')


def _check_task(job, task, path):
  if not task.has_processes() or not task.processes().get():
    _fail('a task needs at least one process', job, path, 'task.processes')
  processes = {}
  for i, process in enumerate(task.processes()):
    name = process.name().get()
    if not _PROCESS_NAME.match(name):
      _fail("invalid process name '%s' (must be non-empty, without '/', not starting with "
            "'.')" % name, job, path, 'task.processes[%d].name' % i)
    if name in processes:
      _fail("duplicate process name '%s'" % name, job, path, 'task.processes[%d].name' % i)
    processes[name] = process
  constraints = task.constraints() if task.has_constraints() else []
  for final in (False, True):
    deps = {}
    subset = set(n for n, p in processes.items() if p.final().get() is final)
    for c, constraint in enumerate(constraints):
      field = 'task.constraints[%d].order' % c
      names = list(constraint.order().get()) if constraint.has_order() else []
      for name in names:
        if name not in processes:
          _fail("order names unknown process '%s'" % name, job, path, field)
      inside = set(names) & subset
      if not inside:
        if not names:
          _fail('an order constraint needs at least one process', job, path, field)
        continue
      if inside != set(names):
        _fail('an order constraint may not mix final and regular processes', job, path, field)
      for before, after in zip(names, names[1:]):
        if processes[before].daemon().get():
          _fail("process '%s' may not depend on daemon process '%s'" % (after, before),
                job, path, field)
        if processes[before].ephemeral().get() and not processes[after].ephemeral().get():
          _fail("non-ephemeral process '%s' may not depend on ephemeral process '%s'" % (
              after, before), job, path, field)
        deps.setdefault(after, set()).add(before)
    cycle = _find_cycle(deps)
    if cycle:
      _fail('order constraints form a cycle: %s' % ' -> '.join(cycle), job, path,
            'task.constraints')


def _find_cycle(deps):
  state = {}

  def visit(node, stack):
    state[node] = 1
    stack.append(node)
    for dep in sorted(deps.get(node, ())):
      if state.get(dep) == 1:
        loop = stack[stack.index(dep):] + [dep]
        return list(reversed(loop))
      if not state.get(dep):
        found = visit(dep, stack)
        if found:
          return found
    stack.pop()
    state[node] = 2
    return None

  for node in sorted(deps):
    if not state.get(node):
      found = visit(node, [])
      if found:
        return found
  return None


def _check_resources(job, task, path):
  if not task.has_resources():
    _fail('the task must specify resources (cpu, ram, disk)', job, path, 'task.resources')
  resources = task.resources()
  for dim, least in (('cpu', 'a positive number'), ('ram', 'a positive number of bytes'),
                     ('disk', 'a positive number of bytes')):
    if getattr(resources, dim)().get() <= 0:
      _fail('must be %s' % least, job, path, 'task.resources.' + dim)
  if resources.gpu().get() < 0:
    _fail('must not be negative', job, path, 'task.resources.gpu')


def _check_job(job, interpolated, path):
  for attr in ('role', 'environment', 'name'):
    value = getattr(interpolated, attr)().get()
    if not _KEY_PART.match(value):
      _fail("'%s' is not a valid %s (letters, digits, '_', '-', '.')" % (value, attr), job,
            path, attr)
  instances = interpolated.instances().get()
  if instances < 1:
    _fail('must be at least 1', job, path, 'instances')
  policy = interpolated.cron_collision_policy().get()
  if policy.upper() not in ('KILL_EXISTING', 'CANCEL_NEW', 'RUN_OVERLAP'):
    _fail("'%s' is not a cron collision policy (KILL_EXISTING, CANCEL_NEW)" % policy, job,
          path, 'cron_collision_policy')
  _check_update(job, interpolated, path, instances)
  _check_announce(job, interpolated, path)


def _check_update(job, interpolated, path, instances):
  update = interpolated.update_config()
  health = interpolated.health_check_config()
  failures = update.max_total_failures().get()
  if failures >= instances:
    _fail('must be less than the number of instances (%d)' % instances, job, path,
          'update_config.max_total_failures')
  dedicated = interpolated.has_constraints() and 'dedicated' in interpolated.constraints()
  if dedicated and failures < int(math.floor(instances * 0.02)):
    _fail('a dedicated job must allow at least 2%% of its instances to fail (%d)' %
          int(math.floor(instances * 0.02)), job, path, 'update_config.max_total_failures')
  if update.batch_size().get() <= 0:
    _fail('must be positive', job, path, 'update_config.batch_size')
  for struct, prefix, attr in ((update, 'update_config', 'watch_secs'),
                               (health, 'health_check_config', 'max_consecutive_failures'),
                               (health, 'health_check_config', 'min_consecutive_successes'),
                               (health, 'health_check_config', 'initial_interval_secs'),
                               (health, 'health_check_config', 'interval_secs')):
    if getattr(struct, attr)().get() < 0:
      _fail('must not be negative', job, path, '%s.%s' % (prefix, attr))
  if update.has_pulse_interval_secs() and update.pulse_interval_secs().get() < 60:
    _fail('must be at least 60 seconds', job, path, 'update_config.pulse_interval_secs')
  if update.has_update_strategy():
    if update.wait_for_batch_completion().get():
      _fail('wait_for_batch_completion may not be combined with update_strategy', job, path,
            'update_config.wait_for_batch_completion')
    if update.batch_size().get() > 1:
      _fail('batch_size may not be combined with update_strategy (set the strategy\'s own '
            'batch size)', job, path, 'update_config.batch_size')


def _check_announce(job, interpolated, path):
  if not interpolated.has_announce():
    return
  portmap = dict(interpolated.announce().portmap().get())
  for name in sorted(portmap):
    seen, root = set(), name
    while root in portmap:
      if root in seen:
        _fail("port aliases form a cycle through '%s'" % name, job, path,
              'announce.portmap[%s]' % name)
      seen.add(root)
      root = portmap[root]
  dedicated = interpolated.has_constraints() and 'dedicated' in interpolated.constraints()
  for name in sorted(portmap):
    if portmap[name].isdigit() and not dedicated:
      _fail('a static port needs a dedicated constraint on the job', job, path,
            'announce.portmap[%s]' % name)


def _check(job, path):
  """Every client-side check of docs/aurora-compatibility.md, first problem raised."""
  for attr in ('cluster', 'role', 'task'):
    if not getattr(job, 'has_' + attr)():
      _fail('required field missing (Job.%s)' % attr, job, path, attr)
  _check_types(job, path)
  with pystachio_lite.keep_escapes():
    interpolated, refs = job.bind(_MachineScope()).interpolate()
  _check_task(job, interpolated.task(), path)
  _check_bound(job, path, interpolated, refs)
  _check_resources(job, interpolated.task(), path)
  _check_job(job, interpolated, path)


# ---------------------------------------------------------------------------------
# Entry points.


def _to_plain(value):
  if isinstance(value, dict):
    return dict((k, _to_plain(v)) for k, v in value.items())
  if isinstance(value, (list, tuple)):
    return [_to_plain(v) for v in value]
  return value


def _port_names(refs):
  """NAME of every {{thermos.ports[NAME]}} among `refs`."""
  names = set()
  for ref in refs:
    parts = ref.components()
    if len(parts) == 3 and parts[:2] == (('.', 'thermos'), ('.', 'ports')):
      names.add(parts[2][1])
  return names


def _warnings(job, interpolated, refs, path):
  """Aurora's client-side warnings (they do not stop the job)."""
  out = []
  if interpolated.has_announce():
    announce = interpolated.announce()
    primary = announce.primary_port().get()
    portmap = dict(announce.portmap().get())
    resolved = {}
    for name in portmap:
      root = name
      while root in portmap and portmap[root] != root and len(resolved) < 1000:
        root = portmap[root]
        if root == name:
          break
      resolved[name] = root
    ports = set(v for v in resolved.values() if not v.isdigit())
    ports |= set(resolved.get(p, p) for p in _port_names(refs))
    if primary not in ports and primary not in portmap:
      out.append("%s.announce: the primary port '%s' is not used by any process; listen on "
                 "{{thermos.ports[%s]}}" % (path, primary, primary))
  if interpolated.production().get() and not interpolated.has_tier():
    out.append("%s.production: 'production' is deprecated; set 'tier' instead" % path)
  return out


def _evaluate_job(job, path, warn):
  try:
    _check(job, path)
    with pystachio_lite.keep_escapes():
      interpolated, refs = job.interpolate()
      for message in _warnings(job, interpolated, refs, path):
        warn(message)
      return _to_plain(interpolated.get())
  except AuroraConfigError:
    raise
  except Exception as e:  # anything else the schema code raised: still one clear error
    origin = getattr(job, '_origin', None)
    message = ('templates nest too deeply' if isinstance(e, RecursionError)
               else _exception_message(e))
    raise AuroraConfigError(message, origin[0] if origin else None,
                            origin[1] if origin else None, path)


def _warn_to_stderr(message):
  sys.stderr.write('warning: %s\n' % message)


def evaluate(path, binds=(), job_key=None, warn=None):
  """Runs the config at `path` and returns '{"jobs": [...]}' (see the module docstring).
  With `job_key` ("cluster/role/env/name"), only the jobs with that key are checked and
  returned (possibly none); the others are not checked, as in Aurora, where only the
  selected job is. Warnings (one sentence each) go to `warn`, by default to stderr."""
  warn = warn or _warn_to_stderr
  run = _load(path)
  scopes = _parse_binds(binds)
  out = []
  for i, job in enumerate(_jobs(run)):
    bound = _bind(job, scopes)
    if job_key is not None and _key(bound) != job_key:
      continue
    job_path = 'jobs[%d]' % i
    result = _evaluate_job(bound, job_path, warn)
    try:
      json.dumps(result, allow_nan=False)
    except ValueError:
      origin = getattr(job, '_origin', None) or (None, None)
      raise AuroraConfigError('a number is not finite (nan or infinity)', origin[0], origin[1],
                              job_path)
    out.append(result)
  return json.dumps({'jobs': out}, sort_keys=True)


def list_jobs(path, binds=()):
  """The keys ("cluster/role/env/name") of the jobs the config at `path` defines; [] when
  it defines none (as `aurora config list` prints jobs=[])."""
  run = _load(path)
  scopes = _parse_binds(binds)
  jobs = run.namespace.get('jobs')
  if jobs is None or (isinstance(jobs, (list, tuple)) and not jobs):
    return []
  try:
    return [_key(_bind(job, scopes)) for job in _jobs(run)]
  except (ValueError, TypeError, AttributeError, Namable.Error) as e:
    raise AuroraConfigError(_exception_message(e), path)


def list_json_jobs(path, binds=()):
  """The keys of the jobs a JSON job file defines (a Job object, or {"jobs": [...]}), read
  as Aurora's client reads --read-json files: each object becomes a Job, nothing is
  checked, and templates are resolved only as far as the bindings and the job's own
  fields go (an unbound one stays in the key as written)."""
  try:
    with open(path, encoding='utf-8') as f:
      parsed = json.load(f)
  except (OSError, UnicodeDecodeError) as e:
    reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    raise AuroraConfigError('cannot read config file %s: %s' % (path, reason))
  except ValueError as e:
    raise AuroraConfigError('not JSON: %s' % e, path)
  if isinstance(parsed, dict) and 'jobs' in parsed:
    jobs, field = parsed['jobs'], 'jobs'
  else:
    jobs, field = [parsed], None
  if not isinstance(jobs, list):
    raise AuroraConfigError('jobs must be a list of job objects, not %s' % _kind(jobs), path,
                            None, 'jobs')
  scopes = _parse_binds(binds)
  keys = []
  for i, value in enumerate(jobs):
    where = '%s[%d]' % (field, i) if field else None
    if not isinstance(value, dict):
      raise AuroraConfigError('a job must be a JSON object, not %s' % _kind(value), path, None,
                              where)
    try:
      keys.append(_key(_bind(aurora_schema.Job(value), scopes)))
    except (ValueError, TypeError, AttributeError, Namable.Error) as e:
      raise AuroraConfigError(_exception_message(e), path, None, where)
  return keys


def main(argv):
  """python3 aurora_loader.py FILE [name=value ...]: prints the jobs' JSON."""
  if len(argv) < 2:
    sys.stderr.write('usage: aurora_loader.py FILE [name=value ...]\n')
    return 2
  try:
    print(json.dumps(json.loads(evaluate(argv[1], argv[2:])), indent=2, sort_keys=True))
  except AuroraConfigError as e:
    sys.stderr.write('%s\n' % e)
    return 1
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv))
