// The `update` noun's command-line grammar (Aurora's `aurora update ...` plus `promote`,
// `pulse` and `start --canary`), registered into the CLI's command tree by app.cc.
// Parsing fills the options; the command runs after parsing succeeds (see app.cc).
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "borealis/cli/context.h"
#include "borealis/cli/update_commands.h"

namespace CLI {
class App;
}  // namespace CLI

namespace borealis::cli {

struct UpdateNounOptions {
  UpdateStartOptions start;
  UpdateControlOptions control;
  UpdateListOptions list;
  UpdateInfoOptions info;
  UpdateWaitOptions wait;
};

// Adds `update` and its verbs to `app`; the chosen verb sets `action`. `options` and
// `ctx` must outlive the parse and the action.
void AddUpdateNoun(CLI::App& app, CliContext& ctx, UpdateNounOptions& options,
                   std::function<absl::Status()>& action);

}  // namespace borealis::cli
