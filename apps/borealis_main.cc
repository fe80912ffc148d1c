// borealis (also installed as `aurora`): the command line. Reads the environment and the
// real clock here, at the edge, and hands them to cli::RunCli.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "borealis/base/clock.h"
#include "borealis/cli/app.h"
#include "borealis/cli/clusters.h"
#include "borealis/cli/process.h"

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
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
  return borealis::cli::RunCli(argc, argv, ctx);
}
