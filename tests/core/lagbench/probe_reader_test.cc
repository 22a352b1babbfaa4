#include "core/lagbench/probe_reader.h"

#include <memory>
#include <vector>

#include "core/binlog/file_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "core/replicate/assembler.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::lagbench {
namespace {

using binlog::testing::Bytes;
using binlog::testing::EventBuilder;
using binlog::testing::Flavor;

std::vector<std::unique_ptr<replicate::Transaction>> Transactions(const std::vector<uint8_t>& file) {
  std::vector<std::unique_ptr<replicate::Transaction>> out;
  auto reader = binlog::FileReader::FromBuffer("mariadb-bin.000003", file);
  EXPECT_TRUE(reader.ok()) << reader.status();
  replicate::Assembler assembler({});
  binlog::EventView ev;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&ev);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    binlog::Event decoded;
    EXPECT_TRUE((*reader)->Decode(ev, &decoded).ok());
    std::unique_ptr<replicate::Transaction> t;
    const absl::Status st =
        assembler.Add(ev, decoded, (*reader)->format(), "mariadb-bin.000003", &t);
    EXPECT_TRUE(st.ok()) << st;
    if (t != nullptr) out.push_back(std::move(t));
  }
  return out;
}

class ProbeReaderTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> Gtid(uint64_t seq) {
    Bytes g;
    g.U64(seq).U32(0).U8(0);
    return b_.Event(162, g.bytes());
  }
  std::vector<uint8_t> Xid() {
    Bytes x;
    x.U64(1);
    return b_.Event(16, x.bytes());
  }
  // probe_a_b (probe_id BIGINT, sent_us BIGINT) as table `id` of `db`.
  std::vector<uint8_t> ProbeMap(uint64_t id, std::string_view db) {
    return b_.Event(19, EventBuilder::TableMapBody(id, db, "probe_a_b", {{8, {}}, {8, {}}}));
  }
  // Inserted rows (probe id, sent) of a two-BIGINT table.
  std::vector<uint8_t> Insert(uint64_t table_id, const std::vector<int64_t>& probe_ids) {
    Bytes rows;
    for (int64_t id : probe_ids) rows.U8(0).U64(static_cast<uint64_t>(id)).U64(12345);
    return b_.Event(30, EventBuilder::RowsBody(true, table_id, 2, {0x03}, nullptr, rows.bytes()));
  }

  EventBuilder b_{Flavor::kMariaDb1011, true};
};

TEST_F(ProbeReaderTest, ReadsEveryInsertedProbeIdAndNothingElse) {
  const std::vector<uint8_t> load_map =
      b_.Event(19, EventBuilder::TableMapBody(8, "lagbench", "load_a_b", {{3, {}}}));
  Bytes load_row;
  load_row.U8(0).U32(5);
  Bytes update_rows;  // probe row 7 updated to 70, then deleted: not probes
  update_rows.U8(0).U64(7).U64(1).U8(0).U64(70).U64(1);
  Bytes delete_rows;
  delete_rows.U8(0).U64(70).U64(1);
  const std::vector<uint8_t> present{0x03};
  const std::vector<uint8_t> file = EventBuilder::File({
      b_.Fde(),
      // 1: two probes in one rows event plus a load row
      Gtid(1), ProbeMap(7, "lagbench"), load_map, Insert(7, {7, 9}),
      b_.Event(30, EventBuilder::RowsBody(true, 8, 1, {0x01}, nullptr, load_row.bytes())), Xid(),
      // 2: the probe table updated and deleted from, no insert
      Gtid(2), ProbeMap(7, "lagbench"),
      b_.Event(31, EventBuilder::RowsBody(true, 7, 2, present, &present, update_rows.bytes())),
      b_.Event(32, EventBuilder::RowsBody(true, 7, 2, present, nullptr, delete_rows.bytes())),
      Xid(),
      // 3: a table of the same name in another schema, then the real one (a merged catchup
      // transaction carries several probes, each rows event with its own ids)
      Gtid(3), ProbeMap(11, "other"), Insert(11, {1000}), ProbeMap(7, "lagbench"),
      Insert(7, {11}), Insert(7, {-1}), Xid(),
  });
  const auto txns = Transactions(file);
  ASSERT_EQ(txns.size(), 3u);
  ProbeReader reader("lagbench", "probe_a_b");
  std::vector<uint64_t> ids;
  ASSERT_TRUE(reader.Read(*txns[0], &ids).ok());
  EXPECT_EQ(ids, (std::vector<uint64_t>{7, 9}));
  ids.clear();
  ASSERT_TRUE(reader.Read(*txns[1], &ids).ok());
  EXPECT_TRUE(ids.empty());
  ASSERT_TRUE(reader.Read(*txns[2], &ids).ok());
  EXPECT_EQ(ids, (std::vector<uint64_t>{11, UINT64_MAX}));
  ProbeReader other_direction("lagbench", "probe_b_a");
  ids.clear();
  ASSERT_TRUE(other_direction.Read(*txns[0], &ids).ok());
  EXPECT_TRUE(ids.empty());
}

TEST_F(ProbeReaderTest, AProbeTableWithoutAnIntegerIdIsAnErrorNamingTheTransaction) {
  Bytes row;
  row.U8(0).U8(3).Str("abc");
  const std::vector<uint8_t> file = EventBuilder::File({
      b_.Fde(), Gtid(5),
      b_.Event(19, EventBuilder::TableMapBody(4, "lagbench", "probe_a_b", {{15, {0x40, 0x00}}})),
      b_.Event(30, EventBuilder::RowsBody(true, 4, 1, {0x01}, nullptr, row.bytes())), Xid()});
  const auto txns = Transactions(file);
  ASSERT_EQ(txns.size(), 1u);
  ProbeReader reader("lagbench", "probe_a_b");
  std::vector<uint64_t> ids;
  const absl::Status st = reader.Read(*txns[0], &ids);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("lagbench.probe_a_b"));
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("transaction 0-1-5"));
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("mariadb-bin.000003:"));
}

}  // namespace
}  // namespace binsync::lagbench
