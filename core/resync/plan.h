// Resync's plan: every decision of a run taken from facts, before and between the
// executor's five steps (net/resync/resync.h runs them against the pair):
//
//   inspect    CheckPair (may this pair be resynced at all), PlanRun (a fresh run or the
//              recorded one resumed; what it (re)does; where native replication is stopped)
//   plan       ScanStop (a resumed run's scans stop where its first plan's did),
//              PredictedConflicts (rows changed on both sides)
//   catch up   PurgedNotes (a direction whose binlog is gone is verified and repaired)
//   hand back  HandbackSides, HandedBackAlready, HandbackSummary
//   verify     PlanVerify (which tables and rows), RepairAfter
//
// Facts in (ServerFacts of both servers, the recorded run, what the scans logged),
// plans out; no server I/O. Tested in tests/core/resync/plan_test.cc.
#ifndef BINSYNC_CORE_RESYNC_PLAN_H_
#define BINSYNC_CORE_RESYNC_PLAN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/resync/policies.h"
#include "core/resync/report.h"
#include "core/resync/run_state.h"
#include "core/topology/server_facts.h"

namespace binsync {

// --handback: native (restart native replication both ways) or none (print the commands).
enum class Handback { kNative, kNone };

// ---- 1 inspect ----

// Refuses a pair resync cannot work on: one server_id for both, or a binlog_format other
// than ROW (resync reads row events). The message names the server and the fix.
[[nodiscard]] absl::Status CheckPair(const ServerFacts& from, const ServerFacts& to);

// `facts`' replication thread errors as the report prints them ("SQL thread error 1062:
// ...; IO thread error ...; "), "" when none.
[[nodiscard]] std::string ReplicationErrors(const ServerFacts& facts);

// The most recent run of a pair from its two copies (--to's written first, so it may be
// one step ahead): the more advanced copy of the same run, else the later-started run
// (run id breaking a tie of start times); either copy when the other is missing.
[[nodiscard]] std::optional<ResyncRun> LatestOfCopies(const std::optional<ResyncRun>& on_to,
                                                      const std::optional<ResyncRun>& on_from);

// `facts`' default replication channel as found (recorded with a fresh run).
[[nodiscard]] NativeAsFound NativeFound(const ServerFacts& facts);

struct RunFacts {
  ServerFacts from, to;               // as inspected now
  std::string from_endpoint, to_endpoint;
  std::optional<ResyncRun> latest;    // LatestOfCopies of the pair's recorded runs
  std::string new_run_id;             // the id a fresh run takes
  ConflictPolicy policy = ConflictPolicy::kReport;
  bool dry_run = false;
};

struct RunPlan {
  ResyncRun run;             // a fresh run (step inspected) or the recorded one
  bool resuming = false;
  ResumeWork work;
  // A replication channel is configured: as the run's first inspection found it, or now
  // (a resumed run finds replication stopped by its first part).
  bool from_channel = false, to_channel = false;
  // Create the state tables and record the run before anything changes (a fresh run
  // that changes servers).
  bool record_new_run = false;
  // STOP SLAVE before catching up (native replication must not apply concurrently).
  bool stop_from_native = false, stop_to_native = false;
  std::string run_id;        // as reported: "" for a dry run
  std::string resumed_step, resumed_message;  // a resumed run's (report)
  std::vector<std::string> notes;
};

// The run from the facts. Error (FailedPrecondition) when an unfinished run of the pair
// has another direction or policy and this is not a dry run (a dry run notes it and
// plans afresh).
[[nodiscard]] absl::StatusOr<RunPlan> PlanRun(const RunFacts& facts);

// ---- 2 plan ----

// Where a resumed run's scan of one direction stops: where the first plan's scan read
// through, so that the plan is the same again; nullopt (to the binlog's end) when that
// scan found the binlog purged or nothing at all.
[[nodiscard]] std::optional<std::string> ScanStop(const DirectionState& recorded);

// The rows one server changed since the divergence, as the plan's scan of its binlog
// logged them (the executor fills it from the row images).
struct RowChanges {
  struct RowKeys {
    std::vector<std::string> columns;               // primary key columns, in key order
    std::vector<std::vector<std::string>> keys;     // one row's key values as text each
  };
  std::unordered_map<uint64_t, uint32_t> last_change;  // row key hash -> last commit time
  std::unordered_map<uint64_t, std::string> name;      // row key hash -> "db.table (id=5)"
  std::map<std::string, RowKeys> touched;  // db.table -> the primary keys of its rows
  std::set<std::string> whole;             // tables whose key cannot be written as text
};

// The receiver's last logged change of a row (for the newest-wins policy); nullopt when
// the row has no key hash or the receiver logged no change of it.
[[nodiscard]] std::optional<uint32_t> LastChange(const RowChanges& receiver,
                                                 std::optional<uint64_t> key_hash);

// Rows changed on both sides, by name, sorted and without repeats.
[[nodiscard]] std::vector<std::string> PredictedConflicts(const RowChanges& from,
                                                          const RowChanges& to);

// ---- 3 catch up ----

// One note per direction whose binlog is purged: that direction is not caught up, and
// every table is verified and repaired from --from instead.
[[nodiscard]] std::vector<std::string> PurgedNotes(const ResyncReport& report);

// ---- 4 hand back ----

// One receiving server to hand back: native replication restarted from `position`.
struct HandbackSide {
  Side receiver = Side::kTo;
  std::string position;   // the peer's position catch-up read through
  bool channel = false;   // a channel is configured (else handing back is an error)
  bool done = false;      // recorded as handed back by this run already
};
// --to first, then --from (the order runs record and the fault points assume).
[[nodiscard]] std::vector<HandbackSide> HandbackSides(const RunPlan& plan);

// True when a server's native replication already runs from `position` or beyond (both
// threads running, gtid_slave_pos reached it in every domain): an interrupted run handed it
// back and it may have applied more since, so setting the position again would replay.
[[nodiscard]] absl::StatusOr<bool> HandedBackAlready(const ServerFacts& receiver,
                                                     const std::string& position);

// The report's hand-back line: what runs now (native), or the statements to run (none).
[[nodiscard]] std::string HandbackSummary(Handback mode, const ResyncRun& run,
                                          std::string_view from, std::string_view to);

// ---- 5 verify ----

struct VerifyPlan {
  bool run = false;         // verify at all (nothing caught up and nothing asked: no)
  bool every_table = false; // --full-verify or a purged binlog: no table list, no keys
  std::vector<std::string> tables;                 // sorted; empty when every_table
  std::map<std::string, RowChanges::RowKeys> keys;  // per table, only the touched rows
  std::vector<std::string> notes;
};
// What to verify after the hand-back: the tables the plan touched or a conflict named,
// narrowed to the touched rows of tables whose keys both sides could write as text.
[[nodiscard]] VerifyPlan PlanVerify(bool full_verify, const ResyncReport& report,
                                    const RowChanges& from, const RowChanges& to);

// Whether what the first verify found is repaired from --from (and verified again).
[[nodiscard]] bool RepairAfter(ConflictPolicy policy, bool first_verify_consistent);

}  // namespace binsync

#endif  // BINSYNC_CORE_RESYNC_PLAN_H_
