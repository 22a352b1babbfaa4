#include "core/replicate/row_plan.h"

#include <span>

#include "absl/status/status.h"
#include "core/util/strings.h"

namespace binsync::replicate {

using binlog::RowImage;
using binlog::ValueKind;

namespace {

constexpr uint16_t kBefore = 0;
constexpr uint16_t kAfter = 1;

bool Carries(const RowImage* image, uint32_t col) {
  return image != nullptr && col < image->values.size() &&
         image->values[col].kind != ValueKind::kAbsent;
}

// Character columns whose bytes can be sent as text in the connection's utf8mb4.
bool Utf8Charset(std::string_view cs) {
  return EqualsIgnoreCase(cs, "utf8mb4") || EqualsIgnoreCase(cs, "utf8mb3") ||
         EqualsIgnoreCase(cs, "utf8") || EqualsIgnoreCase(cs, "ascii");
}

// The binlog stores these fixed-size binary types without their trailing zero bytes.
uint8_t PadTo(std::string_view data_type) {
  if (data_type == "inet6" || data_type == "uuid") return 16;
  if (data_type == "inet4") return 4;
  return 0;
}

bool FindsByKey(RowOp op) {
  return op == RowOp::kUpdateByKey || op == RowOp::kDeleteByKey || op == RowOp::kExistsByKey;
}

// The key that finds the row (see the header): null means the whole before image.
const std::vector<uint32_t>* FindingKey(RowOp op, const schema::TableInfo& info,
                                        const RowImage* before) {
  if (!FindsByKey(op)) return nullptr;
  const std::vector<uint32_t>* key = info.RowKey();
  if (key == nullptr) return nullptr;
  for (uint32_t c : *key) {
    if (!Carries(before, c)) return nullptr;
    // A unique key with a NULL part does not identify a row (a unique index admits any
    // number of NULLs): the whole image finds it, LIMIT 1, so one change changes one row.
    if (!info.has_primary && before->values[c].kind == ValueKind::kNull) return nullptr;
  }
  return key;
}

std::vector<uint32_t> CarriedColumns(const schema::TableInfo& info, const RowImage* image) {
  std::vector<uint32_t> cols;
  for (uint32_t c = 0; c < info.columns.size(); ++c) {
    if (Carries(image, c)) cols.push_back(c);
  }
  return cols;
}

std::vector<uint32_t> AllColumns(const schema::TableInfo& info) {
  std::vector<uint32_t> cols(info.columns.size());
  for (uint32_t c = 0; c < cols.size(); ++c) cols[c] = c;
  return cols;
}

// Appends the pieces of one statement to plan->sql, recording each placeholder's
// parameter as it is written, so parameters are in placeholder order by construction.
class PlanWriter {
 public:
  PlanWriter(const schema::TableInfo& info, RowPlan* plan) : info_(info), plan_(*plan) {}

  template <typename... Pieces>
  void Append(const Pieces&... pieces) {
    StrAppend(&plan_.sql, pieces...);
  }
  void Table() { Append(QuoteIdentifier(info_.db), ".", QuoteIdentifier(info_.name)); }
  void Column(uint32_t col) { Append(QuoteIdentifier(info_.columns[col])); }

  void Placeholder(uint16_t image, uint32_t col) {
    const std::string& cs = info_.column_charsets[col];
    const bool text = !cs.empty() && Utf8Charset(cs);
    plan_.params.push_back({image, col, text, PadTo(info_.column_types[col])});
    if (!cs.empty() && !text) {
      Append("CAST(? AS CHAR CHARACTER SET ", cs, ")");
    } else {
      Append("?");
    }
  }

  // `(c1, c2)` with each name quoted.
  void ColumnList(std::span<const uint32_t> cols) {
    Append("(");
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i > 0) Append(", ");
      Column(cols[i]);
    }
    Append(")");
  }

  // `(?, ?), (?, ?)`: `rows` tuples of `cols`, row r bound from image first_image + r.
  void ValueTuples(std::span<const uint32_t> cols, uint32_t rows, uint16_t first_image) {
    for (uint32_t r = 0; r < rows; ++r) {
      Append(r > 0 ? ", (" : "(");
      for (size_t i = 0; i < cols.size(); ++i) {
        if (i > 0) Append(", ");
        Placeholder(static_cast<uint16_t>(first_image + r), cols[i]);
      }
      Append(")");
    }
  }

  // ` WHERE a = ? AND b = ?` by `key`, or every column the before image carries with
  // `<=>` and `LIMIT 1` when `key` is null.
  void Where(const std::vector<uint32_t>* key, const RowImage* before) {
    const std::vector<uint32_t> cols = key != nullptr ? *key : CarriedColumns(info_, before);
    const char* eq = key != nullptr && info_.has_primary ? " = " : " <=> ";
    Append(" WHERE ");
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i > 0) Append(" AND ");
      Column(cols[i]);
      Append(eq);
      Placeholder(kBefore, cols[i]);
    }
    if (key == nullptr) Append(" LIMIT 1");
  }

 private:
  const schema::TableInfo& info_;
  RowPlan& plan_;
};

// The one INSERT builder: plain, upsert, single- or multi-row.
void Insert(PlanWriter& w, std::span<const uint32_t> cols, uint32_t rows, uint16_t first_image,
            bool upsert) {
  w.Append("INSERT INTO ");
  w.Table();
  w.Append(" ");
  w.ColumnList(cols);
  w.Append(" VALUES ");
  w.ValueTuples(cols, rows, first_image);
  if (!upsert) return;
  w.Append(" ON DUPLICATE KEY UPDATE ");
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i > 0) w.Append(", ");
    w.Column(cols[i]);
    w.Append(" = VALUES(");
    w.Column(cols[i]);
    w.Append(")");
  }
}

void Update(PlanWriter& w, const schema::TableInfo& info, const std::vector<uint32_t>* key,
            const RowShape& shape) {
  w.Append("UPDATE ");
  w.Table();
  w.Append(" SET ");
  const std::vector<uint32_t> set = CarriedColumns(info, shape.after);
  for (size_t i = 0; i < set.size(); ++i) {
    if (i > 0) w.Append(", ");
    w.Column(set[i]);
    w.Append(" = ");
    w.Placeholder(kAfter, set[i]);
  }
  w.Where(key, shape.before);
}

void Delete(PlanWriter& w, const std::vector<uint32_t>* key, const RowShape& shape) {
  w.Append("DELETE FROM ");
  w.Table();
  w.Where(key, shape.before);
}

void Exists(PlanWriter& w, const std::vector<uint32_t>* key, const RowShape& shape) {
  w.Append("SELECT 1 FROM ");
  w.Table();
  w.Where(key, shape.before);
  if (key != nullptr) w.Append(" LIMIT 1");  // Where() adds it when matching
}

void DeleteRowsByPrimaryKey(PlanWriter& w, const schema::TableInfo& info, uint32_t rows) {
  const std::vector<uint32_t>& pk = info.unique_keys.front();
  w.Append("DELETE FROM ");
  w.Table();
  w.Append(" WHERE ");
  w.ColumnList(pk);
  w.Append(" IN (");
  w.ValueTuples(pk, rows, 0);
  w.Append(")");
}

absl::Status CheckArguments(RowOp op, const schema::TableInfo& info, const RowShape& shape) {
  auto invalid = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        StrCat(info.QualifiedName(), ": no ", RowOpName(op), " statement: ", what));
  };
  const size_t n = info.columns.size();
  if (info.column_types.size() != n || info.column_charsets.size() != n) {
    return invalid("the table's column names, types and charsets differ in number");
  }
  for (const std::vector<uint32_t>& key : info.unique_keys) {
    for (uint32_t c : key) {
      if (c >= n) return invalid(StrCat("a key names column ", c, " of ", n));
    }
  }
  if (IsMultiRow(op)) {
    if (shape.rows == 0 || shape.rows > 0x10000) return invalid("1 to 65536 rows");
    if (op == RowOp::kDeleteRowsByPrimaryKey && (!info.has_primary || info.unique_keys.empty())) {
      return invalid("the table has no primary key");
    }
    return absl::OkStatus();
  }
  if (shape.rows != 1) return invalid("a single-row operation takes rows = 1");
  const bool needs_after = op == RowOp::kInsert || op == RowOp::kUpsert ||
                           op == RowOp::kUpdateByKey || op == RowOp::kUpdateMatching;
  const bool needs_before = op != RowOp::kInsert && op != RowOp::kUpsert;
  if (needs_after && shape.after == nullptr) return invalid("no after image");
  if (needs_before && shape.before == nullptr) return invalid("no before image");
  return absl::OkStatus();
}

void AppendImageShape(const schema::TableInfo& info, const RowImage* image, std::string* key) {
  if (image == nullptr) {
    key->push_back('-');
    return;
  }
  for (uint32_t c = 0; c < info.columns.size(); ++c) key->push_back(Carries(image, c) ? '1' : '0');
  key->push_back('|');
}

}  // namespace

std::string_view RowOpName(RowOp op) {
  switch (op) {
    case RowOp::kInsert: return "insert";
    case RowOp::kUpsert: return "upsert";
    case RowOp::kUpdateByKey: return "update by key";
    case RowOp::kUpdateMatching: return "update matching the row";
    case RowOp::kDeleteByKey: return "delete by key";
    case RowOp::kDeleteMatching: return "delete matching the row";
    case RowOp::kExistsByKey: return "exists by key";
    case RowOp::kExistsMatching: return "exists matching the row";
    case RowOp::kUpsertRows: return "multi-row upsert";
    case RowOp::kDeleteRowsByPrimaryKey: return "multi-row delete by primary key";
  }
  return "unknown row operation";
}

bool IsMultiRow(RowOp op) {
  return op == RowOp::kUpsertRows || op == RowOp::kDeleteRowsByPrimaryKey;
}

absl::StatusOr<RowPlan> BuildRowPlan(RowOp op, const schema::TableInfo& info,
                                     const RowShape& shape) {
  if (absl::Status st = CheckArguments(op, info, shape); !st.ok()) return st;
  RowPlan plan;
  plan.op = op;
  PlanWriter w(info, &plan);
  const std::vector<uint32_t>* key = FindingKey(op, info, shape.before);
  switch (op) {
    case RowOp::kInsert:
    case RowOp::kUpsert:
      Insert(w, CarriedColumns(info, shape.after), 1, kAfter, op == RowOp::kUpsert);
      break;
    case RowOp::kUpsertRows:
      Insert(w, AllColumns(info), shape.rows, 0, true);
      break;
    case RowOp::kUpdateByKey:
    case RowOp::kUpdateMatching:
      Update(w, info, key, shape);
      break;
    case RowOp::kDeleteByKey:
    case RowOp::kDeleteMatching:
      Delete(w, key, shape);
      break;
    case RowOp::kExistsByKey:
    case RowOp::kExistsMatching:
      Exists(w, key, shape);
      break;
    case RowOp::kDeleteRowsByPrimaryKey:
      DeleteRowsByPrimaryKey(w, info, shape.rows);
      break;
  }
  return plan;
}

void RowPlanKey(RowOp op, const schema::TableInfo& info, const RowShape& shape, std::string* key) {
  key->clear();
  key->push_back(static_cast<char>(op));
  key->append(reinterpret_cast<const char*>(&shape.rows), sizeof(shape.rows));
  key->append(info.db).push_back('\0');
  key->append(info.name).push_back('\0');
  AppendImageShape(info, shape.before, key);
  AppendImageShape(info, shape.after, key);
  // Found by key, or by the whole image (a key part absent, or NULL in a unique key).
  key->push_back(FindingKey(op, info, shape.before) != nullptr ? 'k' : 'f');
}

std::string DescribeParams(const RowPlan& plan, const schema::TableInfo& info) {
  std::string out;
  for (const PlanParam& p : plan.params) {
    if (!out.empty()) out += ", ";
    if (IsMultiRow(plan.op)) {
      StrAppend(&out, "row", p.image);
    } else {
      out += p.image == kBefore ? "before" : p.image == kAfter ? "after" : "image?";
    }
    StrAppend(&out, ".", p.column < info.columns.size() ? info.columns[p.column] : "?");
    if (p.as_text) out += ":text";
    if (p.pad_to != 0) StrAppend(&out, ":pad", p.pad_to);
  }
  return out;
}

}  // namespace binsync::replicate
