// binsync verify: checksum two live servers table by table, narrow differing chunks to
// rows, and repair B to match A.
//
// Per table: key = PRIMARY, else a unique index of NOT NULL columns, else the table is
// compared whole (checksum only). Integer single-column keys are chunked by value
// ranges, other keys by walking the index (LIMIT 1 OFFSET n). A and B are read
// concurrently, each on its own connection. A chunk whose (count, 64-bit xor of row
// hashes) differs is, when replication runs between the servers, read again after each
// side has applied what the other had committed at read time (MASTER_GTID_WAIT), a few
// times. What still differs is narrowed: the (key, row hash) pairs of both sides, then
// each candidate row fetched from both sides and classified. Only rows that differ in
// that final fetch are reported, once settled (core/verify/settle.h); rows a stalled
// replication's backlog touches are listed as unsettled.
#ifndef BINSYNC_NET_VERIFY_VERIFY_RUNNER_H_
#define BINSYNC_NET_VERIFY_VERIFY_RUNNER_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/verify/repair_plan.h"
#include "core/verify/report.h"
#include "net/mysql/connection.h"

namespace binsync {

struct VerifyOptions {
  std::vector<std::string> databases;  // empty: all but the system schemas
  std::vector<std::string> tables;     // "db.t" or "t"; empty: all
  // An entry of `databases` / `tables` that names nothing on either server is an error
  // (a typo); off for callers that select tables which may be gone (resync).
  bool require_selected = true;
  std::vector<std::string> ignore_databases;  // left out even when selected
  std::vector<std::string> ignore_tables;     // "db.t" or "t", left out
  double chunk_time_s = 0.5;           // target time of one chunk checksum
  int max_load = 0;                    // pause while Threads_running > N (0: off)
  int rechecks = 3;                    // live-write rechecks of a differing chunk
  // At most this many differing rows are listed (held in memory, reported, repaired) per
  // run; past it differing chunks are counted and the table gets a `problem`. 0: no limit.
  size_t max_diffs = 100000;
  // Settle budget: while a differing row waits for replication, verify keeps waiting as
  // long as the lagging side's applied GTID position moves, and gives up once it has not
  // moved for this long; the rows its backlog touches are then listed as unsettled.
  double settle_timeout_s = 30;
  // Compare only these rows ("db.table" -> primary key values, as text, in key column
  // order): resync's touched rows. A table whose primary key is not `columns` is
  // compared whole.
  struct RowKeys {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> keys;
  };
  std::map<std::string, RowKeys> keys;
  std::string state_file;  // progress for --resume; empty: none
  bool resume = false;
  bool progress_bar = false;  // a terminal: one progress line redrawn in place
};

[[nodiscard]] absl::StatusOr<VerifyReport> RunVerify(const ConnectOptions& a,
                                                     const ConnectOptions& b,
                                                     const VerifyOptions& options);

// Idempotent statements that make B like A (deletes of only_on_b rows first, then
// upserts of A's rows), as SQL text for --repair-sql.
[[nodiscard]] absl::StatusOr<std::string> RepairSql(Connection& b, const VerifyReport& report,
                                                    const RepairOptions& options);
// Applies the same changes to B with bound values in small transactions. Returns the
// number of rows changed. On every path B's session is left with binlogging and foreign
// key checks on and no transaction open (an error midway rolls back the open one).
[[nodiscard]] absl::StatusOr<uint64_t> ApplyRepair(Connection& b, const VerifyReport& report,
                                                   const RepairOptions& options);

}  // namespace binsync

#endif  // BINSYNC_NET_VERIFY_VERIFY_RUNNER_H_
