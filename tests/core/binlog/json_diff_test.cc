// MySQL partial JSON updates: diff lists applied to documents (hand cases and random
// operations checked against a model), their text form, and PARTIAL_UPDATE_ROWS events
// built with EventBuilder, decoded so `after` is the full document.
#include "core/binlog/json_diff.h"

#include <functional>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/binlog/decode_all.h"
#include "tests/core/binlog/event_builder.h"
#include "tests/core/binlog/json_builder.h"

namespace binsync::binlog::testing {
namespace {

using ::testing::HasSubstr;

// One encoded diff (json_diff.h layout).
void AddDiff(JsonDiffOp op, std::string_view path, const JsonNode* value, Bytes* out) {
  out->U8(static_cast<uint64_t>(op)).PackedStr(path);
  if (value != nullptr) {
    const std::vector<uint8_t> doc = EncodeJsonDocument(*value, false);
    out->Packed(doc.size()).Raw(doc);
  }
}

absl::StatusOr<std::string> Apply(const JsonNode& before, const Bytes& diffs) {
  std::string out;
  if (absl::Status st = ApplyJsonDiffs(EncodeJsonDocument(before, false), diffs.bytes(), &out);
      !st.ok()) {
    return st;
  }
  return out;
}

JsonNode Sample() {  // {"a":1,"bb":[10,"x",{"k":null}],"q\"t":true}
  JsonNode inner = JsonNode::Object();
  inner.members.emplace_back("k", JsonNode::Null());
  JsonNode arr = JsonNode::Array();
  arr.elements.push_back(JsonNode::Int16(10));
  arr.elements.push_back(JsonNode::String("x"));
  arr.elements.push_back(inner);
  JsonNode o = JsonNode::Object();
  o.members.emplace_back("a", JsonNode::Int16(1));
  o.members.emplace_back("bb", arr);
  o.members.emplace_back("q\"t", JsonNode::Bool(true));
  return o;
}

TEST(JsonDiffTest, OperationsOnObjectsAndArrays) {
  const JsonNode v = JsonNode::String("new");
  struct Case {
    JsonDiffOp op;
    std::string path;
    bool with_value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {JsonDiffOp::kReplace, "$.a", true, R"({"a":"new","bb":[10,"x",{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kReplace, "$.bb[1]", true, R"({"a":1,"bb":[10,"new",{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kReplace, "$.bb[last].k", true,
       R"({"a":1,"bb":[10,"x",{"k":"new"}],"q\"t":true})"},
      {JsonDiffOp::kReplace, "$.\"q\\\"t\"", true,
       R"({"a":1,"bb":[10,"x",{"k":null}],"q\"t":"new"})"},
      {JsonDiffOp::kReplace, " $ . bb [ last - 2 ] ", true,
       R"({"a":1,"bb":["new","x",{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kInsert, "$.b", true,
       R"({"a":1,"b":"new","bb":[10,"x",{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kInsert, "$.zz", true,
       R"({"a":1,"bb":[10,"x",{"k":null}],"zz":"new","q\"t":true})"},
      {JsonDiffOp::kInsert, "$.bb[0]", true,
       R"({"a":1,"bb":["new",10,"x",{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kInsert, "$.bb[3]", true,
       R"({"a":1,"bb":[10,"x",{"k":null},"new"],"q\"t":true})"},
      {JsonDiffOp::kInsert, "$.bb[99]", true,
       R"({"a":1,"bb":[10,"x",{"k":null},"new"],"q\"t":true})"},
      {JsonDiffOp::kInsert, "$.bb[2].\"\\u00e9\"", true,
       "{\"a\":1,\"bb\":[10,\"x\",{\"k\":null,\"\xc3\xa9\":\"new\"}],\"q\\\"t\":true}"},
      {JsonDiffOp::kRemove, "$.a", false, R"({"bb":[10,"x",{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kRemove, "$.bb[1]", false, R"({"a":1,"bb":[10,{"k":null}],"q\"t":true})"},
      {JsonDiffOp::kRemove, "$.bb[last]", false, R"({"a":1,"bb":[10,"x"],"q\"t":true})"},
  };
  for (const Case& c : cases) {
    Bytes d;
    AddDiff(c.op, c.path, c.with_value ? &v : nullptr, &d);
    const absl::StatusOr<std::string> r = Apply(Sample(), d);
    ASSERT_TRUE(r.ok()) << c.path << ": " << r.status();
    EXPECT_EQ(*r, c.expected) << c.path;
  }
  // Several diffs in order, and a value that is itself a document.
  Bytes d;
  const JsonNode doc = Sample();
  AddDiff(JsonDiffOp::kRemove, "$.bb", nullptr, &d);
  AddDiff(JsonDiffOp::kInsert, "$.bb", &doc, &d);
  AddDiff(JsonDiffOp::kReplace, "$.bb.bb[0]", &v, &d);
  const absl::StatusOr<std::string> r = Apply(Sample(), d);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, R"({"a":1,"bb":{"a":1,"bb":["new","x",{"k":null}],"q\"t":true},"q\"t":true})");
}

TEST(JsonDiffTest, DiffsThatCannotApplyAreErrors) {
  const JsonNode v = JsonNode::Int16(5);
  struct Case {
    JsonDiffOp op;
    std::string path;
    std::string error;
  };
  const std::vector<Case> cases = {
      {JsonDiffOp::kReplace, "$.nope", "REPLACE of $.nope, which does not exist"},
      {JsonDiffOp::kReplace, "$.bb[3]", "does not exist"},
      {JsonDiffOp::kReplace, "$.a.b", "does not exist"},
      {JsonDiffOp::kInsert, "$.a", "INSERT of existing $.a"},
      {JsonDiffOp::kInsert, "$.x.y", "the parent of $.x.y does not exist"},
      {JsonDiffOp::kInsert, "$.bb.k", "does not match the shape"},
      {JsonDiffOp::kRemove, "$.nope", "REMOVE of missing $.nope"},
      {JsonDiffOp::kRemove, "$.bb[7]", "REMOVE of missing"},
      {JsonDiffOp::kRemove, "$.bb[last-5]", "REMOVE of missing"},
      {JsonDiffOp::kReplace, "$", "has no legs"},
      {JsonDiffOp::kReplace, "a.b", "does not start with $"},
      {JsonDiffOp::kReplace, "$.*", "wildcard"},
      {JsonDiffOp::kReplace, "$[*]", "wildcard"},
      {JsonDiffOp::kReplace, "$**.a", "unexpected character"},
      {JsonDiffOp::kReplace, "$.bb[1 to 2]", "range"},
      {JsonDiffOp::kReplace, "$.\"open", "unterminated quoted member"},
      {JsonDiffOp::kReplace, "$.\"\\ud800\"", "unpaired surrogate"},
      {JsonDiffOp::kReplace, "$.\"\\q\"", "unknown escape"},
  };
  for (const Case& c : cases) {
    Bytes d;
    AddDiff(c.op, c.path, c.op == JsonDiffOp::kRemove ? nullptr : &v, &d);
    const absl::StatusOr<std::string> r = Apply(Sample(), d);
    ASSERT_FALSE(r.ok()) << c.path;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.error)) << c.path;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  }
  // Malformed lists.
  auto list_fails = [](std::vector<uint8_t> bytes, std::string_view error) {
    std::string out;
    const absl::Status st = ApplyJsonDiffs(EncodeJsonDocument(Sample(), false), bytes, &out);
    EXPECT_THAT(std::string(st.message()), HasSubstr(std::string(error)));
    out.clear();
    EXPECT_FALSE(AppendJsonDiffText(bytes, &out).ok());
  };
  list_fails({3, 1, '$'}, "diff 1 has unknown operation 3");
  list_fails({0, 3, '$', '.', 'a', 5}, "diff 1 truncated");
  list_fails({2, 3, '$', '.', 'a', 0, 9}, "diff 2 truncated");
  list_fails({2, 0}, "empty path");
  // The before document itself is checked.
  std::string out;
  Bytes d;
  AddDiff(JsonDiffOp::kRemove, "$.a", nullptr, &d);
  const absl::Status st = ApplyJsonDiffs(std::vector<uint8_t>{0x0c, 0x09}, d.bytes(), &out);
  EXPECT_THAT(std::string(st.message()), HasSubstr("before image: JSON: "));
}

TEST(JsonDiffTest, TextFormOfUnappliedDiffs) {
  Bytes d;
  const JsonNode v = Sample();
  AddDiff(JsonDiffOp::kReplace, "$.age", &v, &d);
  AddDiff(JsonDiffOp::kRemove, "$.\"x\\\"\"", nullptr, &d);
  const JsonNode n = JsonNode::Null();
  AddDiff(JsonDiffOp::kInsert, "$[0]", &n, &d);
  std::string out;
  ASSERT_TRUE(AppendJsonDiffText(d.bytes(), &out).ok());
  EXPECT_EQ(out, StrCat(R"({"$json_diff":[{"op":"replace","path":"$.age","value":)",
                        Sample().Text(), R"(},{"op":"remove","path":"$.\"x\\\"\""},)",
                        R"({"op":"insert","path":"$[0]","value":null}]})"));
}

// Random operations on random documents, mirrored on the test's model.
struct PathTo {
  std::string text;
  std::vector<std::pair<bool, size_t>> steps;  // (is member, index)
};

void CollectPaths(const JsonNode& n, PathTo here, std::vector<PathTo>* out) {
  if (!here.steps.empty()) out->push_back(here);
  if (n.kind == JsonNode::kObject) {
    for (size_t i = 0; i < n.members.size(); ++i) {
      PathTo p = here;
      p.text += "." + JsonQuote(n.members[i].first);
      p.steps.emplace_back(true, i);
      CollectPaths(n.members[i].second, p, out);
    }
  } else if (n.kind == JsonNode::kArray) {
    for (size_t i = 0; i < n.elements.size(); ++i) {
      PathTo p = here;
      p.text += StrCat("[", i, "]");
      p.steps.emplace_back(false, i);
      CollectPaths(n.elements[i], p, out);
    }
  }
}

JsonNode* Walk(JsonNode* n, const std::vector<std::pair<bool, size_t>>& steps, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    n = steps[i].first ? &n->members[steps[i].second].second : &n->elements[steps[i].second];
  }
  return n;
}

TEST(JsonDiffTest, RandomOperationsMatchTheModel) {
  std::mt19937 rng(31);
  int applied = 0;
  for (int round = 0; round < 300; ++round) {
    JsonNode doc = JsonNode::Object();
    doc.members.emplace_back("root", RandomJson(rng, 1));
    const std::vector<uint8_t> before = EncodeJsonDocument(doc, round % 2 == 0);
    Bytes diffs;
    for (int k = 0; k < 3; ++k) {
      std::vector<PathTo> paths;
      CollectPaths(doc, PathTo{"$", {}}, &paths);
      const PathTo& p = paths[rng() % paths.size()];
      JsonNode* parent = Walk(&doc, p.steps, p.steps.size() - 1);
      const auto [member, index] = p.steps.back();
      const JsonNode value = RandomJson(rng, 2);
      switch (rng() % 3) {
        case 0:
          AddDiff(JsonDiffOp::kReplace, p.text, &value, &diffs);
          *Walk(&doc, p.steps, p.steps.size()) = value;
          break;
        case 1:
          if (member) {
            parent->members.erase(parent->members.begin() + static_cast<ptrdiff_t>(index));
          } else {
            parent->elements.erase(parent->elements.begin() + static_cast<ptrdiff_t>(index));
          }
          AddDiff(JsonDiffOp::kRemove, p.text, nullptr, &diffs);
          break;
        default: {
          JsonNode* target = Walk(&doc, p.steps, p.steps.size());
          if (target->kind == JsonNode::kArray) {
            const size_t at = rng() % (target->elements.size() + 1);
            target->elements.insert(target->elements.begin() + static_cast<ptrdiff_t>(at), value);
            AddDiff(JsonDiffOp::kInsert, StrCat(p.text, "[", at, "]"), &value, &diffs);
          } else if (target->kind == JsonNode::kObject) {
            std::string key = StrCat("n", rng() % 1000);
            bool exists = false;
            for (const auto& member_kv : target->members) exists |= member_kv.first == key;
            if (exists) break;
            auto pos = target->members.begin();
            while (pos != target->members.end() && !JsonKeyLess(key, pos->first)) ++pos;
            target->members.insert(pos, {key, value});
            AddDiff(JsonDiffOp::kInsert, StrCat(p.text, ".", key), &value, &diffs);
          }
          break;
        }
      }
      if (doc.members.empty()) break;  // removed the root member: nothing more to do
    }
    std::string out;
    const absl::Status st = ApplyJsonDiffs(before, diffs.bytes(), &out);
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_EQ(out, doc.Text()) << "round " << round;
    ++applied;
  }
  EXPECT_EQ(applied, 300);
}

// PARTIAL_UPDATE_ROWS through the whole decoder. Table: id INT, j JSON, n INT, k JSON.
class PartialUpdateRowsTest : public ::testing::Test {
 protected:
  static std::vector<uint8_t> JsonCell(const std::vector<uint8_t>& payload) {
    Bytes b;
    b.U32(payload.size()).Raw(payload);
    return b.bytes();
  }

  // `rows` are full row data (before + after images) of one event.
  static std::vector<uint8_t> File(const std::vector<uint8_t>& rows,
                                   std::vector<uint8_t> before_cols = {0x0f},
                                   std::vector<uint8_t> after_cols = {0x0f}, bool crc = true) {
    EventBuilder b(Flavor::kMysql80, crc);
    Bytes names;
    for (std::string_view n : {"id", "j", "n", "k"}) names.PackedStr(n);
    Bytes meta;
    meta.U8(4).Packed(names.size()).Raw(names.bytes());
    const std::vector<ColumnSpec> cols = {{3, {}, false}, {245, {4}}, {3, {}}, {245, {4}}};
    return EventBuilder::File(
        {b.Fde(), b.Event(19, EventBuilder::TableMapBody(4, "db", "t", cols, meta.bytes())),
         b.Event(39, EventBuilder::RowsBody(true, 4, 4, before_cols, &after_cols, rows))});
  }

  static void FullImage(Bytes* rows, int id, const JsonNode& j, int n, const JsonNode& k) {
    rows->U8(0).U32(static_cast<uint64_t>(id)).Raw(JsonCell(EncodeJsonDocument(j, false)));
    rows->U32(static_cast<uint64_t>(n)).Raw(JsonCell(EncodeJsonDocument(k, false)));
  }
};

TEST_F(PartialUpdateRowsTest, AfterImageIsTheFullDocument) {
  const JsonNode doc = Sample();
  const JsonNode seven = JsonNode::Int16(7);
  Bytes diffs;
  AddDiff(JsonDiffOp::kReplace, "$.a", &seven, &diffs);
  AddDiff(JsonDiffOp::kRemove, "$.bb[0]", nullptr, &diffs);
  JsonNode k = JsonNode::Array();
  k.elements.push_back(JsonNode::String("full"));

  Bytes rows;
  // Row 1: j partial (bit 0), k logged in full (bit 1 clear) although in a partial event.
  FullImage(&rows, 1, doc, 5, doc);
  rows.U8(1).U8(0x01).U8(0).U32(1).Raw(JsonCell(diffs.bytes())).U32(6);
  rows.Raw(JsonCell(EncodeJsonDocument(k, false)));
  // Row 2: value_options 0: no partial bits, every column in full.
  FullImage(&rows, 2, doc, 5, doc);
  rows.U8(0);
  FullImage(&rows, 2, k, 6, k);
  // Row 3: both JSON columns partial; k's diffs insert into the array.
  Bytes kdiffs;
  const JsonNode t = JsonNode::Bool(true);
  AddDiff(JsonDiffOp::kInsert, "$[0]", &t, &kdiffs);
  FullImage(&rows, 3, doc, 5, k);
  rows.U8(1).U8(0x03).U8(0).U32(3).Raw(JsonCell(diffs.bytes())).U32(5);
  rows.Raw(JsonCell(kdiffs.bytes()));

  const DecodeResult r = DecodeBuffer("p.000001", File(rows.bytes()));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.rows.size(), 3u);
  const std::string before =
      StrCat(R"({"id":1,"j":)", doc.Text(), R"(,"n":5,"k":)", doc.Text(), "}");
  EXPECT_EQ(r.rows[0], StrCat("update db.t ", before,
                              R"( -> {"id":1,"j":{"a":7,"bb":["x",{"k":null}],"q\"t":true},)",
                              R"("n":6,"k":["full"]})"));
  EXPECT_EQ(r.rows[1], StrCat("update db.t {\"id\":2,\"j\":", doc.Text(), ",\"n\":5,\"k\":",
                              doc.Text(), R"(} -> {"id":2,"j":["full"],"n":6,"k":["full"]})"));
  EXPECT_EQ(r.rows[2], StrCat("update db.t {\"id\":3,\"j\":", doc.Text(), R"(,"n":5,"k":["full"]})",
                              R"( -> {"id":3,"j":{"a":7,"bb":["x",{"k":null}],"q\"t":true},)",
                              R"("n":5,"k":[true,"full"]})"));
}

TEST_F(PartialUpdateRowsTest, MinimalBeforeImageKeepsTheDiffs) {
  const JsonNode v = JsonNode::Int16(26);
  Bytes diffs;
  AddDiff(JsonDiffOp::kReplace, "$.age", &v, &diffs);
  Bytes rows;
  rows.U8(0).U32(9);                                               // before: id only
  rows.U8(1).U8(0x01).U8(0).Raw(JsonCell(diffs.bytes())).U32(26);  // after: j, n
  const DecodeResult r = DecodeBuffer("m.000001", File(rows.bytes(), {0x01}, {0x06}));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows, std::vector<std::string>{
                        R"(update db.t {"id":9} -> {"j":{"$json_diff":[{"op":"replace",)"
                        R"("path":"$.age","value":26}]},"n":26})"});
}

TEST_F(PartialUpdateRowsTest, IteratorAppliesDiffsWhenOnlyTheAfterImageIsWanted) {
  const JsonNode seven = JsonNode::Int16(7);
  Bytes diffs;
  AddDiff(JsonDiffOp::kReplace, "$.a", &seven, &diffs);
  Bytes rows;
  FullImage(&rows, 1, Sample(), 5, Sample());
  rows.U8(1).U8(0x01).U8(0).U32(1).Raw(JsonCell(diffs.bytes())).U32(6);
  rows.Raw(JsonCell(EncodeJsonDocument(Sample(), false)));
  const std::vector<uint8_t> file = File(rows.bytes());
  auto reader = FileReader::FromBuffer("i", file);
  ASSERT_TRUE(reader.ok());
  EventView ev;
  TableMapCache maps;
  Event event;
  while (*(*reader)->Next(&ev)) {
    ASSERT_TRUE((*reader)->Decode(ev, &event).ok());
    if (const auto* tm = std::get_if<TableMapEvent>(&event)) {
      ASSERT_TRUE(maps.Update(*tm).ok());
    }
    const auto* rows_event = std::get_if<RowsEvent>(&event);
    if (rows_event == nullptr) continue;
    ASSERT_TRUE(rows_event->is_partial_update());
    for (bool want_before : {false, true}) {
      RowIterator it(*rows_event, *maps.Find(4));
      RowImage before, after;
      ASSERT_TRUE(*it.Next(want_before ? &before : nullptr, &after));
      EXPECT_EQ(after.values[1].json_form, JsonForm::kText);
      EXPECT_EQ(after.values[1].text(), R"({"a":7,"bb":[10,"x",{"k":null}],"q\"t":true})");
      EXPECT_EQ(after.values[3].json_form, JsonForm::kBinary);
      EXPECT_FALSE(*it.Next(nullptr, &after));
    }
    RowIterator it(*rows_event, *maps.Find(4));
    RowImage before;
    ASSERT_TRUE(*it.Next(&before, nullptr));  // before only: the after image is skipped
    EXPECT_EQ(before.values[0].int_value, 1);
    return;
  }
  FAIL() << "no rows event";
}

TEST_F(PartialUpdateRowsTest, MalformedPartialImagesAreErrorsNamingTheColumn) {
  const JsonNode v = JsonNode::Int16(1);
  Bytes bad_path;
  AddDiff(JsonDiffOp::kReplace, "$.missing", &v, &bad_path);
  auto decode = [&](const std::function<void(Bytes*)>& after) {
    Bytes rows;
    FullImage(&rows, 1, Sample(), 5, Sample());
    after(&rows);
    return DecodeBuffer("e.000001", File(rows.bytes()));
  };
  DecodeResult r = decode([](Bytes* b) { b->U8(2); });
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("e.000001:"));
  EXPECT_THAT(std::string(r.status.message()),
              HasSubstr("PARTIAL_UPDATE_ROWS: row 1: unknown binlog_row_value_options 2"));
  r = decode([](Bytes* b) { b->U8(1); });
  EXPECT_THAT(std::string(r.status.message()), HasSubstr("row 1: partial update header truncated"));
  r = decode([&](Bytes* b) {
    b->U8(1).U8(0x01).U8(0).U32(1).Raw(JsonCell(bad_path.bytes())).U32(6);
    b->Raw(JsonCell(EncodeJsonDocument(Sample(), false)));
  });
  EXPECT_THAT(std::string(r.status.message()),
              HasSubstr("row 1, column 2 j: JSON diff: diff 1 cannot be applied: REPLACE of "
                        "$.missing, which does not exist"));
  // A partial bit on a column whose before value is NULL.
  Bytes rows;
  rows.U8(0x02).U32(1).U32(5).Raw(JsonCell(EncodeJsonDocument(Sample(), false)));
  rows.U8(1).U8(0x01).U8(0).U32(1).Raw(JsonCell(bad_path.bytes())).U32(6);
  rows.Raw(JsonCell(EncodeJsonDocument(Sample(), false)));
  r = DecodeBuffer("e.000001", File(rows.bytes()));
  EXPECT_THAT(
      std::string(r.status.message()),
      HasSubstr("column 2 j: JSON diffs for a column whose before value is not a document"));
}

// Every truncation and byte flip of a partial update event: an error or a valid decode.
TEST_F(PartialUpdateRowsTest, EveryTruncationAndByteFlipFailsCleanly) {
  const JsonNode seven = JsonNode::Int16(7);
  Bytes diffs;
  AddDiff(JsonDiffOp::kReplace, "$.bb[1]", &seven, &diffs);
  AddDiff(JsonDiffOp::kInsert, "$.c", &seven, &diffs);
  Bytes rows;
  FullImage(&rows, 1, Sample(), 5, Sample());
  rows.U8(1).U8(0x03).U8(0).U32(1).Raw(JsonCell(diffs.bytes())).U32(6);
  rows.Raw(JsonCell(diffs.bytes()));
  const std::vector<uint8_t> file = File(rows.bytes(), {0x0f}, {0x0f}, /*crc=*/false);
  const DecodeResult ok = DecodeBuffer("t", file);
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  for (size_t n = 0; n < file.size(); ++n) (void)DecodeBuffer("t", ByteView(file.data(), n));
  for (size_t i = 4; i < file.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::vector<uint8_t> m = file;
      m[i] ^= mask;
      (void)DecodeBuffer("m", m);
    }
  }
}

}  // namespace
}  // namespace binsync::binlog::testing
