// Mustache scanning and the executor-side binding of runtime references.
#include "borealis/config/template.h"

#include <cctype>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "borealis/base/status.h"

namespace borealis::config {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIndexChar(char c) {
  return IsIdentChar(c) || c == '-' || c == '.' || c == '/';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One `{{...}}` found in a text: [begin, end) covers the braces.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  std::string_view inner;
};

// Finds the next `{{...}}` at or after `from` whose inside holds no `{{` (so in
// `{{a{{n}}}}` the inner `{{n}}` is found first).
std::optional<Span> NextSpan(std::string_view text, size_t from) {
  size_t open = text.find("{{", from);
  while (open != std::string_view::npos) {
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return std::nullopt;
    size_t inner_open = text.find("{{", open + 2);
    if (inner_open != std::string_view::npos && inner_open < close) {
      open = inner_open;
      continue;
    }
    return Span{open, close + 2, text.substr(open + 2, close - open - 2)};
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Ref> ParseRef(std::string_view text) {
  std::string_view s = Trim(text);
  Ref ref;
  ref.text = std::string(s);
  auto invalid = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid template reference '{{", std::string(text), "}}'"));
  };
  size_t i = 0;
  bool first = true;
  while (i < s.size()) {
    RefPart part;
    if (first || s[i] == '.') {
      if (!first) ++i;
      if (i >= s.size() || !IsIdentStart(s[i])) return invalid();
      size_t start = i;
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      part.name = std::string(s.substr(start, i - start));
    } else if (s[i] == '[') {
      size_t start = ++i;
      while (i < s.size() && IsIndexChar(s[i])) ++i;
      if (i == start || i >= s.size() || s[i] != ']') return invalid();
      part.name = std::string(s.substr(start, i - start));
      part.is_index = true;
      ++i;
    } else {
      return invalid();
    }
    first = false;
    ref.parts.push_back(std::move(part));
  }
  if (ref.parts.empty()) return invalid();
  return ref;
}

absl::StatusOr<std::string> Interpolate(std::string_view text, const RefResolver& resolve,
                                        bool keep_escapes) {
  std::string out;
  size_t pos = 0;
  while (auto span = NextSpan(text, pos)) {
    out.append(text.substr(pos, span->begin - pos));
    pos = span->end;
    std::string_view inner = Trim(span->inner);
    if (!inner.empty() && inner.front() == '&') {
      if (keep_escapes) {
        out.append(text.substr(span->begin, span->end - span->begin));
      } else {
        absl::StrAppend(&out, "{{", std::string(Trim(inner.substr(1))), "}}");
      }
      continue;
    }
    ASSIGN_OR_RETURN(Ref ref, ParseRef(span->inner));
    ASSIGN_OR_RETURN(std::optional<std::string> value, resolve(ref));
    if (value.has_value()) {
      out.append(*value);
    } else {
      out.append(text.substr(span->begin, span->end - span->begin));
    }
  }
  out.append(text.substr(pos));
  return out;
}

std::vector<Ref> FindRefs(std::string_view text) {
  std::vector<Ref> refs;
  size_t pos = 0;
  while (auto span = NextSpan(text, pos)) {
    pos = span->end;
    std::string_view inner = Trim(span->inner);
    if (!inner.empty() && inner.front() == '&') continue;
    auto ref = ParseRef(inner);
    if (ref.ok()) refs.push_back(*std::move(ref));
  }
  return refs;
}

bool IsRuntimeRef(const Ref& ref) {
  const auto& p = ref.parts;
  if (p.size() == 2 && p[0].name == "mesos" && !p[1].is_index) {
    return p[1].name == "instance" || p[1].name == "hostname";
  }
  if (p.size() == 2 && p[0].name == "thermos" && !p[1].is_index) {
    return p[1].name == "task_id";
  }
  return p.size() == 3 && p[0].name == "thermos" && p[1].name == "ports" && !p[1].is_index &&
         p[2].is_index;
}

absl::StatusOr<std::string> ResolveRuntimeTemplates(std::string_view text,
                                                    const RuntimeContext& context) {
  auto unbound = [](const Ref& ref) {
    return absl::InvalidArgumentError(absl::StrCat("unbound template '{{", ref.text, "}}'"));
  };
  RefResolver resolve = [&](const Ref& ref) -> absl::StatusOr<std::optional<std::string>> {
    if (!IsRuntimeRef(ref)) return unbound(ref);
    const std::string& head = ref.parts[0].name;
    const std::string& what = ref.parts[1].name;
    if (head == "mesos" && what == "instance") return std::to_string(context.instance);
    if (head == "mesos" && what == "hostname") return context.hostname;
    if (what == "task_id") return context.task_id;
    auto it = context.ports.find(ref.parts[2].name);
    if (it == context.ports.end()) return unbound(ref);
    return std::to_string(it->second);
  };
  return Interpolate(text, resolve, /*keep_escapes=*/false);
}

}  // namespace borealis::config
