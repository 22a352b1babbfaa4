// The applier's conflict rules without a server: each --on-missing-row policy for updates
// and deletes in live and catchup mode, the insert statement, and resync's conflict names
// and repairs for each --on-conflict action.
#include "core/replicate/conflict.h"

#include <string>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

using binlog::RowsKind;

TEST(InsertOpTest, UpsertOnlyWithOverwrite) {
  EXPECT_EQ(InsertOp(OnMissingRow::kError), RowOp::kInsert);
  EXPECT_EQ(InsertOp(OnMissingRow::kSkip), RowOp::kInsert);  // skip is for missing rows
  EXPECT_EQ(InsertOp(OnMissingRow::kOverwrite), RowOp::kUpsert);
}

// Catchup used to upsert and pass missing rows whatever --on-missing-row said; now the
// policy holds in every mode, and catchup's idempotence is its default.
TEST(DefaultOnMissingRowTest, CatchupOverwritesLiveErrs) {
  EXPECT_EQ(DefaultOnMissingRow(true), OnMissingRow::kOverwrite);
  EXPECT_EQ(DefaultOnMissingRow(false), OnMissingRow::kError);
}

TEST(MayCompactTest, OnlyUnderOverwrite) {
  EXPECT_TRUE(MayCompact(OnMissingRow::kOverwrite));
  EXPECT_FALSE(MayCompact(OnMissingRow::kError));  // each row checked, named on failure
  EXPECT_FALSE(MayCompact(OnMissingRow::kSkip));   // each missing row logged
}

TEST(UpsertReplacedRowTest, TwoAffectedRowsMeanADifferentRowWasReplaced) {
  EXPECT_FALSE(UpsertReplacedRow(1));  // inserted, or the row was already the same
  EXPECT_TRUE(UpsertReplacedRow(2));
  EXPECT_EQ(OverwriteMessage(),
            "insert found a different row with this key on the target; overwritten with the "
            "source's row (--on-missing-row overwrite)");
}

TEST(CompactedDeleteMissingMessageTest, CountsTheKeysNotFound) {
  EXPECT_EQ(CompactedDeleteMissingMessage(64, 61),
            "3 of 64 rows to delete not found on the target; nothing to do (--on-missing-row "
            "overwrite; catchup's multi-row DELETE does not say which: use --on-missing-row "
            "error or skip to have each row checked and named)");
}

TEST(DuplicateKeyMessageTest, NamesTheNativeErrorAndTheWayOut) {
  const std::string m(DuplicateKeyMessage());
  EXPECT_NE(m.find("1062"), std::string::npos);
  EXPECT_NE(m.find("--on-missing-row overwrite"), std::string::npos);
}

TEST(DecideMissingRowTest, ErrorPolicyFailsNamingError1032) {
  for (RowsKind kind : {RowsKind::kUpdate, RowsKind::kDelete}) {
    const MissingRowDecision d = DecideMissingRow(kind, OnMissingRow::kError);
    EXPECT_EQ(d.action, MissingRowAction::kFail);
    EXPECT_FALSE(d.log);
  }
  EXPECT_EQ(DecideMissingRow(RowsKind::kUpdate, OnMissingRow::kError).message,
            "row to update not found on the target (like native error 1032); resync the pair, "
            "or choose --on-missing-row overwrite|skip");
  EXPECT_EQ(DecideMissingRow(RowsKind::kDelete, OnMissingRow::kError).message.substr(0, 13),
            "row to delete");
}

TEST(DecideMissingRowTest, SkipLogsAndAppliesNothing) {
  const MissingRowDecision u = DecideMissingRow(RowsKind::kUpdate, OnMissingRow::kSkip);
  EXPECT_EQ(u.action, MissingRowAction::kSkip);
  EXPECT_TRUE(u.log);
  EXPECT_EQ(u.message, "row to update not found; skipped (--on-missing-row skip)");
  const MissingRowDecision d = DecideMissingRow(RowsKind::kDelete, OnMissingRow::kSkip);
  EXPECT_EQ(d.action, MissingRowAction::kSkip);
  EXPECT_EQ(d.message, "row to delete not found; skipped (--on-missing-row skip)");
}

TEST(DecideMissingRowTest, OverwriteUpsertsUpdatesAndLogsDeletesAsNothingToDo) {
  const MissingRowDecision u =
      DecideMissingRow(RowsKind::kUpdate, OnMissingRow::kOverwrite);
  EXPECT_EQ(u.action, MissingRowAction::kUpsertAfter);
  EXPECT_TRUE(u.log);
  EXPECT_EQ(u.message,
            "row to update not found; inserted the after image (--on-missing-row overwrite)");
  const MissingRowDecision d =
      DecideMissingRow(RowsKind::kDelete, OnMissingRow::kOverwrite);
  EXPECT_EQ(d.action, MissingRowAction::kSkip);
  EXPECT_TRUE(d.log);
  EXPECT_EQ(d.message, "row to delete not found; nothing to do (--on-missing-row overwrite)");
}

TEST(ConflictKindTest, NamesEachCase) {
  EXPECT_EQ(ConflictKind(RowsKind::kWrite, true), "insert met a different row");
  EXPECT_EQ(ConflictKind(RowsKind::kUpdate, true), "update found a different row");
  EXPECT_EQ(ConflictKind(RowsKind::kUpdate, false), "update found no row");
  EXPECT_EQ(ConflictKind(RowsKind::kDelete, true), "delete found a different row");
  EXPECT_EQ(ConflictKind(RowsKind::kDelete, false), "delete found no row");
}

TEST(RepairForTest, KeepNeverRuns) {
  for (RowsKind kind : {RowsKind::kWrite, RowsKind::kUpdate, RowsKind::kDelete}) {
    for (bool keyed : {false, true}) {
      for (bool exists : {false, true}) {
        EXPECT_EQ(RepairFor(kind, keyed, exists, ConflictAction::kKeep), ConflictRepair::kNone);
      }
    }
  }
}

TEST(RepairForTest, OverwriteInsertUpsertsTheAfterImage) {
  EXPECT_EQ(RepairFor(RowsKind::kWrite, true, true, ConflictAction::kOverwrite),
            ConflictRepair::kUpsertAfter);
  EXPECT_EQ(RepairFor(RowsKind::kWrite, false, true, ConflictAction::kOverwrite),
            ConflictRepair::kUpsertAfter);
}

TEST(RepairForTest, OverwriteUpdateNeedsAKeyAndRecreatesAMissingRow) {
  EXPECT_EQ(RepairFor(RowsKind::kUpdate, true, true, ConflictAction::kOverwrite),
            ConflictRepair::kUpsertAfter);
  EXPECT_EQ(RepairFor(RowsKind::kUpdate, true, false, ConflictAction::kOverwrite),
            ConflictRepair::kUpsertAfter);
  EXPECT_EQ(RepairFor(RowsKind::kUpdate, false, false, ConflictAction::kOverwrite),
            ConflictRepair::kNone);  // keyless: no row to find
}

TEST(RepairForTest, OverwriteDeleteRemovesOnlyARowThatIsThere) {
  EXPECT_EQ(RepairFor(RowsKind::kDelete, true, true, ConflictAction::kOverwrite),
            ConflictRepair::kDeleteByKey);
  EXPECT_EQ(RepairFor(RowsKind::kDelete, true, false, ConflictAction::kOverwrite),
            ConflictRepair::kNone);  // recorded, nothing to delete
  EXPECT_EQ(RepairFor(RowsKind::kDelete, false, false, ConflictAction::kOverwrite),
            ConflictRepair::kNone);
}

}  // namespace
}  // namespace binsync::replicate
