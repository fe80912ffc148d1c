// borealis (also installed as `aurora`, and as `aurora_admin` for the admin verbs): the
// command line. Reads the environment and the
// real clock here, at the edge, and hands them to cli::RunCli.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "borealis/base/clock.h"
#include "borealis/cli/admin_app.h"
#include "borealis/cli/app.h"
#include "borealis/cli/clusters.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/cli/process.h"

namespace {

// Ctrl-C ends a command with Aurora's EXIT_INTERRUPTED as its exit status (not as death by
// the signal, which only a shell would have reported as 130). _exit is async-signal-safe;
// a command has nothing to undo, and the daemons `local start` spawns run in sessions of
// their own with SIGINT at its default.
void ExitInterrupted(int) { _exit(borealis::cli::kExitInterrupted); }

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, ExitInterrupted);
  borealis::cli::ClusterSearch clusters = borealis::cli::ClusterSearch::FromEnvironment();
  const std::string home = clusters.home;
  borealis::cli::CliContext ctx{
      borealis::base::RealClock::Get(),
      std::cout,
      std::cerr,
      std::move(clusters),
      home,
      borealis::cli::SelfExe(),
      [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); },
  };
  if (argc > 0 && borealis::cli::IsAdminProgramName(argv[0])) {
    return borealis::cli::RunAdminCli(argc, argv, ctx);
  }
  return borealis::cli::RunCli(argc, argv, ctx);
}
