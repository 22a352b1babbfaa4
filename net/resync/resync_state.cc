#include "net/resync/resync_state.h"

#include <string_view>
#include <utility>

#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/mysql/statement.h"
#include "nlohmann/json.hpp"

namespace binsync {
namespace {

std::string NativeJson(const NativeAsFound& n) {
  return nlohmann::json{{"channel", n.channel},
                        {"io_running", n.io_running},
                        {"sql_running", n.sql_running},
                        {"last_sql_errno", n.last_sql_errno},
                        {"gtid_slave_pos", n.gtid_slave_pos}}
      .dump();
}

NativeAsFound ParseNative(std::string_view text) {
  NativeAsFound n;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return n;
  n.channel = j.value("channel", false);
  n.io_running = j.value("io_running", "");
  n.sql_running = j.value("sql_running", "");
  n.last_sql_errno = j.value("last_sql_errno", 0);
  n.gtid_slave_pos = j.value("gtid_slave_pos", "");
  return n;
}

// binsync.resync_run written and read whole, one fixed statement each. SaveRun binds its
// 19 columns in this order (run_id first); LoadLatestRun reads them in the same order,
// then `started`. A column added to the table is added to both, in the same place.
constexpr char kSaveRun[] =
    "INSERT INTO `binsync`.`resync_run` (run_id, from_server_id, to_server_id, "
    "from_endpoint, to_endpoint, policy, step, from_native, to_native, to_start, "
    "to_plan_end, to_checkpoint_seq, to_read_through, to_handed_back, from_start, "
    "from_plan_end, from_checkpoint_seq, from_read_through, from_handed_back) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY "
    "UPDATE from_server_id = VALUES(from_server_id), to_server_id = "
    "VALUES(to_server_id), from_endpoint = VALUES(from_endpoint), to_endpoint = "
    "VALUES(to_endpoint), policy = VALUES(policy), step = VALUES(step), from_native = "
    "VALUES(from_native), to_native = VALUES(to_native), to_start = VALUES(to_start), "
    "to_plan_end = VALUES(to_plan_end), to_checkpoint_seq = "
    "VALUES(to_checkpoint_seq), to_read_through = VALUES(to_read_through), "
    "to_handed_back = VALUES(to_handed_back), from_start = VALUES(from_start), "
    "from_plan_end = VALUES(from_plan_end), from_checkpoint_seq = "
    "VALUES(from_checkpoint_seq), from_read_through = VALUES(from_read_through), "
    "from_handed_back = VALUES(from_handed_back), updated = NOW(6)";
constexpr char kLoadLatestRun[] =
    "SELECT run_id, from_server_id, to_server_id, from_endpoint, to_endpoint, policy, "
    "step, from_native, to_native, to_start, to_plan_end, to_checkpoint_seq, "
    "to_read_through, to_handed_back, from_start, from_plan_end, from_checkpoint_seq, "
    "from_read_through, from_handed_back, DATE_FORMAT(started, '%Y-%m-%d %H:%i:%s') "
    "FROM `binsync`.`resync_run` WHERE (from_server_id = ? AND to_server_id = ?) OR "
    "(from_server_id = ? AND to_server_id = ?) ORDER BY started DESC, run_id DESC "
    "LIMIT 1";

}  // namespace

absl::Status EnsureResyncTables(Connection& conn) {
  return Unlogged(conn, [&] {
    return conn.Execute(
        "CREATE DATABASE IF NOT EXISTS `binsync`;"
        "CREATE TABLE IF NOT EXISTS `binsync`.`resync_run` ("
        " `run_id` VARCHAR(64) NOT NULL PRIMARY KEY,"
        " `from_server_id` INT UNSIGNED NOT NULL, `to_server_id` INT UNSIGNED NOT NULL,"
        " `from_endpoint` VARCHAR(255) NOT NULL, `to_endpoint` VARCHAR(255) NOT NULL,"
        " `policy` VARCHAR(16) NOT NULL, `step` VARCHAR(16) NOT NULL,"
        " `from_native` TEXT NOT NULL, `to_native` TEXT NOT NULL,"
        " `to_start` TEXT NOT NULL, `to_plan_end` TEXT NOT NULL,"
        " `to_checkpoint_seq` BIGINT UNSIGNED NOT NULL, `to_read_through` TEXT NOT NULL,"
        " `to_handed_back` TINYINT NOT NULL,"
        " `from_start` TEXT NOT NULL, `from_plan_end` TEXT NOT NULL,"
        " `from_checkpoint_seq` BIGINT UNSIGNED NOT NULL, `from_read_through` TEXT NOT NULL,"
        " `from_handed_back` TINYINT NOT NULL,"
        " `started` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
        " `updated` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
        " KEY `pair` (`from_server_id`, `to_server_id`)) ENGINE=InnoDB;"
        "CREATE TABLE IF NOT EXISTS `binsync`.`resync_conflict` ("
        " `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " `run_id` VARCHAR(64) NOT NULL, `into` VARCHAR(4) NOT NULL,"
        " `table_name` VARCHAR(200) NOT NULL, `row_key` TEXT NOT NULL,"
        " `kind` VARCHAR(64) NOT NULL, `txn` VARCHAR(255) NOT NULL,"
        " `event_time` INT UNSIGNED NOT NULL, `resolution` VARCHAR(128) NOT NULL,"
        " `recorded` TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
        " KEY `run` (`run_id`, `id`)) ENGINE=InnoDB");
  });
}

absl::Status SaveRun(Connection& conn, const ResyncRun& run) {
  return Unlogged(conn, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(PreparedStatement st, PreparedStatement::Prepare(conn, kSaveRun));
    const std::string from_id = std::to_string(run.from_server_id);
    const std::string to_id = std::to_string(run.to_server_id);
    const std::string from_native = NativeJson(run.from_native);
    const std::string to_native = NativeJson(run.to_native);
    const std::string to_seq = std::to_string(run.into_to.checkpoint_seq);
    const std::string from_seq = std::to_string(run.into_from.checkpoint_seq);
    const std::string to_back = run.into_to.handed_back ? "1" : "0";
    const std::string from_back = run.into_from.handed_back ? "1" : "0";
    const Param p[] = {{run.id},
                       {from_id, ParamType::kUnsigned},
                       {to_id, ParamType::kUnsigned},
                       {run.from},
                       {run.to},
                       {run.policy},
                       {StepName(run.step)},
                       {from_native},
                       {to_native},
                       {run.into_to.start},
                       {run.into_to.plan_end},
                       {to_seq, ParamType::kUnsigned},
                       {run.into_to.read_through},
                       {to_back, ParamType::kSigned},
                       {run.into_from.start},
                       {run.into_from.plan_end},
                       {from_seq, ParamType::kUnsigned},
                       {run.into_from.read_through},
                       {from_back, ParamType::kSigned}};
    absl::StatusOr<uint64_t> n = st.Execute(p);
    if (!n.ok()) {
      return absl::Status(n.status().code(),
                          StrCat(conn.endpoint(), ": cannot record resync run ", run.id,
                                 " in binsync.resync_run: ", n.status().message(),
                                 "; check that the user may write the binsync schema"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<ResyncRun>> LoadLatestRun(Connection& conn, uint32_t a,
                                                       uint32_t b) {
  ASSIGN_OR_RETURN(auto exists,
                   conn.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                   "TABLE_SCHEMA = 'binsync' AND TABLE_NAME = 'resync_run'"));
  if (exists.value_or("0") == "0") return std::nullopt;
  ASSIGN_OR_RETURN(PreparedStatement st, PreparedStatement::Prepare(conn, kLoadLatestRun));
  const std::string sa = std::to_string(a), sb = std::to_string(b);
  const Param p[] = {{sa, ParamType::kUnsigned},
                     {sb, ParamType::kUnsigned},
                     {sb, ParamType::kUnsigned},
                     {sa, ParamType::kUnsigned}};
  std::optional<ResyncRun> found;
  RETURN_IF_ERROR(st.Query(p, [&](const RowValues& row) -> absl::Status {
    auto text = [&](size_t i) { return std::string(row[i].value_or("")); };
    absl::Status bad;  // the first field that is not a number
    auto number = [&](size_t i) -> uint64_t {
      const std::string t = text(i).empty() ? "0" : text(i);
      absl::StatusOr<uint64_t> v = NumberOf(StrCat("binsync.resync_run column ", i + 1), t);
      if (!v.ok() && bad.ok()) bad = v.status();
      return v.value_or(0);
    };
    ResyncRun r;
    r.id = text(0);
    r.from_server_id = static_cast<uint32_t>(number(1));
    r.to_server_id = static_cast<uint32_t>(number(2));
    r.from = text(3);
    r.to = text(4);
    r.policy = text(5);
    const std::optional<ResyncStep> step = ParseStep(text(6));
    if (!step.has_value()) {
      return absl::DataLossError(StrCat(conn.endpoint(), ": binsync.resync_run ", r.id,
                                        " has an unknown step '", text(6),
                                        "'; was it written by a newer binsync?"));
    }
    r.step = *step;
    r.from_native = ParseNative(text(7));
    r.to_native = ParseNative(text(8));
    r.into_to = {text(9), text(10), number(11), text(12), number(13) != 0};
    r.into_from = {text(14), text(15), number(16), text(17), number(18) != 0};
    r.started = text(19);
    if (!bad.ok()) return bad;
    found = std::move(r);
    return absl::OkStatus();
  }));
  return found;
}

absl::Status RecordConflict(Connection& target, const std::string& run_id, bool into_to,
                            const Conflict& c, const ConflictDecision& d) {
  // Conflicts are rare: prepared per conflict, on the worker's own connection.
  ASSIGN_OR_RETURN(PreparedStatement st,
                   PreparedStatement::Prepare(
                       target,
                       "INSERT INTO `binsync`.`resync_conflict` (run_id, `into`, table_name, "
                       "row_key, kind, txn, event_time, resolution) VALUES (?, ?, ?, ?, ?, ?, "
                       "?, ?)"));
  const std::string time = std::to_string(c.timestamp);
  const Param p[] = {{run_id},  {into_to ? "to" : "from"},     {c.table},     {c.key},
                     {c.kind},  {c.txn}, {time, ParamType::kUnsigned}, {d.resolution}};
  absl::StatusOr<uint64_t> n = st.Execute(p);
  if (!n.ok()) {
    return absl::Status(n.status().code(),
                        StrCat("recording the conflict on ", c.table, " ", c.key,
                               " in binsync.resync_conflict: ", n.status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredConflict>> LoadConflicts(Connection& conn,
                                                          const std::string& run_id) {
  ASSIGN_OR_RETURN(PreparedStatement st,
                   PreparedStatement::Prepare(
                       conn,
                       "SELECT `into`, table_name, row_key, kind, txn, event_time, resolution "
                       "FROM `binsync`.`resync_conflict` WHERE run_id = ? ORDER BY id"));
  const Param p[] = {{run_id}};
  std::vector<StoredConflict> out;
  RETURN_IF_ERROR(st.Query(p, [&](const RowValues& row) {
    StoredConflict s;
    s.into_to = row[0].value_or("") == "to";
    s.conflict.table = std::string(row[1].value_or(""));
    s.conflict.key = std::string(row[2].value_or(""));
    s.conflict.kind = std::string(row[3].value_or(""));
    s.conflict.txn = std::string(row[4].value_or(""));
    ASSIGN_OR_RETURN(const uint64_t ts,
                     NumberOf("binsync.resync_conflict timestamp", row[5].value_or("0")));
    s.conflict.timestamp = static_cast<uint32_t>(ts);
    s.resolution = std::string(row[6].value_or(""));
    out.push_back(std::move(s));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace binsync
