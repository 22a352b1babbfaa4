#include "core/relay/commit_groups.h"

#include <cstdint>
#include <vector>

#include "core/binlog/events.h"
#include "gtest/gtest.h"

namespace binsync::relay {
namespace {

using binlog::MariaGtidEvent;

// An ordinary InnoDB transaction's GTID flags, as a MariaDB 10.11 source writes them.
constexpr uint8_t kRowTxn = MariaGtidEvent::kFlagTransactional | MariaGtidEvent::kFlagAllowParallel;

// One transaction of a test stream; owns its keys.
struct Txn {
  uint32_t domain = 0;
  uint64_t seq = 0;
  std::vector<uint64_t> keys;
  uint8_t flags = kRowTxn;
  bool barrier = false;
  uint64_t source_commit_id = 0;  // sets FL_GROUP_COMMIT_ID when non-zero

  GroupInput Input() const {
    GroupInput in;
    in.domain_id = domain;
    in.seq_no = seq;
    in.gtid_flags = flags;
    if (source_commit_id != 0) {
      in.gtid_flags |= MariaGtidEvent::kFlagGroupCommitId;
      in.source_commit_id = source_commit_id;
    }
    in.barrier = barrier;
    in.keys = keys;
    return in;
  }
};

constexpr CommitId kNone{};
constexpr CommitId Id(uint64_t v) { return CommitId{true, v}; }

std::vector<CommitId> AssignAll(CommitGrouper& g, const std::vector<Txn>& txns) {
  std::vector<CommitId> ids;
  for (const Txn& t : txns) ids.push_back(g.Assign(t.Input()));
  return ids;
}

std::vector<CommitId> AssignAll(GroupBy mode, const std::vector<Txn>& txns) {
  CommitGrouper g(mode);
  return AssignAll(g, txns);
}

TEST(CommitGroupsTest, DisjointWritesetsShareOneGroupNamedAfterTheFirst) {
  EXPECT_EQ(AssignAll(GroupBy::kWriteset,
                      {{0, 10, {1, 2}}, {0, 11, {3}}, {0, 12, {4, 5}}, {0, 13, {6}}}),
            (std::vector<CommitId>{Id(10), Id(10), Id(10), Id(10)}));
}

TEST(CommitGroupsTest, OverlappingKeyStartsANewGroup) {
  EXPECT_EQ(AssignAll(GroupBy::kWriteset,
                      {{0, 10, {1, 2}}, {0, 11, {3}}, {0, 12, {2, 9}}, {0, 13, {7}}, {0, 14, {9}}}),
            (std::vector<CommitId>{Id(10), Id(10), Id(12), Id(12), Id(14)}));
}

TEST(CommitGroupsTest, DuplicateKeysWithinOneTransactionDoNotSplitIt) {
  EXPECT_EQ(AssignAll(GroupBy::kWriteset, {{0, 10, {1, 1, 1}}, {0, 11, {2, 2}}}),
            (std::vector<CommitId>{Id(10), Id(10)}));
}

TEST(CommitGroupsTest, DdlBarrierAndNonTransactionalGoAloneWithoutCommitId) {
  Txn ddl{0, 12, {}, MariaGtidEvent::kFlagDdl | MariaGtidEvent::kFlagStandalone};
  Txn barrier{0, 14, {}, kRowTxn, true};
  Txn myisam{0, 16, {50}, MariaGtidEvent::kFlagAllowParallel};
  Txn xa{0, 18, {60}, kRowTxn | MariaGtidEvent::kFlagPreparedXa};
  Txn serial{0, 20, {70}, MariaGtidEvent::kFlagTransactional};
  EXPECT_EQ(AssignAll(GroupBy::kWriteset,
                      {{0, 10, {1}}, {0, 11, {2}}, ddl, {0, 13, {3}}, barrier, {0, 15, {4}}, myisam,
                       {0, 17, {5}}, xa, {0, 19, {6}}, serial, {0, 21, {7}}}),
            (std::vector<CommitId>{Id(10), Id(10), kNone, Id(13), kNone, Id(15), kNone, Id(17),
                                   kNone, Id(19), kNone, Id(21)}));
  EXPECT_EQ(AloneReason(ddl.Input(), GroupBy::kWriteset), "DDL");
  EXPECT_EQ(AloneReason(barrier.Input(), GroupBy::kWriteset), "no usable writeset");
  EXPECT_EQ(AloneReason(myisam.Input(), GroupBy::kWriteset), "non-transactional");
  EXPECT_EQ(AloneReason(xa.Input(), GroupBy::kWriteset), "XA");
  EXPECT_EQ(AloneReason(serial.Input(), GroupBy::kWriteset), "source forbids parallel apply");
  EXPECT_EQ(AloneReason(Txn{0, 0, {1}}.Input(), GroupBy::kWriteset), "no MariaDB GTID");
}

TEST(CommitGroupsTest, DomainChangeClosesTheGroup) {
  // Interleaved domains: each run is its own group, and domain 1's second run does not
  // take domain 0's id.
  EXPECT_EQ(AssignAll(GroupBy::kWriteset,
                      {{0, 10, {1}}, {0, 11, {2}}, {1, 10, {3}}, {1, 11, {4}}, {0, 12, {5}}}),
            (std::vector<CommitId>{Id(10), Id(10), Id(10), Id(10), Id(12)}));
}

TEST(CommitGroupsTest, SizeCapSplitsTheGroup) {
  std::vector<Txn> txns;
  for (uint64_t i = 0; i < 2 * kMaxGroupSize + 1; ++i) txns.push_back({0, 100 + i, {i + 1}});
  const std::vector<CommitId> ids = AssignAll(GroupBy::kWriteset, txns);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], Id(100 + (i / kMaxGroupSize) * kMaxGroupSize)) << i;
  }
  CommitGrouper small(GroupBy::kWriteset, 2);
  EXPECT_EQ(AssignAll(small, {{0, 1, {1}}, {0, 2, {2}}, {0, 3, {3}}}),
            (std::vector<CommitId>{Id(1), Id(1), Id(3)}));
}

TEST(CommitGroupsTest, SeqNoGoingBackwardsNeverJoinsTheEarlierGroup) {
  // seq 10 again after the group named 10 (a source without gtid_strict_mode): its own
  // id would equal the applier's last one, so it goes alone.
  EXPECT_EQ(AssignAll(GroupBy::kWriteset, {{0, 10, {1}}, {0, 11, {1}}, {0, 11, {1}}, {0, 12, {2}}}),
            (std::vector<CommitId>{Id(10), Id(11), kNone, Id(12)}));
}

TEST(CommitGroupsTest, SourceModeKeepsTheSourceGroups) {
  Txn a{0, 10, {1}}, b{0, 11, {1}}, c{0, 12, {2}}, d{0, 13, {3}};
  a.source_commit_id = b.source_commit_id = 500;  // overlapping keys: kept together
  c.source_commit_id = d.source_commit_id = 501;
  Txn ddl{0, 14, {}, MariaGtidEvent::kFlagDdl | MariaGtidEvent::kFlagStandalone};
  ddl.source_commit_id = 501;
  Txn none{0, 15, {4}};  // the source sent it without a commit_id
  Txn barrier{0, 16, {}, kRowTxn, true};
  barrier.source_commit_id = 502;  // a keyless table: the source's group still holds
  EXPECT_EQ(AssignAll(GroupBy::kSource, {a, b, c, d, ddl, none, barrier}),
            (std::vector<CommitId>{Id(500), Id(500), Id(501), Id(501), kNone, kNone, Id(502)}));
}

TEST(CommitGroupsTest, SourceModeSplitsAnOversizedGroupWithOneAloneMember) {
  std::vector<Txn> txns;
  for (uint64_t i = 0; i < 5; ++i) {
    txns.push_back({0, 10 + i, {i + 1}});
    txns.back().source_commit_id = 700;
  }
  CommitGrouper g(GroupBy::kSource, 2);
  EXPECT_EQ(AssignAll(g, txns),
            (std::vector<CommitId>{Id(700), Id(700), kNone, Id(700), Id(700)}));
}

TEST(CommitGroupsTest, SameSequenceFromSameStartGivesSameIds) {
  std::vector<Txn> txns;
  for (uint64_t i = 0; i < 500; ++i) {
    // A few hot keys, so groups of varying size form.
    txns.push_back({static_cast<uint32_t>(i % 97 == 0), 1000 + i, {(i * 7919) % 37, 1000 + i}});
    if (i % 41 == 0) txns.back().barrier = true;
  }
  CommitGrouper g(GroupBy::kWriteset);
  const std::vector<CommitId> first = AssignAll(g, txns);
  EXPECT_EQ(AssignAll(GroupBy::kWriteset, txns), first);
  g.Restart();
  EXPECT_EQ(AssignAll(g, txns), first);
}

TEST(CommitGroupsTest, RestartInTheMiddleOfAGroupNeverReusesItsId) {
  const std::vector<Txn> txns = {{0, 10, {1}}, {0, 11, {2}}, {0, 12, {3}}, {0, 13, {4}}, {0, 14, {1}}};
  const std::vector<CommitId> before = AssignAll(GroupBy::kWriteset, txns);
  ASSERT_EQ(before, (std::vector<CommitId>{Id(10), Id(10), Id(10), Id(10), Id(14)}));
  // The replica queued 10 and 11 and reconnects from 0-1-11: the stream restarts at 12.
  CommitGrouper g(GroupBy::kWriteset);
  const std::vector<CommitId> after =
      AssignAll(g, std::vector<Txn>(txns.begin() + 2, txns.end()));
  // 14 now joins 12's group (key 1's holder is no longer in it): a different grouping
  // of what the replica had not received, never an id it already holds.
  EXPECT_EQ(after, (std::vector<CommitId>{Id(12), Id(12), Id(12)}));
  for (const CommitId& id : after) EXPECT_NE(id, before[1]);
  // The same restart again gives the same ids.
  g.Restart();
  EXPECT_EQ(AssignAll(g, std::vector<Txn>(txns.begin() + 2, txns.end())), after);
}

TEST(CommitGroupsTest, GroupInputOfATransaction) {
  replicate::Transaction t;
  t.has_gtid = true;
  t.gtid = MariaDbGtid{3, 7, 42};
  t.gtid_flags = kRowTxn | MariaGtidEvent::kFlagGroupCommitId;
  t.commit_id = 99;
  t.keys = {5, 6};
  t.barrier = false;
  const GroupInput in = GroupInputOf(t);
  EXPECT_EQ(in.domain_id, 3u);
  EXPECT_EQ(in.seq_no, 42u);
  EXPECT_EQ(in.source_commit_id, 99u);
  EXPECT_EQ(in.keys.size(), 2u);
  EXPECT_EQ(AloneReason(in, GroupBy::kWriteset), "");
  replicate::Transaction no_gtid;
  EXPECT_EQ(GroupInputOf(no_gtid).seq_no, 0u);
  t.part = 1;  // the first part of a transaction streamed in parts
  t.last_part = false;
  EXPECT_EQ(AloneReason(GroupInputOf(t), GroupBy::kWriteset), "no usable writeset");
}

TEST(CommitGroupsTest, LargeGroupsGrowTheKeyTableAndStillFindConflicts) {
  // 64 transactions x 100 keys grow the table past its first size; a key of the first
  // transaction must still be found afterwards.
  std::vector<Txn> txns;
  for (uint64_t i = 0; i < kMaxGroupSize - 1; ++i) {
    Txn t{0, 1 + i, {}};
    for (uint64_t k = 0; k < 100; ++k) t.keys.push_back(i * 1000 + k + 1);
    txns.push_back(t);
  }
  txns.push_back({0, kMaxGroupSize, {5}});  // key 5 belongs to the first transaction
  const std::vector<CommitId> ids = AssignAll(GroupBy::kWriteset, txns);
  EXPECT_EQ(ids[kMaxGroupSize - 2], Id(1));
  EXPECT_EQ(ids.back(), Id(kMaxGroupSize));
}

}  // namespace
}  // namespace binsync::relay
