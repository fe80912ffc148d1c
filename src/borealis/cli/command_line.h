// ParseAndRun: the end of every command line's entry point (`borealis`/`aurora` and
// `aurora_admin`): parse argv into a CLI11 tree whose verbs set `action`, run it, print a
// failure as one line "error: ..." on ctx.err and return the exit code.
// Thread contract: call from one thread; the command blocks.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "borealis/cli/context.h"

namespace borealis::cli {

// --help and --version exit 0. A parse error, or no verb chosen, prints
// "error: ... (see `hint`)" and returns `bad_command`; a failed action returns
// `exit_code(status)`.
int ParseAndRun(CLI::App& app, int argc, const char* const* argv, CliContext& ctx,
                const std::function<absl::Status()>& action, int bad_command,
                const std::string& hint, int (*exit_code)(const absl::Status&));

}  // namespace borealis::cli
