#include "core/util/server_error.h"

#include <utility>

#include "absl/strings/cord.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

// Payload layout: "<number> <sqlstate>\n<message>" (the SQLSTATE has no spaces or
// newlines; the message may hold anything).
constexpr char kTypeUrl[] = "binsync.dev/ServerError";

}  // namespace

absl::StatusCode StatusCodeForError(unsigned number) {
  switch (number) {
    case kCrConnectionError:
    case kCrConnHostError:
    case kCrUnknownHost:
    case kCrServerGoneError:
    case kCrServerLost:
    case kCrServerLostExtended:
    case kErConnectionKilled:  // KILL CONNECTION of this session
    case kErServerShutdown:
      return absl::StatusCode::kUnavailable;
    case kErAccessDenied:
    case kErDbAccessDenied:
    case kErSpecificAccessDenied:
    case kErTableAccessDenied:
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status WithServerError(absl::Status status, const ServerError& error) {
  if (status.ok()) return status;
  status.SetPayload(kTypeUrl,
                    absl::Cord(StrCat(error.number, " ", error.sqlstate, "\n", error.message)));
  return status;
}

absl::Status KeepServerError(const absl::Status& cause, absl::Status status) {
  const std::optional<ServerError> error = ServerErrorOf(cause);
  return error.has_value() ? WithServerError(std::move(status), *error) : status;
}

std::optional<ServerError> ServerErrorOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  const auto payload = status.GetPayload(kTypeUrl);  // absl::optional on Debian
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  const size_t space = text.find(' ');
  const size_t newline = text.find('\n');
  if (space == std::string::npos || newline == std::string::npos || newline < space) {
    return std::nullopt;
  }
  const std::optional<uint64_t> number = ParseUint64(std::string_view(text).substr(0, space));
  if (!number || *number > 0xffffffffu) return std::nullopt;
  ServerError error;
  error.number = static_cast<unsigned>(*number);
  error.sqlstate = text.substr(space + 1, newline - space - 1);
  error.message = text.substr(newline + 1);
  return error;
}

unsigned ServerErrorNumber(const absl::Status& status) {
  const std::optional<ServerError> error = ServerErrorOf(status);
  return error ? error->number : 0;
}

std::string_view ServerErrorAdvice(unsigned number, std::string_view message) {
  switch (number) {
    case kCrConnectionError:
    case kCrConnHostError:
      return "; check that the server runs and that host and port are right";
    case kCrUnknownHost:
      return "; check the host name";
    case kErAccessDenied:
    case kErDbAccessDenied:
      return "; check user and password (URI, MYSQL_PWD or --password-file)";
    case kCrServerGoneError:
    case kCrServerLost:
      return "; the connection dropped: check the server's error log and network";
    case kErSpecificAccessDenied:
    case kErTableAccessDenied:
      return "; grant the missing privilege to this user";
    case kErOptionPreventsStatement:
      if (message.find("read-only") != std::string_view::npos ||
          message.find("read_only") != std::string_view::npos) {
        return "; the server is read-only: SET GLOBAL read_only = OFF on it (binsync writes "
               "as a client, so read_only applies unless its user has READ_ONLY ADMIN), "
               "then restart";
      }
      return "; the server's configuration refuses this statement: change the option it "
             "names";
    default:
      return "";
  }
}

std::string SqlForMessage(std::string_view sql, size_t max) {
  std::string out;
  char quote = 0;
  size_t i = 0;
  for (; i < sql.size() && out.size() < max; ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;  // an escaped character inside the string
      } else if (c == quote) {
        out.push_back(c);
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
      out.push_back('?');
      continue;
    }
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : c);
  }
  if (quote != 0) out.push_back(quote);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (i < sql.size()) out.append("...");
  return out;
}

bool IsLostConnectionError(unsigned number) {
  return number >= kCrFirstClientError ||
         StatusCodeForError(number) == absl::StatusCode::kUnavailable;
}

}  // namespace binsync
