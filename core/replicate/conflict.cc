#include "core/replicate/conflict.h"

#include "core/util/strings.h"

namespace binsync::replicate {

using binlog::RowsKind;

OnMissingRow DefaultOnMissingRow(bool catchup) {
  return catchup ? OnMissingRow::kOverwrite : OnMissingRow::kError;
}

bool MayCompact(OnMissingRow policy) { return policy == OnMissingRow::kOverwrite; }

RowOp InsertOp(OnMissingRow policy) {
  return policy == OnMissingRow::kOverwrite ? RowOp::kUpsert : RowOp::kInsert;
}

std::string_view DuplicateKeyMessage() {
  return "duplicate key on insert (like native error 1062): the target already has this row; "
         "resync the pair, or use --on-missing-row overwrite";
}

bool UpsertReplacedRow(uint64_t affected) { return affected >= 2; }

std::string_view OverwriteMessage() {
  return "insert found a different row with this key on the target; overwritten with the "
         "source's row (--on-missing-row overwrite)";
}

std::string CompactedDeleteMissingMessage(uint64_t keys, uint64_t deleted) {
  return StrCat(keys - deleted, " of ", keys,
                " rows to delete not found on the target; nothing to do (--on-missing-row "
                "overwrite; catchup's multi-row DELETE does not say which: use "
                "--on-missing-row error or skip to have each row checked and named)");
}

MissingRowDecision DecideMissingRow(RowsKind kind, OnMissingRow policy) {
  const bool update = kind == RowsKind::kUpdate;
  const std::string_view what = update ? "update" : "delete";
  switch (policy) {
    case OnMissingRow::kError:
      break;
    case OnMissingRow::kSkip:
      return {MissingRowAction::kSkip, true,
              StrCat("row to ", what, " not found; skipped (--on-missing-row skip)")};
    case OnMissingRow::kOverwrite:
      return {update ? MissingRowAction::kUpsertAfter : MissingRowAction::kSkip, true,
              StrCat("row to ", what, " not found; ",
                     update ? "inserted the after image" : "nothing to do",
                     " (--on-missing-row overwrite)")};
  }
  return {MissingRowAction::kFail, false,
          StrCat("row to ", what,
                 " not found on the target (like native error 1032); resync the pair, or "
                 "choose --on-missing-row overwrite|skip")};
}

std::string_view ConflictKind(RowsKind kind, bool row_exists) {
  switch (kind) {
    case RowsKind::kWrite:
      return "insert met a different row";
    case RowsKind::kUpdate:
      return row_exists ? "update found a different row" : "update found no row";
    case RowsKind::kDelete:
      return row_exists ? "delete found a different row" : "delete found no row";
  }
  return "";
}

ConflictRepair RepairFor(RowsKind kind, bool keyed, bool row_exists, ConflictAction action) {
  if (action != ConflictAction::kOverwrite) return ConflictRepair::kNone;
  switch (kind) {
    case RowsKind::kWrite:
      return ConflictRepair::kUpsertAfter;
    case RowsKind::kUpdate:
      return keyed ? ConflictRepair::kUpsertAfter : ConflictRepair::kNone;
    case RowsKind::kDelete:
      // A row found by key exists only when the table has one.
      return keyed && row_exists ? ConflictRepair::kDeleteByKey : ConflictRepair::kNone;
  }
  return ConflictRepair::kNone;
}

}  // namespace binsync::replicate
