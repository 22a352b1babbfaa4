#include "net/lagbench/engine.h"

#include <unistd.h>

#include "net/mysql/native_replication.h"
#include "core/replicate/checkpoint.h"
#include "net/replicate/applier.h"
#include "spdlog/spdlog.h"
#include "core/util/fault.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::lagbench {
namespace {

// The hand-over record, on the target, unlogged: which source's native channel lagbench
// stopped, and the checkpoint seq of binsync's stream then (what binsync commits later
// raises it). Written before the channel is stopped, deleted once native runs again.
constexpr char kCreateHandover[] =
    "CREATE TABLE IF NOT EXISTS `binsync`.`lagbench_handover` ("
    "`source_server_id` INT UNSIGNED NOT NULL PRIMARY KEY, "
    "`checkpoint_seq` BIGINT UNSIGNED NOT NULL, `holder` VARCHAR(255) NOT NULL, "
    "`since` DATETIME(6) NOT NULL) ENGINE=InnoDB";

// Native replication of `target` from `source` restarted where binsync left it: at binsync's
// checkpoint when it committed past `seq_then`, else where native itself had stopped.
absl::StatusOr<std::string> RestartNative(Connection& source, Connection& target,
                                          uint32_t source_id, uint64_t seq_then) {
  ASSIGN_OR_RETURN(const Checkpoint cp,
                   LoadCheckpoint(target, replicate::CheckpointStream(source_id)));
  std::string pos;
  if (cp.found && cp.seq > seq_then && !cp.gtid_pos.empty()) {
    pos = cp.gtid_pos;
  } else {
    ASSIGN_OR_RETURN(pos, NativeStartPosition(source, target));
  }
  RETURN_IF_ERROR(RestartNativeAt(target, pos));
  RETURN_IF_ERROR(Unlogged(target, [&] {
    return target.Execute(StrCat("DELETE FROM `binsync`.`lagbench_handover` WHERE "
                                 "source_server_id = ", source_id));
  }));
  return pos;
}

}  // namespace

absl::Status RestoreAfterKilledRun(const ConnectOptions& source_options,
                                   const ConnectOptions& target_options) {
  ASSIGN_OR_RETURN(Connection source, Connection::Open(source_options));
  ASSIGN_OR_RETURN(Connection target, Connection::Open(target_options));
  ASSIGN_OR_RETURN(std::optional<std::string> exists,
                   target.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                     "TABLE_SCHEMA = 'binsync' AND TABLE_NAME = 'lagbench_handover'"));
  if (exists.value_or("0") == "0") return absl::OkStatus();
  ASSIGN_OR_RETURN(const uint32_t source_id, ServerIdOf(source));
  ASSIGN_OR_RETURN(ResultSet rows,
                   target.Query(StrCat("SELECT checkpoint_seq, holder, since FROM "
                                       "`binsync`.`lagbench_handover` WHERE source_server_id = ",
                                       source_id)));
  if (rows.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const uint64_t seq,
                   NumberOf("binsync.lagbench_handover.checkpoint_seq", rows.rows()[0][0].value_or("")));
  ASSIGN_OR_RETURN(const std::string pos, RestartNative(source, target, source_id, seq));
  spdlog::warn("lagbench: {}: an interrupted lagbench ({}, since {}) had handed its replication "
               "from {} to binsync; native replication restarted at {}",
               target.endpoint(), rows.rows()[0][1].value_or("?"), rows.rows()[0][2].value_or("?"),
               source.endpoint(), pos);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BinsyncEngine>> BinsyncEngine::Start(const BinsyncEngineOptions& o) {
  ASSIGN_OR_RETURN(Connection source, Connection::Open(o.source));
  ASSIGN_OR_RETURN(Connection target, Connection::Open(o.target));
  ASSIGN_OR_RETURN(const uint32_t source_id, ServerIdOf(source));
  RETURN_IF_ERROR(EnsureCheckpointTable(target));
  ASSIGN_OR_RETURN(const Checkpoint cp,
                   LoadCheckpoint(target, replicate::CheckpointStream(source_id)));
  // What lagbench changes is recorded on the target first, so that a rerun after a killed
  // run puts native replication back (RestoreAfterKilledRun).
  const absl::Status recorded = Unlogged(target, [&] {
    absl::Status st = target.Execute(kCreateHandover);
    if (!st.ok()) return st;
    return target.Execute(StrCat("REPLACE INTO `binsync`.`lagbench_handover` VALUES (", source_id,
                                 ", ", cp.seq, ", ",
                                 target.QuoteLiteral(StrCat("lagbench pid ", getpid())),
                                 ", NOW(6))"));
  });
  RETURN_IF_ERROR(recorded);
  // Native stops; binsync starts where native would have continued.
  RETURN_IF_ERROR(target.Execute("STOP SLAVE"));
  ASSIGN_OR_RETURN(const std::string start, NativeStartPosition(source, target));
  FaultKill("lagbench.binsync_engine");

  std::unique_ptr<BinsyncEngine> e(new BinsyncEngine());
  e->options_ = o;
  e->source_id_ = source_id;
  e->seq_then_ = cp.seq;
  ReplicateOptions ro;
  ro.source = o.source;
  ro.target = o.target;
  ro.mode = o.mode;
  ro.workers = o.workers;
  ro.start = start;
  // After a lost connection the stream continues from what this run committed, not
  // from `start` again.
  ro.resume_past_seq = cp.seq;
  ro.label = o.label;
  ro.stop = &e->stop_;
  spdlog::info("lagbench: {}: native replication stopped; binsync {} from {}", o.label,
               o.mode == ApplyMode::kLive ? "live" : "catchup", start);
  e->thread_ = std::thread([e = e.get(), ro] {
    e->result_ = Replicate(ro);
    e->ended_.store(true);
  });
  return e;
}

BinsyncEngine::~BinsyncEngine() {
  if (!stopped_) {
    const absl::Status st = Stop();
    if (!st.ok()) spdlog::error("lagbench: {}: {}", options_.label, st.message());
  }
}

absl::Status BinsyncEngine::Stop() {
  if (stopped_) return absl::OkStatus();  // handed back already
  stopped_ = true;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  ASSIGN_OR_RETURN(Connection source, Connection::Open(options_.source));
  ASSIGN_OR_RETURN(Connection target, Connection::Open(options_.target));
  // Native continues from what binsync committed (its checkpoint, every domain), whether
  // binsync stopped as asked or failed: nothing is lost or applied twice either way.
  ASSIGN_OR_RETURN(const std::string pos, RestartNative(source, target, source_id_, seq_then_));
  if (!result_.ok()) {
    return absl::Status(result_.status().code(),
                        StrCat("binsync ", options_.label, ": ", result_.status().message(),
                               " (native replication restarted at ", pos, ")"));
  }
  spdlog::info("lagbench: {}: binsync applied {} transactions; native replication restarts at {}",
               options_.label, result_->applied_txns, pos);
  return absl::OkStatus();
}

}  // namespace binsync::lagbench
