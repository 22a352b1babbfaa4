// Re-framing for relay mode: the binlog stream the target's replica sees when binsync is
// its master. The source's events (as the source stream delivers them: 19-byte v4 header,
// body, CRC32 when the source checksums) come out as events of one virtual binlog file,
// with the positions, lengths, checksums and commit_ids of that stream.
//
// The stream, as a MariaDB master sends it at a GTID dump start (sql/sql_repl.cc,
// mysql_binlog_send: fake rotate, then the file from position 4):
//   stream   := start { transaction-event | heartbeat }* [ rotation start-of-file ... ]
//   start    := fake-ROTATE start-of-file
//   start-of-file := FORMAT_DESCRIPTION GTID_LIST BINLOG_CHECKPOINT
//   rotation := ROTATE (a real one, ending the file; the next file's name)
// Every event: the common header (event_header.h) with
//   event_size = 19 + body + (4 when CRC32 was negotiated with the replica)
//   log_pos    = its end position in the virtual file: the file starts at 4 (after the
//                magic), and every event but the fake ROTATE and HEARTBEAT occupies
//                event_size bytes of it (a transaction never straddles a rotation)
//   CRC32      = crc32(header + body) when negotiated, recomputed for every event
// Events binsync makes itself:
//   fake ROTATE   timestamp 0, log_pos 0, flags ARTIFICIAL (0x20), server_id = the one
//                 binsync presents; body position<8> = 4 | file name (no NUL)
//   FORMAT_DESCRIPTION  binlog_version<2> = 4, server_version<50> (the source's),
//                 created<4> = 0 (non-zero would tell the replica "the master restarted":
//                 it would drop temporary tables and its parallel applier would roll back
//                 partial groups), header_length<1> = 19, post_header_lengths (the
//                 source's), checksum_alg<1> (1 CRC32, 0 off), then CRC<4> (0 when off)
//   GTID_LIST     count<4> | { domain_id<4> server_id<4> seq_no<8> }: the replica's start
//                 position (@slave_connect_state), later the state at the rotation
//   BINLOG_CHECKPOINT  name_len<4> | the file name
//   ROTATE        position<8> = 4 | next file name; flags 0
//   HEARTBEAT (27)  timestamp 0, log_pos = the current position, flags 0, body = the file
//                 name (no NUL); not part of the file (the position does not move)
// Source events: dropped when they describe the source's own files (ROTATE, STOP,
// GTID_LIST, BINLOG_CHECKPOINT, HEARTBEAT, START_ENCRYPTION), and ANNOTATE_ROWS unless the
// replica asked for them (StreamOptions::annotate_rows); a source FORMAT_DESCRIPTION
// is adopted for the events after it, and when it changes what the replica was told
// (version, post-header lengths) the virtual file rotates before the next transaction.
// Every other event passes with its body byte-identical (extra common-header bytes of a
// longer source header_length dropped), except MARIA_GTID:
//   body := seq_no<8> domain_id<4> flags2<1> [commit_id<8> if flags2 & 2] rest
//   rest := [XA xid: format_id<4> gtrid_len<1> bqual_len<1> data, if flags2 & (64|128)]
//           [flags_extra<1> ...] zero padding up to a 19-byte body
// It is rewritten with binsync's commit_id (commit_groups.h): flag 2 set and the 8-byte id
// after flags2, or flag 2 cleared and no id; `rest` is kept byte for byte, except that a
// rest of padding only (no XA, all zero) is dropped and the body padded to 19 again. So a
// plain GTID grows from 19 to 21 bytes with an id and shrinks back without. XA GTIDs are
// handled the same way (their xid moves with `rest`); the grouper sends them alone.
//
// Errors name the source event (`file:pos: TYPE: what`, event_header.h's EventError).
// Output goes into the caller's buffer, appended; steady state allocates nothing.
#ifndef BINSYNC_CORE_RELAY_REFRAME_H_
#define BINSYNC_CORE_RELAY_REFRAME_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"
#include "core/binlog/event_header.h"
#include "core/gtid/mariadb_gtid.h"
#include "core/relay/commit_groups.h"

namespace binsync::relay {

struct StreamOptions {
  // The virtual binlog file; its numeric suffix counts up at each rotation.
  std::string file_name = "binsync-relay-bin.000001";
  // The server_id binsync presents as the replica's master (on the events it makes; relayed
  // events keep their origin's). Must differ from the replica's own.
  uint32_t server_id = 0;
  // CRC32 negotiated (the replica's SET @master_binlog_checksum): every event carries one.
  bool checksum = true;
  // The virtual file rotates before the first transaction that starts past this size.
  uint64_t max_file_size = uint64_t{1} << 30;
  // The replica asked for ANNOTATE_ROWS (COM_BINLOG_DUMP flag 2). Without it they are not
  // sent, as a MariaDB master does for a replica that tolerates holes (capability >= 2).
  bool annotate_rows = false;
};

// Where a source event was read, for error messages.
struct SourcePos {
  std::string_view file;
  uint64_t pos = 0;
};

// "binsync-relay-bin.000001" -> "binsync-relay-bin.000002" (the width grows past 999999);
// a name without a numeric suffix gets ".000001".
[[nodiscard]] std::string NextFileName(std::string_view name);

// One stream to one replica connection. Not thread-safe.
class Reframer {
 public:
  explicit Reframer(StreamOptions options);

  // Starts the stream at `start` (the replica's @slave_connect_state) under the source's
  // format `source_fd` (a MariaDB one): appends the fake ROTATE, FORMAT_DESCRIPTION,
  // GTID_LIST and BINLOG_CHECKPOINT. Resets the position to the start of the file.
  [[nodiscard]] absl::Status Start(const binlog::FormatDescription& source_fd,
                                   const MariaDbGtidPos& start, std::vector<uint8_t>* out);

  // Re-frames one whole source event `raw` (read at `where`) and appends what the replica
  // gets for it (nothing for dropped events; a rotation's events before a transaction's
  // GTID). `commit_id` is used for MARIA_GTID events only.
  [[nodiscard]] absl::Status Append(binlog::ByteView raw, SourcePos where, CommitId commit_id,
                                    std::vector<uint8_t>* out);

  // Appends a HEARTBEAT for an idle stream.
  void AppendHeartbeat(std::vector<uint8_t>* out);

  // The end of the last event in the virtual file (the position the next one starts at).
  [[nodiscard]] uint64_t position() const { return position_; }
  [[nodiscard]] const std::string& file_name() const { return file_name_; }
  // The start position advanced by every GTID sent since: one entry per domain.
  [[nodiscard]] const MariaDbGtidPos& gtid_state() const { return gtid_state_; }

 private:
  // Writes one event into `out`: Begin writes the header with size and log_pos left open,
  // the caller appends the body, Finish fills them in and appends the CRC.
  size_t Begin(uint8_t type, uint32_t timestamp, uint32_t server_id, uint16_t flags,
               std::vector<uint8_t>* out) const;
  // kInFile: the event occupies bytes of the virtual file (log_pos = its end, the position
  // moves); kArtificial: log_pos 0; kHeartbeat: log_pos = the position, which stays.
  enum class Placement { kInFile, kArtificial, kHeartbeat };
  void Finish(size_t start, Placement placement, std::vector<uint8_t>* out);

  [[nodiscard]] absl::Status Adopt(const binlog::FormatDescription& fd);
  void AppendStartOfFile(std::vector<uint8_t>* out);
  void AppendFakeRotate(std::vector<uint8_t>* out);
  void AppendFormatDescription(std::vector<uint8_t>* out);
  void AppendGtidList(std::vector<uint8_t>* out);
  void AppendCheckpoint(std::vector<uint8_t>* out);
  void Rotate(std::vector<uint8_t>* out);
  [[nodiscard]] absl::Status AppendGtid(const binlog::EventView& ev, CommitId commit_id,
                                        std::vector<uint8_t>* out);
  void Advance(uint32_t domain_id, uint32_t server_id, uint64_t seq_no);

  StreamOptions options_;
  std::string file_name_;
  uint64_t position_ = 4;
  uint32_t timestamp_ = 0;  // of the last source event: stamps the events binsync makes
  bool started_ = false;
  bool rotate_pending_ = false;
  bool file_has_transaction_ = false;  // a GTID was sent since the file's start  // the source's format changed: rotate before the next GTID
  // The source's format in force (decides how source events are framed) and what the
  // replica was told in the last FORMAT_DESCRIPTION.
  binlog::ChecksumAlgorithm source_checksum_ = binlog::ChecksumAlgorithm::kOff;
  uint8_t source_header_length_ = binlog::kEventHeaderLength;
  std::string server_version_;
  std::vector<uint8_t> post_header_lengths_;  // entry i: type i + 1
  MariaDbGtidPos gtid_state_;
};

}  // namespace binsync::relay

#endif  // BINSYNC_CORE_RELAY_REFRAME_H_
