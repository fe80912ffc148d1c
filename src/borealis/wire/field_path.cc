// Builds the field-path messages declared in field_path.h.
#include "borealis/wire/field_path.h"

#include "absl/strings/str_cat.h"

namespace borealis::wire {
namespace {

// Debian's Abseil keeps its own string_view type.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// True when `message` starts with a field path: an identifier-like run ending in ':' or
// '.' before any space ("resources: ...", "job.role: ...", "container.docker: ...").
bool StartsWithPath(std::string_view message) {
  for (size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == ':' || c == '.' || c == '[') return i > 0;  // "[3]..." is handled by InField
    const bool ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '_';
    if (!ident) return false;
  }
  return false;
}

}  // namespace

absl::Status FieldError(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(Absl(field), ": ", Absl(problem)));
}

absl::Status InField(std::string_view field, const absl::Status& inner) {
  if (inner.ok()) return inner;
  const std::string_view message(inner.message().data(), inner.message().size());
  const char* separator = ": ";
  if (!message.empty() && message[0] == '[') {
    separator = "";  // an element path: "tasks" + "[3].status: ..."
  } else if (StartsWithPath(message)) {
    separator = ".";
  }
  return absl::Status(inner.code(), absl::StrCat(Absl(field), separator, Absl(message)));
}

}  // namespace borealis::wire
