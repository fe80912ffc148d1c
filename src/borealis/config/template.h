// Mustache templates as Aurora configs use them: `{{ref}}` where ref is an identifier
// followed by `.ident` or `[index]` parts (index characters: letters, digits, `_-./`),
// and `{{&ref}}`, an escape that stands for the literal text `{{ref}}`.
//
// Two users: the job reader resolves job-level refs ({{role}}, {{name}}, ...) and leaves
// the refs only a machine can bind; the executor binds those (RuntimeContext) right
// before it starts a process. Pure functions, no state; safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace borealis::config {

// One part of a reference: `.name` (is_index false) or `[name]` (is_index true).
struct RefPart {
  std::string name;
  bool is_index = false;
  bool operator==(const RefPart&) const = default;
};

// A parsed reference such as thermos.ports[http]: {thermos}, {ports}, {http, index}.
struct Ref {
  std::vector<RefPart> parts;
  std::string text;  // the reference as written, without braces or spaces
};

// Parses the inside of `{{...}}`. Errors name the reference.
absl::StatusOr<Ref> ParseRef(std::string_view text);

// Calls back for every reference in `text`, in order. The callback returns the
// replacement, std::nullopt to keep the reference as written, or an error (returned
// as is). Escapes `{{&x}}` are kept as written when keep_escapes, else become `{{x}}`.
// Text without a closing `}}` is copied unchanged.
using RefResolver = std::function<absl::StatusOr<std::optional<std::string>>(const Ref&)>;
absl::StatusOr<std::string> Interpolate(std::string_view text, const RefResolver& resolve,
                                        bool keep_escapes);

// Every reference in `text` (escapes excluded), in order; malformed ones are skipped.
std::vector<Ref> FindRefs(std::string_view text);

// True for the references that only the executor can bind: mesos.instance,
// mesos.hostname, thermos.task_id and thermos.ports[NAME].
bool IsRuntimeRef(const Ref& ref);

// What the executor knows when it launches a task.
struct RuntimeContext {
  int instance = 0;
  std::string hostname;
  std::string task_id;
  std::map<std::string, int> ports;  // named port -> number
};

// Binds the runtime references of `text` and turns escapes into literal `{{x}}`.
// Any other reference, or a port the task was not given, is an error naming it:
// "unbound template '{{thermos.ports[http]}}'".
absl::StatusOr<std::string> ResolveRuntimeTemplates(std::string_view text,
                                                    const RuntimeContext& context);

}  // namespace borealis::config
