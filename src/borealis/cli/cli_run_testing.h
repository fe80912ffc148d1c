// RunCliInProcess: runs the CLI's entry point in this process on a manual clock and
// captures its exit code and output, for the CLI's tests. Test-only.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "borealis/base/clock.h"
#include "borealis/cli/app.h"
#include "borealis/cli/context.h"

namespace borealis::cli {

struct CliRun {
  int code = 0;
  std::string out;
  std::string err;
};

using CliEntry = int (*)(int argc, const char* const* argv, CliContext& ctx);

// `args` without argv[0], which is `argv0`; clusters come from `search`, `home` is the
// user's home directory. `entry` is the command line to run (RunCli, RunAdminCli).
inline CliRun RunInProcess(CliEntry entry, std::vector<std::string> args, ClusterSearch search,
                           std::string home, const std::string& argv0) {
  base::ManualClock clock;
  std::ostringstream out, err;
  CliContext ctx{clock, out, err, std::move(search), std::move(home), "", [](int64_t) {}};
  args.insert(args.begin(), argv0);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  CliRun r;
  r.code = entry(static_cast<int>(argv.size()), argv.data(), ctx);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// The `borealis` command line (RunInProcess with RunCli).
inline CliRun RunCliInProcess(std::vector<std::string> args, ClusterSearch search = {},
                              std::string home = "", const std::string& argv0 = "borealis") {
  return RunInProcess(&RunCli, std::move(args), std::move(search), std::move(home), argv0);
}

}  // namespace borealis::cli
