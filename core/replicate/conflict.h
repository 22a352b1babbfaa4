// The applier's rules when the target's row is not what a change expects: a duplicate key
// on insert, or no row to update or delete. Pure: facts in (the operation, what the
// target answered, the policy), the action and its message text out; the applier
// (net/replicate/) runs the statements and writes the log lines.
//
// Live and catchup (--on-missing-row, unchecked):
//   insert   catchup, or --on-missing-row overwrite: an upsert (a present row is
//            overwritten); otherwise an INSERT, and a duplicate key is an error.
//   update / delete whose row is missing:
//            catchup            update: upsert the after image; delete: nothing (idempotent)
//            error (default)    fail, naming native error 1032
//            skip               log and go on
//            overwrite          log; update: upsert the after image; delete: nothing
//
// Resync (checked: --on-conflict decides each conflict, see ConflictFn in the applier):
//   a change whose row does not match is a conflict named by ConflictKind; the policy's
//   action then gives the repair (RepairFor). A delete whose row is gone is recorded but
//   never repaired (there is nothing to delete).
#ifndef BINSYNC_CORE_REPLICATE_CONFLICT_H_
#define BINSYNC_CORE_REPLICATE_CONFLICT_H_

#include <string>
#include <string_view>

#include "core/binlog/rows_event.h"
#include "core/replicate/row_plan.h"

namespace binsync::replicate {

// --on-missing-row.
enum class OnMissingRow { kError, kOverwrite, kSkip };

// What resync's --on-conflict policy decided for one conflict.
enum class ConflictAction { kOverwrite, kKeep };

// The statement for a row insert: kUpsert or kInsert (see the file comment).
[[nodiscard]] RowOp InsertOp(bool catchup, OnMissingRow policy);

// The error text of a duplicate key on a plain INSERT.
[[nodiscard]] std::string_view DuplicateKeyMessage();

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
[[nodiscard]] MissingRowDecision DecideMissingRow(binlog::RowsKind kind, bool catchup,
                                                  OnMissingRow policy);

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
