// Process-wide logging: spdlog to stderr, one line per event that matters.
// Text ("2026-11-21 10:00:00.123 info  message") or JSON lines
// ({"ts":"...","level":"info","msg":"..."}), chosen once at start-up by the CLI.
// Callers use spdlog::info/warn/error directly after InitLogging().
#ifndef BINSYNC_CORE_UTIL_LOG_H_
#define BINSYNC_CORE_UTIL_LOG_H_

#include <string_view>

#include "absl/status/status.h"

namespace binsync {

enum class LogFormat { kText, kJson };

// Parses "trace|debug|info|warn|error|off" and "text|json"; installs the stderr logger.
[[nodiscard]] absl::Status InitLogging(std::string_view level, std::string_view format);

}  // namespace binsync

#endif  // BINSYNC_CORE_UTIL_LOG_H_
