// Process loggers: their settings, rotating files and the pipe pump (see log_writer.h).
#include "borealis/executor/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/base/log.h"
#include "borealis/base/status.h"
#include "borealis/config/schema.h"

namespace borealis::executor {
namespace {

using nlohmann::json;

// Bytes read from one pipe per Drain() call.
constexpr size_t kMaxDrainBytes = 256 * 1024;

absl::Status ErrnoError(const std::string& what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

absl::Status WriteAllTo(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("write", errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<LogConfig> ReadLogger(const json& logger, const std::string& field) {
  LogConfig config;
  const std::string destination = logger.at("destination").get<std::string>();
  if (destination == "console") {
    config.destination = LogConfig::Destination::kConsole;
  } else if (destination == "both") {
    config.destination = LogConfig::Destination::kBoth;
  } else if (destination == "none") {
    config.destination = LogConfig::Destination::kNone;
  }
  if (logger.at("mode").get<std::string>() == "rotate") config.mode = LogConfig::Mode::kRotate;
  if (logger.contains("rotate")) {
    config.log_size = logger.at("rotate").at("log_size").get<int64_t>();
    config.backups = logger.at("rotate").at("backups").get<int>();
  }
  if (config.mode == LogConfig::Mode::kRotate && config.log_size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("executor data: ", field, ".rotate.log_size: must be > 0"));
  }
  if (config.backups < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("executor data: ", field, ".rotate.backups: must be >= 0"));
  }
  return config;
}

}  // namespace

absl::StatusOr<std::map<std::string, LogConfig>> ReadLogConfigs(std::string_view executor_data) {
  json job = json::parse(executor_data, nullptr, /*allow_exceptions=*/false);
  if (job.is_discarded() || !job.is_object() || !job.contains("task")) {
    return absl::InvalidArgumentError("executor data: expected a job object with a task");
  }
  config::NormalizeOptions lenient;
  lenient.reject_unknown_fields = false;
  absl::StatusOr<json> task = config::Normalize(job.at("task"), config::TaskType(), "task", lenient);
  if (!task.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("executor data: ", task.status().message()));
  }
  std::map<std::string, LogConfig> configs;
  const json& processes = task->at("processes");
  for (size_t i = 0; i < processes.size(); ++i) {
    const json& p = processes[i];
    LogConfig config;
    if (p.contains("logger")) {
      ASSIGN_OR_RETURN(config,
                       ReadLogger(p.at("logger"), absl::StrCat("task.processes[", i, "].logger")));
    }
    configs[p.at("name").get<std::string>()] = config;
  }
  return configs;
}

// ---------------------------------------------------------------- RotatingLog

RotatingLog::RotatingLog(DirFd dir, std::string dir_path, std::string name,
                         const LogConfig& config)
    : dir_(std::move(dir)),
      dir_path_(std::move(dir_path)),
      name_(std::move(name)),
      rotate_(config.mode == LogConfig::Mode::kRotate),
      log_size_(config.log_size),
      backups_(config.backups) {}

RotatingLog::~RotatingLog() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status RotatingLog::Open() {
  ASSIGN_OR_RETURN(fd_, OpenLogFile(dir_, name_, path()));
  struct stat st{};
  size_ = ::fstat(fd_, &st) == 0 ? st.st_size : 0;
  return absl::OkStatus();
}

absl::Status RotatingLog::Rotate() {
  if (backups_ == 0) {
    // The open file is the one to start over: no name is looked up again.
    if (::ftruncate(fd_, 0) != 0) return ErrnoError(absl::StrCat("truncate '", path(), "'"), errno);
    size_ = 0;
    return absl::OkStatus();
  }
  ::close(fd_);
  fd_ = -1;
  // stdout.<backups-1> -> stdout.<backups> (replacing the oldest), ..., stdout -> stdout.1;
  // renameat moves directory entries and follows no link.
  for (int i = backups_ - 1; i >= 0; --i) {
    std::string from = i == 0 ? name_ : absl::StrCat(name_, ".", i);
    std::string to = absl::StrCat(name_, ".", i + 1);
    if (::renameat(dir_.get(), from.c_str(), dir_.get(), to.c_str()) != 0 && errno != ENOENT) {
      return ErrnoError(absl::StrCat("rename '", dir_path_, "/", from, "'"), errno);
    }
  }
  return Open();
}

absl::Status RotatingLog::Write(std::string_view data) {
  owner_.Check();
  if (fd_ < 0) RETURN_IF_ERROR(Open());
  while (!data.empty()) {
    std::string_view chunk = data;
    if (rotate_) {
      if (size_ >= log_size_) RETURN_IF_ERROR(Rotate());
      chunk = data.substr(0, static_cast<size_t>(std::min<int64_t>(
                                 log_size_ - size_, static_cast<int64_t>(data.size()))));
    }
    RETURN_IF_ERROR(WriteAllTo(fd_, chunk));
    size_ += static_cast<int64_t>(chunk.size());
    data.remove_prefix(chunk.size());
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- LogPump

LogPump::LogPump(int read_fd, std::unique_ptr<RotatingLog> file, int console_fd)
    : fd_(read_fd), file_(std::move(file)), console_fd_(console_fd) {}

LogPump::~LogPump() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogPump::Drain() {
  owner_.Check();
  char buf[16384];
  size_t total = 0;
  while (total < kMaxDrainBytes) {
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    std::string_view data(buf, static_cast<size_t>(n));
    total += data.size();
    absl::Status s = absl::OkStatus();
    if (file_ != nullptr) s = file_->Write(data);
    if (console_fd_ >= 0 && s.ok()) s = WriteAllTo(console_fd_, data);
    if (!s.ok() && !reported_error_) {
      // Keep reading so the process never blocks on a full pipe; say it once.
      reported_error_ = true;
      LOG_ERROR("log {}: {}", file_ != nullptr ? file_->path() : "console",
                std::string(s.message()));
    }
  }
  return true;
}

}  // namespace borealis::executor
