"""A small re-implementation of Pystachio, the typed-template library that .aurora
files are written in (docs/aurora-compatibility.md).

What it provides: typed values (String, Integer, Float, Boolean, Enum; defined in
pystachio_core.py and re-exported here), containers (List, Map, Choice), records
(Struct with Required/Default/Empty attributes), variable scopes (bind() prepends a
higher-priority scope, in_scope() appends a lower one, `%` binds and interpolates), lazy
and iterative {{mustache}} interpolation with {{&x}} escapes, `self`/`super` scopes,
check() that names the failing field, and JSON (json_dumps/json_loads).

Invariants: every value object is immutable; call-to-copy, bind() and in_scope()
return new objects. Interpolation happens on get(), check(), equality and
serialization, never at construction. Only the standard library and pystachio_core
are imported (by module name, so both can be loaded from strings).

Differences from Pystachio that a config can observe are listed in
docs/aurora-config.md (List has len(); Choice also tries the next alternative when a
mapping has fields the current one lacks; check() messages carry a field path).
"""

import json as _json
import sys as _sys
from collections.abc import Iterable as _Iterable, Mapping as _Mapping, Sequence as _Sequence

# Re-exported: configs and the schema import every type from this module.
from pystachio_core import (Boolean, Enum, EnumContainer, Environment, Float,  # noqa: F401
                            Integer, MustacheParser, Namable, Object, Ref, SimpleObject,
                            String, Type, TypeCheck, frozendict, keep_escapes)
from pystachio_core import _TYPE_CACHE, _Prefixed, _type_name

__all__ = (
    'Boolean', 'Choice', 'Default', 'Empty', 'Enum', 'Environment', 'Float', 'Integer',
    'List', 'Map', 'MustacheParser', 'Namable', 'Ref', 'Required', 'String', 'Struct',
    'Type', 'TypeCheck', 'TypeSignature',
)

# ---------------------------------------------------------------------------------
# Containers.


def _coerce(cls, value):
  return value if isinstance(value, cls) else cls(value)


class ListContainer(Object, Namable, Type):
  TYPE = None
  __slots__ = ('_values', '_scopes')

  def __init__(self, values):
    if not isinstance(values, _Sequence) or isinstance(values, str):
      if isinstance(values, ListContainer):
        values = values._values
      elif isinstance(values, (set, frozenset)) or hasattr(values, '__next__'):
        values = list(values)
      else:
        raise ValueError('%s expects a list, got %r' % (self.__class__.__name__, values))
    self._values = tuple(_coerce(self.TYPE, v) for v in values)
    Object.__init__(self)

  def get(self):
    return tuple(v.get() for v in self._values)

  def dup(self):
    return self.__class__(self._values)

  def __hash__(self):
    return hash(self.get())

  def __len__(self):
    return len(self._values)

  def __iter__(self):
    interpolated, _ = self.interpolate()
    return iter(interpolated._values)

  def __getitem__(self, index):
    interpolated, _ = self.interpolate()
    return interpolated._values[index]

  def __contains__(self, item):
    interpolated, _ = self.interpolate()
    if isinstance(item, self.TYPE):
      return item in interpolated._values
    return item in interpolated.get()

  def __add__(self, other):
    other_values = other._values if isinstance(other, ListContainer) else list(other)
    return self.__class__(list(self._values) + list(other_values))

  def __eq__(self, other):
    if not isinstance(other, ListContainer) or self.TYPE is not other.TYPE:
      return False
    a, _ = self.interpolate()
    b, _ = other.interpolate()
    return a._values == b._values

  def __repr__(self):
    interpolated, _ = self.interpolate()
    return '%s(%s)' % (self.__class__.__name__, ', '.join(repr(v) for v in
                                                          interpolated._values))

  def check(self):
    scopes = self.scopes()
    for i, element in enumerate(self._values):
      result = element.in_scope(*scopes).check()
      if not result.ok():
        return result.nested('[%d]' % i)
    return TypeCheck.success()

  def interpolate(self):
    unbound, out = set(), []
    scopes = self.scopes()
    for element in self._values:
      value, refs = element.in_scope(*scopes).interpolate()
      out.append(value)
      unbound.update(refs)
    return self.__class__(out), list(unbound)

  def find(self, ref):
    if not ref.is_index():
      raise Namable.NamingError('a list is indexed with [n], not %s' % ref)
    try:
      index = int(ref.action()[1])
    except ValueError:
      raise Namable.NamingError('list index %r is not an integer' % ref.action()[1])
    if index < 0 or index >= len(self._values):
      raise Namable.NotFound('index %d out of range' % index)
    found = self._values[index]
    if ref.rest().is_empty():
      return found.in_scope(*self.scopes())
    if not isinstance(found, Namable):
      raise Namable.Unnamable('%s cannot be dereferenced' % type(found).__name__)
    return found.in_scope(*self.scopes()).find(ref.rest())


def List(element):
  key = ('List', element)
  if key not in _TYPE_CACHE:
    _TYPE_CACHE[key] = type('%sList' % _type_name(element), (ListContainer,),
                            {'TYPE': element, '__slots__': ()})
  return _TYPE_CACHE[key]


class MapContainer(Object, Namable, Type):
  KEYTYPE = None
  VALUETYPE = None
  __slots__ = ('_map', '_scopes')

  def __init__(self, *args):
    if len(args) == 1 and isinstance(args[0], MapContainer):
      pairs = args[0]._map
    elif len(args) == 1 and isinstance(args[0], _Mapping):
      pairs = list(args[0].items())
    elif all(isinstance(a, _Iterable) and not isinstance(a, str) and len(a) == 2
             for a in args):
      pairs = args
    else:
      raise ValueError('%s expects a dict, got %r' % (self.__class__.__name__, args))
    self._map = tuple((_coerce(self.KEYTYPE, k), _coerce(self.VALUETYPE, v)) for k, v in pairs)
    Object.__init__(self)

  def get(self):
    return frozendict((k.get(), v.get()) for k, v in self._map)

  def dup(self):
    return self.__class__(*self._map)

  def __hash__(self):
    return hash(self.get())

  def __len__(self):
    return len(self._map)

  def __iter__(self):
    interpolated, _ = self.interpolate()
    return (k for k, _ in interpolated._map)

  def __getitem__(self, key):
    key = _coerce(self.KEYTYPE, key)
    interpolated, _ = self.interpolate()
    for k, v in interpolated._map:
      if k == key:
        return v
    raise KeyError(key)

  def __contains__(self, key):
    try:
      self[key]
      return True
    except (KeyError, ValueError):
      return False

  def __eq__(self, other):
    if not isinstance(other, MapContainer):
      return False
    if (self.KEYTYPE, self.VALUETYPE) != (other.KEYTYPE, other.VALUETYPE):
      return False
    a, _ = self.interpolate()
    b, _ = other.interpolate()
    return a._map == b._map

  def __repr__(self):
    interpolated, _ = self.interpolate()
    return '%s(%s)' % (self.__class__.__name__,
                       ', '.join('%s => %s' % (k, v) for k, v in interpolated._map))

  def check(self):
    scopes = self.scopes()
    for key, value in self._map:
      result = key.in_scope(*scopes).check()
      if not result.ok():
        return result.nested('[%s]' % key.get())
      result = value.in_scope(*scopes).check()
      if not result.ok():
        return result.nested('[%s]' % key.get())
    return TypeCheck.success()

  def interpolate(self):
    unbound, out = set(), []
    scopes = self.scopes()
    for key, value in self._map:
      k, krefs = key.in_scope(*scopes).interpolate()
      v, vrefs = value.in_scope(*scopes).interpolate()
      unbound.update(krefs)
      unbound.update(vrefs)
      out.append((k, v))
    return self.__class__(*out), list(unbound)

  def find(self, ref):
    if not ref.is_index():
      raise Namable.NamingError('a map is indexed with [key], not %s' % ref)
    wanted = self.KEYTYPE(ref.action()[1])
    scopes = self.scopes()
    for key, value in self._map:
      if key == wanted:
        if ref.rest().is_empty():
          return value.in_scope(*scopes)
        if not isinstance(value, Namable):
          raise Namable.Unnamable('%s cannot be dereferenced' % type(value).__name__)
        return value.in_scope(*scopes).find(ref.rest())
    raise Namable.NotFound('key %s not found' % ref.action()[1])


def Map(key_type, value_type):
  key = ('Map', key_type, value_type)
  if key not in _TYPE_CACHE:
    _TYPE_CACHE[key] = type('%s%sMap' % (_type_name(key_type), _type_name(value_type)),
                            (MapContainer,),
                            {'KEYTYPE': key_type, 'VALUETYPE': value_type, '__slots__': ()})
  return _TYPE_CACHE[key]


class ChoiceContainer(Object, Type):
  """A value of one of several types, decided when it is interpolated or checked."""
  CHOICES = ()
  __slots__ = ('_value', '_scopes')

  def __init__(self, value):
    if isinstance(value, ChoiceContainer):
      value = value._value
    self._value = value
    Object.__init__(self)

  def dup(self):
    return self.__class__(self._value)

  def _candidates(self):
    """(alternative, converted value or exception) in order."""
    for alternative in self.CHOICES:
      if isinstance(self._value, alternative):
        yield alternative, self._value
        return
    for alternative in self.CHOICES:
      if isinstance(self._value, Object) and not isinstance(self._value, SimpleObject):
        continue
      try:
        yield alternative, alternative(self._value)
      except (Object.CoercionError, ValueError, AttributeError, TypeError) as e:
        yield alternative, e

  def interpolate(self):
    for _, value in self._candidates():
      if isinstance(value, Exception):
        continue
      try:
        return value.in_scope(*self.scopes()).interpolate()
      except (Object.CoercionError, ValueError):
        continue
    raise Object.CoercionError(self._value, self.__class__)

  def unwrap(self):
    return self.interpolate()[0]

  def get(self):
    return self.unwrap().get()

  def check(self):
    reasons = []
    for alternative, value in self._candidates():
      if isinstance(value, Exception):
        reasons.append('%s: %s' % (alternative.__name__, value))
        continue
      result = value.in_scope(*self.scopes()).check()
      if result.ok() or isinstance(self._value, alternative):
        return result
      reasons.append('%s: %s' % (alternative.__name__, result.message()))
    return TypeCheck.failure('%r matches none of %s (%s)' % (
        self._value, ', '.join(c.__name__ for c in self.CHOICES), '; '.join(reasons)))

  def __eq__(self, other):
    if not isinstance(other, ChoiceContainer) or self.CHOICES != other.CHOICES:
      return False
    return self.unwrap() == other.unwrap()

  def __hash__(self):
    return hash(self.get())

  def __str__(self):
    return str(self.unwrap())

  def __repr__(self):
    return '%s(%r)' % (self.__class__.__name__, self._value)


def Choice(*args):
  """Choice([T1, T2, ...]) or Choice('Name', [T1, T2, ...])."""
  if len(args) == 2:
    name, alternatives = args
  else:
    alternatives = args[0]
    name = 'Choice_' + '_'.join(a.__name__ for a in alternatives)
  alternatives = tuple(alternatives)
  key = ('Choice', name, alternatives)
  if key not in _TYPE_CACHE:
    _TYPE_CACHE[key] = type(str(name), (ChoiceContainer,),
                            {'CHOICES': alternatives, '__slots__': ()})
  return _TYPE_CACHE[key]


# ---------------------------------------------------------------------------------
# Structs.


class Empty(object):
  """The sentinel for an attribute that is not set."""


class TypeSignature(object):
  """How a Struct declares an attribute: its type, whether required, its default."""

  def __init__(self, cls, required=False, default=Empty):
    if not (isinstance(cls, type) and issubclass(cls, Object)):
      raise TypeError('%r is not a schema type' % (cls,))
    self.klazz = cls
    self.required = required
    self.default = default if default is Empty or isinstance(default, cls) else cls(default)

  @property
  def empty(self):
    return self.default is Empty

  @staticmethod
  def wrap(sig):
    if isinstance(sig, TypeSignature):
      return sig
    if isinstance(sig, type) and issubclass(sig, Object):
      return TypeSignature(sig)
    return None


def Required(cls):
  return TypeSignature(cls, required=True)


def Default(cls, default):
  return TypeSignature(cls, default=default)


class _Origin(object):
  """Which source files count as the user's config, for remembering where each struct
  was written (file, line). Filled by the loader; empty means no tracking."""
  files = set()


def _user_origin():
  if not _Origin.files:
    return None
  frame = _sys._getframe(2)
  while frame is not None:
    if frame.f_code.co_filename in _Origin.files:
      return (frame.f_code.co_filename, frame.f_lineno)
    frame = frame.f_back
  return None


class StructMetaclass(type):
  """Collects the TypeSignature attributes of a `class X(Struct)` body into TYPEMAP."""

  def __new__(mcs, name, bases, attributes):
    typemap = {}
    for base in reversed(bases):
      typemap.update(getattr(base, 'TYPEMAP', {}))
    body = {}
    for attr, value in attributes.items():
      sig = None if attr.startswith('__') else TypeSignature.wrap(value)
      if sig is not None:
        typemap[attr] = sig
      else:
        body[attr] = value
    body['TYPEMAP'] = typemap
    return type.__new__(mcs, name, bases, body)


class Struct(Object, Namable, Type, metaclass=StructMetaclass):
  """A typed record; see the module docstring."""

  def __init__(self, *args, **kw):
    Object.__init__(self)
    self._origin = _user_origin()
    self._schema_data = dict((attr, sig.default) for attr, sig in self.TYPEMAP.items())
    for arg in args:
      if isinstance(arg, Struct):
        if not isinstance(arg, self.__class__):
          raise ValueError('expected %s %s, got %s %s' % (
              _article(self.__class__.__name__), self.__class__.__name__,
              _article(arg.__class__.__name__), arg.__class__.__name__))
        arg = dict((k, v) for k, v in arg._schema_data.items() if v is not Empty)
      if not isinstance(arg, _Mapping):
        raise ValueError('%s expects keyword arguments or a dict, got %r' % (
            self.__class__.__name__, arg))
      self._update(arg)
    self._update(kw)

  def _convert(self, attr, value):
    if attr not in self.TYPEMAP:
      raise AttributeError(_unknown_attribute(self.__class__, attr))
    if value is Empty:
      return Empty
    return _coerce(self.TYPEMAP[attr].klazz, value)

  def _update(self, values):
    for attr, value in values.items():
      self._schema_data[attr] = self._convert(attr, value)

  def dup(self):
    return self._make(dict(self._schema_data))

  def __call__(self, **kw):
    dup = self.copy()
    dup._origin = _user_origin() or self._origin
    dup._update(kw)
    return dup

  def get(self):
    return frozendict((k, v.get()) for k, v in self._schema_data.items() if v is not Empty)

  def __getattr__(self, attr):
    typemap = type(self).__dict__.get('TYPEMAP') or getattr(type(self), 'TYPEMAP', None)
    if attr.startswith('_') or typemap is None:
      raise AttributeError(attr)
    if attr.startswith('has_') and attr[4:] in typemap:
      return lambda: self._schema_data[attr[4:]] is not Empty
    if attr not in typemap:
      raise AttributeError(_unknown_attribute(type(self), attr))
    return lambda: self.interpolate_key(attr)

  def _self_scope(self):
    return Environment(dict((k, v) for k, v in self._schema_data.items() if v is not Empty))

  def scopes(self):
    own = self._self_scope()
    return ((_Prefixed('self', own), own) + self._scopes +
            tuple(_Prefixed('super', scope) for scope in self._scopes))

  def check(self):
    scopes = self.scopes()
    for name in sorted(self.TYPEMAP):
      value = self._schema_data[name]
      if value is Empty:
        if self.TYPEMAP[name].required:
          return TypeCheck.failure('required field missing (%s.%s)' % (
              self.__class__.__name__, name), name, self._origin)
        continue
      result = value.in_scope(*scopes).check()
      if not result.ok():
        return result.nested('.' + name, self._origin)
    return TypeCheck.success()

  def interpolate(self):
    unbound, out = set(), {}
    scopes = self.scopes()
    for key, value in self._schema_data.items():
      if value is Empty:
        out[key] = Empty
        continue
      out[key], refs = value.in_scope(*scopes).interpolate()
      unbound.update(refs)
    return self._make(out), list(unbound)

  def _make(self, schema_data):
    """A new struct of this type holding already-converted values, no scopes."""
    made = self.__class__.__new__(self.__class__)
    Object.__init__(made)
    made._origin = self._origin
    made._schema_data = schema_data
    return made

  def interpolate_key(self, attr):
    value = self._schema_data[attr]
    if value is Empty:
      return Empty
    interpolated, _ = value.in_scope(*self.scopes()).interpolate()
    return self._convert(attr, interpolated)

  def find(self, ref):
    if not ref.is_dereference():
      raise Namable.NamingError('%s is not indexable' % self.__class__.__name__)
    name = ref.action()[1]
    if name not in self.TYPEMAP or self._schema_data[name] is Empty:
      raise Namable.NotFound('%s has no %s' % (self.__class__.__name__, name))
    value = self._schema_data[name].in_scope(*self.scopes())
    if ref.rest().is_empty():
      return value
    if not isinstance(value, Namable):
      raise Namable.Unnamable('%s.%s cannot be dereferenced' % (self.__class__.__name__, name))
    return value.find(ref.rest())

  def __eq__(self, other):
    if not isinstance(other, Struct) or self.TYPEMAP is not other.TYPEMAP:
      return False
    a, _ = self.interpolate()
    b, _ = other.interpolate()
    return a._schema_data == b._schema_data

  def __hash__(self):
    return hash(self.get())

  def __repr__(self):
    interpolated, _ = self.interpolate()
    return '%s(%s)' % (self.__class__.__name__, ', '.join(
        '%s=%r' % (k, v) for k, v in sorted(interpolated._schema_data.items())
        if v is not Empty))

  # JSON.
  @classmethod
  def _filter_against_schema(cls, values):
    out = {}
    for key, value in values.items():
      if key not in cls.TYPEMAP:
        continue
      klazz = cls.TYPEMAP[key].klazz
      if issubclass(klazz, Struct) and isinstance(value, dict):
        value = klazz._filter_against_schema(value)
      out[key] = value
    return out

  @classmethod
  def json_loads(cls, text, strict=False):
    values = _json.loads(text)
    return cls(values if strict else cls._filter_against_schema(values))

  @classmethod
  def json_load(cls, fp, strict=False):
    return cls.json_loads(fp.read(), strict=strict)

  def json_dumps(self, **kw):
    interpolated, _ = self.interpolate()
    return _json.dumps(interpolated.get(), **kw)

  def json_dump(self, fp, **kw):
    fp.write(self.json_dumps(**kw))


def _article(name):
  return 'an' if name[:1].lower() in 'aeiou' else 'a'


def _unknown_attribute(cls, attr):
  known = sorted(cls.TYPEMAP)
  close = [k for k in known if _similar(k, attr)]
  hint = ("; did you mean '%s'?" % close[0]) if close else ''
  return "%s has no field '%s' (fields: %s)%s" % (cls.__name__, attr, ', '.join(known), hint)


def _similar(a, b):
  """True when two names differ by at most two single-character edits."""
  if abs(len(a) - len(b)) > 2:
    return False
  previous = list(range(len(b) + 1))
  for i, ca in enumerate(a, 1):
    current = [i]
    for j, cb in enumerate(b, 1):
      current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
    previous = current
  return previous[-1] <= 2


Structural = Struct
