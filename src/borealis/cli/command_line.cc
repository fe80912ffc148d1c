// ParseAndRun (see command_line.h).
#include "borealis/cli/command_line.h"

namespace borealis::cli {

int ParseAndRun(CLI::App& app, int argc, const char* const* argv, CliContext& ctx,
                const std::function<absl::Status()>& action, int bad_command,
                const std::string& hint, int (*exit_code)(const absl::Status&)) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, ctx.out, ctx.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, ctx.out, ctx.err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, ctx.out, ctx.err);
  } catch (const CLI::ParseError& e) {
    ctx.err << "error: " << e.what() << " (see " << hint << ")" << std::endl;
    return bad_command;
  }
  if (!action) {
    ctx.err << "error: no command given (see " << hint << ")" << std::endl;
    return bad_command;
  }
  absl::Status status = action();
  if (!status.ok()) ctx.err << "error: " << status.message() << std::endl;
  return exit_code(status);
}

}  // namespace borealis::cli
