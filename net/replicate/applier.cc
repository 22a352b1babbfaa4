#include "net/replicate/applier.h"

#include <mysql.h>

#include <utility>
#include <variant>

#include "absl/strings/escaping.h"
#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/gtid/mariadb_gtid.h"
#include "core/replicate/assembler.h"
#include "core/replicate/apply_errors.h"
#include "core/replicate/checkpoint.h"
#include "core/replicate/compaction.h"
#include "core/replicate/conflict.h"
#include "core/replicate/lease_fence.h"
#include "net/replicate/row_bind.h"
#include "core/replicate/writeset.h"
#include "core/util/fault.h"
#include "core/util/server_error.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/mysql/statement.h"
#include "spdlog/spdlog.h"

namespace binsync {

using binlog::RowImage;
using binlog::RowsKind;
using binlog::Value;
using binlog::ValueKind;
using replicate::RowOp;

namespace {

// Row changes: strict (a value the column cannot hold is an error, not a truncation),
// AUTO_INCREMENT 0 kept, dates as the source stored them.
constexpr char kApplySqlMode[] =
    "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES";

}  // namespace

// A prepared row statement: its plan, prepared. Parameter i takes column
// `plan.params[i].column` of image `plan.params[i].image` of the images passed to Execute
// (single-row: 0 before, 1 after; multi-row: image r is row r).
struct Applier::Stmt {
  MYSQL_STMT* stmt = nullptr;
  replicate::RowPlan plan;
  std::vector<MYSQL_BIND> binds;
  std::vector<BindSlot> slots;
  ~Stmt() {
    if (stmt != nullptr) mysql_stmt_close(stmt);
  }
};

absl::Status EnsureCheckpointTable(Connection& conn) {
  RETURN_IF_ERROR(conn.Execute(replicate::CheckpointSaveLogBinSql()));
  RETURN_IF_ERROR(conn.Execute(replicate::CheckpointLogBinOffSql()));
  absl::Status st = conn.Execute(replicate::CheckpointCreateSql());
  absl::Status restore = conn.Execute(replicate::CheckpointRestoreLogBinSql());
  RETURN_IF_ERROR(st);
  return restore;
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>> TargetTriggers(
    Connection& conn) {
  ASSIGN_OR_RETURN(const ResultSet rows,
                   conn.Query("SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, TRIGGER_NAME "
                              "FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA NOT IN "
                              "('mysql', 'information_schema', 'performance_schema', 'sys', "
                              "'binsync') ORDER BY 1, 2, 3"));
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& r : rows.rows()) {
    out[StrCat(r[0].value_or(""), ".", r[1].value_or(""))].push_back(r[2].value_or(""));
  }
  return out;
}

absl::Status Applier::LoadTriggers() {
  if (options_.run_triggers == replicate::RunTriggers::kStatements) return absl::OkStatus();
  ASSIGN_OR_RETURN(triggers_, TargetTriggers(conn_));
  return absl::OkStatus();
}

bool Applier::HasTriggers(const schema::TableInfo& info) const {
  return !triggers_.empty() && triggers_.count(info.QualifiedName()) > 0;
}

absl::StatusOr<Checkpoint> LoadCheckpoint(Connection& conn, const std::string& stream) {
  ASSIGN_OR_RETURN(PreparedStatement st,
                   PreparedStatement::Prepare(conn, std::string(replicate::CheckpointReadSql())));
  Checkpoint cp;
  const Param p[] = {{stream, ParamType::kText}};
  RETURN_IF_ERROR(st.Query(p, [&](const RowValues& row) -> absl::Status {
    ASSIGN_OR_RETURN(cp, replicate::ParseCheckpointRow(row));
    return absl::OkStatus();
  }));
  return cp;
}

Applier::Applier(Connection conn, ApplierOptions options, SchemaCache* schema)
    : conn_(std::move(conn)),
      options_(std::move(options)),
      schema_(schema),
      lookup_([schema](std::string_view db, std::string_view table) {
        return schema->Get(db, table);
      }) {
  if (SchemaCache* source = options_.source_schema; source != nullptr) {
    walker_.set_source_lookup([source](std::string_view db, std::string_view table) {
      return source->Get(db, table);
    });
  }
}

Applier::~Applier() = default;

absl::StatusOr<std::unique_ptr<Applier>> Applier::Open(const ConnectOptions& target,
                                                       ApplierOptions options,
                                                       SchemaCache* schema) {
  ConnectOptions o = target;
  o.found_rows = true;
  ASSIGN_OR_RETURN(Connection conn, Connection::Open(o));
  std::unique_ptr<Applier> a(new Applier(std::move(conn), std::move(options), schema));
  RETURN_IF_ERROR(a->Setup());
  return a;
}

absl::Status Applier::Setup() {
  RETURN_IF_ERROR(conn_.Execute(
      "SET SESSION autocommit = 0, SESSION tx_isolation = 'READ-COMMITTED', "
      "SESSION time_zone = '+00:00', SESSION sql_mode = '" +
      std::string(kApplySqlMode) + "', SESSION innodb_lock_wait_timeout = " +
      std::to_string(options_.lock_wait_timeout_s) +
      ", SESSION lock_wait_timeout = " + std::to_string(options_.lock_wait_timeout_s)));
  connection_id_ = mysql_thread_id(conn_.raw());
  ASSIGN_OR_RETURN(auto domain, conn_.QueryValue("SELECT @@global.gtid_domain_id"));
  ASSIGN_OR_RETURN(const uint64_t domain_id,
                   NumberOf(StrCat(conn_.endpoint(), ": @@gtid_domain_id"), domain.value_or("0")));
  default_domain_id_ = static_cast<uint32_t>(domain_id);
  if (options_.lease_epoch == 0) {
    return absl::InternalError(StrCat(conn_.endpoint(), ": stream ", options_.stream,
                                      ": an applier needs the epoch of the stream's lease"));
  }
  const bool mariadb = conn_.is_mariadb();
  ASSIGN_OR_RETURN(PreparedStatement cp, PreparedStatement::Prepare(
                                             conn_, replicate::FencedCheckpointUpsertSql(mariadb)));
  checkpoint_ = std::make_unique<PreparedStatement>(std::move(cp));
  ASSIGN_OR_RETURN(PreparedStatement check,
                   PreparedStatement::Prepare(conn_, replicate::FenceCheckSql(mariadb)));
  fence_check_ = std::make_unique<PreparedStatement>(std::move(check));
  return LoadTriggers();
}

absl::Status Applier::SetOrigin(const replicate::Transaction& t) {
  if (origin_refused_) {
    if (session_server_id_ == options_.binsync_server_id) return absl::OkStatus();
  }
  const bool keep_gtid = options_.mode == ApplyMode::kLive && t.has_gtid && !origin_refused_;
  const uint32_t server_id = origin_refused_ ? options_.binsync_server_id : t.server_id;
  const uint32_t domain = keep_gtid ? t.gtid.domain_id : default_domain_id_;
  std::string sql;
  if (session_server_id_ != server_id || session_domain_id_ != domain) {
    sql = StrCat("SET @@session.server_id = ", server_id, ", @@session.gtid_domain_id = ",
                 domain);
  }
  if (keep_gtid) {
    StrAppend(&sql, sql.empty() ? "SET " : ", ", "@@session.gtid_seq_no = ", t.gtid.seq_no);
  }
  if (sql.empty()) return absl::OkStatus();
  absl::Status st = conn_.Execute(sql);
  if (st.ok()) {
    session_server_id_ = server_id;
    session_domain_id_ = domain;
    return st;
  }
  if (ServerErrorNumber(st) != kErSpecificAccessDenied || origin_refused_) return st;
  // No privilege to keep the origin: binsync's own id still keeps streams loop-free.
  origin_refused_ = true;
  spdlog::warn(
      "{}: cannot set the session server_id/GTID to the source's ({}); applied transactions "
      "carry binsync's server_id {} instead (grant SUPER or REPLICATION SLAVE ADMIN to "
      "keep origins)",
      conn_.endpoint(), st.message(), options_.binsync_server_id);
  RETURN_IF_ERROR(conn_.Execute(StrCat("SET @@session.server_id = ",
                                       options_.binsync_server_id,
                                       ", @@session.gtid_domain_id = ", default_domain_id_)));
  session_server_id_ = options_.binsync_server_id;
  session_domain_id_ = default_domain_id_;
  return absl::OkStatus();
}

absl::Status Applier::Begin(const replicate::Transaction& t) {
  RETURN_IF_ERROR(SetOrigin(t));
  compaction_.Clear();
  if (schema_->generation() != schema_generation_) {
    stmts_.clear();
    schema_generation_ = schema_->generation();
    RETURN_IF_ERROR(LoadTriggers());  // DDL may have created or dropped one
  }
  return absl::OkStatus();
}

absl::Status Applier::Apply(const replicate::Transaction& t) {
  RETURN_IF_ERROR(Begin(t));
  if (CanReplay(t)) {
    absl::Status st = Replay(t);
    if (st.ok()) {
      counters_.rows += t.row_changes;
      return WriteCheckpoint(t, false);
    }
    const replicate::ReplayFailure failure =
        replicate::ClassifyReplayFailure(ServerErrorNumber(st));
    if (failure == replicate::ReplayFailure::kRetry) {
      // The caller rolls back and decides by the error number (DecideApplyRetry).
      return KeepServerError(st, absl::AbortedError(st.message()));
    }
    if (failure == replicate::ReplayFailure::kReconnect) {
      return absl::UnavailableError(st.message());
    }
    Rollback();
    if (failure == replicate::ReplayFailure::kDisableReplay) {
      replay_enabled_ = false;
      spdlog::warn("{}: the target refuses BINLOG statements ({}); applying row by row with "
                   "statements (grant BINLOG REPLAY for the faster path)",
                   conn_.endpoint(), st.message());
    } else {
      // A missing row, a duplicate key, anything unusual: the statement path below applies
      // the transaction again with its own checks and error messages (--on-missing-row).
      spdlog::debug("{}: replaying {} failed ({}); applying it statement by statement",
                    conn_.endpoint(), t.Name(), st.message());
    }
  }
  RETURN_IF_ERROR(ApplyEvents(t));
  // A statement without BEGIN (DDL) committed implicitly: its checkpoint goes in its own
  // unlogged transaction. Statement-based DML inside BEGIN...COMMIT is still open: its
  // checkpoint joins it, as for rows.
  return WriteCheckpoint(t, t.self_committed);
}

absl::Status Applier::ApplyPart(const replicate::Transaction& part) {
  if (part.part <= 1) RETURN_IF_ERROR(Begin(part));
  // Row images view this part's events: ApplyEvents flushes what it staged before the
  // part goes away; table maps carry over in the walker.
  RETURN_IF_ERROR(ApplyEvents(part));
  if (!part.last_part) return absl::OkStatus();
  return WriteCheckpoint(part, false);
}

// Live mode, MariaDB source, a transaction of rows only: its TABLE_MAP and rows events are
// sent as one `BINLOG '<base64>'` statement (after the source's FORMAT_DESCRIPTION, once per
// session), so the target applies them with its own row applier, the one native replication
// uses, instead of one prepared statement per row: far less server CPU per transaction.
// GTID and origin come from the session variables SetOrigin set, as for statements. Only
// when every table passes the filter, exists on the target with the source's column count,
// and the events are plain v1/v2 rows events; anything else, and any failure of the replay,
// goes the statement path (which names tables, keys and follows --on-missing-row).
bool Applier::CanReplay(const replicate::Transaction& t) {
  if (!replay_enabled_ || !options_.replay_binlog || options_.mode != ApplyMode::kLive ||
      options_.on_conflict || !t.has_rows || t.has_statements || t.format == nullptr ||
      !t.format->is_mariadb || t.format->raw.empty() || t.arena.size() > kMaxReplayBytes) {
    return false;
  }
  for (const replicate::EventRef& ref : t.events) {
    const uint8_t type = ref.header.type;
    if (type == static_cast<uint8_t>(binlog::EventType::kTableMap)) {
      binlog::TableMapEvent tm;
      if (!binlog::ParseTableMapEvent(t.View(ref), *t.format, &tm).ok()) return false;
      std::shared_ptr<const schema::TableInfo> info;
      const absl::StatusOr<replicate::TableFit> fit =
          replicate::FitTable(tm.database, tm.table, tm.column_count, lookup_, options_.filter, &info);
      if (!fit.ok() || *fit != replicate::TableFit::kApply) return false;
      if (!replicate::MayReplayTriggered(options_.run_triggers) && HasTriggers(*info)) {
        return false;  // --run-triggers yes: statements fire them
      }
      // The server's row applier maps columns by position and converts types its own
      // way: only for tables whose columns fit unchanged and in the same order (anything
      // else goes the statement path, which checks and names the column).
      if (!replay_maps_.Update(tm).ok()) return false;
      binlog::TableMap* map = replay_maps_.FindMutable(tm.table_id);
      if (map == nullptr) return false;
      const absl::StatusOr<const schema::ColumnFit*> cols = walker_.Fit(map, info);
      if (!cols.ok() || !(*cols)->exact) return false;
    } else if (replicate::IsRowsEventCode(type) &&
               !((type >= 23 && type <= 25) || (type >= 30 && type <= 32))) {
      return false;  // compressed or MySQL partial-update rows: statements
    }
  }
  return true;
}

absl::Status Applier::Replay(const replicate::Transaction& t) {
  if (replay_format_ != t.format) {
    // Servers set BINLOG_IN_USE in the open binlog's FDE after checksumming it: cleared,
    // the checksum holds again.
    std::vector<uint8_t> fde = t.format->raw;
    if (fde.size() > 17) fde[17] = static_cast<uint8_t>(fde[17] & ~binlog::kFlagBinlogInUse);
    RETURN_IF_ERROR(ExecuteBinlog(fde));
    replay_format_ = t.format;
  }
  replay_events_.clear();
  for (const replicate::EventRef& ref : t.events) {
    if (ref.header.type == static_cast<uint8_t>(binlog::EventType::kTableMap) ||
        replicate::IsRowsEventCode(ref.header.type)) {
      const uint8_t* p = t.arena.data() + ref.raw_offset;
      replay_events_.insert(replay_events_.end(), p, p + ref.raw_size);
    }
  }
  return ExecuteBinlog(replay_events_);
}

absl::Status Applier::ExecuteBinlog(std::span<const uint8_t> events) {
  absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(events.data()), events.size()),
      &replay_base64_);
  replay_sql_.assign("BINLOG '");
  replay_sql_.append(replay_base64_.data(), replay_base64_.size());
  replay_sql_.push_back('\'');
  return conn_.Execute(replay_sql_);
}

absl::Status Applier::Commit() {
  if (FaultHit("apply.before_commit")) (void)conn_.Execute("KILL CONNECTION CONNECTION_ID()");
  if (mysql_commit(conn_.raw()) != 0) return conn_.LastError("COMMIT failed");
  return absl::OkStatus();
}

void Applier::Rollback() {
  compaction_.Clear();  // staged rows belong to the rolled-back attempt
  (void)mysql_rollback(conn_.raw());
}

absl::Status Applier::RecordPosition(const replicate::Transaction& t) {
  return WriteCheckpoint(t, /*unlogged=*/true);  // commits it
}

absl::Status Applier::WriteCheckpoint(const replicate::Transaction& t, bool unlogged) {
  if (unlogged) RETURN_IF_ERROR(conn_.Execute("SET SESSION sql_log_bin = 0"));
  const std::string worker = std::to_string(options_.worker);
  const std::string seq = std::to_string(t.seq);
  const std::string pos = std::to_string(t.end_pos);
  const std::string name = t.Name();
  if (FaultHit("apply.before_checkpoint")) {
    (void)conn_.Execute("KILL CONNECTION CONNECTION_ID()");  // the connection drops here
  }
  const std::string epoch = std::to_string(options_.lease_epoch);
  Param p[replicate::kFencedParamCount];
  p[replicate::kFenceStream] = {options_.stream, ParamType::kText};
  p[replicate::kFenceEpoch] = {epoch, ParamType::kUnsigned};
  p[replicate::kCpStream] = {options_.stream, ParamType::kText};
  p[replicate::kCpWorker] = {worker, ParamType::kUnsigned};
  p[replicate::kCpSeq] = {seq, ParamType::kUnsigned};
  p[replicate::kCpGtidPos] = {t.gtid_pos_after, ParamType::kText};
  p[replicate::kCpSourceFile] = {t.file, ParamType::kText};
  p[replicate::kCpSourcePos] = {pos, ParamType::kUnsigned};
  p[replicate::kCpSourceTxn] = {name, ParamType::kText};
  absl::StatusOr<uint64_t> n = checkpoint_->Execute(p);
  // No row written: the lease row no longer holds this process's epoch; the lock refused:
  // a takeover waits for it. Either way this transaction must not commit.
  const bool lock_refused = !n.ok() && ServerErrorNumber(n.status()) == kErLockWaitTimeout;
  absl::Status fence;
  if (lock_refused || (n.ok() && *n == 0)) {
    fence = FenceError(lock_refused);
    if (fence.ok()) {
      fence = absl::InternalError(StrCat("the checkpoint after ", name, " was not written"));
    }
  }
  const bool written = fence.ok() && n.ok();
  if (unlogged) {
    absl::Status c = written ? Commit() : absl::OkStatus();
    absl::Status r = conn_.Execute("SET SESSION sql_log_bin = 1");
    if (written && !c.ok()) return c;
    if (written && !r.ok()) return r;
  }
  if (!fence.ok()) return fence;
  if (!n.ok()) {
    return absl::Status(n.status().code(),
                        StrCat("writing the checkpoint after ", name, ": ", n.status().message()));
  }
  return absl::OkStatus();
}

absl::Status Applier::CheckFence() {
  const Param p[] = {{options_.stream, ParamType::kText}};
  std::optional<uint64_t> epoch;
  absl::Status st = fence_check_->Query(p, [&](const RowValues& row) -> absl::Status {
    ASSIGN_OR_RETURN(epoch, NumberOf("binsync.lease epoch", row[0].value_or("0")));
    return absl::OkStatus();
  });
  if (st.ok() && epoch == options_.lease_epoch) return absl::OkStatus();
  if (!st.ok() && ServerErrorNumber(st) != kErLockWaitTimeout) return st;
  return FenceError(!st.ok());
}

absl::Status Applier::FenceError(bool lock_refused) {
  std::optional<replicate::LeaseRow> row;
  ASSIGN_OR_RETURN(PreparedStatement read,
                   PreparedStatement::Prepare(conn_, std::string(replicate::LeaseReadSql())));
  const Param p[] = {{options_.stream, ParamType::kText}};
  RETURN_IF_ERROR(read.Query(p, [&](const RowValues& values) -> absl::Status {
    ASSIGN_OR_RETURN(row, replicate::ParseLeaseRow(values));
    return absl::OkStatus();
  }));
  const replicate::Fence fence = replicate::JudgeFence(options_.lease_epoch, row, lock_refused);
  if (fence == replicate::Fence::kHeld) return absl::OkStatus();
  return absl::FailedPreconditionError(replicate::FenceMessage(
      fence, conn_.endpoint(), options_.stream, options_.lease_epoch, row));
}

absl::Status Applier::ApplyEvents(const replicate::Transaction& t) {
  applying_ = &t;  // for messages of rows flushed later (catchup compaction)
  const absl::Status walked = walker_.Walk(
      t, lookup_, options_.filter,
      [&](const std::shared_ptr<const schema::TableInfo>& info, RowsKind kind,
          const RowImage* before, const RowImage* after, const binlog::EventView& ev) {
        ++counters_.rows;
        const bool triggered = HasTriggers(*info);
        if (triggered && !replicate::MayApplyTriggeredByStatement(options_.run_triggers)) {
          return RowError(absl::FailedPreconditionError(""), t, ev, *info,
                          before != nullptr ? before : after,
                          replicate::TriggersWouldFireMessage());
        }
        if (replicate::Compactable(options_.mode == ApplyMode::kCatchup &&
                                       replicate::MayCompact(options_.on_missing_row) &&
                                       (!triggered ||
                                        replicate::MayCompactTriggered(options_.run_triggers)),
                                   static_cast<bool>(options_.on_conflict), *info)) {
          if (const std::optional<replicate::StagedChange> c =
                  replicate::PlanStaging(*info, kind, before, after)) {
            if (c->delete_before) RETURN_IF_ERROR(Stage(info, false, *before, c->before_hash));
            if (c->upsert_after) RETURN_IF_ERROR(Stage(info, true, *after, c->after_hash));
            return absl::OkStatus();
          }
        }
        RETURN_IF_ERROR(FlushPending());
        const absl::Status st = ApplyRow(t, ev, *info, kind, before, after);
        return st.ok() ? st : MissingTable(st, *info, replicate::InTransaction(t, ev.offset));
      },
      [&](const binlog::EventView& ev) {
        RETURN_IF_ERROR(FlushPending());
        return ApplyStatement(t, ev);
      });
  RETURN_IF_ERROR(walked);
  return FlushPending();
}

// Catchup compaction (core/replicate/compaction.h): a row change the plan cannot stage flushes
// what is staged first, so order across tables and statements is kept.
absl::Status Applier::Stage(const std::shared_ptr<const schema::TableInfo>& info, bool upsert,
                            const RowImage& image, uint64_t key_hash) {
  using Result = replicate::RowCompaction::StageResult;
  if (compaction_.Stage(info, upsert, image, key_hash) == Result::kFlushFirst) {
    RETURN_IF_ERROR(FlushPending());
    (void)compaction_.Stage(info, upsert, image, key_hash);  // kAdded: nothing is staged
  }
  return compaction_.full() ? FlushPending() : absl::OkStatus();
}

absl::Status Applier::ExecuteRuns(RowOp op, const schema::TableInfo& info,
                                  std::span<const RowImage* const> images) {
  size_t at = 0;
  while (const uint32_t run = replicate::NextRun(images.size() - at)) {
    const std::span<const RowImage* const> rows = images.subspan(at, run);
    absl::StatusOr<uint64_t> n = ExecuteRun(op, info, rows);
    if (!n.ok()) {
      if (absl::IsAborted(n.status()) || absl::IsUnavailable(n.status())) return n.status();
      return RunError(n.status(), op, info, rows);
    }
    if (op == RowOp::kDeleteRowsByPrimaryKey && *n < run) {
      counters_.missing_rows += run - *n;
      spdlog::warn("{}: {}: {}{}", conn_.endpoint(), info.QualifiedName(),
                   replicate::CompactedDeleteMissingMessage(run, *n), AppliedWhere());
    }
    at += run;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Applier::ExecuteRun(RowOp op, const schema::TableInfo& info,
                                             std::span<const RowImage* const> rows) {
  ASSIGN_OR_RETURN(Stmt * s, Statement(op, info, {.rows = static_cast<uint32_t>(rows.size())}));
  return Execute(s, info, rows);
}

std::string Applier::AppliedWhere() const {
  if (applying_ == nullptr) return "";
  return StrCat(" (transaction ", applying_->Name(), ", source binlog up to ", applying_->file,
                ":", applying_->end_pos, ")");
}

absl::Status Applier::RunError(const absl::Status& cause, RowOp op, const schema::TableInfo& info,
                               std::span<const RowImage* const> rows) {
  // The server rolled the failed statement back (the rows before it stand): each of its
  // rows again alone names the first one that fails (a trigger's SIGNAL, a constraint).
  absl::Status st = cause;
  const RowImage* culprit = rows.size() == 1 ? rows[0] : nullptr;
  for (size_t i = 0; rows.size() > 1 && i < rows.size(); ++i) {
    absl::StatusOr<uint64_t> one = ExecuteRun(op, info, rows.subspan(i, 1));
    if (one.ok()) continue;
    st = one.status();
    culprit = rows[i];
    break;
  }
  if (absl::IsAborted(st) || absl::IsUnavailable(st)) return st;
  if (ServerErrorNumber(st) == kErNoSuchTable) return MissingTable(st, info, AppliedWhere());
  const std::string_view what = op == RowOp::kUpsertRows ? "upsert" : "delete";
  return absl::Status(
      st.code(), StrCat(info.QualifiedName(),
                        culprit != nullptr ? StrCat(" ", DescribeKey(info, *culprit), ": catchup ",
                                                    what, " failed")
                                           : StrCat(": catchup ", what, " of ", rows.size(),
                                                    " rows failed"),
                        AppliedWhere(), ": ", st.message()));
}

absl::Status Applier::FlushPending() {
  if (compaction_.empty()) return absl::OkStatus();
  absl::Status st;
  for (const replicate::FlushBatch& batch : compaction_.PlanFlush()) {
    st = ExecuteRuns(batch.op, *batch.table, batch.rows);
    if (!st.ok()) break;
  }
  compaction_.Clear();
  return st;
}

absl::Status Applier::ApplyStatement(const replicate::Transaction& t, const binlog::EventView& ev) {
  binlog::Event decoded;
  RETURN_IF_ERROR(binlog::DecodeEvent(ev, *t.format, t.file, &decoded));
  const auto* query = std::get_if<binlog::QueryEvent>(&decoded);
  if (query == nullptr) {
    return absl::InternalError(StrCat(t.file, ":", ev.offset, ": event type ", ev.header.type,
                                      " of ", t.Name(), " is not a statement"));
  }
  const binlog::QueryEvent& q = *query;
  // Statement-based DML never gets here (replicate::CheckNoStatementDml refuses it): this is DDL.
  std::string setup;
  if (replicate::IsTransactionControl(q.sql)) return absl::OkStatus();
  if (options_.filter && !q.db.empty() && !options_.filter(q.db, std::string_view())) {
    spdlog::info("{}: statement of {} in database {} left out by the filters: {}",
                 conn_.endpoint(), t.Name(), q.db, q.sql.substr(0, 200));
    return absl::OkStatus();
  }
  // Live mode keeps GTIDs: a DDL whose GTID the target already logged ran before a crash
  // (between its implicit commit and its checkpoint): do not run it twice.
  if (options_.mode == ApplyMode::kLive && t.has_gtid && !t.has_rows && !origin_refused_) {
    ASSIGN_OR_RETURN(auto pos, conn_.QueryValue("SELECT @@global.gtid_binlog_pos"));
    absl::StatusOr<MariaDbGtidPos> parsed = ParseMariaDbGtidPos(pos.value_or(""));
    if (parsed.ok()) {
      for (const MariaDbGtid& g : *parsed) {
        if (g.domain_id == t.gtid.domain_id && g.server_id == t.gtid.server_id &&
            g.seq_no >= t.gtid.seq_no) {
          spdlog::warn("{}: {} is already in the target's binlog; not running it again",
                       conn_.endpoint(), t.Name());
          return absl::OkStatus();
        }
      }
    }
  }
  if (!q.db.empty()) {
    // The default database may not exist yet (CREATE DATABASE logs itself as its own
    // default database): then run without one, as the server's replica thread does.
    if (absl::Status use = conn_.Execute(StrCat("USE ", QuoteIdentifier(q.db))); !use.ok()) {
      if (ServerErrorNumber(use) != kErBadDb) return use;
    }
  }
  if (q.status.has_sql_mode) StrAppend(&setup, "SET SESSION sql_mode = ", q.status.sql_mode, ";");
  if (q.status.has_charset) {
    StrAppend(&setup, "SET SESSION character_set_client = ", q.status.charset_client,
              ", SESSION collation_connection = ", q.status.collation_connection,
              ", SESSION collation_server = ", q.status.collation_server, ";");
  }
  if (!q.status.time_zone.empty()) {
    StrAppend(&setup, "SET SESSION time_zone = ", conn_.QuoteLiteral(q.status.time_zone), ";");
  }
  if (!setup.empty()) RETURN_IF_ERROR(conn_.Execute(setup));
  // Its implicit commit would end the fenced checkpoint's lock: the fence is checked first.
  RETURN_IF_ERROR(CheckFence());
  absl::Status st = conn_.Execute(q.sql);
  const unsigned err = ServerErrorNumber(st);
  absl::Status restore = conn_.Execute(
      StrCat("SET NAMES utf8mb4; SET SESSION sql_mode = '", kApplySqlMode,
             "', SESSION time_zone = '+00:00'"));
  if (!st.ok()) {
    if (replicate::IsAlreadyAppliedDdlError(err) && !t.has_rows) {
      spdlog::warn("{}: statement of {} at {}:{} looks already applied ({}); continuing",
                   conn_.endpoint(), t.Name(), t.file, ev.offset, st.message());
    } else {
      // The server's own text: the statement is named here already.
      const std::optional<ServerError> e = ServerErrorOf(st);
      const std::string cause = e ? StrCat(conn_.endpoint(), ": ", e->message, " (error ",
                                           e->number, ")", ServerErrorAdvice(e->number, e->message))
                                  : std::string(st.message());
      return KeepServerError(  // the worker decides by its number (DecideApplyRetry)
          st, absl::Status(st.code(), StrCat("statement of ", t.Name(), " at ", t.file, ":",
                                            ev.offset, " (", SqlForMessage(q.sql, 200),
                                            ") failed on the target: ", cause,
                                            "; make the target accept it (or apply it by hand "
                                            "and restart with --skip ", t.Name(), ")")));
    }
  }
  RETURN_IF_ERROR(restore);
  schema_->Invalidate();
  if (options_.source_schema != nullptr) options_.source_schema->Invalidate();
  return absl::OkStatus();
}

std::string Applier::DescribeKey(const schema::TableInfo& info, const RowImage& image) const {
  return replicate::DescribeRowKey(info, image);
}

void Applier::LogRow(const replicate::Transaction& t, const binlog::EventView& ev,
                     const schema::TableInfo& info, const RowImage& image,
                     std::string_view message) const {
  spdlog::warn("{}: {} {}: {} (transaction {} at {}:{})", conn_.endpoint(), info.QualifiedName(),
               DescribeKey(info, image), message, t.Name(), t.file, ev.offset);
}

absl::Status Applier::RowError(const absl::Status& cause, const replicate::Transaction& t,
                               const binlog::EventView& ev, const schema::TableInfo& info,
                               const RowImage* image, std::string_view what) const {
  return KeepServerError(
      cause, absl::Status(cause.code(),
                          StrCat(info.QualifiedName(), image != nullptr ? " " : "",
                                 image != nullptr ? DescribeKey(info, *image) : std::string(),
                                 ": ", what, replicate::InTransaction(t, ev.offset),
                                 cause.message().empty() ? "" : ": ", cause.message())));
}

absl::Status Applier::KeepServerError(const absl::Status& cause, absl::Status status) {
  const std::optional<ServerError> e = ServerErrorOf(cause);
  return e ? WithServerError(std::move(status), *e) : status;
}

absl::Status Applier::MissingTable(const absl::Status& st, const schema::TableInfo& info,
                                   std::string_view where) {
  if (ServerErrorNumber(st) != kErNoSuchTable) return st;
  // Dropped while the stream ran: the schema cache says it as a restart would.
  schema_->Invalidate();
  absl::StatusOr<std::shared_ptr<const schema::TableInfo>> now = schema_->Get(info.db, info.name);
  if (now.ok()) return st;
  return absl::Status(now.status().code(), StrCat(now.status().message(), where));
}

absl::StatusOr<Applier::Stmt*> Applier::Statement(RowOp op, const schema::TableInfo& info,
                                                  const replicate::RowShape& shape) {
  replicate::RowPlanKey(op, info, shape, &key_);
  if (auto it = stmts_.find(key_); it != stmts_.end()) return it->second.get();

  auto s = std::make_unique<Stmt>();
  ASSIGN_OR_RETURN(s->plan, replicate::BuildRowPlan(op, info, shape));
  const std::string& sql = s->plan.sql;
  s->stmt = mysql_stmt_init(conn_.raw());
  if (s->stmt == nullptr) return conn_.LastError("preparing a row statement");
  if (mysql_stmt_prepare(s->stmt, sql.data(), sql.size()) != 0) {
    const char* message = mysql_stmt_error(s->stmt);
    return WithServerError(
        absl::InternalError(StrCat(conn_.endpoint(), ": ", info.QualifiedName(),
                                   ": cannot prepare ", sql, ": ", message)),
        ServerError{mysql_stmt_errno(s->stmt), mysql_stmt_sqlstate(s->stmt), message});
  }
  s->binds.resize(s->plan.params.size());
  s->slots.resize(s->plan.params.size());
  Stmt* raw = s.get();
  stmts_.emplace(key_, std::move(s));
  return raw;
}

absl::StatusOr<uint64_t> Applier::Execute(Stmt* s, const schema::TableInfo& info,
                                          const RowImage* before, const RowImage* after) {
  const RowImage* images[2] = {before, after};
  return Execute(s, info, images);
}

absl::StatusOr<uint64_t> Applier::Execute(Stmt* s, const schema::TableInfo& info,
                                          std::span<const RowImage* const> images) {
  for (size_t i = 0; i < s->plan.params.size(); ++i) {
    const replicate::PlanParam& p = s->plan.params[i];
    RETURN_IF_ERROR(BindRowValue(images[p.image]->values[p.column], p, info, &s->binds[i],
                                 &s->slots[i]));
  }
  if (mysql_stmt_bind_param(s->stmt, s->binds.data()) != 0 ||
      mysql_stmt_execute(s->stmt) != 0) {
    const unsigned err = mysql_stmt_errno(s->stmt);
    const char* message = mysql_stmt_error(s->stmt);
    const std::string msg = StrCat(conn_.endpoint(), ": ", message, " (error ", err, ")",
                                   ServerErrorAdvice(err, message));
    return WithServerError(absl::Status(replicate::RowStatementErrorCode(err), msg),
                           ServerError{err, mysql_stmt_sqlstate(s->stmt), message});
  }
  return static_cast<uint64_t>(mysql_stmt_affected_rows(s->stmt));
}

absl::StatusOr<bool> Applier::Exists(RowOp op, const schema::TableInfo& info,
                                     const RowImage* image) {
  ASSIGN_OR_RETURN(Stmt * s, Statement(op, info, {.before = image}));
  RETURN_IF_ERROR(Execute(s, info, image, nullptr).status());
  if (mysql_stmt_store_result(s->stmt) != 0) {
    return absl::UnavailableError(StrCat(conn_.endpoint(), ": ", mysql_stmt_error(s->stmt)));
  }
  const bool found = mysql_stmt_num_rows(s->stmt) > 0;
  mysql_stmt_free_result(s->stmt);
  return found;
}

absl::StatusOr<bool> Applier::AlreadyAfter(const schema::TableInfo& info, const RowImage* after) {
  // A partial after image (binlog_row_image=MINIMAL) names too few columns to find the
  // row by: never "already applied", so the change is checked as a conflict instead.
  if (!replicate::IsFullImage(info, *after)) return false;
  return Exists(RowOp::kExistsMatching, info, after);
}

absl::Status Applier::ApplyRowChecked(const replicate::Transaction& t, const binlog::EventView& ev,
                                      const schema::TableInfo& info, RowsKind kind,
                                      const RowImage* before, const RowImage* after) {
  auto run = [&](RowOp op, const RowImage* b, const RowImage* a) -> absl::StatusOr<uint64_t> {
    ASSIGN_OR_RETURN(Stmt * s, Statement(op, info, {.before = b, .after = a}));
    return Execute(s, info, b, a);
  };
  const bool keyed = info.RowKey() != nullptr;
  bool row_exists = true;  // an insert met a row by definition
  if (kind == RowsKind::kWrite) {
    absl::StatusOr<uint64_t> n = run(RowOp::kInsert, nullptr, after);
    if (n.ok()) return absl::OkStatus();
    if (!absl::IsAlreadyExists(n.status())) return n.status();
    ASSIGN_OR_RETURN(bool same, AlreadyAfter(info, after));
    if (same) return absl::OkStatus();  // the row is already as the insert leaves it
  } else {
    const bool update = kind == RowsKind::kUpdate;
    ASSIGN_OR_RETURN(uint64_t n, run(update ? RowOp::kUpdateMatching : RowOp::kDeleteMatching,
                                     before, update ? after : nullptr));
    if (n > 0) return absl::OkStatus();
    if (update) {
      ASSIGN_OR_RETURN(bool same, AlreadyAfter(info, after));
      if (same) return absl::OkStatus();  // the row is already as the update leaves it
    }
    row_exists = false;
    if (keyed) {
      ASSIGN_OR_RETURN(row_exists, Exists(RowOp::kExistsByKey, info, before));
    }
  }
  // A delete whose row is gone is a conflict, never a change applied twice: resync resumes
  // a stream from its checkpoint, which commits with the rows. The row went on this side
  // or outside the binlog (the 1032 case); it is recorded, and RepairFor runs nothing.
  const RowImage& image = kind == RowsKind::kWrite ? *after : *before;
  ASSIGN_OR_RETURN(const replicate::ConflictAction action,
                   AskConflict(t, ev, info, image, replicate::ConflictKind(kind, row_exists)));
  switch (replicate::RepairFor(kind, keyed, row_exists, action)) {
    case replicate::ConflictRepair::kNone:
      return absl::OkStatus();
    case replicate::ConflictRepair::kUpsertAfter:
      return run(RowOp::kUpsert, nullptr, after).status();
    case replicate::ConflictRepair::kDeleteByKey:
      return run(RowOp::kDeleteByKey, before, nullptr).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<replicate::ConflictAction> Applier::AskConflict(const replicate::Transaction& t,
                                                               const binlog::EventView& ev,
                                                               const schema::TableInfo& info,
                                                               const RowImage& image,
                                                               std::string_view kind) {
  Conflict c;
  c.table = info.QualifiedName();
  c.key = DescribeKey(info, image);
  c.kind = std::string(kind);
  c.txn = t.Name();
  // The rows event's own time: in catchup mode `t` may hold several source transactions.
  c.timestamp = ev.header.timestamp != 0 ? ev.header.timestamp : t.timestamp;
  c.has_key_hash = replicate::RowKeyHash(info, image, &c.key_hash);
  ++counters_.conflicts;
  const ConflictDecision d = options_.on_conflict(c);
  if (options_.record_conflict) RETURN_IF_ERROR(options_.record_conflict(conn_, c, d));
  return d.action;
}

absl::Status Applier::ApplyRow(const replicate::Transaction& t, const binlog::EventView& ev,
                               const schema::TableInfo& info, RowsKind kind,
                               const RowImage* before, const RowImage* after) {
  if (options_.on_conflict) {
    absl::Status st = ApplyRowChecked(t, ev, info, kind, before, after);
    if (st.ok() || absl::IsAborted(st) || absl::IsUnavailable(st)) return st;
    return RowError(st, t, ev, info, before != nullptr ? before : after, "resync apply failed");
  }
  if (kind == RowsKind::kWrite) {
    const RowOp op = replicate::InsertOp(options_.on_missing_row);
    ASSIGN_OR_RETURN(Stmt * s, Statement(op, info, {.after = after}));
    absl::StatusOr<uint64_t> n = Execute(s, info, nullptr, after);
    if (n.ok()) {
      if (op == RowOp::kUpsert && replicate::UpsertReplacedRow(*n)) {
        ++counters_.overwritten_rows;
        LogRow(t, ev, info, *after, replicate::OverwriteMessage());
      }
      return absl::OkStatus();
    }
    if (absl::IsAlreadyExists(n.status())) {
      return RowError(n.status(), t, ev, info, after, replicate::DuplicateKeyMessage());
    }
    if (absl::IsAborted(n.status()) || absl::IsUnavailable(n.status())) return n.status();
    return RowError(n.status(), t, ev, info, after, "insert failed");
  }
  const bool update = kind == RowsKind::kUpdate;
  ASSIGN_OR_RETURN(Stmt * s, Statement(update ? RowOp::kUpdateByKey : RowOp::kDeleteByKey, info,
                                       {.before = before, .after = after}));
  absl::StatusOr<uint64_t> n = Execute(s, info, before, after);
  if (!n.ok()) {
    if (absl::IsAborted(n.status()) || absl::IsUnavailable(n.status())) return n.status();
    return RowError(n.status(), t, ev, info, before, update ? "update failed" : "delete failed");
  }
  if (*n > 0) return absl::OkStatus();
  ++counters_.missing_rows;  // the row is not on the target
  return ApplyMissingRow(t, ev, info, kind, before, after);
}

absl::Status Applier::ApplyMissingRow(const replicate::Transaction& t, const binlog::EventView& ev,
                                      const schema::TableInfo& info, RowsKind kind,
                                      const RowImage* before, const RowImage* after) {
  const replicate::MissingRowDecision d =
      replicate::DecideMissingRow(kind, options_.on_missing_row);
  if (d.log) LogRow(t, ev, info, *before, d.message);
  switch (d.action) {
    case replicate::MissingRowAction::kFail:
      return RowError(absl::NotFoundError(""), t, ev, info, before, d.message);
    case replicate::MissingRowAction::kSkip:
      return absl::OkStatus();
    case replicate::MissingRowAction::kUpsertAfter:
      break;
  }
  if (!replicate::IsFullImage(info, *after)) {
    return RowError(absl::FailedPreconditionError(""), t, ev, info, before,
                    "row missing on the target and the after image is not full "
                    "(binlog_row_image=MINIMAL): cannot recreate it");
  }
  ASSIGN_OR_RETURN(Stmt * up, Statement(RowOp::kUpsert, info, {.after = after}));
  return Execute(up, info, nullptr, after).status();
}

}  // namespace binsync
