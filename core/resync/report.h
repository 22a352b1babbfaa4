// Resync's report: what a run planned, applied, met and left (docs/resync.md, "Report"),
// and its two formats. Both formats are contracts (scripts and the integration tests read
// them): the text (`--format table`) and the JSON object (`--format json`) keep their
// fields, order and wording. Pure: tested in tests/core/resync/report_test.cc.
#ifndef BINSYNC_CORE_RESYNC_REPORT_H_
#define BINSYNC_CORE_RESYNC_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/verify/report.h"

namespace binsync {

// What one server lacks of the other's binlog.
struct StreamPlan {
  std::string direction;  // "a:1 -> b:2"
  std::string start;      // GTID position the stream starts after
  uint64_t transactions = 0;
  uint64_t rows = 0;
  uint64_t skipped_own = 0;  // the target's own (or binsync's) transactions, not needed
  std::string first_gtid, last_gtid;
  std::string end;  // GTID position the scan read through
  std::map<std::string, uint64_t> table_rows;  // db.table -> row changes
  bool purged = false;   // the binlog needed is gone: verify + repair instead
  std::string purged_message;
};

// What one catch-up stream applied in this process (a resumed run: this run's part).
struct AppliedCounts {
  uint64_t transactions = 0;    // source transactions applied
  uint64_t rows = 0;
  uint64_t target_commits = 0;  // catchup groups several transactions in one commit
  double seconds = 0;
  std::string read_through;     // source GTID position read through; "" when not run
};

// One conflict a catch-up stream met and how its policy resolved it.
struct ReportedConflict {
  std::string table;       // db.table
  std::string key;         // (id=5)
  std::string kind;        // "insert met a different row", ...
  std::string txn;         // the source transaction
  std::string direction;   // the stream that met it: "a:1 -> b:2"
  std::string resolution;  // "--from's row kept", ...
};

struct ResyncReport {
  std::string from, to;  // endpoints
  std::string run_id;    // this run's id in binsync.resync_run (not for --dry-run)
  // A run that finished an interrupted one: the step it resumed from ("" when fresh) and
  // "resumed run X from step 'Y' (started ...)".
  std::string resumed_step, resumed_message;
  std::string from_errors, to_errors;  // replication errors found at inspection
  StreamPlan to_lacks, from_lacks;     // from -> to, to -> from
  std::vector<std::string> predicted_conflicts;  // db.table (key) changed on both sides
  AppliedCounts applied_to_to, applied_to_from;
  std::vector<ReportedConflict> conflicts;
  VerifyReport verify_first, verify_final;
  bool verified = false;
  uint64_t repaired_rows = 0;
  std::string handback;                // what was done, or the commands to run
  std::map<std::string, double> step_seconds;  // "inspect", "plan", "catch up", ...
  std::vector<std::string> notes;
  bool dry_run = false;
  // A dry run: no row changed on both sides. Otherwise: verified, and identical at the end.
  [[nodiscard]] bool clean() const;
};

// `--format table`: a header line naming the run, the plan per direction with rows per
// table, rows changed on both sides and conflicts (first 50 each; JSON lists all), what was
// applied, the hand-back, the verify result, notes and the time per step. A dry run stops
// after the plan (notes, then "dry run: nothing was changed").
[[nodiscard]] std::string ResyncReportText(const ResyncReport& report);
// `--format json`: one object, no trailing newline.
[[nodiscard]] std::string ResyncReportJson(const ResyncReport& report);

}  // namespace binsync

#endif  // BINSYNC_CORE_RESYNC_REPORT_H_
