// A table of the public Thrift IDL (api/api.thrift) for code that must speak the API by
// field and parameter name rather than through the generated C++ types: every struct and
// union (fields with id, name, type and optionality), every enum (value <-> name) and every
// method of AuroraAdmin, inherited ones included (parameters and result type).
//
// ApiIdl() is generated at build time by tools/gen_idl_table.py from api/api.thrift, so it
// never drifts from the IDL; tests may build small tables of their own. Immutable after
// construction and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace borealis::wire {

// kBool ... kBinary are Thrift's base types; kStruct is a struct or a union
// (IdlStruct::is_union).
enum class IdlKind {
  kBool, kByte, kI16, kI32, kI64, kDouble, kString, kBinary,
  kStruct, kEnum, kList, kSet, kMap,
};

struct IdlType {
  IdlKind kind;
  std::string name;           // the struct, union or enum (kStruct, kEnum); else empty
  std::vector<IdlType> args;  // the element (kList, kSet); the key and value (kMap)
};

struct IdlField {
  int16_t id;
  std::string name;
  IdlType type;
  bool optional;
};

struct IdlStruct {
  std::string name;
  bool is_union;
  std::vector<IdlField> fields;  // in IDL order

  const IdlField* FindField(std::string_view field_name) const;
  const IdlField* FindField(int16_t id) const;
};

struct IdlEnum {
  std::string name;
  std::vector<std::pair<std::string, int32_t>> values;  // in IDL order

  std::optional<int32_t> ValueOf(std::string_view value_name) const;
  const std::string* NameOf(int32_t value) const;  // nullptr for an unknown value
};

struct IdlMethod {
  std::string name;
  std::string service;  // the service that declares it
  std::vector<IdlField> params;
  IdlType result;
};

class IdlTable {
 public:
  IdlTable(std::vector<IdlStruct> structs, std::vector<IdlEnum> enums,
           std::vector<IdlMethod> methods);

  // nullptr when there is no such name.
  const IdlStruct* FindStruct(std::string_view name) const;
  const IdlEnum* FindEnum(std::string_view name) const;
  const IdlMethod* FindMethod(std::string_view name) const;

  const std::vector<IdlMethod>& methods() const { return methods_; }

 private:
  std::vector<IdlStruct> structs_;
  std::vector<IdlEnum> enums_;
  std::vector<IdlMethod> methods_;
  absl::flat_hash_map<std::string, size_t> struct_index_;
  absl::flat_hash_map<std::string, size_t> enum_index_;
  absl::flat_hash_map<std::string, size_t> method_index_;
};

// The table of api/api.thrift with the methods of AuroraAdmin (generated).
const IdlTable& ApiIdl();

// "i32", "list<ScheduleStatus>", "map<string,i32>": the type as the IDL spells it.
std::string IdlTypeName(const IdlType& type);

}  // namespace borealis::wire
