#include "core/resync/policies.h"

#include "gtest/gtest.h"

namespace binsync {
namespace {

ConflictFacts Into(Side receiver, uint32_t change_time,
                   std::optional<uint32_t> receiver_change_time) {
  return {receiver, change_time, receiver_change_time};
}

TEST(PoliciesTest, NamesRoundTripAndUnknownNamesAreRejected) {
  for (ConflictPolicy p :
       {ConflictPolicy::kReport, ConflictPolicy::kFromWins, ConflictPolicy::kNewestWins}) {
    EXPECT_EQ(ParsePolicy(PolicyName(p)), p) << PolicyName(p);
  }
  EXPECT_EQ(PolicyName(ConflictPolicy::kNewestWins), "newest-wins");
  EXPECT_FALSE(ParsePolicy("newest_wins").has_value());
  EXPECT_FALSE(ParsePolicy("").has_value());
  EXPECT_FALSE(ParsePolicy("to-wins").has_value());  // not offered by the CLI
}

TEST(PoliciesTest, ReportLeavesEitherSidesRowAlone) {
  for (Side s : {Side::kTo, Side::kFrom}) {
    const PolicyDecision d = ReportPolicy(Into(s, 200, 100));
    EXPECT_EQ(d.action, RowAction::kKeep);
    EXPECT_EQ(d.resolution, "left alone (report)");
  }
}

TEST(PoliciesTest, FromWinsOverwritesToAndKeepsFromWhateverTheTimes) {
  // --to's change is much newer: from-wins does not look at time.
  PolicyDecision d = FromWins(Into(Side::kTo, 100, 900));
  EXPECT_EQ(d.action, RowAction::kOverwrite);
  EXPECT_EQ(d.resolution, "--to's row overwritten with --from's change");
  d = FromWins(Into(Side::kFrom, 900, 100));
  EXPECT_EQ(d.action, RowAction::kKeep);
  EXPECT_EQ(d.resolution, "--from's row kept");
}

TEST(PoliciesTest, NewestWinsTheLaterChangeWinsEitherWay) {
  EXPECT_EQ(NewestWins(Into(Side::kTo, 101, 100)).action, RowAction::kOverwrite);
  EXPECT_EQ(NewestWins(Into(Side::kTo, 99, 100)).action, RowAction::kKeep);
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 101, 100)).action, RowAction::kOverwrite);
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 99, 100)).action, RowAction::kKeep);
  EXPECT_EQ(NewestWins(Into(Side::kTo, 101, 100)).resolution,
            "overwritten with the newer change");
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 99, 100)).resolution, "newer row kept");
}

TEST(PoliciesTest, NewestWinsTieGoesToFromInBothDirections) {
  // Same second on both sides: --from's change lands on --to ...
  EXPECT_EQ(NewestWins(Into(Side::kTo, 100, 100)).action, RowAction::kOverwrite);
  // ... and --to's change does not land on --from: both end with --from's row.
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 100, 100)).action, RowAction::kKeep);
}

TEST(PoliciesTest, NewestWinsTieAtTimeZero) {
  // A zero timestamp is a time like any other, not "missing".
  EXPECT_EQ(NewestWins(Into(Side::kTo, 0, 0)).action, RowAction::kOverwrite);
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 0, 0)).action, RowAction::kKeep);
}

TEST(PoliciesTest, NewestWinsUnloggedChangeOnToLosesEvenToAnOldChange) {
  // The row on --to was changed outside the binlog (the 1062/1032 breaks): no time to
  // compare, --from's change wins however old it is.
  EXPECT_EQ(NewestWins(Into(Side::kTo, 1, std::nullopt)).action, RowAction::kOverwrite);
}

TEST(PoliciesTest, NewestWinsUnloggedChangeOnFromIsKeptEvenAgainstANewChange) {
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 4'000'000'000u, std::nullopt)).action,
            RowAction::kKeep);
}

TEST(PoliciesTest, NewestWinsADeleteIsAChangeWithATime) {
  // --to deleted the row after --from updated it: the update finds no row on --to and
  // the later delete wins (the row stays deleted) ...
  EXPECT_EQ(NewestWins(Into(Side::kTo, 100, 150)).action, RowAction::kKeep);
  // ... and --from's later delete wins over --to's earlier update of that row on --from
  // (an incoming delete meeting a different row overwrites, i.e. deletes it).
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 150, 100)).action, RowAction::kOverwrite);
}

TEST(PoliciesTest, NewestWinsComparesUnsignedTimesWithoutWrapping) {
  EXPECT_EQ(NewestWins(Into(Side::kTo, 0, 4'294'967'295u)).action, RowAction::kKeep);
  EXPECT_EQ(NewestWins(Into(Side::kFrom, 4'294'967'295u, 0)).action, RowAction::kOverwrite);
}

TEST(PoliciesTest, DecideDispatchesToTheNamedPolicy) {
  const ConflictFacts f = Into(Side::kFrom, 200, 100);  // --to's newer change into --from
  EXPECT_EQ(Decide(ConflictPolicy::kReport, f).resolution, "left alone (report)");
  EXPECT_EQ(Decide(ConflictPolicy::kFromWins, f).resolution, "--from's row kept");
  EXPECT_EQ(Decide(ConflictPolicy::kNewestWins, f).resolution,
            "overwritten with the newer change");
}

}  // namespace
}  // namespace binsync
