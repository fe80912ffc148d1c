// RunCli: the `borealis` command line (Aurora's `noun verb args` grammar on CLI11). Parses
// argv, runs one command, prints its one-line failure reason to ctx.err ("error: ...")
// and returns the exit code (exit_codes.h; a bad command line is kExitInvalidCommand,
// --help and --version exit 0). `--version` prints the bare version, as Aurora's client
// prints its own ("0.1.0"), whether the binary runs as `borealis` or as `aurora`.
// Thread contract: call from one thread; the command blocks.
#pragma once

#include "borealis/cli/context.h"

namespace borealis::cli {

inline constexpr char kVersion[] = "0.1.0";

int RunCli(int argc, const char* const* argv, CliContext& ctx);

}  // namespace borealis::cli
