#include "net/replicate/stream_lease.h"

#include <unistd.h>

#include <optional>
#include <string_view>
#include <utility>

#include "core/replicate/lease_fence.h"
#include "core/util/server_error.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/mysql/statement.h"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

std::string HolderDescription() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return StrCat("binsync pid ", getpid(), " on ", host[0] != '\0' ? host : "an unknown host");
}

}  // namespace

StreamLease::StreamLease(ConnectOptions target, std::string stream, uint32_t source_server_id,
                         bool check_native)
    : target_(std::move(target)),
      stream_(std::move(stream)),
      lock_(StrCat("binsync.stream.", stream_)),
      source_server_id_(source_server_id),
      check_native_(check_native) {}

StreamLease::~StreamLease() { Release(); }

void StreamLease::Release() {
  if (held_ && conn_.raw() != nullptr) {
    (void)conn_.Execute(StrCat("DO RELEASE_LOCK(", conn_.QuoteLiteral(lock_), ")"));
  }
  held_ = false;
  conn_ = Connection();
}

absl::Status StreamLease::Ensure() {
  if (held_ && conn_.raw() != nullptr) {
    // Still ours? (The server frees the lock with the connection that held it.)
    absl::StatusOr<std::optional<std::string>> mine = conn_.QueryValue(
        StrCat("SELECT IS_USED_LOCK(", conn_.QuoteLiteral(lock_), ") = CONNECTION_ID()"));
    if (mine.ok() && mine->value_or("0") == "1") return absl::OkStatus();
    held_ = false;
    conn_ = Connection();
    // Not taken again here: workers may still apply under the old epoch. The caller stops
    // them and takes the lease anew (a new epoch) before applying more.
    return absl::UnavailableError(StrCat(
        target_.uri.Endpoint(), ": the lease of stream ", stream_, " was lost with its connection",
        mine.ok() ? "" : StrCat(" (", mine.status().message(), ")"), "; taking it again"));
  }
  conn_ = Connection();
  ASSIGN_OR_RETURN(conn_, Connection::Open(target_));
  return Take();
}

absl::Status StreamLease::RefuseNativeReplication() {
  absl::StatusOr<ResultSet> channels = conn_.Query("SHOW ALL SLAVES STATUS");
  if (!channels.ok()) return absl::OkStatus();  // not MariaDB, or no privilege: cannot tell
  for (size_t r = 0; r < channels->rows().size(); ++r) {
    const std::string master_id = channels->Get(r, "Master_Server_Id").value_or("0");
    const std::string sql_running = channels->Get(r, "Slave_SQL_Running").value_or("No");
    if (master_id != std::to_string(source_server_id_) || !EqualsIgnoreCase(sql_running, "Yes")) {
      continue;
    }
    const std::string name = channels->Get(r, "Connection_name").value_or("");
    if (!own_channel_.empty() && EqualsIgnoreCase(name, own_channel_)) continue;
    return absl::FailedPreconditionError(StrCat(
        conn_.endpoint(), ": its own replication", name.empty() ? "" : StrCat(" channel '", name, "'"),
        " already applies server_id ", source_server_id_,
        " (Slave_SQL_Running: Yes); binsync would apply every transaction a second time: "
        "STOP SLAVE", name.empty() ? "" : StrCat(" '", name, "'"),
        " on the target first, or let native replication do it"));
  }
  return absl::OkStatus();
}

absl::Status StreamLease::Take() {
  if (check_native_) RETURN_IF_ERROR(RefuseNativeReplication());
  const std::string lock = conn_.QuoteLiteral(lock_);
  ASSIGN_OR_RETURN(std::optional<std::string> got,
                   conn_.QueryValue(StrCat("SELECT GET_LOCK(", lock, ", 0)")));
  if (got.value_or("0") != "1") return RefuseHeld(lock);
  held_ = true;
  if (absl::Status st = Record(); !st.ok()) {
    Release();
    const bool waited = ServerErrorNumber(st) == kErLockWaitTimeout;
    return absl::Status(st.code(), StrCat(target_.uri.Endpoint(), ": taking the lease of stream ",
                                          stream_, " (its row in binsync.lease): ", st.message(),
                                          waited ? "; the previous holder's transactions still "
                                                   "hold the row: run again"
                                                 : "; binsync needs CREATE, ALTER, INSERT and "
                                                   "UPDATE on the binsync schema"));
  }
  return absl::OkStatus();
}

absl::Status StreamLease::RefuseHeld(std::string_view lock) {
  // Who holds it: the row its holder wrote, else the server's process list.
  ASSIGN_OR_RETURN(std::optional<std::string> holder_conn,
                   conn_.QueryValue(StrCat("SELECT IS_USED_LOCK(", lock, ")")));
  std::string holder;
  if (holder_conn.has_value()) {
    // The row its holder wrote (none when the holder is not a binsync, or the table does
    // not exist yet: then the process list says who).
    absl::StatusOr<PreparedStatement> st = PreparedStatement::Prepare(
        conn_,
        "SELECT CONCAT(holder, ' since ', since) FROM `binsync`.`lease` "
        "WHERE stream = ? AND connection_id = ?");
    const Param p[] = {{stream_, ParamType::kText}, {*holder_conn, ParamType::kUnsigned}};
    if (st.ok()) {
      (void)st->Query(p, [&](const RowValues& row) {
        holder = std::string(row[0].value_or(""));
        return absl::OkStatus();
      });
    }
    if (holder.empty()) {
      absl::StatusOr<std::optional<std::string>> who = conn_.QueryValue(StrCat(
          "SELECT CONCAT(USER, '@', HOST) FROM information_schema.PROCESSLIST WHERE ID = ",
          *holder_conn));
      holder = who.ok() && who->has_value() ? StrCat("a session of ", **who) : "a session";
    }
    StrAppend(&holder, " (connection ", *holder_conn, ")");
  }
  return absl::FailedPreconditionError(StrCat(
      conn_.endpoint(), ": stream ", stream_, " is already being applied by ",
      holder.empty() ? "another session (it just ended: run again)" : holder,
      "; one binsync per source and target: stop the other one (a killed binsync "
      "releases it by itself)"));
}

absl::Status StreamLease::Record() {
  // Bookkeeping, unlogged: it describes this server's sessions, not data.
  RETURN_IF_ERROR(conn_.Execute(StrCat("SET SESSION sql_log_bin = 0;"
                                       "CREATE DATABASE IF NOT EXISTS `binsync`;",
                                       replicate::LeaseCreateSql())));
  ASSIGN_OR_RETURN(std::optional<std::string> has_epoch,
                   conn_.QueryValue(replicate::LeaseHasEpochSql()));
  if (has_epoch.value_or("0") == "0") {
    // A table from a binsync before the fence: its rows start at epoch 0.
    RETURN_IF_ERROR(conn_.Execute(replicate::LeaseAddEpochSql()));
  }
  // The increment takes the row's exclusive lock: it waits for the transactions a previous
  // holder still has in flight (each holds the row's shared lock until it ends), and
  // commits before the caller reads the checkpoint.
  ASSIGN_OR_RETURN(PreparedStatement take,
                   PreparedStatement::Prepare(conn_, std::string(replicate::LeaseTakeSql())));
  ASSIGN_OR_RETURN(PreparedStatement read,
                   PreparedStatement::Prepare(conn_, std::string(replicate::LeaseReadSql())));
  RETURN_IF_ERROR(conn_.Execute("START TRANSACTION"));
  const std::string holder = HolderDescription();
  const Param take_params[] = {{stream_, ParamType::kText}, {holder, ParamType::kText}};
  absl::Status st = take.Execute(take_params).status();
  std::optional<replicate::LeaseRow> row;
  if (st.ok()) {
    const Param read_params[] = {{stream_, ParamType::kText}};
    st = read.Query(read_params, [&](const RowValues& values) -> absl::Status {
      ASSIGN_OR_RETURN(row, replicate::ParseLeaseRow(values));
      return absl::OkStatus();
    });
  }
  if (st.ok() && !row.has_value()) st = absl::InternalError("the row written is not there");
  if (st.ok()) st = conn_.Execute("COMMIT");
  if (!st.ok()) {
    (void)conn_.Execute("ROLLBACK");
    return st;
  }
  epoch_ = row->epoch;
  spdlog::debug("{}: lease of stream {} taken at epoch {}", conn_.endpoint(), stream_, epoch_);
  return absl::OkStatus();
}

}  // namespace binsync
