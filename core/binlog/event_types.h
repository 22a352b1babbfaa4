// Binlog event type codes (MySQL Log_event_type and MariaDB's additions from 160 up),
// header flags, and checksum algorithms.
#ifndef BINSYNC_CORE_BINLOG_EVENT_TYPES_H_
#define BINSYNC_CORE_BINLOG_EVENT_TYPES_H_

#include <cstdint>
#include <string_view>

namespace binsync::binlog {

enum class EventType : uint8_t {
  kUnknown = 0,
  kStartV3 = 1,
  kQuery = 2,
  kStop = 3,
  kRotate = 4,
  kIntvar = 5,
  kLoad = 6,
  kSlave = 7,
  kCreateFile = 8,
  kAppendBlock = 9,
  kExecLoad = 10,
  kDeleteFile = 11,
  kNewLoad = 12,
  kRand = 13,
  kUserVar = 14,
  kFormatDescription = 15,
  kXid = 16,
  kBeginLoadQuery = 17,
  kExecuteLoadQuery = 18,
  kTableMap = 19,
  kWriteRowsV0 = 20,
  kUpdateRowsV0 = 21,
  kDeleteRowsV0 = 22,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kIncident = 26,
  kHeartbeat = 27,
  kIgnorable = 28,
  kRowsQuery = 29,
  kWriteRowsV2 = 30,
  kUpdateRowsV2 = 31,
  kDeleteRowsV2 = 32,
  kGtid = 33,
  kAnonymousGtid = 34,
  kPreviousGtids = 35,
  kTransactionContext = 36,
  kViewChange = 37,
  kXaPrepare = 38,
  kPartialUpdateRows = 39,
  kTransactionPayload = 40,
  kHeartbeatV2 = 41,
  kGtidTagged = 42,
  // MariaDB.
  kMariaAnnotateRows = 160,
  kMariaBinlogCheckpoint = 161,
  kMariaGtid = 162,
  kMariaGtidList = 163,
  kMariaStartEncryption = 164,
  kMariaQueryCompressed = 165,
  kMariaWriteRowsCompressedV1 = 166,
  kMariaUpdateRowsCompressedV1 = 167,
  kMariaDeleteRowsCompressedV1 = 168,
  kMariaWriteRowsCompressed = 169,
  kMariaUpdateRowsCompressed = 170,
  kMariaDeleteRowsCompressed = 171,
};

// Stable upper-case name ("WRITE_ROWS_V2", "MARIA_GTID"), or "UNKNOWN_<n>" for codes
// this decoder does not know. Never allocates.
[[nodiscard]] std::string_view EventTypeName(uint8_t type);
[[nodiscard]] inline std::string_view EventTypeName(EventType type) {
  return EventTypeName(static_cast<uint8_t>(type));
}

// Common-header flags (LOG_EVENT_*_F).
inline constexpr uint16_t kFlagBinlogInUse = 0x0001;
inline constexpr uint16_t kFlagArtificial = 0x0020;
inline constexpr uint16_t kFlagRelayLog = 0x0040;
inline constexpr uint16_t kFlagIgnorable = 0x0080;

enum class ChecksumAlgorithm : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

inline constexpr size_t kEventHeaderLength = 19;  // binlog v4 common header
inline constexpr size_t kChecksumLength = 4;
inline constexpr uint8_t kBinlogMagic[4] = {0xfe, 0x62, 0x69, 0x6e};  // "\xfebin"

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_EVENT_TYPES_H_
