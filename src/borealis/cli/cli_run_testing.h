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

// `args` without argv[0], which is `argv0`; clusters come from `search`, `home` is the
// user's home directory.
inline CliRun RunCliInProcess(std::vector<std::string> args, ClusterSearch search = {},
                              std::string home = "", const std::string& argv0 = "borealis") {
  base::ManualClock clock;
  std::ostringstream out, err;
  CliContext ctx{clock, out, err, std::move(search), std::move(home), "", [](int64_t) {}};
  args.insert(args.begin(), argv0);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  CliRun r;
  r.code = RunCli(static_cast<int>(argv.size()), argv.data(), ctx);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace borealis::cli
