// The logging facade: spdlog behind a few names, so modules do not pick sinks.
// core/ and model/ never log; they return explanations instead.
#pragma once

#include <spdlog/spdlog.h>

namespace borealis::base {

// Sets up the default logger for a daemon: stderr, "[time] [level] [name] message".
void InitLogging(const std::string& name, const std::string& level = "info");

}  // namespace borealis::base

#define LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
#define LOG_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
