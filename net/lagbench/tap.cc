#include "net/lagbench/tap.h"

#include <chrono>

#include "core/binlog/events.h"
#include "core/gtid/mariadb_gtid.h"
#include "core/lagbench/probe_reader.h"
#include "net/mysql/binlog_stream.h"
#include "core/replicate/assembler.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::lagbench {

absl::StatusOr<std::unique_ptr<BinlogTap>> BinlogTap::Start(TapOptions options) {
  BinlogStreamOptions so;
  so.connect = options.server;
  so.server_id = options.server_id;
  so.start_gtid = options.start_gtid;
  so.heartbeat = std::chrono::milliseconds(100);
  ASSIGN_OR_RETURN(std::unique_ptr<BinlogStream> stream, BinlogStream::Open(so));
  std::unique_ptr<BinlogTap> tap(new BinlogTap(std::move(options)));
  tap->endpoint_ = stream->endpoint();
  BinlogStream* raw = stream.release();
  tap->thread_ = std::thread([t = tap.get(), raw] {
    const absl::Status st = t->Run(raw);
    std::lock_guard lock(t->mu_);
    t->status_ = st;
  });
  return tap;
}

BinlogTap::~BinlogTap() { Stop(); }

void BinlogTap::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

absl::Status BinlogTap::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

absl::Status BinlogTap::Run(void* raw) {
  std::unique_ptr<BinlogStream> stream(static_cast<BinlogStream*>(raw));
  MariaDbGtidPos start;
  if (!options_.start_gtid.empty()) {
    ASSIGN_OR_RETURN(start, ParseMariaDbGtidPos(options_.start_gtid));
  }
  replicate::Assembler assembler(start);
  std::vector<ProbeReader> readers;
  for (const TapProbeTable& p : options_.probes) readers.emplace_back(p.db, p.table);
  std::vector<uint64_t> ids;
  binlog::EventView ev;
  binlog::Event decoded;
  while (!stop_.load()) {
    absl::StatusOr<bool> more = stream->Next(&ev);
    if (!more.ok()) {
      return absl::Status(more.status().code(), StrCat("lagbench tap on ", endpoint_, ": ",
                                                       more.status().message()));
    }
    if (!*more) break;
    if (IsStreamArtificial(ev)) continue;
    RETURN_IF_ERROR(stream->Decode(ev, &decoded));
    std::unique_ptr<replicate::Transaction> t;
    RETURN_IF_ERROR(assembler.Add(ev, decoded, stream->format(), stream->file(), &t));
    if (t == nullptr) continue;
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               Clock::now() - options_.epoch)
                               .count();
    transactions_.fetch_add(1);
    for (size_t i = 0; i < readers.size(); ++i) {
      ids.clear();
      RETURN_IF_ERROR(readers[i].Read(*t, &ids));
      for (uint64_t id : ids) options_.probes[i].book->Stamp(id, now_us);
    }
  }
  return absl::OkStatus();
}

}  // namespace binsync::lagbench
