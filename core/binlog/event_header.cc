#include "core/binlog/event_header.h"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>

#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

constexpr size_t kServerVersionLength = 50;

// Parses the leading "X.Y.Z" of a server version string; missing parts stay 0.
void ParseVersion(std::string_view v, int* major, int* minor, int* patch) {
  int* parts[3] = {major, minor, patch};
  size_t i = 0;
  for (int* part : parts) {
    *part = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      *part = std::min(*part * 10 + (v[i] - '0'), 100000);
      ++i;
    }
    if (i >= v.size() || v[i] != '.') break;
    ++i;
  }
}

// MySQL writes checksum_alg from 5.6.1, MariaDB from 5.3.0.
bool VersionHasChecksumAlg(const FormatDescription& fd) {
  if (fd.is_mariadb) return fd.VersionAtLeast(5, 3, 0);
  return fd.VersionAtLeast(5, 6, 1);
}

}  // namespace

uint32_t BinlogCrc32(ByteView bytes, uint32_t crc) {
  // The binlog's CRC32 is zlib's (IEEE, reflected); libdeflate's computes the same value
  // with carry-less multiplication, several times faster than zlib 1.2's tables.
  return libdeflate_crc32(crc, bytes.data(), bytes.size());
}

absl::Status ParseEventHeader(ByteView bytes, EventHeader* out) {
  ByteReader r(bytes);
  out->timestamp = r.U32();
  out->type = r.U8();
  out->server_id = r.U32();
  out->event_size = r.U32();
  out->log_pos = r.U32();
  out->flags = r.U16();
  if (!r.ok()) {
    return absl::DataLossError(
        StrCat("truncated event header (", bytes.size(), " of ", kEventHeaderLength, " bytes)"));
  }
  if (out->event_size < kEventHeaderLength) {
    return absl::DataLossError(
        StrCat("event_size ", out->event_size, " is smaller than the 19-byte header"));
  }
  return absl::OkStatus();
}

bool FormatDescription::VersionAtLeast(int major, int minor, int patch) const {
  if (version_major != major) return version_major > major;
  if (version_minor != minor) return version_minor > minor;
  return version_patch >= patch;
}

FormatDescription FormatDescription::Default() {
  FormatDescription fd;
  auto set = [&fd](EventType t, uint8_t len) { fd.post_header_lengths[static_cast<uint8_t>(t)] = len; };
  set(EventType::kQuery, 13);
  set(EventType::kRotate, 8);
  set(EventType::kAppendBlock, 4);
  set(EventType::kBeginLoadQuery, 4);
  set(EventType::kExecuteLoadQuery, 26);
  set(EventType::kTableMap, 8);
  set(EventType::kWriteRowsV1, 8);
  set(EventType::kUpdateRowsV1, 8);
  set(EventType::kDeleteRowsV1, 8);
  set(EventType::kIncident, 2);
  set(EventType::kWriteRowsV2, 10);
  set(EventType::kUpdateRowsV2, 10);
  set(EventType::kDeleteRowsV2, 10);
  set(EventType::kPartialUpdateRows, 10);
  set(EventType::kGtid, 42);
  set(EventType::kAnonymousGtid, 42);
  set(EventType::kMariaBinlogCheckpoint, 4);
  set(EventType::kMariaGtid, 19);
  set(EventType::kMariaGtidList, 4);
  fd.post_header_count = 171;
  return fd;
}

absl::Status ParseFormatDescription(const EventView& event, FormatDescription* out) {
  ByteReader r(event.body);
  FormatDescription fd;
  fd.binlog_version = r.U16();
  const std::string_view version = r.String(kServerVersionLength);
  fd.create_timestamp = r.U32();
  fd.header_length = r.U8();
  if (!r.ok()) return absl::DataLossError("FORMAT_DESCRIPTION shorter than its fixed part");
  if (fd.binlog_version != 4) {
    return absl::UnimplementedError(
        StrCat("binlog version ", fd.binlog_version, " (only v4, MySQL 5.0+ / MariaDB, is supported)"));
  }
  // Servers may grow the common header (the FDE says by how much); every later event's
  // body then starts at header_length, the extra bytes skipped (as mariadb-binlog does).
  if (fd.header_length < kEventHeaderLength) {
    return absl::DataLossError(StrCat("common header length ", fd.header_length,
                                      " is below the 19 bytes of binlog v4: the event is corrupt"));
  }
  fd.server_version.assign(version.substr(0, std::min(version.find('\0'), version.size())));
  fd.is_mariadb = ContainsIgnoreCase(fd.server_version, "mariadb");
  ParseVersion(fd.server_version, &fd.version_major, &fd.version_minor, &fd.version_patch);
  fd.has_checksum_alg = VersionHasChecksumAlg(fd);

  const size_t tail = fd.has_checksum_alg ? 1 + kChecksumLength : 0;
  if (r.remaining() < tail) return absl::DataLossError("FORMAT_DESCRIPTION lacks checksum_alg");
  const ByteView lengths = r.Bytes(r.remaining() - tail);
  fd.post_header_count = std::min<size_t>(lengths.size(), 255);
  for (size_t i = 0; i < fd.post_header_count; ++i) fd.post_header_lengths[i + 1] = lengths[i];
  if (fd.has_checksum_alg) {
    const uint8_t alg = r.U8();
    switch (alg) {
      case 0: fd.checksum = ChecksumAlgorithm::kOff; break;
      case 1: fd.checksum = ChecksumAlgorithm::kCrc32; break;
      case 255: fd.checksum = ChecksumAlgorithm::kUndefined; break;
      default:
        return absl::DataLossError(StrCat("unknown checksum algorithm ", alg));
    }
  }
  fd.seen = true;
  fd.raw.assign(event.raw.begin(), event.raw.end());
  *out = std::move(fd);
  return absl::OkStatus();
}

absl::Status ParseStartV3Event(const EventView& event, FormatDescription* out) {
  // binlog v1 (MySQL 3.23) has a 13-byte header, so its version field is at offset 13;
  // v3 (MySQL 4.0/4.1) keeps the 19-byte header of v4.
  const ByteView raw = event.raw;
  const uint64_t v3 = raw.size() >= kEventHeaderLength + 2 ? LoadLE(raw.data() + 19, 2) : 0;
  const uint64_t v1 = raw.size() >= 15 ? LoadLE(raw.data() + 13, 2) : 0;
  if (v3 != 3) {
    const uint64_t version = v1 == 1 ? 1 : v3;
    return absl::UnimplementedError(StrCat(
        "binlog format v", version, version == 1 ? " (MySQL 3.23)" : "",
        " is not supported: binsync reads binlog v3 (MySQL 4.x) and v4 (MySQL 5.0+, MariaDB); "
        "read this binlog with the mysqlbinlog of the server that wrote it"));
  }
  ByteReader r(event.body);
  FormatDescription fd;
  fd.binlog_version = r.U16();
  const std::string_view version = r.String(kServerVersionLength);
  fd.create_timestamp = r.U32();
  if (!r.ok()) return absl::DataLossError("START_V3 shorter than its fixed part");
  fd.server_version.assign(version.substr(0, std::min(version.find('\0'), version.size())));
  ParseVersion(fd.server_version, &fd.version_major, &fd.version_minor, &fd.version_patch);
  fd.header_length = kEventHeaderLength;
  auto set = [&fd](EventType t, uint8_t len) {
    fd.post_header_lengths[static_cast<uint8_t>(t)] = len;
  };
  // MySQL 4.x: QUERY has no status variables (11 bytes); LOAD DATA events are refused.
  set(EventType::kStartV3, 56);
  set(EventType::kQuery, 11);
  set(EventType::kRotate, 8);
  set(EventType::kLoad, 18);
  set(EventType::kCreateFile, 4);
  set(EventType::kAppendBlock, 4);
  set(EventType::kExecLoad, 4);
  set(EventType::kDeleteFile, 4);
  set(EventType::kNewLoad, 18);
  fd.post_header_count = static_cast<size_t>(EventType::kUserVar);
  fd.checksum = ChecksumAlgorithm::kOff;
  fd.seen = true;
  *out = std::move(fd);
  return absl::OkStatus();
}

absl::Status FrameEvent(ByteView raw, uint64_t offset, ChecksumAlgorithm checksum,
                        uint8_t header_length, EventView* out) {
  EventHeader h;
  if (absl::Status st = ParseEventHeader(raw, &h); !st.ok()) return st;
  if (h.event_size != raw.size()) {
    return absl::DataLossError(
        StrCat("event_size ", h.event_size, " does not match the ", raw.size(), " bytes framed"));
  }
  const bool is_fde = h.type == static_cast<uint8_t>(EventType::kFormatDescription);
  // An FDE's own fields always follow the 19-byte header: it is what announces a longer one.
  const size_t body_start = is_fde ? kEventHeaderLength : std::max<size_t>(header_length, kEventHeaderLength);
  if (raw.size() < body_start) {
    return absl::DataLossError(StrCat("event_size ", raw.size(),
                                      " is smaller than the common header length ", body_start,
                                      " that the FORMAT_DESCRIPTION announced"));
  }
  out->header = h;
  out->raw = raw;
  out->offset = offset;
  out->body = raw.subspan(body_start);

  bool verify = checksum == ChecksumAlgorithm::kCrc32;
  if (is_fde) {
    // The FDE decides for itself, by its own checksum_alg: with the algorithm OFF (or
    // UNDEF) its CRC field is not a checksum (servers leave it zero), so only a CRC32 FDE
    // is verified, as mariadb-binlog does. Its trailer stays in the body either way.
    FormatDescription fd;
    if (absl::Status st = ParseFormatDescription(*out, &fd); !st.ok()) return st;
    verify = fd.has_checksum_alg && fd.checksum == ChecksumAlgorithm::kCrc32;
  }
  if (!verify) return absl::OkStatus();
  if (raw.size() < body_start + kChecksumLength) {
    return absl::DataLossError("event too short for its CRC32 trailer");
  }
  const ByteView covered = raw.first(raw.size() - kChecksumLength);
  const auto stored = static_cast<uint32_t>(LoadLE(raw.data() + covered.size(), kChecksumLength));
  uint32_t computed = 0;
  if (is_fde && (h.flags & kFlagBinlogInUse) != 0) {
    // Servers set BINLOG_IN_USE in the FDE of the open binlog after checksumming it.
    uint8_t header[kEventHeaderLength];
    std::memcpy(header, raw.data(), kEventHeaderLength);
    header[17] = static_cast<uint8_t>(header[17] & ~kFlagBinlogInUse);
    computed = BinlogCrc32(ByteView(header, kEventHeaderLength));
    computed = BinlogCrc32(covered.subspan(kEventHeaderLength), computed);
  } else {
    computed = BinlogCrc32(covered);
  }
  if (computed != stored) {
    return absl::DataLossError(StrCat("CRC32 mismatch (stored ", fmt::format("{:08x}", stored),
                                      ", computed ", fmt::format("{:08x}", computed),
                                      "): the event is corrupt"));
  }
  if (!is_fde) out->body = covered.subspan(body_start);
  return absl::OkStatus();
}

absl::Status EventError(const absl::Status& status, std::string_view file, uint64_t offset,
                        uint8_t type) {
  return absl::Status(status.code(), StrCat(file.empty() ? std::string_view("<stream>") : file,
                                            ":", offset, ": ", EventTypeName(type), ": ",
                                            ToStd(status.message())));
}

}  // namespace binsync::binlog
