// Natural JSON <-> Thrift's TJSON wire form, guided by an IDL table (idl_table.h). This is
// what serves the /apibeta API (docs/aurora-compatibility.md, "API"): a request names its
// parameters and fields, the scheduler's Thrift processor sees an ordinary TJSON call (one
// code path with /api), and the reply goes back in the natural form.
//
// The natural form: a struct is an object of its set fields by name (in IDL order when
// written); a union is an object with exactly one member, the set field; an enum is its
// value's name; a list or set is an array; a map is an object (integer and enum keys are
// written as their decimal or name); i64 is a JSON number. Reading is lenient where
// Aurora's Gson reader is (an integer may be an integral float or a decimal string, a bool
// may be "true"/"false", a null field is an unset one, an unknown field is skipped) and
// strict elsewhere: an unknown enum name, a union with no or several members, a wrong JSON
// type or an integer out of range is an InvalidArgument error whose message starts with the
// JSON path of the bad value ("description.taskConfig.priority: expected an integer, got
// \"high\"").
//
// Plain functions on values; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "borealis/wire/idl_table.h"

namespace borealis::wire {

using NamedJson = nlohmann::ordered_json;

// The TJSON value (what follows the type tag) of natural-JSON `value` of type `type`.
// `path` names `value` in error messages ("" at the top).
absl::StatusOr<NamedJson> NaturalToTJson(const IdlTable& table, const IdlType& type,
                                         const NamedJson& value, const std::string& path = "");

// The natural JSON of TJSON value `value` of type `type`. Fields with ids the table does not
// know are skipped, as Thrift readers do; an enum value without a name stays a number.
absl::StatusOr<NamedJson> TJsonToNatural(const IdlTable& table, const IdlType& type,
                                         const NamedJson& value, const std::string& path = "");

// The TJSON CALL message (bytes, as /api receives them) of `method` whose parameters are the
// members of `params` by name: a missing or null parameter is left unset, other members are
// ignored. `params` must be an object or null (no parameters).
absl::StatusOr<std::string> NamedCallToTJson(const IdlTable& table, const IdlMethod& method,
                                             const NamedJson& params, int32_t seqid = 0);

// The natural JSON of the result carried by TJSON REPLY message `reply` to `method`. An
// EXCEPTION message or a reply without a result is an Internal error with its message;
// bytes that are not a TJSON message of `method` are InvalidArgument.
absl::StatusOr<NamedJson> TJsonReplyToNatural(const IdlTable& table, const IdlMethod& method,
                                              std::string_view reply);

// The natural JSON of one TJSON-encoded struct (wire::SerializeJson's output) named
// `struct_name` in `table`.
absl::StatusOr<NamedJson> TJsonStructToNatural(const IdlTable& table, std::string_view struct_name,
                                               std::string_view tjson);

}  // namespace borealis::wire
