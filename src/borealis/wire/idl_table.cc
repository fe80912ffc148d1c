// Lookups over the IDL table declared in idl_table.h (the table itself is generated).
#include "borealis/wire/idl_table.h"

#include "absl/strings/str_cat.h"

namespace borealis::wire {
namespace {

template <typename T>
absl::flat_hash_map<std::string, size_t> IndexByName(const std::vector<T>& items) {
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < items.size(); ++i) index.emplace(items[i].name, i);
  return index;
}

template <typename T>
const T* Find(const std::vector<T>& items, const absl::flat_hash_map<std::string, size_t>& index,
              std::string_view name) {
  auto it = index.find(absl::string_view(name.data(), name.size()));
  return it == index.end() ? nullptr : &items[it->second];
}

}  // namespace

const IdlField* IdlStruct::FindField(std::string_view field_name) const {
  for (const IdlField& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

const IdlField* IdlStruct::FindField(int16_t id) const {
  for (const IdlField& f : fields) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::optional<int32_t> IdlEnum::ValueOf(std::string_view value_name) const {
  for (const auto& [n, v] : values) {
    if (n == value_name) return v;
  }
  return std::nullopt;
}

const std::string* IdlEnum::NameOf(int32_t value) const {
  for (const auto& [n, v] : values) {
    if (v == value) return &n;
  }
  return nullptr;
}

IdlTable::IdlTable(std::vector<IdlStruct> structs, std::vector<IdlEnum> enums,
                   std::vector<IdlMethod> methods)
    : structs_(std::move(structs)),
      enums_(std::move(enums)),
      methods_(std::move(methods)),
      struct_index_(IndexByName(structs_)),
      enum_index_(IndexByName(enums_)),
      method_index_(IndexByName(methods_)) {}

const IdlStruct* IdlTable::FindStruct(std::string_view name) const {
  return Find(structs_, struct_index_, name);
}

const IdlEnum* IdlTable::FindEnum(std::string_view name) const {
  return Find(enums_, enum_index_, name);
}

const IdlMethod* IdlTable::FindMethod(std::string_view name) const {
  return Find(methods_, method_index_, name);
}

std::string IdlTypeName(const IdlType& type) {
  switch (type.kind) {
    case IdlKind::kBool: return "bool";
    case IdlKind::kByte: return "byte";
    case IdlKind::kI16: return "i16";
    case IdlKind::kI32: return "i32";
    case IdlKind::kI64: return "i64";
    case IdlKind::kDouble: return "double";
    case IdlKind::kString: return "string";
    case IdlKind::kBinary: return "binary";
    case IdlKind::kStruct:
    case IdlKind::kEnum: return type.name;
    case IdlKind::kList: return absl::StrCat("list<", IdlTypeName(type.args[0]), ">");
    case IdlKind::kSet: return absl::StrCat("set<", IdlTypeName(type.args[0]), ">");
    case IdlKind::kMap:
      return absl::StrCat("map<", IdlTypeName(type.args[0]), ",", IdlTypeName(type.args[1]), ">");
  }
  return "?";
}

}  // namespace borealis::wire
