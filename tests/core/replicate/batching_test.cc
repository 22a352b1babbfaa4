// Catchup batching without a server: when a transaction joins the open batch (barriers,
// format, origin, both limits at their boundaries) and what a merge carries over.
#include "core/replicate/batching.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

std::unique_ptr<Transaction> Txn(uint64_t seq_no, std::shared_ptr<const binlog::FormatDescription> fd,
                                 size_t arena_bytes = 10) {
  auto t = std::make_unique<Transaction>();
  t->has_gtid = true;
  t->gtid = {0, 1, seq_no};
  t->server_id = 1;
  t->format = std::move(fd);
  t->file = "bin.000001";
  t->start_pos = 100 * seq_no;
  t->end_pos = 100 * seq_no + 50;
  t->gtid_pos_after = "0-1-" + std::to_string(seq_no);
  t->arena.assign(arena_bytes, static_cast<uint8_t>(seq_no));
  t->bytes = arena_bytes;
  t->row_changes = 2;
  t->keys = {seq_no};
  EventRef ref;
  ref.raw_offset = 0;
  ref.raw_size = static_cast<uint32_t>(arena_bytes);
  ref.body_offset = 4;
  ref.body_size = static_cast<uint32_t>(arena_bytes - 4);
  t->events = {ref};
  return t;
}

class BatchingTest : public ::testing::Test {
 protected:
  std::shared_ptr<const binlog::FormatDescription> fd_ =
      std::make_shared<binlog::FormatDescription>();
  BatchLimits limits_{.max_txns = 3, .max_bytes = 100};
};

TEST_F(BatchingTest, PlainTransactionsMerge) {
  EXPECT_TRUE(CanMerge(*Txn(1, fd_), *Txn(2, fd_), limits_));
}

TEST_F(BatchingTest, ABarrierOnEitherSideRunsAlone) {
  auto a = Txn(1, fd_), b = Txn(2, fd_);
  a->barrier = true;
  EXPECT_FALSE(CanMerge(*a, *b, limits_));
  a->barrier = false;
  b->barrier = true;
  EXPECT_FALSE(CanMerge(*a, *b, limits_));
}

TEST_F(BatchingTest, AnotherFormatOrOriginStartsANewBatch) {
  auto other_fd = std::make_shared<binlog::FormatDescription>();  // equal content, other object
  EXPECT_FALSE(CanMerge(*Txn(1, fd_), *Txn(2, other_fd), limits_));
  auto b = Txn(2, fd_);
  b->server_id = 2;
  EXPECT_FALSE(CanMerge(*Txn(1, fd_), *b, limits_));
}

TEST_F(BatchingTest, ABatchAtALimitIsFull) {
  auto batch = Txn(1, fd_);
  batch->source_txns = 2;
  EXPECT_TRUE(CanMerge(*batch, *Txn(2, fd_), limits_));
  batch->source_txns = 3;  // == max_txns
  EXPECT_FALSE(CanMerge(*batch, *Txn(2, fd_), limits_));
  auto big = Txn(1, fd_, 99);
  EXPECT_TRUE(CanMerge(*big, *Txn(2, fd_, 50), limits_));  // under before: may exceed after
  auto full = Txn(1, fd_, 100);  // == max_bytes
  EXPECT_FALSE(CanMerge(*full, *Txn(2, fd_), limits_));
}

TEST_F(BatchingTest, MergeMovesEventsIntoOneArenaAndTakesTheLastPosition) {
  auto batch = Txn(1, fd_, 10);
  const std::string first = batch->Name();
  Merge(batch.get(), Txn(2, fd_, 12));
  ASSERT_EQ(batch->arena.size(), 22u);
  ASSERT_EQ(batch->events.size(), 2u);
  EXPECT_EQ(batch->events[1].raw_offset, 10u);   // shifted past the first arena
  EXPECT_EQ(batch->events[1].body_offset, 14u);
  EXPECT_EQ(batch->View(batch->events[1]).raw[0], 2);  // the second transaction's bytes
  EXPECT_EQ(batch->keys, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(batch->source_txns, 2u);
  EXPECT_EQ(batch->row_changes, 4u);
  EXPECT_EQ(batch->bytes, 22u);
  EXPECT_EQ(batch->end_pos, 250u);
  EXPECT_EQ(batch->gtid_pos_after, "0-1-2");
  EXPECT_EQ(batch->gtid.seq_no, 2u);
  EXPECT_EQ(batch->first_name, first);
  EXPECT_EQ(batch->Name(), "0-1-1..0-1-2");
}

TEST_F(BatchingTest, FirstNameStaysTheFirstAcrossMerges) {
  auto batch = Txn(1, fd_);
  Merge(batch.get(), Txn(2, fd_));
  Merge(batch.get(), Txn(3, fd_));
  EXPECT_EQ(batch->source_txns, 3u);
  EXPECT_EQ(batch->Name(), "0-1-1..0-1-3");
  EXPECT_EQ(batch->events[2].raw_offset, 20u);
}

TEST_F(BatchingTest, HasRowsIsKeptOnceSeen) {
  auto batch = Txn(1, fd_);
  batch->has_rows = true;
  Merge(batch.get(), Txn(2, fd_));  // a transaction of statements only
  EXPECT_TRUE(batch->has_rows);
  auto stmts = Txn(3, fd_);
  auto rows = Txn(4, fd_);
  rows->has_rows = true;
  Merge(stmts.get(), std::move(rows));
  EXPECT_TRUE(stmts->has_rows);
}

}  // namespace
}  // namespace binsync::replicate
