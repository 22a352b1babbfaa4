// verify's repair executor: runs core/verify/repair_plan's plan on B with bound values.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/mysql/statement.h"
#include "core/schema/column_types.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "core/verify/compared_table.h"
#include "net/verify/reads.h"
#include "net/verify/verify_runner.h"
#include "core/verify/repair_plan.h"
#include "core/verify/sql.h"

namespace binsync {

using schema::TableInfo;
using verify::KeyParams;

namespace {

ParamType ValueParamType(const TableInfo& t, size_t c) {
  if (schema::IsBinaryColumn(t, c)) return ParamType::kBinary;
  return ParamType::kText;  // the server converts text exactly for every other type
}

}  // namespace

absl::StatusOr<std::string> RepairSql(Connection& b, const VerifyReport& report,
                                      const RepairOptions& options) {
  return RepairScript(report, options, [&b](std::string_view v) { return b.QuoteLiteral(v); });
}

absl::StatusOr<uint64_t> ApplyRepair(Connection& b, const VerifyReport& report,
                                     const RepairOptions& options) {
  RepairSession session([&b](std::string_view sql) { return b.Execute(sql); }, options);
  RETURN_IF_ERROR(session.Begin());
  uint64_t changed = 0;
  // One table's prepared statements at a time; the plan lists each table's steps together.
  size_t prepared_for = SIZE_MAX;
  std::optional<PreparedStatement> del;
  std::optional<PreparedStatement> up;
  std::vector<Param> params;
  for (const RepairStep& step : PlanRepair(report)) {
    const TableInfo& s = report.tables[step.table].schema;
    const RowDiff& d = report.tables[step.table].diffs[step.diff];
    if (step.table != prepared_for) {
      prepared_for = step.table;
      ASSIGN_OR_RETURN(del, PreparedStatement::Prepare(b, VerifySql::DeleteByKey(s)));
      ASSIGN_OR_RETURN(up, PreparedStatement::Prepare(b, VerifySql::Upsert(s)));
    }
    if (step.op == RepairOp::kDeleteByKey) {
      ASSIGN_OR_RETURN(const uint64_t n, del->Execute(KeyParams(s, d.key)));
      changed += n;
    } else {
      params.clear();
      for (size_t i = 0; i < s.columns.size(); ++i) {
        const auto& v = d.a_row.at(i);
        params.push_back(Param{v ? std::optional<std::string_view>(*v) : std::nullopt,
                               ValueParamType(s, i)});
      }
      auto n = up->Execute(params);
      if (!n.ok()) {
        return absl::Status(n.status().code(),
                            StrCat(s.QualifiedName(), ": repair failed: ", n.status().message()));
      }
      changed += *n > 0 ? 1 : 0;
    }
    RETURN_IF_ERROR(session.StatementDone());
  }
  RETURN_IF_ERROR(session.Finish());
  return changed;
}

}  // namespace binsync
