// ExecProcess: one command an exec client asked for (`task run`, `task ssh`), run by
// `bash -c` in a task's sandbox as the task's user, in its own session and process group,
// with its output on a pipe (stdout and stderr together, as ssh gives them) or on a
// pseudo-terminal (an interactive `task ssh`). docs/architecture/exec-grants.md.
//
// Thread contract: Spawn from any thread; the returned object is used by one thread (the
// session's pump), except Kill(), which any thread may call.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "borealis/base/unique_fd.h"
#include "borealis/isolation/users.h"

namespace borealis::agent {

struct ExecSpec {
  std::string command;  // given to `bash -c`; empty with a pty: an interactive login shell
  std::string cwd;      // the sandbox (or the task directory with --executor-sandbox)
  std::string home;     // HOME of the command (the sandbox, as for the task's processes)
  std::optional<isolation::UserIdentity> user;  // switch to this user; nullopt: stay
  bool pty = false;
  int rows = 24, cols = 80;
  std::string term = "xterm";
};

class ExecProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ExecProcess>> Spawn(const ExecSpec& spec);
  ~ExecProcess();  // kills the process group if still running and reaps

  // Read end of the output (the pty master with a pty); non-blocking.
  int output_fd() const { return out_.get(); }
  // Write end of the input (the pty master with a pty); non-blocking.
  int input_fd() const { return pty_ ? out_.get() : in_.get(); }
  // Closes the input (end of file for the command); no effect with a pty.
  void CloseInput() {
    if (!pty_) in_ = base::UniqueFd();
  }
  void Resize(int rows, int cols);
  // Sends SIGKILL to the process group.
  void Kill();
  // The exit status if the command has ended (reaps it): the exit code, or 128+N for
  // signal N.
  std::optional<int> Poll();
  pid_t pid() const { return pid_; }

 private:
  ExecProcess() = default;
  pid_t pid_ = -1;
  bool pty_ = false;
  base::UniqueFd out_;
  base::UniqueFd in_;
  std::optional<int> status_;
};

}  // namespace borealis::agent
