#include "net/lagbench/load.h"

#include <charconv>
#include <memory>
#include <thread>

#include "net/mysql/statement.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::lagbench {
namespace {

using std::chrono::microseconds;

int64_t MicrosSince(Clock::time_point epoch, Clock::time_point t) {
  return std::chrono::duration_cast<microseconds>(t - epoch).count();
}

// An integer parameter formatted into a fixed buffer (no allocation per row).
struct IntParam {
  char buf[24];
  Param Set(int64_t v, ParamType type = ParamType::kSigned) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    return Param{std::string_view(buf, static_cast<size_t>(end - buf)), type};
  }
};

// One client connection and its statements.
class LoadWorker {
 public:
  static absl::StatusOr<std::unique_ptr<LoadWorker>> Open(const LoadOptions& o, uint64_t seed) {
    ASSIGN_OR_RETURN(Connection conn, Connection::Open(o.source));
    auto w = std::unique_ptr<LoadWorker>(new LoadWorker(std::move(conn), o.workload, seed));
    const std::string probe = StrCat(QuoteIdentifier(o.db), ".", QuoteIdentifier(o.probe_table));
    const std::string load = StrCat(QuoteIdentifier(o.db), ".", QuoteIdentifier(o.load_table));
    ASSIGN_OR_RETURN(w->probe_, PreparedStatement::Prepare(
                                    w->conn_, StrCat("INSERT INTO ", probe,
                                                     " (probe_id, intended_us) VALUES (?, ?)")));
    ASSIGN_OR_RETURN(w->insert_, PreparedStatement::Prepare(
                                     w->conn_, StrCat("INSERT INTO ", load, " (k, v) VALUES (?, 1) "
                                                      "ON DUPLICATE KEY UPDATE v = v + 1")));
    ASSIGN_OR_RETURN(w->update_, PreparedStatement::Prepare(
                                     w->conn_, StrCat("UPDATE ", load, " SET v = v + 1 WHERE k = ?")));
    ASSIGN_OR_RETURN(w->delete_, PreparedStatement::Prepare(
                                     w->conn_, StrCat("DELETE FROM ", load, " WHERE k = ?")));
    return w;
  }

  // Sends probe `id`'s transaction; retried (from BEGIN) when the server refuses it, e.g. a
  // deadlock between hot keys, as an application would.
  absl::Status Send(uint64_t id, int64_t intended_us) {
    generator_.Next(&changes_);
    absl::Status st;
    for (int attempt = 0; attempt < 5; ++attempt) {
      st = Once(id, intended_us);
      if (st.ok()) return st;
      (void)conn_.Execute("ROLLBACK");
    }
    return st;
  }

 private:
  LoadWorker(Connection conn, const WorkloadSpec& spec, uint64_t seed)
      : conn_(std::move(conn)), generator_(spec, seed) {}

  absl::Status Once(uint64_t id, int64_t intended_us) {
    RETURN_IF_ERROR(conn_.Execute("BEGIN"));
    IntParam a, b;
    const Param probe_params[] = {a.Set(static_cast<int64_t>(id), ParamType::kUnsigned),
                                  b.Set(intended_us)};
    RETURN_IF_ERROR(probe_->Execute(probe_params).status());
    for (const PlannedChange& c : changes_) {
      const Param key[] = {a.Set(static_cast<int64_t>(c.key), ParamType::kUnsigned)};
      PreparedStatement* s = c.change == RowChange::kInsert   ? &*insert_
                             : c.change == RowChange::kUpdate ? &*update_
                                                              : &*delete_;
      RETURN_IF_ERROR(s->Execute(key).status());
    }
    return conn_.Execute("COMMIT");
  }

  Connection conn_;
  WorkloadGenerator generator_;
  std::vector<PlannedChange> changes_;
  std::optional<PreparedStatement> probe_, insert_, update_, delete_;
};

}  // namespace

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& o) {
  LoadResult r;
  {
    LoadSchedule schedule(o.rate, o.arrivals, o.seed);
    const int64_t end_us = std::chrono::duration_cast<microseconds>(o.duration).count();
    for (int64_t t = schedule.Next(); t < end_us; t = schedule.Next()) {
      r.intended_us.push_back(MicrosSince(o.epoch, o.start) + t);
    }
  }
  r.slots = r.intended_us.size();
  r.committed_us.assign(r.slots, -1);
  r.sent.assign(r.slots, 0);
  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (int i = 0; i < o.workers; ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<LoadWorker> w, LoadWorker::Open(o, o.seed * 1000 + i));
    workers.push_back(std::move(w));
  }
  std::atomic<uint64_t> next{0};
  std::vector<LagHistogram> latency(workers.size()), late(workers.size());
  std::vector<uint64_t> failed(workers.size(), 0);
  std::vector<absl::Status> errors(workers.size());
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers.size(); ++w) {
    threads.emplace_back([&, w] {
      for (;;) {
        const uint64_t i = next.fetch_add(1);
        if (i >= r.slots || (o.stop != nullptr && o.stop->load())) return;
        const Clock::time_point intended = o.epoch + microseconds(r.intended_us[i]);
        std::this_thread::sleep_until(intended);
        const Clock::time_point sent = Clock::now();
        r.sent[i] = 1;
        const absl::Status st = workers[w]->Send(o.first_probe_id + i, r.intended_us[i]);
        const Clock::time_point done = Clock::now();
        late[w].Record(MicrosSince(intended, sent));
        if (!st.ok()) {
          if (failed[w]++ == 0) errors[w] = st;
          continue;
        }
        r.committed_us[i] = MicrosSince(o.epoch, done);
        latency[w].Record(MicrosSince(intended, done));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t w = 0; w < workers.size(); ++w) {
    r.commit_latency.Merge(latency[w]);
    r.lateness.Merge(late[w]);
    r.failed += failed[w];
    if (r.first_error.ok() && !errors[w].ok()) r.first_error = errors[w];
  }
  for (int64_t c : r.committed_us) r.committed += c >= 0 ? 1 : 0;
  r.stopped = o.stop != nullptr && o.stop->load();
  return r;
}

}  // namespace binsync::lagbench
