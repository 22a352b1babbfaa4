// Resync's conflict policies: what happens to a row that both servers changed since the
// divergence, when a catch-up stream meets it (docs/resync.md, "Catch up").
//
// A policy sees only facts: which server receives the change, the change's commit time,
// and the receiving server's own last logged change of that row. It returns what to do
// with the receiving server's row and the words the report prints. Each policy is a
// named function so that its rule, ties included, is tested without a server
// (tests/core/resync/policies_test.cc).
#ifndef BINSYNC_CORE_RESYNC_POLICIES_H_
#define BINSYNC_CORE_RESYNC_POLICIES_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace binsync {

// --conflicts: report (leave both rows, exit 1), from-wins, newest-wins.
enum class ConflictPolicy { kReport, kFromWins, kNewestWins };

// "report", "from-wins", "newest-wins": as given on the command line and as recorded in
// binsync.resync_run.
[[nodiscard]] std::string_view PolicyName(ConflictPolicy policy);
[[nodiscard]] std::optional<ConflictPolicy> ParsePolicy(std::string_view name);

// The two servers of a resync: --from (authoritative) and --to (the diverged one).
enum class Side { kFrom, kTo };

// One conflict as a policy sees it.
struct ConflictFacts {
  // The server the change is applied to: kTo for the --from -> --to stream.
  Side receiver = Side::kTo;
  // The incoming change's commit time (binlog event time, whole seconds).
  uint32_t change_time = 0;
  // The receiver's last logged change of the same row since the divergence (a delete
  // included); nullopt when none is logged: the row was changed outside the binlog
  // (sql_log_bin=0, the 1032/1062 breaks), or its key cannot be hashed (no key, NULL).
  std::optional<uint32_t> receiver_change_time;
};

// kOverwrite: the receiver's row takes the incoming change; kKeep: the receiver's row
// stays as it is (the incoming change is not applied).
enum class RowAction { kOverwrite, kKeep };

struct PolicyDecision {
  RowAction action = RowAction::kKeep;
  std::string_view resolution;  // as printed and recorded; a literal, never dangling
};

// report: neither row is touched ("left alone (report)").
[[nodiscard]] PolicyDecision ReportPolicy(const ConflictFacts& facts);
// from-wins: --to takes --from's change; --to's change is not applied on --from.
[[nodiscard]] PolicyDecision FromWins(const ConflictFacts& facts);
// newest-wins: the later commit time wins. Ties go to --from: on --to the incoming
// (--from's) change overwrites, on --from the row is kept. A receiver with no logged
// change of the row counts as older when it is --to and as newer when it is --from, so
// an unlogged change on --to loses and --from's row is never overwritten by a change
// whose rival cannot be timed.
[[nodiscard]] PolicyDecision NewestWins(const ConflictFacts& facts);

// The policy named by `policy`.
[[nodiscard]] PolicyDecision Decide(ConflictPolicy policy, const ConflictFacts& facts);

}  // namespace binsync

#endif  // BINSYNC_CORE_RESYNC_POLICIES_H_
