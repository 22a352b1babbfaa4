// A live binlog source: one server's binlog streamed over the replication protocol,
// with libmariadb's mariadb_rpl API as the transport (connect, auth, TLS, register,
// COM_BINLOG_DUMP, heartbeats). libmariadb's own event parsing and row extraction are
// not used: every event's raw bytes are framed and decoded by core/binlog/.
//
// Start points:
//   - a MariaDB GTID position ("0-1-100,1-2-7"): the server starts after those GTIDs
//     (@slave_connect_state, @mariadb_slave_capability=4);
//   - a file and position ("binlog.000003:1234").
// With `stop_at_end` the server closes the stream when it has sent everything it had
// (BINLOG_DUMP_NON_BLOCK); otherwise the stream waits for new events, with heartbeats
// every `heartbeat` so a dead connection is noticed.
//
// Positions: the stream tracks the source's current file (from ROTATE events) and the
// end position of the last event (header.log_pos), so errors read "binlog.000042:1234".
//
// Threading: one BinlogStream per thread; Next() blocks.
#ifndef BINSYNC_NET_MYSQL_BINLOG_STREAM_H_
#define BINSYNC_NET_MYSQL_BINLOG_STREAM_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/binlog/event_header.h"
#include "core/binlog/events.h"
#include "net/mysql/connection.h"

struct st_mariadb_rpl;
struct st_mariadb_rpl_event;

namespace binsync {

// binsync's replica server_id when --server-id is not given: "bsyn" in ASCII. It must
// differ from every server in the topology; the loop filter also drops it.
inline constexpr uint32_t kDefaultBinsyncServerId = 0x6273796e;  // 1651734894

struct BinlogStreamOptions {
  ConnectOptions connect;
  uint32_t server_id = kDefaultBinsyncServerId;
  std::string start_gtid;  // MariaDB GTID position; empty: use start_file/start_pos
  std::string start_file;  // empty with empty start_gtid: the server's first binlog
  uint64_t start_pos = 4;
  bool stop_at_end = false;
  std::chrono::milliseconds heartbeat{1000};
};

// True for what the server makes up while streaming rather than reads from its binlog:
// the ROTATE and FORMAT_DESCRIPTION it sends first (artificial flag or log_pos 0) and
// heartbeats. They carry no change (the stream already tracked the position and format).
[[nodiscard]] inline bool IsStreamArtificial(const binlog::EventView& ev) {
  return (ev.header.flags & binlog::kFlagArtificial) != 0 || ev.header.log_pos == 0 ||
         ev.header.type == static_cast<uint8_t>(binlog::EventType::kHeartbeat);
}

// Parses a --start value into `options`: "" (the server's first binlog), a MariaDB GTID
// position ("0-1-100,1-2-7") or "file:pos" ("binlog.000003:1234").
[[nodiscard]] absl::Status ParseStartPosition(std::string_view text,
                                              BinlogStreamOptions* options);

class BinlogStream {
 public:
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;

  // Connects, checks the server is a binlogging primary, registers and starts the dump.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BinlogStream>> Open(
      const BinlogStreamOptions& options);

  // The next event, framed (CRC32 verified). Views are valid until the next call.
  // Returns false when the server ended the stream (stop_at_end and nothing more).
  [[nodiscard]] absl::StatusOr<bool> Next(binlog::EventView* event);

  // Decodes `event` under the format description in force.
  [[nodiscard]] absl::Status Decode(const binlog::EventView& event, binlog::Event* out) const {
    return binlog::DecodeEvent(event, format_, file_, out);
  }

  [[nodiscard]] const binlog::FormatDescription& format() const { return format_; }
  // The source binlog file being read, and the end position of the last event.
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] uint64_t position() const { return position_; }
  [[nodiscard]] const std::string& endpoint() const { return conn_.endpoint(); }
  // The source's server_id (from SELECT @@server_id at connect).
  [[nodiscard]] uint32_t source_server_id() const { return source_server_id_; }

 private:
  BinlogStream() = default;
  absl::Status Fail(absl::Status st);

  Connection conn_;
  st_mariadb_rpl* rpl_ = nullptr;
  st_mariadb_rpl_event* event_ = nullptr;
  binlog::FormatDescription format_ = binlog::FormatDescription::Default();
  std::string file_;
  uint64_t position_ = 0;
  uint32_t source_server_id_ = 0;
  binlog::ChecksumAlgorithm initial_checksum_ = binlog::ChecksumAlgorithm::kOff;
  absl::Status error_;
};

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_BINLOG_STREAM_H_
