// The applier's rules when the target's row is not what a change expects: a duplicate key
// on insert, or no row to update or delete. Pure: facts in (the operation, what the
// target answered, the policy), the action and its message text out; the applier
// (net/replicate/) runs the statements and writes the log lines.
//
// Live and catchup (--on-missing-row, unchecked; DefaultOnMissingRow when not given):
//   insert   overwrite: an upsert; when it replaced a different row (UpsertReplacedRow)
//            the row is logged with its key and counted. error, skip: an INSERT, and a
//            duplicate key is an error (like native 1062).
//   update / delete whose row is missing (always counted as a missing row):
//            error              fail, naming native error 1032
//            skip               log and go on
//            overwrite          log; update: upsert the after image; delete: nothing
// Catchup mode defaults to overwrite (idempotent) and only then reduces a group to its
// net effect per key (MayCompact): a multi-row upsert cannot tell an insert from an
// overwrite, so under error or skip every row is applied and checked one by one.
//
// Resync (checked: --on-conflict decides each conflict, see ConflictFn in the applier):
//   a change whose row does not match is a conflict named by ConflictKind; the policy's
//   action then gives the repair (RepairFor). A delete whose row is gone is recorded but
//   never repaired (there is nothing to delete).
#ifndef BINSYNC_CORE_REPLICATE_CONFLICT_H_
#define BINSYNC_CORE_REPLICATE_CONFLICT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/binlog/rows_event.h"
#include "core/replicate/row_plan.h"

namespace binsync::replicate {

// --on-missing-row.
enum class OnMissingRow { kError, kOverwrite, kSkip };

// What resync's --on-conflict policy decided for one conflict.
enum class ConflictAction { kOverwrite, kKeep };

// --on-missing-row when the DBA gave none: catchup overwrite, live error (as native).
[[nodiscard]] OnMissingRow DefaultOnMissingRow(bool catchup);
// Whether catchup may compact rows (compaction.h: written without reading the target's
// row, so nothing is detected per row): only under overwrite.
[[nodiscard]] bool MayCompact(OnMissingRow policy);

// The statement for a row insert: kUpsert with overwrite, else kInsert.
[[nodiscard]] RowOp InsertOp(OnMissingRow policy);

// The error text of a duplicate key on a plain INSERT.
[[nodiscard]] std::string_view DuplicateKeyMessage();

// An insert's upsert (overwrite) that reported `affected` rows (CLIENT_FOUND_ROWS: 1 for
// a new row or one already equal, 2 for a different row replaced): true when it replaced
// one, which the applier logs with OverwriteMessage() and counts.
[[nodiscard]] bool UpsertReplacedRow(uint64_t affected);
[[nodiscard]] std::string_view OverwriteMessage();

// A compacted catchup DELETE of `keys` keys removed `deleted` rows: the text for the
// others (missing on the target; which ones the multi-row statement does not say).
[[nodiscard]] std::string CompactedDeleteMissingMessage(uint64_t keys, uint64_t deleted);

enum class MissingRowAction {
  kFail,         // an error with `message`
  kSkip,         // nothing applied; log `message` when `log`
  kUpsertAfter,  // upsert the after image (fails itself when the image is not full)
};
struct MissingRowDecision {
  MissingRowAction action = MissingRowAction::kFail;
  bool log = false;     // a warning line with `message` (the applier adds where and which row)
  std::string message;  // the error text, or the warning's text
};
// An update or delete (`kind`) whose row the target does not have.
[[nodiscard]] MissingRowDecision DecideMissingRow(binlog::RowsKind kind, OnMissingRow policy);

// Resync: the conflict's name for the report. `row_exists`: the target has a row with the
// change's key (an insert met one by definition).
[[nodiscard]] std::string_view ConflictKind(binlog::RowsKind kind, bool row_exists);

enum class ConflictRepair { kNone, kUpsertAfter, kDeleteByKey };
// What to run after the policy chose `action`. `keyed`: the table has a row key (without
// one, an update's row cannot be found to overwrite and nothing is run).
[[nodiscard]] ConflictRepair RepairFor(binlog::RowsKind kind, bool keyed, bool row_exists,
                                       ConflictAction action);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_CONFLICT_H_
