// One replication stream, source -> target: the reader thread (stream, assemble,
// loop filter, writeset, catchup batching) feeds the scheduler; N worker threads apply
// and commit in source order with their checkpoint rows.
//
//   BinlogStream -> Assembler -> loop filter -> WritesetBuilder -> [catchup: merge]
//     -> Scheduler (bounded by jobs and bytes) -> Applier x N -> target
//
// Threads and ownership: the caller's thread is the reader; it owns the stream, the
// assembler and each Transaction until Submit. The scheduler owns submitted transactions
// until a worker commits them. Workers own their Applier (one target connection each).
// The SchemaCache is shared (locked).
//
// Invariants:
//   - a transaction is submitted whole or not at all (a partial one at a stop or a lost
//     connection is dropped and read again from the checkpoint);
//   - the checkpoint row is written in the target transaction it describes, and commits
//     follow source order, so the highest-seq checkpoint row covers every earlier
//     transaction: after a crash, restarting from it applies nothing twice and loses
//     nothing;
//   - DDL is a barrier, and the reader waits for it to commit before computing later
//     writesets (they depend on the new schema).
#ifndef BINSYNC_NET_REPLICATE_REPLICATOR_H_
#define BINSYNC_NET_REPLICATE_REPLICATOR_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/schema/table_info.h"
#include "net/replicate/applier.h"
#include "net/mysql/binlog_stream.h"
#include "net/mysql/connection.h"

namespace binsync {

// Live counters of one stream for the metrics endpoint, updated by the workers as they
// commit (relaxed atomics; a scrape sees each value as of some recent moment).
struct ReplicateMetrics {
  std::atomic<uint64_t> applied_txns{0};     // source transactions committed on the target
  std::atomic<uint64_t> target_commits{0};
  std::atomic<uint64_t> rows{0};
  std::atomic<uint64_t> retries{0};          // applied again: deadlock, lock wait, read-only
  std::atomic<uint64_t> missing_rows{0};
  std::atomic<uint64_t> conflicts{0};
  std::atomic<uint64_t> overwritten_rows{0};  // inserts that replaced a different row
  std::atomic<uint64_t> last_source_timestamp{0};  // commit time (s) of the last applied txn
  std::atomic<uint64_t> apply_us{0}, commit_wait_us{0}, commit_us{0};  // summed over workers
  // Failures on the target (replicate::DecideApplyRetry): every failed attempt to apply or
  // commit a transaction, the transactions failing right now (being retried, or the one
  // that stops the stream), and the server error number of the last failure (0: none).
  std::atomic<uint64_t> apply_errors{0};
  std::atomic<uint64_t> failing_txns{0};
  std::atomic<uint64_t> last_apply_error{0};
};

struct ReplicateOptions {
  ConnectOptions source;
  ConnectOptions target;
  ApplyMode mode = ApplyMode::kLive;
  int workers = 4;
  uint32_t server_id = kDefaultBinsyncServerId;
  std::string start;  // GTID position or file:pos; empty: checkpoint, else native's position
  // Resync: with `start`, a checkpoint of this stream with a seq above this one was
  // committed by this run (before a crash, a kill -9 or a lost connection): the stream
  // continues from it instead of `start`, so nothing is applied twice.
  std::optional<uint64_t> resume_past_seq;
  bool until_caught_up = false;
  // Unset: replicate::DefaultOnMissingRow (catchup overwrite, live error).
  std::optional<OnMissingRow> on_missing_row;
  bool replay_binlog = true;  // live mode: rows transactions as BINLOG statements (Applier)
  replicate::RunTriggers run_triggers = replicate::RunTriggers::kStatements;  // --run-triggers
  schema::TableFilter filter;
  size_t max_queue_txns = 4096;
  size_t max_queue_bytes = 256u << 20;
  size_t batch_txns = 200;          // catchup: source transactions per target transaction
  size_t batch_bytes = 16u << 20;   // catchup: bytes of events per target transaction
  // A transaction whose events pass this is applied as it is read, alone, in parts of
  // about this size (memory stays bounded whatever its size); 0: never.
  size_t stream_above_bytes = 32u << 20;
  int max_reconnects = 20;          // lost connections retried (with backoff) before failing
  int lock_wait_timeout_s = 20;     // the apply sessions' (innodb_)lock_wait_timeout
  ConflictFn on_conflict;           // resync: check each change against the target's row
  ConflictRecordFn record_conflict; // resync: record each conflict with its transaction
  // MariaDB GTIDs ("1-1-40") of source transactions to pass without applying them (each
  // logged): what a DBA applied by hand, e.g. a statement-based DML binsync refused.
  std::vector<std::string> skip;
  // Set by SIGTERM/SIGINT: stop reading, commit what is in flight, exit; a statement still
  // running 2 s later (blocked on a lock) is interrupted and its transaction rolled back.
  const std::atomic<bool>* stop = nullptr;
  std::string label;                // "A->B" in logs
  bool progress_bar = false;        // a terminal: \r progress line instead of log lines
  std::chrono::milliseconds progress_every{2000};
  ReplicateMetrics* metrics = nullptr;  // live counters for --metrics-port (may be null)
};

struct ReplicateResult {
  uint64_t source_txns = 0;    // transactions read from the source
  uint64_t applied_txns = 0;   // applied to the target (source transactions)
  uint64_t target_commits = 0; // target transactions (catchup groups several)
  uint64_t skipped_own = 0;    // loop filter: the target's or binsync's server_id
  uint64_t skipped_filtered = 0;  // nothing left after --databases/--tables
  uint64_t skipped_by_request = 0;  // --skip
  uint64_t streamed_txns = 0;  // applied as read, in parts (larger than stream_above_bytes)
  uint64_t rows = 0;
  uint64_t missing_rows = 0;
  uint64_t overwritten_rows = 0;  // --on-missing-row overwrite: inserts that replaced a row
  uint64_t retries = 0;
  uint64_t reconnects = 0;
  std::string start_position;  // where this call started (not a reconnect's position)
  std::string end_position;  // source GTID position applied through
  // Source GTID position read through (applied or skipped); empty after a stop (*stop set:
  // transactions read but still queued were dropped, so only end_position is applied).
  std::string read_position;
  uint64_t conflicts = 0;
  double seconds = 0;
};

// Runs one stream until caught up (until_caught_up), until *stop, or until an error.
[[nodiscard]] absl::StatusOr<ReplicateResult> Replicate(const ReplicateOptions& options);

// The position native replication would start the target at for this source: per domain
// of the source's binlog, the target's gtid_slave_pos, else its gtid_binlog_pos, capped
// at the source's own position (a target ahead in a domain has nothing to get there).
[[nodiscard]] absl::StatusOr<std::string> NativeStartPosition(Connection& source,
                                                              Connection& target);

}  // namespace binsync

#endif  // BINSYNC_NET_REPLICATE_REPLICATOR_H_
