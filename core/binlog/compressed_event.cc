#include "core/binlog/compressed_event.h"

#include <zlib.h>

#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

// Deflate cannot expand a stream by more than about 1032:1 (a 258-byte match per ~2 bits);
// a claimed size beyond this bound cannot be honest and is rejected before allocating.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr uint64_t kRatioSlack = 64;

}  // namespace

absl::Status DecompressRecord(ByteView record, size_t max_uncompressed,
                              std::vector<uint8_t>* buffer, ByteView* out) {
  ByteReader r(record);
  const uint8_t header = r.U8();
  if (!r.ok()) return absl::DataLossError("compressed record is empty");
  if ((header & 0x80) == 0) {
    return absl::DataLossError(StrCat("compressed record header ", fmt::format("{:02x}", header),
                                      " lacks the compressed bit"));
  }
  const unsigned algorithm = (header >> 4) & 7u;
  if (algorithm != 0) {
    return absl::UnimplementedError(
        StrCat("compressed record uses algorithm ", algorithm, " (only 0, zlib, exists)"));
  }
  const unsigned length_bytes = header & 7u;
  if (length_bytes < 1 || length_bytes > 4) {
    return absl::DataLossError(
        StrCat("compressed record length field of ", length_bytes, " bytes (must be 1..4)"));
  }
  const uint64_t size = r.FixedBE(length_bytes);
  const ByteView data = r.Rest();
  if (!r.ok()) return absl::DataLossError("compressed record header truncated");
  if (size > max_uncompressed) {
    return absl::DataLossError(StrCat("compressed record inflates to ", size,
                                      " bytes, above the limit of ", max_uncompressed));
  }
  if (size > data.size() * kMaxDeflateRatio + kRatioSlack) {
    return absl::DataLossError(StrCat("compressed record claims ", size, " bytes from ",
                                      data.size(), " compressed bytes: impossible for zlib"));
  }
  if (buffer->size() < size) buffer->resize(static_cast<size_t>(size));
  uLongf produced = static_cast<uLongf>(size);
  uLong consumed = static_cast<uLong>(data.size());
  // zlib wants a non-null destination even for an empty result.
  Bytef* dest = buffer->empty() ? nullptr : buffer->data();
  uint8_t empty_dest = 0;
  if (dest == nullptr) dest = &empty_dest;
  const int rc = uncompress2(dest, &produced, data.data(), &consumed);
  if (rc != Z_OK) {
    std::string_view why = rc == Z_BUF_ERROR    ? "stream longer than the stated size or truncated"
                           : rc == Z_DATA_ERROR ? "corrupt zlib stream"
                                                : "zlib failure";
    return absl::DataLossError(StrCat("compressed record: ", why, " (zlib ", rc, ")"));
  }
  if (produced != size) {
    return absl::DataLossError(
        StrCat("compressed record inflates to ", produced, " bytes, header says ", size));
  }
  if (consumed != data.size()) {
    return absl::DataLossError(
        StrCat("compressed record has ", data.size() - consumed, " bytes after the zlib stream"));
  }
  *out = ByteView(buffer->data(), static_cast<size_t>(size));
  return absl::OkStatus();
}

}  // namespace binsync::binlog
