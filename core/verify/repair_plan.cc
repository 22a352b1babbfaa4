#include "core/verify/repair_plan.h"

#include "core/schema/column_types.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "core/verify/compared_table.h"
#include "core/verify/sql.h"

namespace binsync {
namespace {

std::string Literal(const schema::TableInfo& t, size_t c, const std::optional<std::string>& v,
                    const QuoteLiteralFn& quote) {
  if (!v) return "NULL";
  if (schema::IsBinaryColumn(t, c)) {
    std::string out = "X'";
    AppendHex(*v, &out);
    return out + "'";
  }
  return quote(*v);
}

std::string Statement(const TableResult& t, const RepairStep& step, const QuoteLiteralFn& quote) {
  const schema::TableInfo& s = t.schema;
  const RowDiff& d = t.diffs[step.diff];
  std::vector<std::string> values;
  if (step.op == RepairOp::kDeleteByKey) {
    const std::vector<uint32_t>& key = KeyColumns(s);
    for (size_t i = 0; i < key.size(); ++i) values.push_back(Literal(s, key[i], d.key[i], quote));
    return VerifySql::DeleteByKey(s, values);
  }
  for (size_t i = 0; i < s.columns.size(); ++i) {
    values.push_back(Literal(s, i, d.a_row.at(i), quote));
  }
  return VerifySql::Upsert(s, values);
}

}  // namespace

std::vector<RepairStep> PlanRepair(const VerifyReport& report) {
  std::vector<RepairStep> steps;
  for (size_t t = 0; t < report.tables.size(); ++t) {
    const std::vector<RowDiff>& diffs = report.tables[t].diffs;
    for (size_t d = 0; d < diffs.size(); ++d) {
      if (diffs[d].kind == DiffKind::kOnlyOnB) steps.push_back({RepairOp::kDeleteByKey, t, d});
    }
    for (size_t d = 0; d < diffs.size(); ++d) {
      if (diffs[d].kind != DiffKind::kOnlyOnB) steps.push_back({RepairOp::kUpsert, t, d});
    }
  }
  return steps;
}

std::string RepairSessionStart(const RepairOptions& options) {
  return StrCat("SET SESSION foreign_key_checks = 0; SET SESSION sql_log_bin = ",
                options.binlog ? 1 : 0);
}

std::string RepairSessionEnd() { return "SET SESSION foreign_key_checks = 1; SET SESSION sql_log_bin = 1"; }

std::string RepairScript(const VerifyReport& report, const RepairOptions& options,
                         const QuoteLiteralFn& quote) {
  std::string sql = "-- binsync verify: statements that make B like A; idempotent.\n"
                    "SET NAMES utf8mb4;\nSET SESSION foreign_key_checks = 0;\n";
  if (!options.binlog) sql += "SET SESSION sql_log_bin = 0;\n";
  for (const RepairStep& step : PlanRepair(report)) {
    StrAppend(&sql, Statement(report.tables[step.table], step, quote), ";\n");
  }
  return sql;
}

RepairSession::~RepairSession() {
  if (!started_ || finished_) return;
  (void)execute_("ROLLBACK");
  (void)execute_(RepairSessionEnd());
}

absl::Status RepairSession::Begin() {
  started_ = true;
  RETURN_IF_ERROR(execute_(RepairSessionStart(options_)));
  return execute_("START TRANSACTION");
}

absl::Status RepairSession::StatementDone() {
  if (++in_transaction_ < options_.rows_per_transaction) return absl::OkStatus();
  in_transaction_ = 0;
  RETURN_IF_ERROR(execute_("COMMIT"));
  return execute_("START TRANSACTION");
}

absl::Status RepairSession::Finish() {
  RETURN_IF_ERROR(execute_("COMMIT"));
  finished_ = true;  // committed: nothing left to roll back
  if (absl::Status st = execute_(RepairSessionEnd()); !st.ok()) {
    finished_ = false;  // the destructor tries once more
    return st;
  }
  return absl::OkStatus();
}

}  // namespace binsync
