"""The core of our Pystachio (see pystachio_lite.py, which is what configs and the
schema import): template references (Ref), the {{mustache}} parser, binding scopes
(Environment), check() results (TypeCheck), the value base class (Object) and the simple
types String, Integer, Float, Boolean and Enum.

Invariants: values are immutable; bind()/in_scope() return copies. Only the standard
library is used. Not thread-safe: the escape mode (keep_escapes) is process-wide.
"""

import re as _re


class frozendict(dict):
  """A hashable dict, as returned by Struct.get() and Map.get()."""

  def __hash__(self):
    return hash(tuple(sorted(self.items(), key=lambda kv: repr(kv[0]))))

  def __repr__(self):
    return 'frozendict(%s)' % dict.__repr__(self)


# ---------------------------------------------------------------------------------
# Names and references.


class Namable(object):
  """Something a Ref can be looked up in."""

  class Error(Exception):
    pass

  class Unnamable(Error):
    pass

  class NamingError(Error):
    pass

  class NotFound(Error):
    pass

  def find(self, ref):
    raise NotImplementedError


class Ref(object):
  """A dotted/indexed address such as `a.b[3][k]`, the inside of `{{...}}`."""

  class InvalidRefError(ValueError):
    pass

  _IDENT = r'[^\d\W]\w*'
  _INDEX = r'[\w\-\./]+'
  _SPLIT_RE = _re.compile(r'(\.' + _IDENT + r'|\[' + _INDEX + r'\])')
  _IDENT_RE = _re.compile('^' + _IDENT + '$')
  _INDEX_RE = _re.compile('^' + _INDEX + '$')

  # A component is (kind, value) with kind '.' (attribute) or '[' (index).
  __slots__ = ('_components',)

  def __init__(self, components):
    self._components = tuple(components)

  _CACHE = {}

  @classmethod
  def from_address(cls, address):
    cached = cls._CACHE.get(address) if isinstance(address, str) else None
    if cached is None:
      cached = cls._parse(address)
      if len(cls._CACHE) < 10000:
        cls._CACHE[address] = cached
    return cached

  @classmethod
  def _parse(cls, address):
    if not isinstance(address, str) or not address:
      raise cls.InvalidRefError('invalid template reference %r' % (address,))
    text = address
    if not text.startswith(('.', '[')):
      if not _re.match(r'[a-zA-Z_]', text[0]):
        raise cls.InvalidRefError('invalid template reference %r' % address)
      text = '.' + text
    pieces = cls._SPLIT_RE.split(text)
    if any(pieces[0::2]):
      raise cls.InvalidRefError('invalid template reference %r' % address)
    components = []
    for piece in pieces[1::2]:
      if piece.startswith('.') and cls._IDENT_RE.match(piece[1:]):
        components.append(('.', piece[1:]))
      elif piece.startswith('[') and cls._INDEX_RE.match(piece[1:-1]):
        components.append(('[', piece[1:-1]))
      else:
        raise cls.InvalidRefError('invalid template reference %r' % address)
    return cls(components)

  @staticmethod
  def wrap(value):
    return value if isinstance(value, Ref) else Ref.from_address(value)

  def components(self):
    return self._components

  def action(self):
    return self._components[0]

  def is_index(self):
    return self._components[0][0] == '['

  def is_dereference(self):
    return self._components[0][0] == '.'

  def is_empty(self):
    return not self._components

  def rest(self):
    return Ref(self._components[1:])

  def __add__(self, other):
    return Ref(self._components + other._components)

  @staticmethod
  def subscope(prefix, ref):
    """The part of `ref` below `prefix`, or None when `prefix` is not a strict prefix."""
    n = len(prefix._components)
    if len(ref._components) > n and ref._components[:n] == prefix._components:
      return Ref(ref._components[n:])
    return None

  def scoped_to(self, ref):
    return Ref.subscope(self, ref)

  def address(self):
    text = ''.join(('.%s' if kind == '.' else '[%s]') % value
                   for kind, value in self._components)
    return text[1:] if text.startswith('.') else text

  def __str__(self):
    return '{{%s}}' % self.address()

  def __repr__(self):
    return 'Ref(%s)' % self.address()

  def __eq__(self, other):
    return isinstance(other, Ref) and self._components == other._components

  def __ne__(self, other):
    return not self == other

  def __lt__(self, other):
    return (len(self._components), self._components) < (len(other._components),
                                                        other._components)

  def __hash__(self):
    return hash(self._components)


class _Escapes(object):
  """Whether the last interpolation pass keeps {{&x}} escapes as written (True) or turns
  them into the literal {{x}} (False, Pystachio's behaviour). The loader keeps them so
  that the executor, which interpolates once more, still sees an escape."""
  keep = False


class keep_escapes(object):
  """Context manager: interpolate without consuming {{&x}} escapes."""

  def __enter__(self):
    self._saved = _Escapes.keep
    _Escapes.keep = True

  def __exit__(self, *unused):
    _Escapes.keep = self._saved


class MustacheParser(object):
  """Splits strings on {{ref}} and resolves them against scopes, until nothing changes."""

  _RE = _re.compile(r'{{(&)?([^{}]+?)\1?}}')
  MAX_ITERATIONS = 100

  class Error(Exception):
    pass

  class Uninterpolatable(Error):
    pass

  @classmethod
  def split(cls, text, keep_aliases=False):
    parts = cls._RE.split(text)
    out = [parts[0]] if parts[0] else []
    for k in range(1, len(parts), 3):
      escape, body, tail = parts[k], parts[k + 1], parts[k + 2]
      if escape == '&':
        out.append('{{%s%s}}' % ('&' if keep_aliases else '', body))
      else:
        try:
          out.append(Ref.from_address(body))
        except Ref.InvalidRefError:
          raise Ref.InvalidRefError('invalid template {{%s}} (write {{&%s}} for literal '
                                    'braces)' % (body, body))
      if tail:
        out.append(tail)
    return out

  @classmethod
  def refs(cls, text):
    """The references (not escapes) that appear in `text`."""
    return [p for p in cls.split(text, keep_aliases=True) if isinstance(p, Ref)]

  @classmethod
  def join(cls, parts, namables, found):
    text, unbound = [], []
    for part in parts:
      if not isinstance(part, Ref):
        text.append(part)
        continue
      if part not in found:
        for namable in namables:
          try:
            found[part] = namable.find(part)
            break
          except Namable.Error:
            continue
      if part in found:
        text.append(str(found[part]))
      else:
        text.append(str(part))
        unbound.append(part)
    return ''.join(text), unbound

  @classmethod
  def resolve(cls, text, *namables):
    found = {}
    for _ in range(cls.MAX_ITERATIONS):
      parts = cls.split(text, keep_aliases=True)
      refs = [p for p in parts if isinstance(p, Ref)]
      text, unbound = cls.join(parts, namables, found)
      if unbound == refs:
        break
    else:
      raise cls.Uninterpolatable('cannot interpolate %r: too many substitutions' % text)
    parts = cls.split(text, keep_aliases=_Escapes.keep)
    refs = [p for p in parts if isinstance(p, Ref)]
    text, unbound = cls.join(parts, namables, found)
    return text, unbound


# ---------------------------------------------------------------------------------
# Scopes and the object base.


class Environment(Namable):
  """A table of Ref -> value (a string or a Namable) used as a binding scope."""

  __slots__ = ('_table',)

  @staticmethod
  def wrap(value):
    if isinstance(value, dict):
      return Environment(value)
    if isinstance(value, (Environment, Object, Namable)):
      return value
    if isinstance(value, (int, float, str)):
      return str(value)
    raise ValueError('a binding value must be a string, a number, a schema object or a '
                     'dict of those, not %s' % type(value).__name__)

  def __init__(self, *dicts, **kw):
    self._table = {}
    for d in list(dicts) + [kw]:
      if isinstance(d, Environment):
        self._table.update(d._table)
      elif isinstance(d, dict):
        for key, value in d.items():
          value = Environment.wrap(value)
          rkey = Ref.wrap(key)
          if isinstance(value, Environment):
            for vkey, vvalue in value._table.items():
              self._table[rkey + vkey] = vvalue
          else:
            self._table[rkey] = value
      else:
        raise ValueError('Environment expects a dict or an Environment, got %r' % (d,))

  def find(self, ref):
    if ref in self._table:
      return self._table[ref]
    parts = ref.components()
    if not parts:
      raise Namable.NotFound(ref)
    head = parts[0]
    prefixes = [key for key in self._table
                if key._components[:1] == (head,) and Ref.subscope(key, ref) is not None]
    for key in sorted(prefixes, reverse=True):
      scope = self._table[key]
      if not isinstance(scope, Namable):
        continue
      try:
        return scope.find(Ref.subscope(key, ref))
      except Namable.Error:
        continue
    raise Namable.NotFound(ref)

  def __repr__(self):
    return 'Environment(%r)' % self._table


class _Prefixed(Namable):
  """The scope `inner` seen under one name, as {{self.x}} or {{super.x}} see it. Same
  lookups as Environment({name: inner}), without copying inner's table."""

  __slots__ = ('_name', '_inner')

  def __init__(self, name, inner):
    self._name = ('.', name)
    self._inner = inner

  def find(self, ref):
    parts = ref.components()
    if not parts or parts[0] != self._name:
      raise Namable.NotFound(ref)
    if len(parts) == 1:
      if isinstance(self._inner, Object):
        return self._inner
      raise Namable.NotFound(ref)
    if not isinstance(self._inner, Namable):
      raise Namable.NotFound(ref)
    return self._inner.find(ref.rest())


class TypeCheck(object):
  """The result of check(): ok, or a failure with a reason and the failing field's
  path relative to the checked object ("processes[1].cmdline")."""

  def __init__(self, success, reason='', path='', origin=None):
    self._success = success
    self.reason = reason
    self.path = path
    self.origin = origin  # (file, line) where the innermost failing struct was built

  @staticmethod
  def success():
    return TypeCheck(True)

  @staticmethod
  def failure(reason, path='', origin=None):
    return TypeCheck(False, reason, path, origin)

  def ok(self):
    return self._success

  def message(self):
    return '%s: %s' % (self.path, self.reason) if self.path else self.reason

  def nested(self, component, origin=None):
    """This failure seen from one level up, `component` being '.name' or '[3]'."""
    path = self.path
    if path and not path.startswith('['):
      path = '.' + path
    joined = (component + path)
    if joined.startswith('.'):
      joined = joined[1:]
    return TypeCheck(False, self.reason, joined, self.origin or origin)

  def __repr__(self):
    return 'TypeCheck(OK)' if self.ok() else 'TypeCheck(FAILED): %s' % self.message()


class Object(object):
  """Base of every value: carries the scopes its templates are resolved in."""

  class CoercionError(ValueError):
    def __init__(self, src, dst, message=None):
      kind = getattr(dst, 'KIND', None)
      text = ('expected %s, got %r' % (kind, src)) if kind else (
          'cannot coerce %r to %s' % (src, dst.__name__))
      ValueError.__init__(self, '%s: %s' % (text, message) if message else text)

  class InterpolationError(Exception):
    pass

  def __init__(self):
    self._scopes = ()

  def copy(self):
    dup = self.dup()
    dup._scopes = self._scopes
    return dup

  @staticmethod
  def translate_to_scopes(*args, **kw):
    scopes = [arg if isinstance(arg, Namable) else Environment.wrap(arg) for arg in args]
    if kw:
      scopes.append(Environment(kw))
    return tuple(scopes)

  def bind(self, *args, **kw):
    """A copy with a new, highest-priority scope (later arguments win)."""
    dup = self.copy()
    dup._scopes = tuple(reversed(Object.translate_to_scopes(*args, **kw))) + self._scopes
    return dup

  def in_scope(self, *args, **kw):
    """A copy with a new, lowest-priority scope."""
    dup = self.copy()
    dup._scopes = self._scopes + Object.translate_to_scopes(*args, **kw)
    return dup

  def scopes(self):
    return self._scopes

  def __mod__(self, namable):
    if isinstance(namable, dict):
      namable = Environment.wrap(namable)
    interpolated, _ = self.bind(namable).interpolate()
    return interpolated

  def __ne__(self, other):
    return not self == other

  def check(self):
    try:
      interpolated, _ = self.interpolate()
    except (Object.CoercionError, MustacheParser.Uninterpolatable, Ref.InvalidRefError) as e:
      return TypeCheck.failure(str(e))
    return self.checker(interpolated)


class Type(object):
  """Marker base of every schema type."""


def _type_name(cls):
  return getattr(cls, '__name__', repr(cls))


# ---------------------------------------------------------------------------------
# Simple values.


class SimpleObject(Object, Type):
  __slots__ = ('_value', '_scopes')
  KIND = 'a value'

  def __init__(self, value):
    self._value = value
    Object.__init__(self)

  def get(self):
    return self._value

  def dup(self):
    return self.__class__(self._value)

  def _cmp_value(self):
    interpolated, _ = self.interpolate()
    return interpolated._value

  def __eq__(self, other):
    if self.__class__ is not other.__class__:
      return False
    return self._cmp_value() == other._cmp_value()

  def __lt__(self, other):
    return self._cmp_value() < other._cmp_value()

  def __le__(self, other):
    return self._cmp_value() <= other._cmp_value()

  def __gt__(self, other):
    return self._cmp_value() > other._cmp_value()

  def __ge__(self, other):
    return self._cmp_value() >= other._cmp_value()

  def __hash__(self):
    return hash(self._value)

  def __str__(self):
    interpolated, _ = self.interpolate()
    return str(interpolated._value)

  def __repr__(self):
    return '%s(%s)' % (self.__class__.__name__, str(self))

  def interpolate(self):
    if not isinstance(self._value, str):
      return self.__class__(self.coerce(self._value)), []
    text, unbound = MustacheParser.resolve(self._value, *self.scopes())
    if unbound:
      return self.__class__(text), unbound
    dup = self.copy()
    dup._value = dup.coerce(text)
    return dup, []

  @classmethod
  def checker(cls, obj):
    if cls.accepts(obj._value):
      return TypeCheck.success()
    if isinstance(obj._value, str):
      refs = [r for r in _safe_refs(obj._value)]
      if refs:
        return TypeCheck.failure('unbound template %s (expected %s)' % (
            ' '.join(str(r) for r in refs), cls.KIND))
    return TypeCheck.failure('expected %s, got %r' % (cls.KIND, obj._value))


def _safe_refs(text):
  try:
    return MustacheParser.refs(text)
  except Ref.InvalidRefError:
    return []


class String(SimpleObject):
  KIND = 'a string'

  @classmethod
  def accepts(cls, value):
    return isinstance(value, str)

  @classmethod
  def coerce(cls, value):
    if not isinstance(value, (str, int, float)):
      raise cls.CoercionError(value, cls)
    return str(value)


class Integer(SimpleObject):
  KIND = 'an integer'

  @classmethod
  def accepts(cls, value):
    return isinstance(value, int) and not isinstance(value, bool)

  @classmethod
  def coerce(cls, value):
    if not isinstance(value, (str, int, float)):
      raise cls.CoercionError(value, cls)
    try:
      return int(value)
    except (ValueError, OverflowError):
      raise cls.CoercionError(value, cls)


class Float(SimpleObject):
  KIND = 'a number'

  @classmethod
  def accepts(cls, value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)

  @classmethod
  def coerce(cls, value):
    if not isinstance(value, (str, int, float)):
      raise cls.CoercionError(value, cls)
    try:
      return float(value)
    except ValueError:
      raise cls.CoercionError(value, cls)


class Boolean(SimpleObject):
  KIND = 'a boolean'

  @classmethod
  def accepts(cls, value):
    return isinstance(value, bool)

  @classmethod
  def coerce(cls, value):
    if isinstance(value, bool):
      return value
    if isinstance(value, str):
      if value.lower() in ('true', '1'):
        return True
      if value.lower() in ('false', '0'):
        return False
      raise cls.CoercionError(value, cls)
    if isinstance(value, (int, float)):
      return bool(value)
    raise cls.CoercionError(value, cls)


class EnumContainer(SimpleObject):
  VALUES = ()

  def __init__(self, value):
    if isinstance(value, str) and value not in self.VALUES and not _safe_refs(value):
      raise ValueError('%s only accepts the following values: %s' % (
          self.__class__.__name__, ', '.join(self.VALUES)))
    SimpleObject.__init__(self, value)

  @classmethod
  def accepts(cls, value):
    return isinstance(value, str) and value in cls.VALUES

  @classmethod
  def coerce(cls, value):
    if not isinstance(value, str) or value not in cls.VALUES:
      raise cls.CoercionError(value, cls, 'not one of %s' % ', '.join(cls.VALUES))
    return value

  @classmethod
  def checker(cls, obj):
    if cls.accepts(obj._value):
      return TypeCheck.success()
    return TypeCheck.failure('%r is not one of %s' % (obj._value, ', '.join(cls.VALUES)))


_TYPE_CACHE = {}


def Enum(*args):
  """Enum('a', 'b', ...) or Enum('Name', ('a', 'b', ...))."""
  if len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], (list, tuple)):
    name, values = args[0], tuple(args[1])
  else:
    name, values = 'Enum_' + '_'.join(args), tuple(args)
  key = ('Enum', name, values)
  if key not in _TYPE_CACHE:
    _TYPE_CACHE[key] = type(name, (EnumContainer,), {'VALUES': values, '__slots__': ()})
  return _TYPE_CACHE[key]
