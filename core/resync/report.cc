#include "core/resync/report.h"

#include "nlohmann/json.hpp"
#include "core/util/strings.h"

namespace binsync {

bool ResyncReport::clean() const {
  if (dry_run) return predicted_conflicts.empty();
  return verified && verify_final.consistent();
}

std::string ResyncReportText(const ResyncReport& r) {
  std::string out;
  StrAppend(&out, "resync ", r.from, " (from, authoritative) -> ", r.to, " (to)",
            r.run_id.empty() ? "" : StrCat(", run ", r.run_id), "\n");
  if (!r.resumed_message.empty() && !r.dry_run) {
    StrAppend(&out, r.resumed_message,
              ": its plan and the conflicts it met are kept; the applied counts below are this "
              "run's part\n");
  }
  if (!r.from_errors.empty()) StrAppend(&out, "  ", r.from, " replication: ", r.from_errors, "\n");
  if (!r.to_errors.empty()) StrAppend(&out, "  ", r.to, " replication: ", r.to_errors, "\n");
  for (const StreamPlan* p : {&r.to_lacks, &r.from_lacks}) {
    StrAppend(&out, "plan ", p->direction, ": ", p->transactions, " transactions, ", p->rows,
              " rows", p->transactions ? StrCat(", GTIDs ", p->first_gtid, " .. ", p->last_gtid)
                                       : std::string(),
              " (after ", p->start.empty() ? "the beginning" : p->start, ")",
              p->purged ? " [binlog purged]" : "", "\n");
    for (const auto& [t, n] : p->table_rows) StrAppend(&out, "    ", t, ": ", n, " rows\n");
  }
  StrAppend(&out, "rows changed on both sides: ", r.predicted_conflicts.size(), "\n");
  constexpr size_t kListed = 50;  // the JSON report lists everything
  for (size_t i = 0; i < r.predicted_conflicts.size() && i < kListed; ++i) {
    StrAppend(&out, "    ", r.predicted_conflicts[i], "\n");
  }
  if (r.predicted_conflicts.size() > kListed) {
    StrAppend(&out, "    ... and ", r.predicted_conflicts.size() - kListed,
              " more (--format json lists them all)\n");
  }
  if (r.dry_run) {
    for (const std::string& n : r.notes) StrAppend(&out, "note: ", n, "\n");
    out += "dry run: nothing was changed\n";
    return out;
  }
  for (const auto* a : {&r.applied_to_to, &r.applied_to_from}) {
    StrAppend(&out, "applied ", a == &r.applied_to_to ? r.from + " -> " + r.to : r.to + " -> " + r.from,
              ": ", a->transactions, " transactions, ", a->rows, " rows in ", a->target_commits,
              " target commits\n");
  }
  StrAppend(&out, "conflicts: ", r.conflicts.size(), "\n");
  for (size_t i = 0; i < r.conflicts.size(); ++i) {
    const ReportedConflict& c = r.conflicts[i];
    if (i == kListed) {
      StrAppend(&out, "    ... and ", r.conflicts.size() - kListed,
                " more (--format json lists them all)\n");
      break;
    }
    StrAppend(&out, "    ", c.table, " ", c.key, ": ", c.kind, " (", c.direction,
              ", ", c.txn, "): ", c.resolution, "\n");
  }
  StrAppend(&out, "hand back: ", r.handback, "\n");
  if (r.verified) {
    StrAppend(&out, "verify: ", r.verify_first.tables.size(), " tables, ",
              r.verify_first.consistent() ? "identical" : "differences found");
    if (r.repaired_rows > 0) StrAppend(&out, "; repaired ", r.repaired_rows, " rows from --from");
    StrAppend(&out, "; final: ", r.verify_final.consistent() ? "identical" : "DIFFERENT", "\n");
    if (!r.verify_final.consistent()) out += ReportTable(r.verify_final);
  }
  for (const std::string& n : r.notes) StrAppend(&out, "note: ", n, "\n");
  out += "time:";
  for (const char* step : {"inspect", "plan", "catch up", "hand back", "verify"}) {
    auto it = r.step_seconds.find(step);
    if (it != r.step_seconds.end()) out += fmt::format(" {} {:.2f} s,", step, it->second);
  }
  out.back() = '\n';
  return out;
}

std::string ResyncReportJson(const ResyncReport& r) {
  nlohmann::json j;
  j["from"] = r.from;
  j["to"] = r.to;
  j["dry_run"] = r.dry_run;
  j["run"] = r.run_id;
  j["resumed"] = r.resumed_step.empty() || r.dry_run
                     ? nlohmann::json(nullptr)
                     : nlohmann::json{{"run", r.run_id}, {"from_step", r.resumed_step}};
  j["clean"] = r.clean();
  auto plan = [](const StreamPlan& p) {
    nlohmann::json x;
    x["direction"] = p.direction;
    x["start"] = p.start;
    x["transactions"] = p.transactions;
    x["rows"] = p.rows;
    x["first_gtid"] = p.first_gtid;
    x["last_gtid"] = p.last_gtid;
    x["tables"] = p.table_rows;
    x["purged"] = p.purged;
    return x;
  };
  j["plan"] = {plan(r.to_lacks), plan(r.from_lacks)};
  j["rows_changed_on_both_sides"] = r.predicted_conflicts;
  auto applied = [](const AppliedCounts& a) {
    return nlohmann::json{{"transactions", a.transactions}, {"rows", a.rows},
                          {"target_commits", a.target_commits}, {"seconds", a.seconds},
                          {"read_through", a.read_through}};
  };
  j["applied"] = {applied(r.applied_to_to), applied(r.applied_to_from)};
  nlohmann::json conflicts = nlohmann::json::array();
  for (const ReportedConflict& c : r.conflicts) {
    conflicts.push_back({{"table", c.table}, {"key", c.key},
                         {"kind", c.kind}, {"direction", c.direction},
                         {"transaction", c.txn}, {"resolution", c.resolution}});
  }
  j["conflicts"] = conflicts;
  j["handback"] = r.handback;
  j["verify"] = {{"done", r.verified},
                 {"identical_before_repair", r.verify_first.consistent()},
                 {"repaired_rows", r.repaired_rows},
                 {"identical", r.verify_final.consistent()}};
  j["seconds"] = r.step_seconds;
  j["notes"] = r.notes;
  return j.dump();
}

}  // namespace binsync
