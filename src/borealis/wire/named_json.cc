// Natural JSON -> TJSON (named_json.h): requests of the /apibeta API. TJSON as Thrift's
// TJSONProtocol reads it: a struct is {"<id>": {"<tag>": value}}, a list or set is
// ["<tag>", count, elements...], a map is ["<key tag>", "<value tag>", count, {key: value}]
// with every key a string, a bool is 1 or 0, an enum is its i32 value.
#include "borealis/wire/named_json.h"

#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "borealis/wire/field_path.h"
#include "borealis/wire/named_json_internal.h"

namespace borealis::wire {
namespace internal {

const char* TJsonTag(IdlKind kind) {
  switch (kind) {
    case IdlKind::kBool: return "tf";
    case IdlKind::kByte: return "i8";
    case IdlKind::kI16: return "i16";
    case IdlKind::kI32:
    case IdlKind::kEnum: return "i32";
    case IdlKind::kI64: return "i64";
    case IdlKind::kDouble: return "dbl";
    case IdlKind::kString:
    case IdlKind::kBinary: return "str";
    case IdlKind::kStruct: return "rec";
    case IdlKind::kList: return "lst";
    case IdlKind::kSet: return "set";
    case IdlKind::kMap: return "map";
  }
  return "?";
}

std::string Describe(const NamedJson& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', false, NamedJson::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

absl::Status PathError(const std::string& path, std::string_view problem) {
  if (path.empty()) return absl::InvalidArgumentError(std::string(problem));
  return FieldError(path, problem);
}

std::string Member(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", std::string(name));
}

std::string Element(const std::string& path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

std::string Entry(const std::string& path, const std::string& key) {
  return absl::StrCat(
      path, "[", NamedJson(key).dump(-1, ' ', false, NamedJson::error_handler_t::replace), "]");
}

}  // namespace internal

namespace {

using internal::Describe;
using internal::PathError;

struct IntRange {
  int64_t min;
  int64_t max;
  const char* name;
};

IntRange RangeOf(IdlKind kind) {
  switch (kind) {
    case IdlKind::kByte: return {INT8_MIN, INT8_MAX, "byte"};
    case IdlKind::kI16: return {INT16_MIN, INT16_MAX, "i16"};
    case IdlKind::kI32: return {INT32_MIN, INT32_MAX, "i32"};
    default: return {INT64_MIN, INT64_MAX, "i64"};
  }
}

// An integer as Gson reads one: a JSON integer, an integral float or a decimal string.
absl::StatusOr<int64_t> ReadInteger(IdlKind kind, const NamedJson& value, const std::string& path) {
  const IntRange range = RangeOf(kind);
  const std::string wanted = absl::StrCat("expected an integer, got ", Describe(value));
  int64_t n = 0;
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    n = value.get<int64_t>();
  } else if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return PathError(path, absl::StrCat(value.dump(), " is out of range for ", range.name));
    }
    n = static_cast<int64_t>(u);
  } else if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d) || d != std::trunc(d) || d < -9.2e18 || d > 9.2e18) {
      return PathError(path, wanted);
    }
    n = static_cast<int64_t>(d);
  } else if (value.is_string()) {
    if (!absl::SimpleAtoi(value.get_ref<const std::string&>(), &n)) return PathError(path, wanted);
  } else {
    return PathError(path, wanted);
  }
  if (n < range.min || n > range.max) {
    return PathError(path, absl::StrCat(n, " is out of range for ", range.name));
  }
  return n;
}

absl::StatusOr<NamedJson> ReadDouble(const NamedJson& value, const std::string& path) {
  if (value.is_number()) return NamedJson(value.get<double>());
  double d = 0;
  if (value.is_string() && absl::SimpleAtod(value.get_ref<const std::string&>(), &d) &&
      std::isfinite(d)) {
    return NamedJson(d);
  }
  return PathError(path, absl::StrCat("expected a number, got ", Describe(value)));
}

absl::StatusOr<NamedJson> ReadBool(const NamedJson& value, const std::string& path) {
  if (value.is_boolean()) return NamedJson(value.get<bool>() ? 1 : 0);
  if (value == "true") return NamedJson(1);
  if (value == "false") return NamedJson(0);
  return PathError(path, absl::StrCat("expected true or false, got ", Describe(value)));
}

absl::StatusOr<int32_t> ReadEnum(const IdlTable& table, const IdlType& type, const NamedJson& value,
                                 const std::string& path) {
  const IdlEnum* e = table.FindEnum(type.name);
  if (e == nullptr) return absl::InternalError(absl::StrCat("no enum ", type.name, " in the IDL"));
  if (value.is_string()) {
    std::optional<int32_t> v = e->ValueOf(value.get_ref<const std::string&>());
    if (v.has_value()) return *v;
  }
  std::vector<std::string> names;
  for (const auto& [n, v] : e->values) names.push_back(n);
  return PathError(path, absl::StrCat("expected a ", type.name, " (one of ",
                                      absl::StrJoin(names, ", "), "), got ", Describe(value)));
}

class ToTJson {
 public:
  explicit ToTJson(const IdlTable& table) : table_(table) {}

  absl::StatusOr<NamedJson> Value(const IdlType& type, const NamedJson& value,
                                  const std::string& path) {
    if (value.is_null()) {
      return PathError(path, absl::StrCat("expected ", Wanted(type), ", got null"));
    }
    switch (type.kind) {
      case IdlKind::kBool: return ReadBool(value, path);
      case IdlKind::kByte:
      case IdlKind::kI16:
      case IdlKind::kI32:
      case IdlKind::kI64: {
        absl::StatusOr<int64_t> n = ReadInteger(type.kind, value, path);
        if (!n.ok()) return n.status();
        return NamedJson(*n);
      }
      case IdlKind::kDouble: return ReadDouble(value, path);
      case IdlKind::kString:
      case IdlKind::kBinary:
        if (!value.is_string()) {
          return PathError(path, absl::StrCat("expected a string, got ", Describe(value)));
        }
        return value;
      case IdlKind::kEnum: {
        absl::StatusOr<int32_t> v = ReadEnum(table_, type, value, path);
        if (!v.ok()) return v.status();
        return NamedJson(*v);
      }
      case IdlKind::kStruct: return Struct(type, value, path);
      case IdlKind::kList:
      case IdlKind::kSet: return Sequence(type, value, path);
      case IdlKind::kMap: return Map(type, value, path);
    }
    return absl::InternalError("unknown IDL kind");
  }

  // {"<id>": {"<tag>": value}} for the members of `object` that name fields.
  absl::StatusOr<NamedJson> Fields(const std::vector<IdlField>& fields, const NamedJson& object,
                                   const std::string& path) {
    NamedJson out = NamedJson::object();
    for (const IdlField& f : fields) {
      auto it = object.find(f.name);
      if (it == object.end() || it->is_null()) continue;
      absl::StatusOr<NamedJson> v = Value(f.type, *it, internal::Member(path, f.name));
      if (!v.ok()) return v.status();
      out[std::to_string(f.id)] = NamedJson{{internal::TJsonTag(f.type.kind), std::move(*v)}};
    }
    return out;
  }

 private:
  std::string Wanted(const IdlType& type) {
    switch (type.kind) {
      case IdlKind::kStruct:
      case IdlKind::kMap: return "an object";
      case IdlKind::kList:
      case IdlKind::kSet: return "an array";
      default: return absl::StrCat("a value of type ", IdlTypeName(type));
    }
  }

  absl::StatusOr<NamedJson> Struct(const IdlType& type, const NamedJson& value,
                                   const std::string& path) {
    const IdlStruct* s = table_.FindStruct(type.name);
    if (s == nullptr) {
      return absl::InternalError(absl::StrCat("no struct ", type.name, " in the IDL"));
    }
    if (!value.is_object()) {
      return PathError(path,
                       absl::StrCat("expected an object (", s->name, "), got ", Describe(value)));
    }
    if (s->is_union) {
      absl::Status one = OneMember(*s, value, path);
      if (!one.ok()) return one;
    }
    return Fields(s->fields, value, path);
  }

  // A union is an object with exactly one non-null member, and that member is a field.
  absl::Status OneMember(const IdlStruct& u, const NamedJson& value, const std::string& path) {
    std::vector<std::string> names;
    for (const IdlField& f : u.fields) names.push_back(f.name);
    const std::string choices = absl::StrJoin(names, ", ");
    size_t set = 0;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it->is_null()) continue;
      ++set;
      if (u.FindField(it.key()) == nullptr) {
        return PathError(path, absl::StrCat("'", it.key(), "' is not a member of ", u.name,
                                            " (one of ", choices, ")"));
      }
    }
    if (set != 1) {
      return PathError(path,
                       absl::StrCat(u.name, " must have exactly one of ", choices, ", got ", set));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<NamedJson> Sequence(const IdlType& type, const NamedJson& value,
                                     const std::string& path) {
    if (!value.is_array()) {
      return PathError(path, absl::StrCat("expected an array, got ", Describe(value)));
    }
    const IdlType& elem = type.args[0];
    NamedJson out = NamedJson::array({internal::TJsonTag(elem.kind), value.size()});
    for (size_t i = 0; i < value.size(); ++i) {
      absl::StatusOr<NamedJson> v = Value(elem, value[i], internal::Element(path, i));
      if (!v.ok()) return v.status();
      out.push_back(std::move(*v));
    }
    return out;
  }

  absl::StatusOr<std::string> Key(const IdlType& type, const std::string& key,
                                  const std::string& path) {
    switch (type.kind) {
      case IdlKind::kString: return key;
      case IdlKind::kEnum: {
        absl::StatusOr<int32_t> v = ReadEnum(table_, type, NamedJson(key), path);
        if (!v.ok()) return v.status();
        return std::to_string(*v);
      }
      case IdlKind::kBool: {
        absl::StatusOr<NamedJson> b = ReadBool(NamedJson(key), path);
        if (!b.ok()) return b.status();
        return b->dump();
      }
      default: {
        absl::StatusOr<int64_t> n = ReadInteger(type.kind, NamedJson(key), path);
        if (!n.ok()) return n.status();
        return std::to_string(*n);
      }
    }
  }

  absl::StatusOr<NamedJson> Map(const IdlType& type, const NamedJson& value,
                                const std::string& path) {
    if (!value.is_object()) {
      return PathError(path, absl::StrCat("expected an object, got ", Describe(value)));
    }
    const IdlType& key_type = type.args[0];
    const IdlType& value_type = type.args[1];
    NamedJson entries = NamedJson::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string entry_path = internal::Entry(path, it.key());
      absl::StatusOr<std::string> k = Key(key_type, it.key(), entry_path);
      if (!k.ok()) return k.status();
      absl::StatusOr<NamedJson> v = Value(value_type, it.value(), entry_path);
      if (!v.ok()) return v.status();
      entries[*k] = std::move(*v);
    }
    return NamedJson::array({internal::TJsonTag(key_type.kind), internal::TJsonTag(value_type.kind),
                             entries.size(), std::move(entries)});
  }

  const IdlTable& table_;
};

}  // namespace

absl::StatusOr<NamedJson> NaturalToTJson(const IdlTable& table, const IdlType& type,
                                         const NamedJson& value, const std::string& path) {
  return ToTJson(table).Value(type, value, path);
}

absl::StatusOr<std::string> NamedCallToTJson(const IdlTable& table, const IdlMethod& method,
                                             const NamedJson& params, int32_t seqid) {
  if (!params.is_null() && !params.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the parameters of ", method.name, " must be a JSON object, got ", Describe(params)));
  }
  const NamedJson none = NamedJson::object();
  absl::StatusOr<NamedJson> args =
      ToTJson(table).Fields(method.params, params.is_null() ? none : params, "");
  if (!args.ok()) return args.status();
  constexpr int kCall = 1;
  NamedJson message = NamedJson::array({1, method.name, kCall, seqid, std::move(*args)});
  return message.dump(-1, ' ', false, NamedJson::error_handler_t::replace);
}

}  // namespace borealis::wire
