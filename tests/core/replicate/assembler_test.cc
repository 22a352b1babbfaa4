// Assembler on EventBuilder-encoded MariaDB streams: what it refuses (INCIDENT, statement-
// based LOAD DATA) names the position, the cause and what to do; a statement keeps its
// context events (INTVAR, RAND, USER_VAR) in the transaction.
#include "core/replicate/assembler.h"

#include <memory>
#include <string>
#include <vector>

#include "core/binlog/file_reader.h"
#include "core/util/strings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::replicate {
namespace {

using binlog::testing::Bytes;
using binlog::testing::EventBuilder;
using binlog::testing::Flavor;
using ::testing::HasSubstr;

struct Fed {
  absl::Status status;  // the first error
  std::vector<std::unique_ptr<Transaction>> done;
};

Fed Feed(const std::vector<uint8_t>& file, size_t part_limit = 0) {
  Fed fed;
  auto reader = binlog::FileReader::FromBuffer("mariadb-bin.000007", file);
  if (!reader.ok()) return {reader.status(), {}};
  Assembler assembler({});
  assembler.set_part_limit(part_limit);
  binlog::EventView ev;
  for (;;) {
    absl::StatusOr<bool> more = (*reader)->Next(&ev);
    if (!more.ok()) return {more.status(), std::move(fed.done)};
    if (!*more) break;
    binlog::Event decoded;
    if (absl::Status st = (*reader)->Decode(ev, &decoded); !st.ok()) {
      return {st, std::move(fed.done)};
    }
    std::unique_ptr<Transaction> t;
    if (absl::Status st = assembler.Add(ev, decoded, (*reader)->format(), "mariadb-bin.000007", &t);
        !st.ok()) {
      return {st, std::move(fed.done)};
    }
    if (t != nullptr) fed.done.push_back(std::move(t));
  }
  return fed;
}

std::vector<uint8_t> Gtid(EventBuilder& b, uint64_t seq, uint8_t flags2 = 0) {
  Bytes g;
  g.U64(seq).U32(0).U8(flags2);
  return b.Event(162, g.bytes());
}

TEST(AssemblerTest, IncidentStopsNamingPositionCauseAndWhatToDo) {
  EventBuilder b(Flavor::kMariaDb1011, true);
  const auto fde = b.Fde();
  Bytes incident;
  incident.U16(1).U8(13).Str("error writing");
  const auto ev = b.Event(26, incident.bytes());
  const size_t pos = 4 + fde.size();
  const Fed fed = Feed(EventBuilder::File({fde, ev}));
  ASSERT_FALSE(fed.status.ok());
  const std::string msg(fed.status.message());
  EXPECT_THAT(msg, HasSubstr(StrCat("mariadb-bin.000007:", pos, ": INCIDENT: ")));
  EXPECT_THAT(msg, HasSubstr("incident LOST_EVENTS (1): \"error writing\""));
  EXPECT_THAT(msg, HasSubstr("error log"));
  EXPECT_THAT(msg, HasSubstr(StrCat("--start mariadb-bin.000007:", pos + ev.size())));
}

TEST(AssemblerTest, StatementBasedLoadDataIsRefusedAtItsFirstEvent) {
  EventBuilder b(Flavor::kMariaDb1011, true);
  const auto fde = b.Fde();
  const auto gtid = Gtid(b, 5);
  const auto begin = b.Event(2, EventBuilder::QueryBody("shop", "BEGIN"));
  Bytes block;
  block.U32(1).Str("1,2\n");
  const auto load = b.Event(17, block.bytes());
  const size_t pos = 4 + fde.size() + gtid.size() + begin.size();
  const Fed fed = Feed(EventBuilder::File({fde, gtid, begin, load}));
  ASSERT_FALSE(fed.status.ok());
  EXPECT_EQ(fed.status.code(), absl::StatusCode::kFailedPrecondition) << fed.status;
  const std::string msg(fed.status.message());
  EXPECT_THAT(msg, HasSubstr(StrCat("mariadb-bin.000007:", pos, ": BEGIN_LOAD_QUERY: ")));
  EXPECT_THAT(msg, HasSubstr("statement-based LOAD DATA"));
  EXPECT_THAT(msg, HasSubstr("binlog_format=ROW"));
}

// MariaDB logs no BEGIN: statement-based DML after a non-standalone GTID runs to its XID,
// keeping its context events; a standalone GTID's statement (DDL) ends its transaction.
TEST(AssemblerTest, StatementBasedDmlRunsToItsXidWithItsContext) {
  EventBuilder b(Flavor::kMariaDb1011, true);
  const auto fde = b.Fde();
  const auto gtid = Gtid(b, 6);
  Bytes intvar;
  intvar.U8(2).U64(101);
  Bytes rand;
  rand.U64(1).U64(2);
  Bytes var;
  var.U32(1).Str("v").U8(1);
  const auto i = b.Event(5, intvar.bytes());
  const auto r = b.Event(13, rand.bytes());
  const auto u = b.Event(14, var.bytes());
  const auto q = b.Event(2, EventBuilder::QueryBody("shop", "INSERT INTO t VALUES (NULL, RAND(), @v)"));
  Bytes xid;
  xid.U64(9);
  const auto x = b.Event(16, xid.bytes());
  const auto ddl_gtid = Gtid(b, 7, binlog::MariaGtidEvent::kFlagStandalone | binlog::MariaGtidEvent::kFlagDdl);
  const auto ddl = b.Event(2, EventBuilder::QueryBody("shop", "CREATE TABLE u (id INT)"));
  const Fed fed = Feed(EventBuilder::File({fde, gtid, i, r, u, q, x, ddl_gtid, ddl}));
  ASSERT_TRUE(fed.status.ok()) << fed.status;
  ASSERT_EQ(fed.done.size(), 2U);
  const Transaction& t = *fed.done[0];
  EXPECT_TRUE(t.has_statements);
  EXPECT_FALSE(t.self_committed);  // the checkpoint joins the open transaction
  std::vector<uint8_t> types;
  for (const EventRef& ref : t.events) types.push_back(ref.header.type);
  EXPECT_EQ(types, (std::vector<uint8_t>{5, 13, 14, 2, 16}));
  EXPECT_TRUE(fed.done[1]->self_committed);
  EXPECT_EQ(fed.done[1]->events.size(), 1U);
}

TEST(AssemblerTest, ATransactionPastThePartLimitIsHandedOutInParts) {
  EventBuilder b(Flavor::kMariaDb1011, true);
  std::vector<std::vector<uint8_t>> events = {b.Fde(), Gtid(b, 40)};
  events.push_back(b.Event(19, EventBuilder::TableMapBody(5, "db", "t", {{3, {}}})));
  const std::vector<uint8_t> rows(1000, 0);  // the assembler does not read row images
  for (int i = 0; i < 10; ++i) {
    events.push_back(b.Event(30, EventBuilder::RowsBody(true, 5, 1, {0x01}, nullptr, rows)));
  }
  Bytes xid;
  xid.U64(9);
  events.push_back(b.Event(16, xid.bytes()));
  events.push_back(Gtid(b, 41, binlog::MariaGtidEvent::kFlagStandalone));
  events.push_back(b.Event(2, EventBuilder::QueryBody("db", "CREATE TABLE u (id INT)")));
  const std::vector<uint8_t> file = EventBuilder::File(events);

  const Fed whole = Feed(file);
  ASSERT_TRUE(whole.status.ok()) << whole.status;
  ASSERT_EQ(whole.done.size(), 2U);
  EXPECT_EQ(whole.done[0]->part, 0U);
  EXPECT_TRUE(whole.done[0]->last_part);

  const Fed parts = Feed(file, 3000);
  ASSERT_TRUE(parts.status.ok()) << parts.status;
  ASSERT_GE(parts.done.size(), 4U);  // >= 3 parts of 1-0-40, then 1-0-41 whole
  size_t events_seen = 0;
  const size_t n = parts.done.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    const Transaction& p = *parts.done[i];
    EXPECT_EQ(p.part, i + 1);
    EXPECT_EQ(p.last_part, i + 1 == n);
    EXPECT_EQ(p.Name(), whole.done[0]->Name());
    EXPECT_EQ(p.start_pos, whole.done[0]->start_pos);
    EXPECT_LT(p.arena.size(), 3000U + 1100U);  // bounded by the limit plus one event
    events_seen += p.events.size();
  }
  EXPECT_EQ(events_seen, whole.done[0]->events.size());
  EXPECT_EQ(parts.done[n - 1]->gtid_pos_after, whole.done[0]->gtid_pos_after);
  EXPECT_EQ(parts.done[n - 1]->end_pos, whole.done[0]->end_pos);
  EXPECT_EQ(parts.done[n]->part, 0U);  // the next transaction is whole again
}

}  // namespace
}  // namespace binsync::replicate
