// Log directories and files opened without following links (see log_files.h).
#include "borealis/executor/log_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "borealis/executor/task_file.h"

namespace borealis::executor {
namespace {

absl::Status ErrnoError(const std::string& what, const std::string& shown, int err) {
  return absl::InternalError(absl::StrCat(what, " '", shown, "': ", std::strerror(err)));
}

bool IsPlainComponent(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

absl::StatusOr<DirFd> OpenDirectory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open directory", path, errno);
  return DirFd(fd);
}

absl::StatusOr<DirFd> OpenSubdirectory(const DirFd& parent, const std::string& name,
                                       const std::string& shown) {
  if (!IsPlainComponent(name)) {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a directory name"));
  }
  for (int attempt = 0;; ++attempt) {
    // mkdirat does not follow a symlink in the last component: it fails with EEXIST.
    if (::mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError("cannot create directory", shown, errno);
    }
    int fd = ::openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) return DirFd(fd);
    int err = errno;
    // ELOOP: a symlink; ENOTDIR: some other file. Anything else is a real failure.
    if ((err != ELOOP && err != ENOTDIR) || attempt > 0) {
      return ErrnoError("cannot open directory", shown, err);
    }
    if (::unlinkat(parent.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoError("cannot remove what stands in for directory", shown, errno);
    }
  }
}

absl::StatusOr<DirFd> OpenRunLogDir(const std::string& sandbox, const std::string& process,
                                    int run) {
  if (!IsPlainComponent(process)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid process name '", process, "'"));
  }
  absl::StatusOr<DirFd> root = OpenDirectory(sandbox);
  if (!root.ok()) return root.status();
  std::string shown = absl::StrCat(sandbox, "/", kLogsDirName);
  absl::StatusOr<DirFd> logs = OpenSubdirectory(*root, kLogsDirName, shown);
  if (!logs.ok()) return logs.status();
  absl::StrAppend(&shown, "/", process);
  absl::StatusOr<DirFd> of_process = OpenSubdirectory(*logs, process, shown);
  if (!of_process.ok()) return of_process.status();
  std::string run_name = std::to_string(run);
  absl::StrAppend(&shown, "/", run_name);
  return OpenSubdirectory(*of_process, run_name, shown);
}

absl::StatusOr<int> OpenLogFile(const DirFd& dir, const std::string& name,
                                const std::string& shown) {
  if (!IsPlainComponent(name)) {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a file name"));
  }
  constexpr int kFlags =
      O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  for (int attempt = 0;; ++attempt) {
    int fd = ::openat(dir.get(), name.c_str(), kFlags, 0644);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) {
      struct stat st{};
      if (::fstat(fd, &st) != 0) {
        err = errno;
        ::close(fd);
        return ErrnoError("cannot stat", shown, err);
      }
      if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
        // Back to blocking writes (O_APPEND stays): the file is ours to write.
        if (::fcntl(fd, F_SETFL, O_APPEND) != 0) {
          err = errno;
          ::close(fd);
          return ErrnoError("cannot set up", shown, err);
        }
        return fd;
      }
      ::close(fd);
      err = S_ISREG(st.st_mode) ? EMLINK : EINVAL;  // a hard link, or a FIFO and the like
    }
    // ELOOP: a symlink; ENXIO: a FIFO or socket nobody reads; EMLINK/EINVAL: see above.
    bool replaceable = err == ELOOP || err == ENXIO || err == EMLINK || err == EINVAL;
    if (!replaceable || attempt > 0) {
      return absl::InternalError(absl::StrCat(
          "cannot open log '", shown, "': ",
          err == EMLINK ? std::string("it has other hard links")
          : err == EINVAL ? std::string("not a regular file")
                          : std::string(std::strerror(err))));
    }
    if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoError("cannot remove what stands in for log", shown, errno);
    }
  }
}

}  // namespace borealis::executor
