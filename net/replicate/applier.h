// Applies source transactions to the target over one connection: one Applier per worker
// thread. Row changes become prepared statements built from the row images (identifiers
// quoted, values bound, statements cached per table and image shape); statements (DDL)
// are replayed with their default database and session variables; the checkpoint row
// of this worker is written in the same target transaction as the data it covers.
//
// Session: READ COMMITTED (no gap locks between parallel workers), time_zone '+00:00'
// (TIMESTAMP values are UTC in the binlog), sql_mode STRICT_ALL_TABLES (a value the
// target's column cannot hold is an error, never truncated: the column check of
// txn/column_fit.h refuses such tables first, strict mode is the server's own guard),
// NO_AUTO_VALUE_ON_ZERO (an explicit 0 in an AUTO_INCREMENT column stays 0) and
// ALLOW_INVALID_DATES (row images are what the source stored; zero dates are allowed as
// no NO_ZERO_DATE is set), CLIENT_FOUND_ROWS (an UPDATE of a row already as wanted still
// counts as found, so "0 rows" means the row is missing).
//
// Origin: applied transactions carry the source transaction's server_id and, in live
// mode on MariaDB, its whole GTID (session server_id, gtid_domain_id, gtid_seq_no), as
// native replication writes them; if the target refuses (privilege), the origin falls
// back to binsync's own server_id, said once.
#ifndef BINSYNC_NET_REPLICATE_APPLIER_H_
#define BINSYNC_NET_REPLICATE_APPLIER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "core/replicate/row_walker.h"
#include "core/schema/table_info.h"
#include "core/replicate/transaction.h"
#include "net/mysql/connection.h"
#include "net/mysql/schema_cache.h"
#include "net/mysql/statement.h"
#include "core/replicate/checkpoint.h"
#include "core/replicate/compaction.h"
#include "core/replicate/conflict.h"
#include "core/replicate/row_plan.h"
#include "core/replicate/triggers.h"

namespace binsync {

enum class ApplyMode { kLive, kCatchup };
using OnMissingRow = replicate::OnMissingRow;  // core/replicate/conflict.h

// Resync: a row change that does not fit the target's row.
struct Conflict {
  std::string table;  // db.table
  std::string key;    // (id=5)
  std::string kind;   // "insert met a different row", "update found no row", ...
  std::string txn;    // source transaction
  uint32_t timestamp = 0;  // its commit time (seconds)
  bool has_key_hash = false;
  uint64_t key_hash = 0;   // replicate::RowKeyHash of the row
};
using ConflictAction = replicate::ConflictAction;  // core/replicate/conflict.h
struct ConflictDecision {
  ConflictAction action = ConflictAction::kKeep;
  std::string resolution;  // for the report: "--from's row kept", ...
};
// Called from worker threads (must be thread-safe); decides.
using ConflictFn = std::function<ConflictDecision(const Conflict&)>;
// Called from worker threads with the worker's target connection, inside the target
// transaction that applies (or leaves) the conflicting row: what it writes commits exactly
// when that transaction does, so a rolled-back attempt (a retry, a kill -9) records nothing
// and the conflict is recorded once when the transaction is applied again.
using ConflictRecordFn =
    std::function<absl::Status(Connection& target, const Conflict&, const ConflictDecision&)>;

struct ApplierOptions {
  ApplyMode mode = ApplyMode::kLive;
  OnMissingRow on_missing_row = OnMissingRow::kError;
  std::string stream;  // checkpoint stream name
  // The epoch of the stream's lease this process holds (StreamLease::epoch(), never 0): the
  // checkpoint row, and so the transaction, is written only while the lease row still holds
  // it (core/replicate/lease_fence.h); otherwise the transaction fails, FailedPrecondition.
  uint64_t lease_epoch = 0;
  uint32_t worker = 0;
  uint32_t binsync_server_id = 0;
  schema::TableFilter filter;
  bool replay_binlog = true;  // live mode fast path, see Applier::CanReplay
  // Which paths may fire the target's triggers (core/replicate/triggers.h).
  replicate::RunTriggers run_triggers = replicate::RunTriggers::kStatements;
  // Set (resync): each change is checked against the target's row (the before image must
  // match; an insert must not meet a different row); a mismatch is a Conflict and
  // `on_conflict` decides. Unset: catchup/live semantics above.
  ConflictFn on_conflict;
  ConflictRecordFn record_conflict;  // resync: may be unset
  // The source's schema (may be null): what the binlog leaves out for the column check
  // (txn/column_fit.h).
  SchemaCache* source_schema = nullptr;
  // The session's lock_wait_timeout and innodb_lock_wait_timeout (seconds): how long a
  // statement waits for a table or row lock (LOCK TABLES, a long transaction) before it
  // fails with a lock wait timeout, retried as replicate::DecideApplyRetry says.
  int lock_wait_timeout_s = 20;
};

struct ApplyCounters {
  uint64_t rows = 0;
  uint64_t missing_rows = 0;    // update/delete found no row (skipped or overwritten)
  uint64_t retries = 0;         // deadlock / lock wait timeout retries
  uint64_t conflicts = 0;       // resync: changes that did not fit the target's row
  uint64_t overwritten_rows = 0;  // --on-missing-row overwrite: an insert replaced a different row
};

// The target's triggers: db.table -> trigger names (system schemas left out).
[[nodiscard]] absl::StatusOr<std::map<std::string, std::vector<std::string>>> TargetTriggers(
    Connection& conn);

// The checkpoint table (core/replicate/checkpoint.h): created if missing, unlogged.
[[nodiscard]] absl::Status EnsureCheckpointTable(Connection& conn);

using Checkpoint = replicate::Checkpoint;
// The newest checkpoint row of `stream` (found = false when there is none).
[[nodiscard]] absl::StatusOr<Checkpoint> LoadCheckpoint(Connection& conn,
                                                        const std::string& stream);

class Applier {
 public:
  ~Applier();
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Applier>> Open(
      const ConnectOptions& target, ApplierOptions options, SchemaCache* schema);

  // Applies `t` (rows and statements) and its checkpoint row inside a target transaction
  // left open for Commit(). A transaction of statements (DDL) commits implicitly: its
  // checkpoint is written after it, unlogged. Errors name db.table, the key, and the
  // source transaction and position. Aborted status = deadlock/lock timeout: roll back and
  // call again.
  [[nodiscard]] absl::Status Apply(const replicate::Transaction& t);
  // A streamed transaction (replicate::Transaction::part): its parts in order into one target
  // transaction, left open for Commit() after the last part (which writes the checkpoint).
  // Aborted (deadlock): roll back; the caller reads the transaction again from its start.
  [[nodiscard]] absl::Status ApplyPart(const replicate::Transaction& part);
  [[nodiscard]] absl::Status Commit();
  void Rollback();
  // Writes this worker's checkpoint row alone (unlogged) and commits it: `t`, without
  // events, names where the source was read through when nothing after the last commit
  // was applied (passed by the loop filter, the filters, --skip, or none at all).
  [[nodiscard]] absl::Status RecordPosition(const replicate::Transaction& t);

  [[nodiscard]] const ApplyCounters& counters() const { return counters_; }
  [[nodiscard]] const ApplierOptions& options() const { return options_; }
  [[nodiscard]] const std::string& endpoint() const { return conn_.endpoint(); }
  // The target's id of this session (CONNECTION_ID()), for a KILL QUERY from another one.
  [[nodiscard]] uint64_t connection_id() const { return connection_id_; }

 private:
  struct Stmt;
  Applier(Connection conn, ApplierOptions options, SchemaCache* schema);

  absl::Status Setup();
  // Start of a source transaction: origin set, staged rows dropped, statements rebuilt
  // after DDL.
  absl::Status Begin(const replicate::Transaction& t);
  absl::Status SetOrigin(const replicate::Transaction& t);
  absl::Status ApplyEvents(const replicate::Transaction& t);
  absl::Status ApplyStatement(const replicate::Transaction& t, const binlog::EventView& ev);
  absl::Status ApplyRow(const replicate::Transaction& t, const binlog::EventView& ev,
                        const schema::TableInfo& info, binlog::RowsKind kind,
                        const binlog::RowImage* before, const binlog::RowImage* after);
  absl::Status WriteCheckpoint(const replicate::Transaction& t, bool unlogged);
  // Before a statement that commits by itself: the lease row still at options_.lease_epoch.
  absl::Status CheckFence();
  // The fence's error (replicate::JudgeFence on the lease row as it is now), or OK when the
  // row still holds this process's epoch unlocked.
  absl::Status FenceError(bool lock_refused);
  // Live mode fast path (see Apply): the transaction's events replayed by the server's own
  // row applier in one BINLOG statement.
  [[nodiscard]] bool CanReplay(const replicate::Transaction& t);
  absl::Status Replay(const replicate::Transaction& t);
  absl::Status ExecuteBinlog(std::span<const uint8_t> events);
  // The prepared statement of `op` for this table and image shape (core/replicate/row_plan.h),
  // built and prepared on first use, then found in stmts_ without allocating.
  absl::StatusOr<Stmt*> Statement(replicate::RowOp op, const schema::TableInfo& info,
                                  const replicate::RowShape& shape);
  // Catchup compaction (core/replicate/compaction.h): stages a row change's net effect,
  // flushing first or after as the compaction says. `key_hash`: RowKeyHash of `image`.
  absl::Status Stage(const std::shared_ptr<const schema::TableInfo>& info, bool upsert,
                     const binlog::RowImage& image, uint64_t key_hash);
  absl::Status FlushPending();
  // `op`: kUpsertRows or kDeleteRowsByPrimaryKey, in runs of 64, 8 and 1 rows.
  absl::Status ExecuteRuns(replicate::RowOp op, const schema::TableInfo& info,
                           std::span<const binlog::RowImage* const> images);
  absl::StatusOr<uint64_t> ExecuteRun(replicate::RowOp op, const schema::TableInfo& info,
                                      std::span<const binlog::RowImage* const> rows);
  // The error of a failed run of `rows`, naming the first row that fails alone.
  absl::Status RunError(const absl::Status& cause, replicate::RowOp op,
                        const schema::TableInfo& info,
                        std::span<const binlog::RowImage* const> rows);
  // " (transaction X..Y, source binlog up to file:pos)" of the catchup group being applied.
  std::string AppliedWhere() const;
  absl::Status ApplyRowChecked(const replicate::Transaction& t, const binlog::EventView& ev,
                               const schema::TableInfo& info,
                               binlog::RowsKind kind, const binlog::RowImage* before,
                               const binlog::RowImage* after);
  // Resync: reports the conflict `kind` of `image`'s row to options_.on_conflict (and
  // record_conflict) and returns the policy's action.
  absl::StatusOr<replicate::ConflictAction> AskConflict(const replicate::Transaction& t,
                                                        const binlog::EventView& ev,
                                                        const schema::TableInfo& info,
                                                        const binlog::RowImage& image,
                                                        std::string_view kind);
  // Live/catchup: an update or delete found no row; replicate::DecideMissingRow decides.
  absl::Status ApplyMissingRow(const replicate::Transaction& t, const binlog::EventView& ev,
                               const schema::TableInfo& info, binlog::RowsKind kind,
                               const binlog::RowImage* before, const binlog::RowImage* after);
  // True when the target holds a row equal to the full after image `after` (the change is
  // already applied: not a conflict).
  absl::StatusOr<bool> AlreadyAfter(const schema::TableInfo& info, const binlog::RowImage* after);
  // `op`: kExistsByKey or kExistsMatching, for the row `image` describes.
  absl::StatusOr<bool> Exists(replicate::RowOp op, const schema::TableInfo& info,
                              const binlog::RowImage* image);
  absl::StatusOr<uint64_t> Execute(Stmt* stmt, const schema::TableInfo& info,
                                   const binlog::RowImage* before,
                                   const binlog::RowImage* after);
  absl::StatusOr<uint64_t> Execute(Stmt* stmt, const schema::TableInfo& info,
                                   std::span<const binlog::RowImage* const> images);
  std::string DescribeKey(const schema::TableInfo& info, const binlog::RowImage& image) const;
  // A warning naming the row (db.table and key), the source transaction and position.
  void LogRow(const replicate::Transaction& t, const binlog::EventView& ev,
              const schema::TableInfo& info, const binlog::RowImage& image,
              std::string_view message) const;
  // `status` carrying `cause`'s ServerError (so callers still see the number).
  static absl::Status KeepServerError(const absl::Status& cause, absl::Status status);
  // A row statement of `info` failed because the table is gone (dropped mid-stream): the
  // message a restart gives (SchemaCache's "table not found on the target ...; create it
  // there ..."), with `where`. Any other error unchanged.
  absl::Status MissingTable(const absl::Status& st, const schema::TableInfo& info,
                            std::string_view where);
  absl::Status RowError(const absl::Status& cause, const replicate::Transaction& t,
                        const binlog::EventView& ev, const schema::TableInfo& info,
                        const binlog::RowImage* image, std::string_view what) const;

  Connection conn_;
  uint64_t connection_id_ = 0;
  ApplierOptions options_;
  SchemaCache* schema_;
  schema::TableLookup lookup_;  // schema_->Get, for the walker and CanReplay
  replicate::RowWalker walker_;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> stmts_;
  std::string key_;  // statement cache lookup key (replicate::RowPlanKey), reused
  std::unique_ptr<PreparedStatement> checkpoint_;   // lease_fence.h's fenced upsert
  std::unique_ptr<PreparedStatement> fence_check_;  // its check before a DDL
  // Session state, to set only what changes.
  int64_t session_server_id_ = -1;
  int64_t session_domain_id_ = -1;
  uint32_t default_domain_id_ = 0;
  bool origin_refused_ = false;
  uint64_t schema_generation_ = 0;  // statements are rebuilt after DDL
  static constexpr size_t kMaxReplayBytes = 4u << 20;  // larger: statements (max_allowed_packet)
  bool replay_enabled_ = true;      // false once the target refused a BINLOG statement
  std::shared_ptr<const binlog::FormatDescription> replay_format_;  // sent on this session
  std::vector<uint8_t> replay_events_;  // reused: the events of one transaction
  binlog::TableMapCache replay_maps_;   // CanReplay's decoded TABLE_MAPs
  std::string replay_base64_, replay_sql_;
  replicate::RowCompaction compaction_;  // catchup: rows staged until the next flush
  // db.table of tables with triggers on the target, loaded when run_triggers is not the
  // default (at Setup and after DDL); empty otherwise.
  std::map<std::string, std::vector<std::string>> triggers_;
  [[nodiscard]] bool HasTriggers(const schema::TableInfo& info) const;
  absl::Status LoadTriggers();
  ApplyCounters counters_;
  const replicate::Transaction* applying_ = nullptr;  // during ApplyEvents: named in messages
};

}  // namespace binsync

#endif  // BINSYNC_NET_REPLICATE_APPLIER_H_
