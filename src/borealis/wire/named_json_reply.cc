// TJSON -> natural JSON (named_json.h): replies of the /apibeta API. The input comes from
// the scheduler's own Thrift processor, but it is still checked shape by shape: a value
// that does not match the IDL is an error naming its path, never a guess.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/wire/named_json.h"
#include "borealis/wire/named_json_internal.h"

namespace borealis::wire {
namespace {

using internal::Describe;
using internal::PathError;

absl::Status Malformed(const std::string& path, const IdlType& type, const NamedJson& value) {
  return PathError(path,
                   absl::StrCat("malformed TJSON for ", IdlTypeName(type), ": ", Describe(value)));
}

class FromTJson {
 public:
  explicit FromTJson(const IdlTable& table) : table_(table) {}

  absl::StatusOr<NamedJson> Value(const IdlType& type, const NamedJson& value,
                                  const std::string& path) {
    switch (type.kind) {
      case IdlKind::kBool:
        if (value == 0 || value == 1) return NamedJson(value == 1);
        return Malformed(path, type, value);
      case IdlKind::kByte:
      case IdlKind::kI16:
      case IdlKind::kI32:
      case IdlKind::kI64:
        if (value.is_number_integer()) return value;
        return Malformed(path, type, value);
      case IdlKind::kDouble:
        // TJSON spells NaN and the infinities as strings; JSON has no other way either.
        if (value.is_number() || value == "NaN" || value == "Infinity" || value == "-Infinity") {
          return value;
        }
        return Malformed(path, type, value);
      case IdlKind::kString:
      case IdlKind::kBinary:
        if (value.is_string()) return value;
        return Malformed(path, type, value);
      case IdlKind::kEnum: return Enum(type, value, path);
      case IdlKind::kStruct: return Struct(type, value, path);
      case IdlKind::kList:
      case IdlKind::kSet: return Sequence(type, value, path);
      case IdlKind::kMap: return Map(type, value, path);
    }
    return absl::InternalError("unknown IDL kind");
  }

  // Every field of `fields` that `object` ({"<id>": {"<tag>": value}}) sets, by name and in
  // IDL order; ids not in `fields` are skipped.
  absl::StatusOr<NamedJson> Fields(const std::vector<IdlField>& fields, const NamedJson& object,
                                   const std::string& path, const IdlType& type) {
    if (!object.is_object()) return Malformed(path, type, object);
    NamedJson out = NamedJson::object();
    for (const IdlField& f : fields) {
      auto it = object.find(std::to_string(f.id));
      if (it == object.end()) continue;
      const std::string field_path = internal::Member(path, f.name);
      const char* tag = internal::TJsonTag(f.type.kind);
      if (!it->is_object() || it->size() != 1 || !it->contains(tag)) {
        return Malformed(field_path, f.type, *it);
      }
      absl::StatusOr<NamedJson> v = Value(f.type, (*it)[tag], field_path);
      if (!v.ok()) return v.status();
      out[f.name] = std::move(*v);
    }
    return out;
  }

 private:
  absl::StatusOr<NamedJson> Enum(const IdlType& type, const NamedJson& value,
                                 const std::string& path) {
    const IdlEnum* e = table_.FindEnum(type.name);
    if (e == nullptr) {
      return absl::InternalError(absl::StrCat("no enum ", type.name, " in the IDL"));
    }
    if (!value.is_number_integer()) return Malformed(path, type, value);
    const std::string* name = e->NameOf(value.get<int32_t>());
    if (name == nullptr) return value;  // a value newer than this table: keep the number
    return NamedJson(*name);
  }

  absl::StatusOr<NamedJson> Struct(const IdlType& type, const NamedJson& value,
                                   const std::string& path) {
    const IdlStruct* s = table_.FindStruct(type.name);
    if (s == nullptr) {
      return absl::InternalError(absl::StrCat("no struct ", type.name, " in the IDL"));
    }
    return Fields(s->fields, value, path, type);
  }

  absl::StatusOr<NamedJson> Sequence(const IdlType& type, const NamedJson& value,
                                     const std::string& path) {
    const IdlType& elem = type.args[0];
    if (!value.is_array() || value.size() < 2 || value[0] != internal::TJsonTag(elem.kind) ||
        value[1] != value.size() - 2) {
      return Malformed(path, type, value);
    }
    NamedJson out = NamedJson::array();
    for (size_t i = 2; i < value.size(); ++i) {
      absl::StatusOr<NamedJson> v = Value(elem, value[i], internal::Element(path, i - 2));
      if (!v.ok()) return v.status();
      out.push_back(std::move(*v));
    }
    return out;
  }

  absl::StatusOr<std::string> Key(const IdlType& type, const std::string& key,
                                  const std::string& path) {
    if (type.kind == IdlKind::kString) return key;
    int64_t n = 0;
    if (!absl::SimpleAtoi(key, &n)) return Malformed(path, type, NamedJson(key));
    if (type.kind == IdlKind::kBool) return std::string(n != 0 ? "true" : "false");
    if (type.kind == IdlKind::kEnum) {
      absl::StatusOr<NamedJson> name = Enum(type, NamedJson(n), path);
      if (!name.ok()) return name.status();
      if (name->is_string()) return name->get<std::string>();
    }
    return std::to_string(n);
  }

  absl::StatusOr<NamedJson> Map(const IdlType& type, const NamedJson& value,
                                const std::string& path) {
    const IdlType& key_type = type.args[0];
    const IdlType& value_type = type.args[1];
    if (!value.is_array() || value.size() != 4 || value[0] != internal::TJsonTag(key_type.kind) ||
        value[1] != internal::TJsonTag(value_type.kind) || !value[3].is_object() ||
        value[2] != value[3].size()) {
      return Malformed(path, type, value);
    }
    NamedJson out = NamedJson::object();
    for (auto it = value[3].begin(); it != value[3].end(); ++it) {
      const std::string entry_path = internal::Entry(path, it.key());
      absl::StatusOr<std::string> k = Key(key_type, it.key(), entry_path);
      if (!k.ok()) return k.status();
      absl::StatusOr<NamedJson> v = Value(value_type, it.value(), entry_path);
      if (!v.ok()) return v.status();
      out[*k] = std::move(*v);
    }
    return out;
  }

  const IdlTable& table_;
};

absl::StatusOr<NamedJson> Parse(std::string_view bytes, std::string_view what) {
  NamedJson parsed = NamedJson::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), " is not valid JSON"));
  }
  return parsed;
}

}  // namespace

absl::StatusOr<NamedJson> TJsonToNatural(const IdlTable& table, const IdlType& type,
                                         const NamedJson& value, const std::string& path) {
  return FromTJson(table).Value(type, value, path);
}

absl::StatusOr<NamedJson> TJsonStructToNatural(const IdlTable& table, std::string_view struct_name,
                                               std::string_view tjson) {
  absl::StatusOr<NamedJson> parsed = Parse(tjson, "the TJSON struct");
  if (!parsed.ok()) return parsed.status();
  const IdlType type{IdlKind::kStruct, std::string(struct_name), {}};
  if (table.FindStruct(struct_name) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no struct ", std::string(struct_name), " in the IDL"));
  }
  return TJsonToNatural(table, type, *parsed);
}

absl::StatusOr<NamedJson> TJsonReplyToNatural(const IdlTable& table, const IdlMethod& method,
                                              std::string_view reply) {
  absl::StatusOr<NamedJson> parsed = Parse(reply, "the TJSON reply");
  if (!parsed.ok()) return parsed.status();
  const NamedJson& m = *parsed;
  constexpr int kReply = 2;
  constexpr int kException = 3;
  if (!m.is_array() || m.size() != 5 || m[0] != 1 || m[1] != method.name ||
      (m[2] != kReply && m[2] != kException) || !m[4].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a TJSON reply to ", method.name, ": ", Describe(m)));
  }
  if (m[2] == kException) {
    // TApplicationException: 1: string message, 2: i32 type.
    const NamedJson* message = nullptr;
    if (m[4].contains("1") && m[4]["1"].is_object() && m[4]["1"].contains("str")) {
      message = &m[4]["1"]["str"];
    }
    const std::string text =
        message != nullptr && message->is_string() ? message->get<std::string>() : "no message";
    return absl::InternalError(absl::StrCat(method.name, " failed: ", text));
  }
  // The result struct: field 0 ("success") holds the method's result.
  const IdlField success{0, "success", method.result, false};
  absl::StatusOr<NamedJson> result = FromTJson(table).Fields({success}, m[4], "", method.result);
  if (!result.ok()) return result.status();
  if (!result->contains("success")) {
    return absl::InternalError(absl::StrCat(method.name, " returned no result"));
  }
  return (*result)["success"];
}

}  // namespace borealis::wire
