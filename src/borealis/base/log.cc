// The logger behind log.h: one unbuffered write(2) per line to stderr.
#include "borealis/base/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "absl/base/thread_annotations.h"
#include "borealis/base/clock.h"
#include "borealis/base/mutex.h"

namespace borealis::base {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> json_format{false};

Mutex& WriteMutex() {
  static Mutex* mu = new Mutex();  // never destroyed: threads may log at exit
  return *mu;
}

std::string& LoggerName() ABSL_EXCLUSIVE_LOCKS_REQUIRED(WriteMutex()) {
  static std::string* name = new std::string();
  return *name;
}

LogLevel ParseLevel(const std::string& level) {
  if (level == "trace") return LogLevel::kTrace;
  if (level == "debug") return LogLevel::kDebug;
  if (level == "info") return LogLevel::kInfo;
  if (level == "warn" || level == "warning") return LogLevel::kWarn;
  if (level == "err" || level == "error") return LogLevel::kError;
  if (level == "critical") return LogLevel::kCritical;
  return LogLevel::kOff;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warning";
    case LogLevel::kError: return "error";
    case LogLevel::kCritical: return "critical";
    case LogLevel::kOff: break;
  }
  return "off";
}

// The time now: "[2026-11-22 04:35:47.123] " in local time, or with `utc`
// "2026-11-22T04:35:47.123Z" (RFC 3339, for JSON lines).
std::string Timestamp(bool utc = false) {
  int64_t now_ms = RealClock::Get().NowMs();
  time_t seconds = static_cast<time_t>(now_ms / 1000);
  struct tm t;
  if (utc) {
    gmtime_r(&seconds, &t);
  } else {
    localtime_r(&seconds, &t);
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf),
                utc ? "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" : "[%04d-%02d-%02d %02d:%02d:%02d.%03d] ",
                t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(now_ms % 1000));
  return buf;
}

// A JSON string literal of `s` (control characters escaped; other bytes as they are).
void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void SetLogFormat(LogFormat format) {
  json_format.store(format == LogFormat::kJson, std::memory_order_relaxed);
}

bool ParseLogFormat(const std::string& name, LogFormat* out) {
  if (name == "text") {
    *out = LogFormat::kText;
  } else if (name == "json") {
    *out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void InitLogging(const std::string& name, const std::string& level) {
  MutexLock lock(&WriteMutex());
  LoggerName() = name;
  min_level.store(static_cast<int>(ParseLevel(level)), std::memory_order_relaxed);
}

namespace log_internal {

bool Enabled(LogLevel level) {
  return level != LogLevel::kOff &&
         static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void Write(LogLevel level, std::string_view message) {
  std::string line;
  const bool json = json_format.load(std::memory_order_relaxed);
  if (json) {
    line.append("{\"ts\":\"").append(Timestamp(/*utc=*/true)).append("\",\"level\":\"");
    line.append(LevelName(level)).append("\"");
  } else {
    line = Timestamp();
    line.append("[").append(LevelName(level)).append("] ");
  }
  MutexLock lock(&WriteMutex());
  if (json) {
    if (!LoggerName().empty()) {
      line.append(",\"logger\":");
      AppendJsonString(line, LoggerName());
    }
    line.append(",\"msg\":");
    AppendJsonString(line, message);
    line.append("}\n");
  } else {
    if (!LoggerName().empty()) line.append("[").append(LoggerName()).append("] ");
    line.append(message).append("\n");
  }
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing stderr
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

void FormatDoesNotMatchArguments() {}

std::string Substitute(std::string_view format, const std::string* args, size_t count) {
  std::string out;
  out.reserve(format.size() + 16 * count);
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
      out.push_back(c);  // `{{` or `}}`
      ++i;
    } else if (c == '{' && i + 1 < format.size() && format[i + 1] == '}') {
      if (next < count) out.append(args[next++]);
      ++i;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace log_internal
}  // namespace borealis::base
