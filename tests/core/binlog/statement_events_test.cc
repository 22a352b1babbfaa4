// The events around statements: INCIDENT, statement-based LOAD DATA (BEGIN_LOAD_QUERY,
// APPEND_BLOCK, EXECUTE_LOAD_QUERY, DELETE_FILE), a statement's context (INTVAR, RAND,
// USER_VAR) and StatementContext's JSON and SQL renderings, XA_PREPARE, IGNORABLE.
#include <cstring>
#include <string>
#include <vector>

#include "core/binlog/events.h"
#include "core/binlog/statement_context.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

// Decodes `body` as an event of `type` after a built FDE of `flavor`.
absl::Status DecodeOne(Flavor flavor, uint8_t type, const std::vector<uint8_t>& body, Event* out,
                       std::vector<uint8_t>* keep) {
  EventBuilder b(flavor, true);
  const auto fde = b.Fde();
  *keep = EventBuilder::File({fde, b.Event(type, body)});
  auto reader = FileReader::FromBuffer("s.000001", *keep);
  if (!reader.ok()) return reader.status();
  EventView ev;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<bool> more = (*reader)->Next(&ev);
    if (!more.ok()) return more.status();
  }
  return (*reader)->Decode(ev, out);
}

class StatementEventsTest : public ::testing::TestWithParam<Flavor> {
 protected:
  absl::Status Decode(uint8_t type, const std::vector<uint8_t>& body) {
    return DecodeOne(GetParam(), type, body, &event_, &file_);
  }
  Event event_;
  std::vector<uint8_t> file_;
};

INSTANTIATE_TEST_SUITE_P(Flavors, StatementEventsTest,
                         ::testing::Values(Flavor::kMysql80, Flavor::kMariaDb1011));

TEST_P(StatementEventsTest, Incident) {
  Bytes body;
  body.U16(1).U8(11).Str("disk full!!");
  ASSERT_TRUE(Decode(26, body.bytes()).ok());
  const auto& e = std::get<IncidentEvent>(event_);
  EXPECT_EQ(e.incident, 1);
  EXPECT_EQ(e.message, "disk full!!");
  EXPECT_EQ(IncidentName(e.incident), "LOST_EVENTS");

  Bytes cut;
  cut.U16(1).U8(20).Str("short");
  const absl::Status st = Decode(26, cut.bytes());
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr("INCIDENT truncated"));
}

TEST_P(StatementEventsTest, LoadDataEvents) {
  Bytes begin;
  begin.U32(7).Str("1,a\n2,b\n");
  ASSERT_TRUE(Decode(17, begin.bytes()).ok());
  const auto& b = std::get<LoadBlockEvent>(event_);
  EXPECT_TRUE(b.begin);
  EXPECT_EQ(b.file_id, 7U);
  EXPECT_EQ(AsChars(b.block), "1,a\n2,b\n");

  Bytes append;
  append.U32(7).Str("3,c\n");
  ASSERT_TRUE(Decode(9, append.bytes()).ok());
  EXPECT_FALSE(std::get<LoadBlockEvent>(event_).begin);
  EXPECT_EQ(std::get<LoadBlockEvent>(event_).block.size(), 4U);

  Bytes del;
  del.U32(7);
  ASSERT_TRUE(Decode(11, del.bytes()).ok());
  EXPECT_EQ(std::get<DeleteFileEvent>(event_).file_id, 7U);

  const std::string sql =
      "LOAD DATA INFILE '/tmp/SQL_LOAD-1-2-3.data' REPLACE INTO TABLE `t` FIELDS TERMINATED BY ','";
  const auto start = static_cast<uint32_t>(sql.find('\''));
  const auto end = static_cast<uint32_t>(sql.find('\'', start + 1) + 1);
  Bytes status;
  status.U8(0).U32(0);
  Bytes elq;
  elq.U32(3).U32(0).U8(4).U16(0).U16(status.size());
  elq.U32(7).U32(start).U32(end).U8(2);
  elq.Raw(status.bytes()).Str("shop").U8(0).Str(sql);
  ASSERT_TRUE(Decode(18, elq.bytes()).ok());
  const auto& x = std::get<ExecuteLoadQueryEvent>(event_);
  EXPECT_EQ(x.query.db, "shop");
  EXPECT_EQ(x.query.sql, sql);
  EXPECT_EQ(x.file_id, 7U);
  EXPECT_EQ(x.file_name(), "'/tmp/SQL_LOAD-1-2-3.data'");
  EXPECT_EQ(x.dup_handling, 2);

  Bytes bad;  // file name past the end of the statement
  bad.U32(3).U32(0).U8(4).U16(0).U16(0).U32(7).U32(5).U32(500).U8(0).Str("shop").U8(0).Str("LOAD");
  const absl::Status st = Decode(18, bad.bytes());
  EXPECT_EQ(st.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(st.message()), HasSubstr("EXECUTE_LOAD_QUERY: EXECUTE_LOAD_QUERY file name"));
}

TEST_P(StatementEventsTest, IntvarRandAndEveryUserVarType) {
  Bytes intvar;
  intvar.U8(2).U64(1001);
  ASSERT_TRUE(Decode(5, intvar.bytes()).ok());
  EXPECT_EQ(std::get<IntvarEvent>(event_).kind, IntvarEvent::kInsertId);
  EXPECT_EQ(std::get<IntvarEvent>(event_).value, 1001U);
  Bytes bad_kind;
  bad_kind.U8(0).U64(1);
  EXPECT_THAT(std::string(Decode(5, bad_kind.bytes()).message()), HasSubstr("INTVAR kind 0 unknown"));

  Bytes rand;
  rand.U64(123).U64(456);
  ASSERT_TRUE(Decode(13, rand.bytes()).ok());
  EXPECT_EQ(std::get<RandEvent>(event_).seed1, 123U);
  EXPECT_EQ(std::get<RandEvent>(event_).seed2, 456U);

  Bytes str;  // string, utf8mb4_general_ci, with the flags byte
  str.U32(1).Str("s").U8(0).U8(0).U32(45).U32(3).Str("h\xc3\xa9").U8(0);
  ASSERT_TRUE(Decode(14, str.bytes()).ok());
  auto u = std::get<UserVarEvent>(event_);
  EXPECT_EQ(u.name, "s");
  EXPECT_FALSE(u.is_null);
  EXPECT_EQ(u.value_type, UserVarEvent::kString);
  EXPECT_EQ(u.charset, 45U);
  EXPECT_EQ(AsChars(u.value), "h\xc3\xa9");

  Bytes null_var;
  null_var.U32(1).Str("n").U8(1);
  ASSERT_TRUE(Decode(14, null_var.bytes()).ok());
  EXPECT_TRUE(std::get<UserVarEvent>(event_).is_null);

  Bytes uint_var;  // unsigned int
  uint_var.U32(1).Str("u").U8(0).U8(2).U32(33).U32(8).U64(~uint64_t{0}).U8(1);
  ASSERT_TRUE(Decode(14, uint_var.bytes()).ok());
  u = std::get<UserVarEvent>(event_);
  EXPECT_TRUE(u.has_flags);
  EXPECT_EQ(u.flags, 1);

  Bytes short_int;  // an int of 4 bytes is corrupt
  short_int.U32(1).Str("i").U8(0).U8(2).U32(33).U32(4).U32(5);
  EXPECT_THAT(std::string(Decode(14, short_int.bytes()).message()),
              HasSubstr("USER_VAR @i: integer value of 4 bytes, expected 8"));

  Bytes row_type;
  row_type.U32(1).Str("r").U8(0).U8(3).U32(33).U32(0);
  EXPECT_THAT(std::string(Decode(14, row_type.bytes()).message()),
              HasSubstr("USER_VAR @r: value type 3 unknown"));

  Bytes dec;  // DECIMAL(5,2) 123.45
  Bytes packed;
  EncodeDecimal("123.45", 5, 2, &packed);
  dec.U32(1).Str("d").U8(0).U8(4).U32(33).U32(2 + packed.size()).U8(5).U8(2).Raw(packed.bytes());
  ASSERT_TRUE(Decode(14, dec.bytes()).ok());
  EXPECT_EQ(std::get<UserVarEvent>(event_).value_type, UserVarEvent::kDecimal);
  Bytes bad_dec;
  bad_dec.U32(1).Str("d").U8(0).U8(4).U32(33).U32(3).U8(5).U8(2).U8(0);
  EXPECT_THAT(std::string(Decode(14, bad_dec.bytes()).message()),
              HasSubstr("does not match its precision and scale"));
}

TEST_P(StatementEventsTest, XaPrepareAndIgnorable) {
  Bytes xa;
  xa.U8(0).U32(1).U32(2).U32(1).Str("ab").Str("c");
  ASSERT_TRUE(Decode(38, xa.bytes()).ok());
  const auto& x = std::get<XaPrepareEvent>(event_);
  EXPECT_EQ(AsChars(x.gtrid), "ab");
  EXPECT_EQ(AsChars(x.bqual), "c");
  EXPECT_EQ(x.format_id, 1U);

  ASSERT_TRUE(Decode(28, {1, 2, 3}).ok());
  EXPECT_TRUE(std::holds_alternative<IgnorableEvent>(event_));
}

// Builds the context of one statement from decoded events.
void AddAll(const std::vector<Event>& events, StatementContext* ctx) {
  for (const Event& e : events) ASSERT_TRUE(ctx->Add(e));
}

TEST(StatementContextTest, JsonAndSqlOfEveryKind) {
  UserVarEvent s;
  s.name = "name";
  s.is_null = false;
  s.value_type = UserVarEvent::kString;
  s.charset = 45;
  s.value = AsBytes("caf\xc3\xa9 'x'");
  UserVarEvent n;
  n.name = "gone";
  UserVarEvent i;
  i.name = "neg";
  i.is_null = false;
  i.value_type = UserVarEvent::kInt;
  Bytes neg;
  neg.U64(static_cast<uint64_t>(-42));
  i.value = ByteView(neg.bytes());
  UserVarEvent u = i;
  u.name = "big";
  Bytes big;
  big.U64(~uint64_t{0});
  u.value = ByteView(big.bytes());
  u.has_flags = true;
  u.flags = 1;
  UserVarEvent r;
  r.name = "ratio";
  r.is_null = false;
  r.value_type = UserVarEvent::kReal;
  Bytes real;
  const double d = 1.5;
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  real.U64(bits);
  r.value = ByteView(real.bytes());
  UserVarEvent dec;
  dec.name = "price";
  dec.is_null = false;
  dec.value_type = UserVarEvent::kDecimal;
  Bytes packed;
  packed.U8(5).U8(2);
  EncodeDecimal("-3.10", 5, 2, &packed);
  dec.value = ByteView(packed.bytes());
  UserVarEvent bin;
  bin.name = "b";
  bin.is_null = false;
  bin.value_type = UserVarEvent::kString;
  bin.charset = 63;
  bin.value = AsBytes(std::string_view("\x00\xff", 2));

  StatementContext ctx;
  EXPECT_TRUE(ctx.empty());
  EXPECT_FALSE(ctx.Add(Event{XidEvent{}}));
  AddAll({IntvarEvent{IntvarEvent::kLastInsertId, 7}, IntvarEvent{IntvarEvent::kInsertId, 9},
          RandEvent{11, 22}, s, n, i, u, r, dec, bin},
         &ctx);
  std::string json;
  ASSERT_TRUE(ctx.AppendJson(&json).ok());
  EXPECT_EQ(json,
            R"(,"context":{"insert_id":9,"last_insert_id":7,"rand_seed1":11,"rand_seed2":22,)"
            R"("user_vars":{"name":"café 'x'","gone":null,"neg":-42,"big":18446744073709551615,)"
            R"("ratio":1.5,"price":"-3.10","b":"0x00ff"}})");
  std::string sql;
  ASSERT_TRUE(ctx.AppendSql(StatementContext::UnknownCollation::kError, &sql).ok());
  EXPECT_EQ(sql,
            "SET INSERT_ID=9;\n"
            "SET LAST_INSERT_ID=7;\n"
            "SET @@RAND_SEED1=11, @@RAND_SEED2=22;\n"
            "SET @`name`:=_utf8mb4 X'636166c3a920277827' COLLATE `utf8mb4_general_ci`;\n"
            "SET @`gone`:=NULL;\n"
            "SET @`neg`:=-42;\n"
            "SET @`big`:=18446744073709551615;\n"
            "SET @`ratio`:=1.5e0;\n"
            "SET @`price`:=-3.10;\n"
            "SET @`b`:=_binary X'00ff';\n");

  // A collation binsync cannot name: dump shows bytes and id, a replica refuses.
  StatementContext odd;
  UserVarEvent o = s;
  o.name = "o";
  o.charset = 2304;
  ASSERT_TRUE(odd.Add(o));
  sql.clear();
  ASSERT_TRUE(odd.AppendSql(StatementContext::UnknownCollation::kBinaryWithComment, &sql).ok());
  EXPECT_EQ(sql, "SET @`o`:=_binary X'636166c3a920277827';  -- collation id 2304\n");
  const absl::Status st = odd.AppendSql(StatementContext::UnknownCollation::kError, &sql);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(st.message()), HasSubstr("@o is a string in collation id 2304"));

  ctx.Clear();
  EXPECT_TRUE(ctx.empty());
  json.clear();
  ASSERT_TRUE(ctx.AppendJson(&json).ok());
  EXPECT_EQ(json, "");
}

}  // namespace
}  // namespace binsync::binlog::testing
