// MariaDB compressed events (log_bin_compress=ON, MariaDB 10.2+): QUERY_COMPRESSED (165),
// WRITE/UPDATE/DELETE_ROWS_COMPRESSED_V1 (166-168) and the v2 rows forms (169-171; MariaDB
// itself writes only the v1 ones). Each is the layout of its uncompressed twin with one
// part replaced by a compressed record:
//   QUERY_COMPRESSED      the SQL text; post-header, status variables and db stay plain
//   *_ROWS_COMPRESSED*    the row images; post-header, width and column bitmaps stay plain
//
// Compressed record (MariaDB log_event.cc, binlog_buf_compress):
//   header   int<1>   bit 7 = 1 (compressed); bits 4-6 = algorithm, 0 = zlib (the only one);
//                     bit 3 unused; bits 0-2 = n, the size of the length field (1..4)
//   length   int<n>   uncompressed size, BIG-endian (unlike the rest of the binlog)
//   data     a zlib stream (RFC 1950) that inflates to exactly `length` bytes and ends the
//            record
//
// Decompression writes into a caller-owned buffer that is reused (it grows to the largest
// record seen and never shrinks), and is bounded: a claimed size above `max_uncompressed`,
// or above what deflate can reach from the record's size (about 1032:1), is rejected
// before anything is allocated.
#ifndef BINSYNC_CORE_BINLOG_COMPRESSED_EVENT_H_
#define BINSYNC_CORE_BINLOG_COMPRESSED_EVENT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"

namespace binsync::binlog {

// Largest decompressed part accepted by default: MariaDB's max_allowed_packet ceiling.
inline constexpr size_t kMaxDecompressedSize = size_t{1} << 30;

// True for the event types above (165-171).
[[nodiscard]] constexpr bool IsMariaCompressedType(uint8_t type) {
  return type >= 165 && type <= 171;
}

// Inflates the compressed `record` into `buffer` (resized as needed, never shrunk) and
// points `out` at the result inside it. Errors say what is wrong with the record.
[[nodiscard]] absl::Status DecompressRecord(ByteView record, size_t max_uncompressed,
                                            std::vector<uint8_t>* buffer, ByteView* out);

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_COMPRESSED_EVENT_H_
