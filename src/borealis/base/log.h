// The logging facade: LOG_INFO("task {} -> {}", id, state) and its siblings write one
// line to stderr, "[2026-11-22 04:35:47.123] [info] [name] task t-1 -> RUNNING", the
// shape spdlog printed before. core/ and model/ never log; they return explanations.
//
// A small logger of our own rather than spdlog: the executor runs once per task, and
// spdlog (with libfmt) was a shared library it loaded only to print a few lines
// (docs/BENCHMARKS.md, "Executor overhead"). Each `{}` takes the next argument: strings,
// numbers, bools, chars and enums (as their number). The count of `{}` must match the
// arguments; a mismatch does not compile. `{{` and `}}` print a brace.
//
// Thread-safe: a line is formatted by the caller and written with one write(2) under a
// mutex, unbuffered, so nothing is lost when a process exits abruptly.
#pragma once

#include <cstddef>
#include <string>
#include <concepts>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"

namespace borealis::base {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// Sets up logging for a daemon: the name shown in each line and the lowest level written
// ("trace", "debug", "info", "warn"/"warning", "error", "critical", "off"; anything else
// turns logging off, as spdlog's from_str did). Until it is called: level info, no name.
void InitLogging(const std::string& name, const std::string& level = "info");

// How lines are written: kText is the line above; kJson one JSON object per line,
// {"ts":"2026-11-22T04:35:47.123Z","level":"info","logger":"scheduler","msg":"..."}
// (UTC, RFC 3339), for log collectors (docs/metrics.md, "Structured logs").
enum class LogFormat { kText, kJson };
void SetLogFormat(LogFormat format);
// Parses "text" or "json" (the daemons' --log-format); false for anything else.
bool ParseLogFormat(const std::string& name, LogFormat* out);

namespace log_internal {

bool Enabled(LogLevel level);
void Write(LogLevel level, std::string_view message);

// Reached only when a LOG_* format string's `{}` do not match its arguments: calling
// this non-constexpr function from the consteval constructor below is a compile error.
void FormatDoesNotMatchArguments();

consteval size_t CountFields(std::string_view format) {
  size_t fields = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '{') {
      if (i + 1 < format.size() && format[i + 1] == '{') {
        ++i;
      } else if (i + 1 < format.size() && format[i + 1] == '}') {
        ++fields;
        ++i;
      } else {
        FormatDoesNotMatchArguments();  // only `{}` is supported
      }
    } else if (format[i] == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        ++i;
      } else {
        FormatDoesNotMatchArguments();
      }
    }
  }
  return fields;
}

// A format string checked at compile time against the number of arguments.
template <typename... Args>
class FormatString {
 public:
  template <typename T>
    requires std::is_convertible_v<const T&, std::string_view>
  consteval FormatString(const T& text) : text_(text) {  // NOLINT: implicit on purpose
    if (CountFields(text_) != sizeof...(Args)) FormatDoesNotMatchArguments();
  }
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

inline std::string ToText(bool value) { return value ? "true" : "false"; }
inline std::string ToText(char value) { return std::string(1, value); }
inline std::string ToText(const char* value) { return value == nullptr ? "(null)" : value; }
inline std::string ToText(std::string_view value) { return std::string(value); }
inline std::string ToText(const std::string& value) { return value; }
template <typename T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
std::string ToText(T value) {
  return absl::StrCat(value);
}
template <typename T>
  requires std::is_enum_v<T>
std::string ToText(T value) {
  return absl::StrCat(static_cast<std::underlying_type_t<T>>(value));
}
// Typed ids (model/ids.h) and other values that read back as a string.
template <typename T>
  requires requires(const T& v) {
    { v.str() } -> std::convertible_to<const std::string&>;
  }
std::string ToText(const T& value) {
  return value.str();
}

// Replaces each `{}` of `format` with the next of `args`; `{{`/`}}` become braces.
std::string Substitute(std::string_view format, const std::string* args, size_t count);

template <typename... Args>
void Log(LogLevel level, FormatString<std::type_identity_t<Args>...> format,
         const Args&... args) {
  if (!Enabled(level)) return;
  if constexpr (sizeof...(Args) == 0) {
    Write(level, Substitute(format.text(), nullptr, 0));
  } else {
    const std::string texts[] = {ToText(args)...};
    Write(level, Substitute(format.text(), texts, sizeof...(Args)));
  }
}

}  // namespace log_internal
}  // namespace borealis::base

#define LOG_INFO(...) ::borealis::base::log_internal::Log(::borealis::base::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) ::borealis::base::log_internal::Log(::borealis::base::LogLevel::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) \
  ::borealis::base::log_internal::Log(::borealis::base::LogLevel::kError, __VA_ARGS__)
#define LOG_DEBUG(...) \
  ::borealis::base::log_internal::Log(::borealis::base::LogLevel::kDebug, __VA_ARGS__)
