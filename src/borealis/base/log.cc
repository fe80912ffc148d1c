#include "borealis/base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace borealis::base {

void InitLogging(const std::string& name, const std::string& level) {
  auto logger = spdlog::stderr_logger_mt(name);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] [%n] %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace borealis::base
