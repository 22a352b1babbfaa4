#include "core/verify/report.h"

#include <algorithm>

#include "core/schema/column_types.h"
#include "core/util/strings.h"
#include "core/verify/compared_table.h"
#include "nlohmann/json.hpp"

namespace binsync {

const char* DiffKindName(DiffKind k) {
  switch (k) {
    case DiffKind::kOnlyOnA: return "only_on_a";
    case DiffKind::kOnlyOnB: return "only_on_b";
    case DiffKind::kDifferent: return "different";
  }
  return "?";
}

bool VerifyReport::consistent() const {
  return std::all_of(tables.begin(), tables.end(),
                     [](const TableResult& t) { return t.consistent(); });
}

bool VerifyReport::differs() const {
  return std::any_of(tables.begin(), tables.end(), [](const TableResult& t) { return t.differs(); });
}

size_t VerifyReport::unsettled() const {
  size_t n = 0;
  for (const TableResult& t : tables) n += t.unsettled.size();
  return n;
}

int VerifyExitCode(const VerifyReport& report) {
  if (report.differs()) return 1;
  return report.unsettled() > 0 ? 3 : 0;
}

namespace {

nlohmann::ordered_json DiffJson(const TableResult& t, const RowDiff& d) {
  nlohmann::ordered_json key = nlohmann::ordered_json::object();
  const std::vector<uint32_t>& key_columns = KeyColumns(t.schema);
  for (size_t i = 0; i < d.key.size() && i < key_columns.size(); ++i) {
    const size_t c = key_columns[i];
    const std::string& name = t.schema.columns[c];
    if (schema::IsIntegerColumn(t.schema, c)) {
      // Keys verify read from the server; anything unexpected is shown as text.
      if (schema::IsUnsignedColumn(t.schema, c)) {
        if (std::optional<uint64_t> v = ParseUint64(d.key[i])) {
          key[name] = *v;
        } else {
          key[name] = d.key[i];
        }
      } else if (std::optional<int64_t> v = ParseInt64(d.key[i])) {
        key[name] = *v;
      } else {
        key[name] = d.key[i];
      }
    } else if (schema::IsBinaryColumn(t.schema, c)) {
      std::string hex = "0x";
      AppendHex(d.key[i], &hex);
      key[name] = hex;
    } else {
      key[name] = d.key[i];
    }
  }
  nlohmann::ordered_json jd;
  jd["key"] = key;
  jd["kind"] = DiffKindName(d.kind);
  if (d.kind == DiffKind::kDifferent) jd["columns"] = d.columns;
  return jd;
}

std::string DiffLine(const TableResult& t, const RowDiff& d) {
  std::string key;
  const std::vector<uint32_t>& key_columns = KeyColumns(t.schema);
  for (size_t i = 0; i < d.key.size() && i < key_columns.size(); ++i) {
    if (!key.empty()) key += ", ";
    StrAppend(&key, t.schema.columns[key_columns[i]], "=", d.key[i]);
  }
  std::string out = fmt::format("  {} ({}) {}", t.table, key, DiffKindName(d.kind));
  if (d.kind == DiffKind::kDifferent) {
    out += " columns:";
    for (const std::string& c : d.columns) out += " " + c;
  }
  return out + "\n";
}

}  // namespace

std::string ReportJson(const VerifyReport& report) {
  nlohmann::ordered_json j;
  j["consistent"] = report.consistent();
  j["unsettled"] = report.unsettled();
  if (!report.broken.empty()) j["broken"] = report.broken;
  j["tables"] = nlohmann::ordered_json::array();
  for (const TableResult& t : report.tables) {
    nlohmann::ordered_json jt;
    jt["table"] = t.table;
    jt["rows_a"] = t.rows_a;
    jt["rows_b"] = t.rows_b;
    jt["chunks"] = t.chunks;
    jt["diff_chunks"] = t.diff_chunks;
    jt["diffs"] = nlohmann::ordered_json::array();
    for (const RowDiff& d : t.diffs) jt["diffs"].push_back(DiffJson(t, d));
    jt["unsettled"] = nlohmann::ordered_json::array();
    for (const RowDiff& d : t.unsettled) jt["unsettled"].push_back(DiffJson(t, d));
    if (!t.problem.empty()) jt["problem"] = t.problem;
    j["tables"].push_back(jt);
  }
  // Text values come from utf8mb4 connections; replace, never throw, on a stray byte.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string ReportTable(const VerifyReport& report) {
  std::string out = fmt::format("{:<40} {:>10} {:>10} {:>7} {:>10} {:>10} {:>8}\n", "TABLE",
                                "ROWS_A", "ROWS_B", "CHUNKS", "DIFF_CHUNK", "DIFF_ROWS", "TIME");
  for (const TableResult& t : report.tables) {
    out += fmt::format("{:<40} {:>10} {:>10} {:>7} {:>10} {:>10} {:>7.3f}s\n", t.table, t.rows_a,
                       t.rows_b, t.chunks, t.diff_chunks, t.diffs.size(), t.seconds);
    if (!t.problem.empty()) out += fmt::format("  {}: {}\n", t.table, t.problem);
  }
  for (const TableResult& t : report.tables) {
    for (const RowDiff& d : t.diffs) out += DiffLine(t, d);
  }
  if (report.unsettled() > 0) {
    out += fmt::format(
        "unsettled: {} rows differed while replication had not applied what could change "
        "them (not differences, not repaired; verify again)\n",
        report.unsettled());
    for (const TableResult& t : report.tables) {
      for (const RowDiff& d : t.unsettled) out += DiffLine(t, d);
    }
  }
  out += report.differs()       ? "differences found\n"
         : report.unsettled() > 0 ? "unsettled rows, no difference found\n"
                                  : "consistent\n";
  return out;
}

}  // namespace binsync
