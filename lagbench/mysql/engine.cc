#include "lagbench/mysql/engine.h"

#include "mysql/native_replication.h"
#include "replicate/checkpoint.h"
#include "replicate/mysql/applier.h"
#include "spdlog/spdlog.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace binsync::lagbench {

absl::StatusOr<std::unique_ptr<BinsyncEngine>> BinsyncEngine::Start(const BinsyncEngineOptions& o) {
  ASSIGN_OR_RETURN(Connection source, Connection::Open(o.source));
  ASSIGN_OR_RETURN(Connection target, Connection::Open(o.target));
  // Native stops first; binsync starts where native would have continued.
  RETURN_IF_ERROR(target.Execute("STOP SLAVE"));
  ASSIGN_OR_RETURN(const std::string start, NativeStartPosition(source, target));
  ASSIGN_OR_RETURN(std::optional<std::string> id, source.QueryValue("SELECT @@server_id"));
  ASSIGN_OR_RETURN(const uint64_t source_id, NumberOf(StrCat(o.source.uri.Endpoint(), " server_id"), id.value_or("")));
  RETURN_IF_ERROR(EnsureCheckpointTable(target));
  ASSIGN_OR_RETURN(const Checkpoint cp,
                   LoadCheckpoint(target, replicate::CheckpointStream(static_cast<uint32_t>(source_id))));

  std::unique_ptr<BinsyncEngine> e(new BinsyncEngine());
  e->options_ = o;
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
  ASSIGN_OR_RETURN(Connection target, Connection::Open(options_.target));
  if (!result_.ok()) {
    // binsync failed: native takes over from whatever binsync committed (its checkpoint
    // is in the target's binlog position per domain), so nothing is lost either way.
    ASSIGN_OR_RETURN(Connection source, Connection::Open(options_.source));
    ASSIGN_OR_RETURN(const std::string pos, NativeStartPosition(source, target));
    RETURN_IF_ERROR(RestartNativeAt(target, pos));
    return absl::Status(result_.status().code(),
                        StrCat("binsync ", options_.label, ": ", result_.status().message(),
                               " (native replication restarted at ", pos, ")"));
  }
  const std::string& through =
      result_->read_position.empty() ? result_->end_position : result_->read_position;
  spdlog::info("lagbench: {}: binsync applied {} transactions; native replication restarts at {}",
               options_.label, result_->applied_txns, through);
  return RestartNativeAt(target, through);
}

}  // namespace binsync::lagbench
