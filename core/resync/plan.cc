#include "core/resync/plan.h"

#include <tuple>
#include <utility>

#include "core/gtid/mariadb_gtid.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {

absl::Status CheckPair(const ServerFacts& from, const ServerFacts& to) {
  if (from.server_id == to.server_id) {
    return absl::InvalidArgumentError(StrCat(from.endpoint, " and ", to.endpoint,
                                             " have the same server_id ", from.server_id,
                                             "; they cannot be resynced as a pair"));
  }
  for (const ServerFacts* f : {&from, &to}) {
    if (!EqualsIgnoreCase(f->binlog_format, "ROW")) {
      return absl::FailedPreconditionError(
          StrCat(f->endpoint, ": binlog_format is ", f->binlog_format,
                 "; resync reads row events: SET GLOBAL binlog_format=ROW"));
    }
  }
  return absl::OkStatus();
}

std::string ReplicationErrors(const ServerFacts& facts) {
  std::string out;
  for (const ReplicationChannel& ch : facts.channels) {
    if (ch.last_sql_errno != 0) {
      StrAppend(&out, "SQL thread error ", ch.last_sql_errno, ": ", ch.last_sql_error, "; ");
    }
    if (ch.last_io_errno != 0) {
      StrAppend(&out, "IO thread error ", ch.last_io_errno, ": ", ch.last_io_error, "; ");
    }
  }
  return out;
}

std::optional<ResyncRun> LatestOfCopies(const std::optional<ResyncRun>& on_to,
                                        const std::optional<ResyncRun>& on_from) {
  if (!on_to.has_value()) return on_from;
  if (!on_from.has_value()) return on_to;
  if (on_to->id == on_from->id) return on_to->step >= on_from->step ? on_to : on_from;
  return std::tie(on_to->started, on_to->id) >= std::tie(on_from->started, on_from->id)
             ? on_to
             : on_from;
}

namespace {

ResyncRun FreshRun(const RunFacts& f) {
  ResyncRun run;
  run.id = f.new_run_id;
  run.from_server_id = f.from.server_id;
  run.to_server_id = f.to.server_id;
  run.from = f.from_endpoint;
  run.to = f.to_endpoint;
  run.policy = std::string(PolicyName(f.policy));
  run.from_native = NativeFound(f.from);
  run.to_native = NativeFound(f.to);
  return run;
}

}  // namespace

NativeAsFound NativeFound(const ServerFacts& facts) {
  NativeAsFound n;
  n.gtid_slave_pos = facts.gtid_slave_pos;
  if (facts.channels.empty()) return n;
  const ReplicationChannel& ch = facts.channels.front();
  n.channel = true;
  n.io_running = ch.io_running;
  n.sql_running = ch.sql_running;
  n.last_sql_errno = ch.last_sql_errno;
  return n;
}

absl::StatusOr<RunPlan> PlanRun(const RunFacts& f) {
  RunPlan p;
  const ResumeDecision decision =
      DecideResume(f.latest, f.from.server_id, f.to.server_id, PolicyName(f.policy));
  if (decision.action == ResumeAction::kRefuse) {
    if (!f.dry_run) return absl::FailedPreconditionError(decision.message);
    p.notes.push_back(decision.message);  // a dry run changes nothing: it plans afresh
  }
  p.resuming = decision.action == ResumeAction::kResume;
  p.run = p.resuming ? *f.latest : FreshRun(f);
  p.work = WorkFrom(p.resuming ? p.run.step : ResyncStep::kInspected);
  if (p.resuming) {
    p.resumed_step = std::string(StepName(p.run.step));
    p.resumed_message = decision.message;
  }
  if (!f.dry_run) p.run_id = p.run.id;
  p.from_channel = p.run.from_native.channel || !f.from.channels.empty();
  p.to_channel = p.run.to_native.channel || !f.to.channels.empty();
  if (f.dry_run && p.resuming) {
    p.notes.push_back(StrCat("resync run ", p.run.id, " was interrupted at step '",
                             StepName(p.run.step), "'; a run without --dry-run finishes it",
                             p.work.replan ? "" : " (this plan is that run's)"));
  }
  if (!f.dry_run) {
    p.record_new_run = !p.resuming;
    p.stop_from_native = p.work.stop_native && p.from_channel;
    p.stop_to_native = p.work.stop_native && p.to_channel;
  }
  return p;
}

std::optional<std::string> ScanStop(const DirectionState& recorded) {
  if (recorded.plan_end.empty()) return std::nullopt;
  return recorded.plan_end;
}

std::optional<uint32_t> LastChange(const RowChanges& receiver, std::optional<uint64_t> key_hash) {
  if (!key_hash.has_value()) return std::nullopt;
  auto it = receiver.last_change.find(*key_hash);
  if (it == receiver.last_change.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> PredictedConflicts(const RowChanges& from, const RowChanges& to) {
  std::set<std::string> predicted;
  for (const auto& [hash, time] : from.last_change) {
    if (!to.last_change.contains(hash)) continue;
    auto name = from.name.find(hash);
    predicted.insert(name == from.name.end() ? std::string() : name->second);
  }
  return {predicted.begin(), predicted.end()};
}

std::vector<std::string> PurgedNotes(const ResyncReport& r) {
  std::vector<std::string> notes;
  if (r.to_lacks.purged) {
    notes.push_back(StrCat("binlog of ", r.from, " needed for catch-up is purged (",
                           r.to_lacks.purged_message, "): verify + repair instead"));
  }
  if (r.from_lacks.purged) {
    notes.push_back(StrCat("binlog of ", r.to, " needed for catch-up is purged (",
                           r.from_lacks.purged_message,
                           "): its changes since the divergence cannot be replayed; --to is "
                           "repaired from --from"));
  }
  return notes;
}

std::vector<HandbackSide> HandbackSides(const RunPlan& p) {
  return {{Side::kTo, p.run.into_to.read_through, p.to_channel, p.run.into_to.handed_back},
          {Side::kFrom, p.run.into_from.read_through, p.from_channel,
           p.run.into_from.handed_back}};
}

absl::StatusOr<bool> HandedBackAlready(const ServerFacts& receiver, const std::string& position) {
  if (receiver.channels.empty()) return false;
  const ReplicationChannel& ch = receiver.channels.front();
  if (ch.io_running != "Yes" || ch.sql_running != "Yes") return false;
  ASSIGN_OR_RETURN(MariaDbGtidPos slave, ParseMariaDbGtidPos(receiver.gtid_slave_pos));
  ASSIGN_OR_RETURN(MariaDbGtidPos wanted, ParseMariaDbGtidPos(position));
  return GtidReached(slave, wanted);
}

std::string HandbackSummary(Handback mode, const ResyncRun& run, std::string_view from,
                            std::string_view to) {
  const std::string& to_pos = run.into_to.read_through;
  const std::string& from_pos = run.into_from.read_through;
  if (mode == Handback::kNative) {
    return StrCat("native replication running both ways: ", to, " from ", to_pos, "; ", from,
                  " from ", from_pos);
  }
  return StrCat("not restarted (--handback none); to resume native replication run\n", "  on ",
                to, ": STOP SLAVE; SET GLOBAL gtid_slave_pos='", to_pos,
                "'; CHANGE MASTER TO MASTER_USE_GTID=slave_pos; START SLAVE;\n  on ", from,
                ": STOP SLAVE; SET GLOBAL gtid_slave_pos='", from_pos,
                "'; CHANGE MASTER TO MASTER_USE_GTID=slave_pos; START SLAVE;");
}

VerifyPlan PlanVerify(bool full_verify, const ResyncReport& r, const RowChanges& from,
                      const RowChanges& to) {
  VerifyPlan v;
  const bool purged = r.to_lacks.purged || r.from_lacks.purged;
  if (full_verify || purged) {
    v.run = true;
    v.every_table = true;
    return v;
  }
  std::set<std::string> tables;
  for (const auto& [t, n] : r.to_lacks.table_rows) tables.insert(t);
  for (const auto& [t, n] : r.from_lacks.table_rows) tables.insert(t);
  for (const ReportedConflict& c : r.conflicts) tables.insert(c.table);
  v.tables.assign(tables.begin(), tables.end());
  // Only the touched rows of tables with a usable primary key on both sides: the verify
  // grows with the damage, not with the data.
  for (const RowChanges* log : {&from, &to}) {
    for (const auto& [table, rk] : log->touched) {
      if (from.whole.contains(table) || to.whole.contains(table)) continue;
      RowChanges::RowKeys& dst = v.keys[table];
      dst.columns = rk.columns;
      dst.keys.insert(dst.keys.end(), rk.keys.begin(), rk.keys.end());
    }
  }
  v.run = !v.tables.empty();
  if (!v.run) v.notes.push_back("nothing to catch up: no table to verify");
  return v;
}

bool RepairAfter(ConflictPolicy policy, bool first_verify_consistent) {
  return !first_verify_consistent && policy != ConflictPolicy::kReport;
}

}  // namespace binsync
