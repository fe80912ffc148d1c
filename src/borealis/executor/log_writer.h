// Where a process's stdout and stderr go (docs/aurora-compatibility.md): the Logger of each
// process,
// read from the executor data (the job JSON) with the schema's defaults, and the
// writers that carry a run's output when the executor has to stand in the middle.
//
// Destinations: `file` (`<sandbox>/.logs/<process>/<run>/stdout|stderr`), `console` (the
// executor's own stdout/stderr, i.e. executor.log), `both`, `none` (discarded). Modes:
// `standard` (files grow without bound) and `rotate` (when a file would pass `log_size`
// bytes it becomes `stdout.1`, the older ones shift up to `stdout.<backups>`, the oldest
// is dropped, and a new `stdout` starts; with backups = 0 the file starts over empty).
//
// Cost: `file`+`standard`, `console` and `none` need no help from the executor (the
// child writes straight to the file, the inherited descriptor or /dev/null). Only
// `rotate` and `both` put a pipe between the process and its files: the executor's one
// poll loop reads it (LogPump) and writes through a RotatingLog; no thread per process.
// The files live in the sandbox, which the task's user owns: a RotatingLog works only
// through its run directory's descriptor and never follows a link (log_files.h).
//
// Thread contract: ReadLogConfigs is pure and thread-safe; RotatingLog and LogPump are
// owned by one thread (the executor loop); Write and Drain abort when called from another
// thread than the first that called them (base::ThreadOwner).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "borealis/base/thread_owner.h"
#include "borealis/executor/log_files.h"

namespace borealis::executor {

struct LogConfig {
  enum class Destination { kFile, kConsole, kBoth, kNone };
  enum class Mode { kStandard, kRotate };
  Destination destination = Destination::kFile;
  Mode mode = Mode::kStandard;
  int64_t log_size = 100 * 1024 * 1024;  // bytes, rotate mode
  int backups = 5;                        // rotate mode

  bool to_file() const {
    return destination == Destination::kFile || destination == Destination::kBoth;
  }
  bool to_console() const {
    return destination == Destination::kConsole || destination == Destination::kBoth;
  }
  // True when the executor must read the process's output through a pipe.
  bool needs_pump() const {
    return destination == Destination::kBoth || (to_file() && mode == Mode::kRotate);
  }
  bool operator==(const LogConfig&) const = default;
};

// The Logger of every process of the task in the executor data, by process name; a
// process without one gets the defaults (file, standard). Errors start with
// "executor data: " and name the field.
absl::StatusOr<std::map<std::string, LogConfig>> ReadLogConfigs(std::string_view executor_data);

// One log file, `name` in the directory `dir` (whose path, for messages, is
// `dir_path`), written in standard or rotate mode. Opens (appending) on the first write;
// opens and renames only relative to `dir`, never through a link (log_files.h).
class RotatingLog {
 public:
  RotatingLog(DirFd dir, std::string dir_path, std::string name, const LogConfig& config);
  ~RotatingLog();
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  absl::Status Write(std::string_view data);
  std::string path() const { return dir_path_ + "/" + name_; }

 private:
  absl::Status Open();
  absl::Status Rotate();

  DirFd dir_;
  std::string dir_path_;
  std::string name_;
  bool rotate_;
  int64_t log_size_;
  int backups_;
  int fd_ = -1;
  int64_t size_ = 0;
  base::ThreadOwner owner_{"RotatingLog"};
};

// Reads one end of a pipe (non-blocking) and passes what comes to a RotatingLog and/or
// a console descriptor. The pump owns `read_fd`.
class LogPump {
 public:
  // `file` may be null (console only); `console_fd` -1 for none (not owned).
  LogPump(int read_fd, std::unique_ptr<RotatingLog> file, int console_fd);
  ~LogPump();
  LogPump(const LogPump&) = delete;
  LogPump& operator=(const LogPump&) = delete;

  int fd() const { return fd_; }
  // Reads what is there (bounded per call so one chatty process cannot starve the
  // loop). Returns false once the writing side is closed and everything was read.
  bool Drain();

 private:
  int fd_;
  std::unique_ptr<RotatingLog> file_;
  int console_fd_;
  bool reported_error_ = false;
  base::ThreadOwner owner_{"LogPump"};
};

}  // namespace borealis::executor
