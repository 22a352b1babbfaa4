// Framing of one binlog v4 event: the common header, the FORMAT_DESCRIPTION event that
// governs how later events are read, and CRC32 checksum verification.
//
// Common header (19 bytes, little-endian):
//   timestamp  int<4>   seconds since the epoch (0 in artificial/heartbeat events)
//   type       int<1>   EventType
//   server_id  int<4>   originating server
//   event_size int<4>   whole event: header + post-header + body + checksum
//   log_pos    int<4>   end position of the event in the *source's* binlog (wraps at 4 GiB;
//                       0 inside TRANSACTION_PAYLOAD and in artificial events)
//   flags      int<2>   kFlag* in event_types.h
//
// FORMAT_DESCRIPTION body (after the common header):
//   binlog_version      int<2>    4
//   server_version      str<50>   NUL padded, e.g. "10.11.6-MariaDB-log", "8.0.31"
//   create_timestamp    int<4>
//   header_length       int<1>    19, or more when the server adds fields to the common
//                                 header: every later event's body then starts at
//                                 header_length (the extra bytes are skipped)
//   post_header_lengths int<1>[n] entry i is the post-header length of event type i+1
//   checksum_alg        int<1>    only from MySQL 5.6.1 / MariaDB 5.3 on (ChecksumAlgorithm)
//   checksum            int<4>    only with checksum_alg; present even when alg is OFF
// n = body_size - 57 - (5 if checksum_alg is present). Whether checksum_alg is present is
// decided by the server version, never guessed from the bytes.
//
// Checksum: when the governing FDE's algorithm is CRC32, every event ends with
// crc32(header + body) as int<4>. The FDE's own CRC is computed with the BINLOG_IN_USE
// header flag cleared (servers set that flag in place after writing the checksum).
#ifndef BINSYNC_CORE_BINLOG_EVENT_HEADER_H_
#define BINSYNC_CORE_BINLOG_EVENT_HEADER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"
#include "core/binlog/event_types.h"

namespace binsync::binlog {

struct EventHeader {
  uint32_t timestamp = 0;
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t event_size = 0;
  uint32_t log_pos = 0;
  uint16_t flags = 0;
};

// One event, framed. Views point into the buffer the event was read into; they are
// valid until that buffer is reused (for FileReader: until its next Next() call).
struct EventView {
  EventHeader header;
  ByteView raw;      // the whole event as stored, including header and checksum
  ByteView body;     // after the common header, checksum trailer removed (except for
                     // FORMAT_DESCRIPTION, whose body keeps checksum_alg and CRC)
  uint64_t offset = 0;  // position of the first header byte in the file (or stream)
};

// Parses the common header from the first 19 bytes of `bytes`.
[[nodiscard]] absl::Status ParseEventHeader(ByteView bytes, EventHeader* out);

// The format description in force. Owns its data (it outlives the event it came from).
struct FormatDescription {
  uint16_t binlog_version = 4;
  std::string server_version;
  uint32_t create_timestamp = 0;
  uint8_t header_length = kEventHeaderLength;
  // Indexed by event type code; entries past the FDE's array are 0.
  std::array<uint8_t, 256> post_header_lengths{};
  size_t post_header_count = 0;
  bool has_checksum_alg = false;  // the FDE carried the algorithm byte
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kOff;
  bool is_mariadb = false;
  int version_major = 0, version_minor = 0, version_patch = 0;
  // False for the placeholder used before the first FDE of a file or stream.
  bool seen = false;
  // The FORMAT_DESCRIPTION event itself, header to checksum (replay as a BINLOG statement
  // needs it before the events it describes).
  std::vector<uint8_t> raw;

  [[nodiscard]] uint8_t PostHeaderLength(uint8_t type) const { return post_header_lengths[type]; }
  // True if the version is at least major.minor.patch.
  [[nodiscard]] bool VersionAtLeast(int major, int minor, int patch) const;

  // The state before any FDE: binlog v4 with MySQL 5.7 post-header lengths, no checksums.
  [[nodiscard]] static FormatDescription Default();
};

// Parses a FORMAT_DESCRIPTION event body, including its checksum_alg byte and CRC when
// the server writes them (FrameEvent leaves them in the FDE's body).
[[nodiscard]] absl::Status ParseFormatDescription(const EventView& event, FormatDescription* out);

// Reads the START_EVENT_V3 that heads a MySQL 4.x binlog (binlog v3) into the format
// description it implies: 19-byte headers, 4.x post-header lengths, no checksums. A v1
// binlog (MySQL 3.23: 13-byte headers) or any other version is an error saying so.
[[nodiscard]] absl::Status ParseStartV3Event(const EventView& event, FormatDescription* out);

// Frames `raw` (exactly one whole event, header.event_size == raw.size()) read at
// `offset`. For a FORMAT_DESCRIPTION the checksum presence comes from the event itself
// (verified only when its algorithm is CRC32: with OFF the field is not a checksum);
// for other events from `checksum` (the algorithm of the FDE in force). Verifies the CRC
// when present. `header_length` is the FDE's common header length (>= 19): the body of
// every event but a FORMAT_DESCRIPTION starts there. Errors say what is wrong but not
// where: callers add the position (see EventError).
[[nodiscard]] absl::Status FrameEvent(ByteView raw, uint64_t offset, ChecksumAlgorithm checksum,
                                      uint8_t header_length, EventView* out);

// Computes the CRC32 (zlib polynomial) the binlog uses.
[[nodiscard]] uint32_t BinlogCrc32(ByteView bytes, uint32_t crc = 0);

// "file:pos: TYPE: what" with the status code of `status`, e.g.
// "binlog.000042:1234: WRITE_ROWS_V2: row image truncated (need 4 bytes, have 1)".
[[nodiscard]] absl::Status EventError(const absl::Status& status, std::string_view file,
                                      uint64_t offset, uint8_t type);

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_EVENT_HEADER_H_
