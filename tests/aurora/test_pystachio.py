"""Semantics of pystachio_lite (docs/aurora-compatibility.md) and the schema helpers (1.5).

Run: PYTHONPATH=src/borealis/config/aurora python3 -m unittest discover -s tests/aurora
"""

import json
import unittest

import aurora_schema as s
from pystachio_lite import (Boolean, Choice, Default, Empty, Enum, Environment, Float, Integer,
                            List, Map, MustacheParser, Ref, Required, String, Struct,
                            keep_escapes)


class Person(Struct):
  first = Required(String)
  last = Default(String, 'smith')
  age = Integer
  email = Default(String, '{{first}}.{{last}}@example.com')


class BasicTypesTest(unittest.TestCase):

  def test_coercion(self):
    self.assertEqual(Integer('42').interpolate()[0].get(), 42)
    self.assertEqual(Float('1').interpolate()[0].get(), 1.0)
    self.assertEqual(String(5).interpolate()[0].get(), '5')
    for text, value in (('true', True), ('1', True), ('False', False), ('0', False)):
      self.assertEqual(Boolean(text).interpolate()[0].get(), value)
    self.assertFalse(Integer('abc').check().ok())
    self.assertIn('expected an integer', Integer('abc').check().message())
    self.assertFalse(Boolean('maybe').check().ok())
    self.assertFalse(String(['x']).check().ok())

  def test_templated_values_stay_uncoerced_until_bound(self):
    f = Float('{{x}}.5')
    self.assertFalse(f.check().ok())
    self.assertIn('unbound template {{x}}', f.check().message())
    self.assertEqual(f.bind(x=1).interpolate()[0].get(), 1.5)
    self.assertTrue(f.bind(x=1).check().ok())

  def test_enum(self):
    Color = Enum('red', 'green')
    self.assertTrue(Color('red').check().ok())
    with self.assertRaises(ValueError):
      Color('blue')
    self.assertTrue(Color('{{c}}').bind(c='green').check().ok())
    self.assertFalse(Color('{{c}}').bind(c='blue').check().ok())
    self.assertIs(Enum('red', 'green'), Color)


class MustacheTest(unittest.TestCase):

  def test_split_and_escape(self):
    parts = MustacheParser.split('a {{b}} {{&c}} d')
    self.assertEqual(parts, ['a ', Ref.from_address('b'), ' ', '{{c}}', ' d'])
    self.assertEqual(String('{{&x}}').interpolate()[0].get(), '{{x}}')
    with keep_escapes():
      self.assertEqual(String('{{&x}}').interpolate()[0].get(), '{{&x}}')

  def test_iterative_indirection(self):
    self.assertEqual(str(String('{{a{{n}}}}').bind(n=1, a1='one')), 'one')
    self.assertEqual(str(String('{{a}}').bind(a='{{b}}').bind(b='B')), 'B')

  def test_cycle_is_reported(self):
    check = String('{{a}}').bind(a='{{a}}').check()
    self.assertFalse(check.ok())
    self.assertIn('too many substitutions', check.message())

  def test_unbound_refs_are_returned(self):
    value, unbound = String('{{x}} {{y.z[3]}}').bind(x=1).interpolate()
    self.assertEqual(value.get(), '1 {{y.z[3]}}')
    self.assertEqual(unbound, [Ref.from_address('y.z[3]')])

  def test_ref_grammar(self):
    ref = Ref.from_address('a.b[3][k-1/x.y]')
    self.assertEqual(ref.address(), 'a.b[3][k-1/x.y]')
    for bad in ('', '3a', 'a b', 'a..b'):
      with self.assertRaises(Ref.InvalidRefError):
        Ref.from_address(bad)


class ScopesTest(unittest.TestCase):

  def test_bind_has_priority_over_in_scope(self):
    s1 = String('{{x}}').in_scope(x='low').bind(x='high')
    self.assertEqual(str(s1), 'high')
    s2 = String('{{x}}').bind(x='high').in_scope(x='low')
    self.assertEqual(str(s2), 'high')
    self.assertEqual(str(String('{{x}}').bind(x='a').bind(x='b')), 'b')
    self.assertEqual(str(String('{{x}}').bind({'x': 'a'}, {'x': 'b'})), 'b')

  def test_mod_binds_and_interpolates(self):
    self.assertEqual((String('{{x}}') % {'x': 3}).get(), '3')
    self.assertEqual((String('{{x}}') % Environment(x=4)).get(), '4')

  def test_struct_self_scope_beats_bindings(self):
    p = Person(first='jane')
    self.assertEqual(p.email().get(), 'jane.smith@example.com')
    # Binding does not set an attribute, and the attribute wins over the binding.
    self.assertEqual(Person(first='{{name}}').bind(name='al').first().get(), 'al')
    self.assertEqual(Person(first='jo', last='{{first}}').bind(first='x').last().get(), 'jo')
    self.assertEqual(Person(first='q', last='{{self.first}}').last().get(), 'q')

  def test_super_and_nested_lookup(self):
    class Inner(Struct):
      text = String

    class Outer(Struct):
      name = String
      inner = Inner
      items = List(String)
      table = Map(String, Integer)

    o = Outer(name='outer', inner=Inner(text='{{name}} {{items[1]}} {{table[k]}}'),
              items=['a', 'b'], table={'k': 7})
    self.assertEqual(o.inner().text().get(), 'outer b 7')
    sup = Inner(text='{{super.v}}').bind(v='up')
    self.assertEqual(sup.text().get(), 'up')

  def test_bind_struct_and_dotted_ref(self):
    class Profile(Struct):
      instances = Default(Integer, 1)

    t = String('{{profile.instances}}').bind(profile=Profile(instances=2))
    self.assertEqual(str(t), '2')
    self.assertEqual(str(t.bind({Ref.from_address('profile.instances'): '9'})), '9')
    self.assertEqual(str(String('{{a.b}}').bind(a={'b': 'nested'})), 'nested')

  def test_binding_values_must_be_simple(self):
    with self.assertRaises(ValueError):
      String('x').bind(x=[1, 2])


class StructTest(unittest.TestCase):

  def test_defaults_required_empty(self):
    p = Person(first='a')
    self.assertTrue(p.has_first())
    self.assertFalse(p.has_age())
    self.assertIs(p.age(), Empty)
    self.assertEqual(dict(p.get()), {'first': 'a', 'last': 'smith',
                                     'email': '{{first}}.{{last}}@example.com'})
    check = Person().check()
    self.assertFalse(check.ok())
    self.assertEqual(check.path, 'first')

  def test_call_copies(self):
    a = Person(first='a')
    b = a(last='b')
    self.assertEqual(a.last().get(), 'smith')
    self.assertEqual(b.last().get(), 'b')
    self.assertIs(b(last=Empty).last(), Empty)

  def test_unknown_attribute(self):
    with self.assertRaises(AttributeError) as cm:
      Person(frist='a')
    self.assertIn("did you mean 'first'", str(cm.exception))
    with self.assertRaises(AttributeError):
      Person(first='a').nope()

  def test_check_names_nested_field(self):
    task = s.Task(processes=[s.Process(name='a', cmdline='x'), s.Process(name='b')])
    check = task.check()
    self.assertFalse(check.ok())
    self.assertEqual(check.path, 'processes[1].cmdline')
    bad = s.Task(processes=[s.Process(name='a', cmdline='x', max_failures='x')])
    self.assertEqual(bad.check().path, 'processes[0].max_failures')

  def test_equality_and_hash(self):
    self.assertEqual(Person(first='a'), Person(first='a'))
    self.assertNotEqual(Person(first='a'), Person(first='b'))
    self.assertEqual(hash(Person(first='a')), hash(Person(first='a')))
    self.assertEqual(Person(first='{{x}}').bind(x='a'), Person(first='a'))

  def test_json_round_trip(self):
    p = Person(first='a', age=3)
    text = p.json_dumps()
    self.assertEqual(json.loads(text)['email'], 'a.smith@example.com')
    self.assertEqual(Person.json_loads(text), p(email='a.smith@example.com'))
    # Unknown keys are dropped unless strict.
    self.assertEqual(Person.json_loads('{"first": "a", "x": 1}').first().get(), 'a')
    with self.assertRaises(AttributeError):
      Person.json_loads('{"first": "a", "x": 1}', strict=True)

  def test_subclass_inherits_fields(self):
    class Employee(Person):
      badge = Required(Integer)

    e = Employee(first='a', badge=1)
    self.assertEqual(e.last().get(), 'smith')
    self.assertEqual(sorted(Employee.TYPEMAP), ['age', 'badge', 'email', 'first', 'last'])


class ContainersTest(unittest.TestCase):

  def test_list(self):
    L = List(Integer)
    self.assertIs(L, List(Integer))
    values = L([1, '2', '{{x}}']).bind(x=3)
    self.assertEqual([v.get() for v in values], [1, 2, 3])
    self.assertEqual(values[1].get(), 2)
    self.assertIn(3, values)
    self.assertEqual(len(values), 3)
    self.assertEqual(L([1]), L(['1']))
    self.assertEqual(L([1, 'x']).check().path, '[1]')

  def test_map(self):
    M = Map(String, Integer)
    m = M({'a': 1, 'b': '{{x}}'}).bind(x=2)
    self.assertEqual(dict(m.interpolate()[0].get()), {'a': 1, 'b': 2})
    self.assertEqual(m['b'].get(), 2)
    self.assertIn('a', m)
    self.assertEqual(sorted(k.get() for k in m), ['a', 'b'])
    self.assertEqual(M({'a': 'x'}).check().path, '[a]')

  def test_choice(self):
    C = Choice([Integer, String])
    self.assertEqual(C(5).get(), 5)
    self.assertEqual(C('x').get(), 'x')
    strategy = s.UpdateConfig(update_strategy={'batch_sizes': [1, 2]}).update_strategy()
    self.assertIsInstance(strategy.unwrap(), s.VariableBatchUpdateStrategy)
    container = s.Job(container={'image': 'busybox'}).container().unwrap()
    self.assertIsInstance(container, s.Docker)
    bad = s.Job(role='r', cluster='c', environment='e', task=s.SimpleTask('t', 'x'),
                sla_policy={'wrong': 1})
    self.assertFalse(bad.check().ok())
    self.assertEqual(bad.check().path, 'sla_policy')


class HelpersTest(unittest.TestCase):

  def setUp(self):
    self.a = s.Process(name='a', cmdline='a')
    self.b = s.Process(name='b', cmdline='b')
    self.c = s.Process(name='c', cmdline='c')
    self.t1 = s.Task(name='t1', processes=[self.a, self.b], finalization_wait=10,
                     resources=s.Resources(cpu=1, ram=s.MB, disk=3 * s.MB))
    self.t2 = s.Task(name='t2', processes=[self.b, self.c], finalization_wait=20,
                     resources=s.Resources(cpu=2, ram=2 * s.MB, disk=s.MB, gpu=1))

  def test_sizes(self):
    self.assertEqual((s.BYTES, s.KB, s.MB, s.GB, s.TB),
                     (1, 1024, 1024 ** 2, 1024 ** 3, 1024 ** 4))

  def test_order(self):
    self.assertEqual(s.order(self.a, 'b'), [s.Constraint(order=['a', 'b'])])
    with self.assertRaises(ValueError):
      s.order(3)

  def test_combine(self):
    t = s.Tasks.combine(self.t1, self.t2)
    self.assertEqual(t.name().get(), 't2')  # the last task is the base
    self.assertEqual([p.name().get() for p in t.processes()], ['a', 'b', 'c'])
    self.assertEqual(dict(t.resources().interpolate()[0].get()),
                     {'cpu': 3.0, 'ram': 3 * s.MB, 'disk': 4 * s.MB, 'gpu': 1})
    self.assertEqual(t.finalization_wait().get(), 20)
    self.assertEqual(t.constraints().get(), ())
    self.assertEqual(s.Tasks.combine(), s.Task())

  def test_concat(self):
    t = s.Tasks.concat(self.t1, self.t2, max_failures=3)
    self.assertEqual(t.name().get(), 't2')
    self.assertEqual([list(c.order().get()) for c in t.constraints()],
                     [['a', 'b'], ['a', 'c'], ['b', 'c']])
    self.assertEqual(dict(t.resources().interpolate()[0].get()),
                     {'cpu': 2.0, 'ram': 2 * s.MB, 'disk': 3 * s.MB, 'gpu': 1})
    self.assertEqual(t.finalization_wait().get(), 30)
    self.assertEqual(t.max_failures().get(), 3)

  def test_simple_and_sequential(self):
    t = s.SimpleTask('x', 'echo')
    self.assertEqual(dict(t.resources().interpolate()[0].get()),
                     {'cpu': 1.0, 'ram': s.GB, 'disk': s.GB, 'gpu': 0})
    seq = s.SequentialTask(processes=[self.a, self.b, self.c])
    self.assertEqual([list(c.order().get()) for c in seq.constraints()], [['a', 'b', 'c']])
    with self.assertRaises(ValueError):
      s.SequentialTask(processes=[self.a], constraints=s.order(self.a))

  def test_options(self):
    self.assertEqual(s.java_options('a', {'Xmx': '1g'}), '-a -Xmx 1g')
    self.assertEqual(s.python_options('v', {'port': 8}, q=1), '-v --port 8 -q 1')
    self.assertEqual(s.Options.java(long='x'), '-long x')

  def test_schema_defaults(self):
    job = s.Job(role='r', cluster='c', environment='devel',
                task=s.SimpleTask('t', 'echo')).interpolate()[0]
    self.assertEqual(job.name().get(), 't')
    self.assertEqual(job.update_config().watch_secs().get(), 45)
    self.assertEqual(job.health_check_config().interval_secs().get(), 10.0)
    self.assertEqual(job.lifecycle().http().port().get(), 'health')
    self.assertEqual(job.executor_config().name().get(), 'AuroraExecutor')
    self.assertFalse(job.has_announce())
    self.assertTrue(s.Service.service().get())
    announce = s.Announcer().interpolate()[0]
    self.assertEqual(dict(announce.portmap().get()), {'aurora': 'http'})
    self.assertEqual(s.RotatePolicy().log_size().get(), 100 * s.MB)
    self.assertEqual(s.Logger().get(), {'destination': 'file', 'mode': 'standard'})
    self.assertEqual(dict(s.PartitionPolicy().get()), {'reschedule': True, 'delay_secs': 0})
    self.assertEqual(s.CoordinatorSlaPolicy(coordinator_url='u').status_key().get(), 'drain')
    self.assertEqual(s.DisableLifecycle.get(), {})


if __name__ == '__main__':
  unittest.main()
