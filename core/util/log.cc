#include "core/util/log.h"

#include <memory>
#include <string>

#include "core/util/strings.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

// Formats each record as one JSON object per line. The message is escaped, so a
// value containing quotes or newlines can never break the line structure.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(64 + msg.payload.size());
    line += R"({"ts":")";
    time_formatter_->format(msg, buf_);
    line.append(buf_.data(), buf_.size());
    buf_.clear();
    line += R"(","level":")";
    const auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += R"(","msg":")";
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), &line);
    line += "\"}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  std::unique_ptr<spdlog::pattern_formatter> time_formatter_ =
      std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%fZ",
                                                  spdlog::pattern_time_type::utc, "");
  spdlog::memory_buf_t buf_;
};

}  // namespace

absl::Status InitLogging(std::string_view level, std::string_view format) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        StrCat("--log-level: unknown level '", level,
                     "'; use trace, debug, info, warn, error or off"));
  }
  spdlog::drop("binsync");
  auto logger = spdlog::stderr_logger_mt("binsync");
  if (format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else if (format == "text") {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l %v");
  } else {
    spdlog::drop("binsync");
    return absl::InvalidArgumentError(
        StrCat("--log-format: unknown format '", format, "'; use text or json"));
  }
  logger->set_level(lvl);
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

}  // namespace binsync
