// The column check (core/schema/column_fit): a source's rows fit a target's table only when
// no value can change, and columns are matched by name where the binlog has names.
#include "core/schema/column_fit.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // Col{name, type, column_type}

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/core/binlog/event_builder.h"

namespace binsync::schema {
namespace {

using binlog::testing::Bytes;
using binlog::testing::EventBuilder;
using binlog::testing::Flavor;

struct Col {
  std::string name, data_type, column_type, charset;
  uint64_t chars = 0;
  uint32_t precision = 0, scale = 0, fsp = 0;
};

TableInfo Table(const std::vector<Col>& cols) {
  TableInfo t;
  t.db = "db";
  t.name = "t";
  for (const Col& c : cols) {
    t.columns.push_back(c.name);
    t.column_types.push_back(c.data_type);
    t.column_charsets.push_back(c.charset);
    ColumnSpec s;
    s.column_type = c.column_type.empty() ? c.data_type : c.column_type;
    s.char_length = c.chars;
    s.octet_length = c.chars * MaxBytesPerChar(c.charset.empty() ? "binary" : c.charset);
    s.numeric_precision = c.precision;
    s.numeric_scale = c.scale;
    s.datetime_precision = c.fsp;
    t.column_specs.push_back(s);
  }
  return t;
}

std::string Why(const Col& source, const Col& target) {
  const TableInfo s = Table({source});
  const TableInfo t = Table({target});
  return WhyNotLossless(ShapeFromSchema(s, 0), ShapeFromSchema(t, 0));
}

TEST(ColumnFitTest, IntegersWidenButNeverNarrowOrChangeSign) {
  const Col i{"n", "int", "int(11)"}, iu{"n", "int", "int(10) unsigned"};
  const Col tiny{"n", "tinyint", "tinyint(4)"}, big{"n", "bigint", "bigint(20)"};
  const Col bigu{"n", "bigint", "bigint(20) unsigned"};
  EXPECT_EQ(Why(i, big), "");
  EXPECT_EQ(Why(i, i), "");
  EXPECT_EQ(Why(iu, big), "");
  EXPECT_EQ(Why(iu, bigu), "");
  EXPECT_NE(Why(i, tiny), "");
  EXPECT_NE(Why(big, i), "");
  EXPECT_NE(Why(iu, i), "");  // 4000000000 does not fit a signed INT
  EXPECT_NE(Why(i, iu), "");  // nor -1 an unsigned one
  EXPECT_NE(Why(i, bigu), "");
}

TEST(ColumnFitTest, StringsByCharactersAndCharset) {
  const Col v20{"s", "varchar", "varchar(20)", "utf8mb4", 20};
  const Col v3{"s", "varchar", "varchar(3)", "utf8mb4", 3};
  const Col v10{"s", "varchar", "varchar(10)", "utf8mb4", 10};
  const Col l20{"s", "varchar", "varchar(20)", "latin1", 20};
  const Col m20{"s", "varchar", "varchar(20)", "utf8mb3", 20};
  const Col c20{"s", "char", "char(20)", "utf8mb4", 20};
  const Col text{"s", "text", "text", "utf8mb4", 65535 / 4};
  EXPECT_NE(Why(v20, v3), "");
  EXPECT_EQ(Why(v10, v20), "");
  EXPECT_EQ(Why(l20, v20), "");   // every latin1 character is in utf8mb4
  EXPECT_NE(Why(v20, l20), "");   // not the other way round
  EXPECT_EQ(Why(l20, m20), "");
  EXPECT_NE(Why(v20, m20), "");   // 4-byte characters
  EXPECT_NE(Why(v20, c20), "");   // CHAR drops trailing spaces
  EXPECT_EQ(Why(c20, v20), "");
  EXPECT_EQ(Why(v20, text), "");
  EXPECT_NE(Why(text, v20), "");
}

TEST(ColumnFitTest, BinaryStringsAndSpecialTypes) {
  const Col vb4{"b", "varbinary", "varbinary(4)"}, vb8{"b", "varbinary", "varbinary(8)"};
  const Col b4{"b", "binary", "binary(4)"}, b8{"b", "binary", "binary(8)"};
  Col vb4c = vb4, vb8c = vb8, b4c = b4, b8c = b8;
  for (Col* c : {&vb4c, &vb8c, &b4c, &b8c}) c->chars = c == &vb4c || c == &b4c ? 4 : 8;
  EXPECT_EQ(Why(vb4c, vb8c), "");
  EXPECT_NE(Why(vb8c, vb4c), "");
  EXPECT_NE(Why(b4c, b8c), "");  // padded with zero bytes: another value
  EXPECT_EQ(Why(b4c, b4c), "");
  const Col inet6{"a", "inet6", "inet6"}, uuid{"a", "uuid", "uuid"};
  EXPECT_EQ(Why(inet6, inet6), "");
  EXPECT_NE(Why(inet6, uuid), "");
  const Col text{"s", "varchar", "varchar(8)", "utf8mb4", 8};
  EXPECT_NE(Why(vb8c, text), "");
  EXPECT_NE(Why(text, vb8c), "");
}

TEST(ColumnFitTest, DecimalsTemporalsFloats) {
  const Col d102{"d", "decimal", "decimal(10,2)", "", 0, 10, 2};
  const Col d122{"d", "decimal", "decimal(12,2)", "", 0, 12, 2};
  const Col d101{"d", "decimal", "decimal(10,1)", "", 0, 10, 1};
  const Col d92{"d", "decimal", "decimal(9,2)", "", 0, 9, 2};
  const Col d113{"d", "decimal", "decimal(11,3)", "", 0, 11, 3};
  EXPECT_EQ(Why(d102, d122), "");
  EXPECT_EQ(Why(d102, d113), "");
  EXPECT_NE(Why(d102, d101), "");
  EXPECT_NE(Why(d102, d92), "");
  const Col dt3{"t", "datetime", "datetime(3)", "", 0, 0, 0, 3};
  const Col dt6{"t", "datetime", "datetime(6)", "", 0, 0, 0, 6};
  const Col ts6{"t", "timestamp", "timestamp(6)", "", 0, 0, 0, 6};
  const Col date{"t", "date", "date"};
  EXPECT_EQ(Why(dt3, dt6), "");
  EXPECT_NE(Why(dt6, dt3), "");
  EXPECT_NE(Why(dt3, ts6), "");
  EXPECT_NE(Why(date, dt6), "");
  const Col f{"f", "float", "float"}, d{"f", "double", "double"};
  EXPECT_EQ(Why(f, d), "");
  EXPECT_NE(Why(d, f), "");
  const Col bit3{"b", "bit", "bit(3)", "", 0, 3}, bit8{"b", "bit", "bit(8)", "", 0, 8};
  EXPECT_EQ(Why(bit3, bit8), "");
  EXPECT_NE(Why(bit8, bit3), "");
}

TEST(ColumnFitTest, EnumLabelsMustStartTheSame) {
  const Col ab{"e", "enum", "enum('a','b')"}, abc{"e", "enum", "enum('a','b','c')"};
  const Col ba{"e", "enum", "enum('b','a')"}, quoted{"e", "enum", "enum('it''s','b')"};
  EXPECT_EQ(Why(ab, abc), "");
  EXPECT_NE(Why(abc, ab), "");
  EXPECT_NE(Why(ab, ba), "");
  EXPECT_NE(Why(ab, quoted), "");
  EXPECT_EQ(Why(quoted, quoted), "");
  const Col s{"e", "set", "set('x','y')"}, sy{"e", "set", "set('y','x')"};
  EXPECT_NE(Why(s, sy), "");
  EXPECT_NE(Why(ab, s), "");
}

// A resolved TABLE_MAP of db.t from column specs and optional metadata.
class MapHolder {
 public:
  MapHolder(const std::vector<binlog::testing::ColumnSpec>& cols,
            const std::vector<uint8_t>& optional) {
    EventBuilder b(Flavor::kMariaDb1011, false);
    raw_ = b.Event(19, EventBuilder::TableMapBody(7, "db", "t", cols, optional));
    binlog::EventView ev;
    EXPECT_TRUE(binlog::FrameEvent(binlog::ByteView(raw_.data(), raw_.size()), 4,
                                   binlog::ChecksumAlgorithm::kOff, binlog::kEventHeaderLength, &ev)
                    .ok());
    binlog::FormatDescription fd = binlog::FormatDescription::Default();
    binlog::TableMapEvent tm;
    const absl::Status st = binlog::ParseTableMapEvent(ev, fd, &tm);
    EXPECT_TRUE(st.ok()) << st;
    EXPECT_TRUE(map_.Assign(tm).ok());
  }
  binlog::TableMap& map() { return map_; }

 private:
  std::vector<uint8_t> raw_;
  binlog::TableMap map_;
};

// Optional metadata: COLUMN_NAME (4) and SIGNEDNESS (1, all signed).
std::vector<uint8_t> Names(const std::vector<std::string>& names, size_t numeric) {
  Bytes names_bytes;
  for (const std::string& n : names) names_bytes.U8(static_cast<uint8_t>(n.size())).Str(n);
  Bytes out;
  out.U8(4).Packed(names_bytes.size()).Raw(names_bytes.bytes());
  out.U8(1).Packed((numeric + 7) / 8);
  for (size_t i = 0; i < (numeric + 7) / 8; ++i) out.U8(0);
  return out.bytes();
}

constexpr uint8_t kLong = 3;

TEST(ColumnFitTest, NamesInTheBinlogMapColumnsInAnyOrder) {
  // Source (id, a, b); target (id, b, a): rows go to the columns of the same name.
  MapHolder m({{kLong, {}}, {kLong, {}}, {kLong, {}}}, Names({"id", "a", "b"}, 3));
  const TableInfo target = Table({{"id", "int", "int(11)"}, {"B", "int", "int(11)"},
                                  {"a", "int", "int(11)"}});
  absl::StatusOr<ColumnFit> fit = FitColumns(m.map(), nullptr, target);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_FALSE(fit->identity);
  EXPECT_EQ(fit->target_of, (std::vector<uint32_t>{0, 2, 1}));
  EXPECT_TRUE(fit->caveat.empty());

  const TableInfo renamed = Table({{"id", "int", "int(11)"}, {"b", "int", "int(11)"},
                                   {"c", "int", "int(11)"}});
  fit = FitColumns(m.map(), nullptr, renamed);
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("db.t: the source's column `a`"), std::string::npos)
      << fit.status();
}

TEST(ColumnFitTest, WithoutNamesADifferentOrderIsRefused) {
  MapHolder m({{kLong, {}}, {kLong, {}}, {kLong, {}}}, {});
  const TableInfo source = Table({{"id", "int", "int(11)"}, {"a", "int", "int(11)"},
                                  {"b", "int", "int(11)"}});
  const TableInfo target = Table({{"id", "int", "int(11)"}, {"b", "int", "int(11)"},
                                  {"a", "int", "int(11)"}});
  absl::StatusOr<ColumnFit> fit = FitColumns(m.map(), &source, target);
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("db.t: column 2 is `a` on the source but `b`"),
            std::string::npos)
      << fit.status();
  fit = FitColumns(m.map(), &source, source);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->identity);
  EXPECT_TRUE(fit->exact);
  EXPECT_TRUE(fit->caveat.empty());
  // Neither names nor the source's schema: by position, and said.
  fit = FitColumns(m.map(), nullptr, target);
  ASSERT_TRUE(fit.ok());
  EXPECT_FALSE(fit->caveat.empty());
  EXPECT_FALSE(fit->exact);
}

TEST(ColumnFitTest, NarrowingNamesTheColumnAndBothTypes) {
  // Source n INT, s VARCHAR(20) utf8mb4 (80 bytes); target n TINYINT, s VARCHAR(3).
  MapHolder m({{kLong, {}}, {15, {80, 0}}}, {});
  const TableInfo source = Table({{"n", "int", "int(11)"},
                                  {"s", "varchar", "varchar(20)", "utf8mb4", 20}});
  const TableInfo narrow_int = Table({{"n", "tinyint", "tinyint(4)"},
                                      {"s", "varchar", "varchar(20)", "utf8mb4", 20}});
  absl::StatusOr<ColumnFit> fit = FitColumns(m.map(), &source, narrow_int);
  ASSERT_FALSE(fit.ok());
  EXPECT_EQ(fit.status().message(),
            "db.t.n: the source's INT(11) does not fit the target's TINYINT(4) (values would "
            "be truncated); change the target's column to hold the source's values (ALTER "
            "TABLE ... MODIFY), then restart");
  const TableInfo narrow_str = Table({{"n", "int", "int(11)"},
                                      {"s", "varchar", "varchar(3)", "utf8mb4", 3}});
  fit = FitColumns(m.map(), &source, narrow_str);
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.status().message().find("db.t.s: the source's VARCHAR(20) does not fit the "
                                        "target's VARCHAR(3)"),
            std::string::npos)
      << fit.status();
  // Without the source's schema the binlog's 80 bytes still say it is too long for 12.
  fit = FitColumns(m.map(), nullptr, narrow_str);
  EXPECT_FALSE(fit.ok());
  const TableInfo wider = Table({{"n", "bigint", "bigint(20)"},
                                 {"s", "varchar", "varchar(30)", "utf8mb4", 30}});
  fit = FitColumns(m.map(), &source, wider);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->identity);
  EXPECT_FALSE(fit->exact);  // widened: the server's own row applier would convert
}

TEST(ColumnFitTest, FitterTakesSignednessFromTheSourceSchema) {
  // The binlog (binlog_row_metadata=NO_LOG) says nothing of signedness: an INT UNSIGNED
  // source must decode unsigned, and then does not fit a signed INT target.
  MapHolder m({{kLong, {}}}, {});
  auto source = std::make_shared<const TableInfo>(Table({{"n", "int", "int(10) unsigned"}}));
  auto target = std::make_shared<const TableInfo>(Table({{"n", "int", "int(11)"}}));
  const TableLookup lookup = [&](std::string_view, std::string_view) {
    return absl::StatusOr<std::shared_ptr<const TableInfo>>(source);
  };
  ColumnFitter fitter;
  EXPECT_FALSE(fitter.Fit(&m.map(), target, lookup).ok());
  EXPECT_TRUE(m.map().column(0).is_unsigned);
  auto big = std::make_shared<const TableInfo>(Table({{"n", "bigint", "bigint(20)"}}));
  absl::StatusOr<const ColumnFit*> fit = fitter.Fit(&m.map(), big, lookup);
  ASSERT_TRUE(fit.ok()) << fit.status();
  // The same map and tables again: the cached answer.
  EXPECT_EQ(*fitter.Fit(&m.map(), big, lookup), *fit);
}

}  // namespace
}  // namespace binsync::schema
