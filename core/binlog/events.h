// Decoded binlog events: one zero-copy struct and one parse function per event type,
// dispatched by a table indexed by type code (events.cc). Consumers std::visit an Event.
//
// Body layouts (after the common header: 19 bytes, or the FDE's longer header_length;
// post-header lengths from the FDE):
//   QUERY (2)            thread_id<4> exec_time<4> db_len<1> error_code<2>
//                        status_vars_len<2> | status_vars[status_vars_len] db[db_len] 0x00
//                        sql (to the end)
//   STOP (3)             empty
//   ROTATE (4)           position<8> | next file name (to the end)
//   START_V3 (1)         binlog_version<2> server_version<50> create_timestamp<4>: heads
//                        a MySQL 4.x binlog (v3: decoded as a FORMAT_DESCRIPTION with 4.x
//                        post-header lengths); v1 (MySQL 3.23, 13-byte header) is refused
//   APPEND_BLOCK (9),    file_id<4> | block (to the end): the data of a statement-based
//   BEGIN_LOAD_QUERY (17) LOAD DATA, in order
//   DELETE_FILE (11)     file_id<4>: the LOAD DATA's file is dropped unexecuted
//   EXECUTE_LOAD_QUERY (18) QUERY's post-header, then file_id<4> fn_pos_start<4>
//                        fn_pos_end<4> dup_handling<1> (0 error, 1 ignore, 2 replace) |
//                        as QUERY; sql[fn_pos_start, fn_pos_end) is the file name
//   INTVAR (5)           kind<1> (1 LAST_INSERT_ID, 2 INSERT_ID; others are errors) value<8>
//   RAND (13)            seed1<8> seed2<8>
//   USER_VAR (14)        name_len<4> name is_null<1> [type<1> charset<4> len<4> value
//                        [flags<1>]]; type 0 string (bytes in collation `charset`),
//                        1 real (double<8>), 2 int (int<8>, flags bit 0: unsigned),
//                        4 decimal (precision<1> scale<1> packed decimal); others errors
//   XID (16)             xid<8>
//   INCIDENT (26)        incident<2> | message_len<1> message (1 = LOST_EVENTS)
//   IGNORABLE (28)       ignorable by definition: returned as IgnorableEvent
//   XA_PREPARE (38)      one_phase<1> format_id<4> gtrid_len<4> bqual_len<4> gtrid bqual
//   HEARTBEAT (27)       log file name (to the end); position is header.log_pos
//   ROWS_QUERY (29)      len<1> (truncated length, ignored) sql (to the end)
//   GTID (33),           flags<1> sid<16> gno<8> [lt_type<1>=2 last_committed<8>
//   ANONYMOUS_GTID (34)  sequence_number<8>] [immediate_commit_ts<7> (bit 55 set:
//                        original_commit_ts<7> follows) [transaction_length packed
//                        [immediate_server_version<4> (bit 31 set: original<4>)]]]
//   PREVIOUS_GTIDS (35)  n_sids<8> { sid<16> n_intervals<8> { start<8> end<8> } }; tagged
//                        sets (MySQL 8.4+): word<8> = 0x01 << 56 | n_sids << 8 | 0x01,
//                        { sid<16> tag (varlen length, bytes; empty = untagged)
//                        n_intervals<8> { start<8> end<8> } }
//   GTID_TAGGED (42)     MySQL 8.4+, a mysql::serialization message. Every integer is a
//                        varlen: 1-9 bytes, the first byte's trailing 1 bits + 1 = the
//                        length, the value in the bits after them (little-endian; 9 bytes:
//                        the 8 bytes after the first); signed ones zig-zag (sign in bit 0).
//                        message := version (varlen, 1) size (varlen, bytes of the whole
//                        message) last_non_ignorable_field_id (varlen)
//                        { field_id (varlen, increasing) value }:
//                        0 flags, 1 sid (16 varlen bytes), 2 gno (signed), 3 tag (varlen
//                        length, bytes), 4 last_committed (signed), 5 sequence_number
//                        (signed), 6 immediate_commit_ts (us), 7 original_commit_ts
//                        (absent: = immediate), 8 transaction_length, 9 immediate and
//                        10 original server version (absent: = immediate), 11
//                        commit_group_ticket. Unknown fields past the last non-ignorable
//                        one end the parse (their size is not encoded); an unknown
//                        non-ignorable one is an error.
//   TRANSACTION_PAYLOAD (40)  TLV header {type packed, length packed, value}, type 0 ends;
//                        1 payload_size, 2 compression (0 zstd, 255 none),
//                        3 uncompressed_size; then the payload
//   ANNOTATE_ROWS (160)  sql (to the end)
//   BINLOG_CHECKPOINT (161) name_len<4> | name
//   MARIA_GTID (162)     seq_no<8> domain_id<4> flags2<1> | flags2 & 2: commit_id<8>, then
//                        flags2 & (64|128): xa format_id<4> gtrid_len<1> bqual_len<1> data
//   GTID_LIST (163)      count<4> (low 28 bits; top 4 bits flags) |
//                        { domain_id<4> server_id<4> seq_no<8> } x count
//   START_ENCRYPTION (164)  an error: encrypted binlogs are not supported
//   QUERY_COMPRESSED (165)  QUERY with the SQL text as a compressed record
// TABLE_MAP and rows events (also MySQL's PARTIAL_UPDATE_ROWS 39 and MariaDB's compressed
// 166-171) are described in table_map.h and rows_event.h; compressed records in
// compressed_event.h, JSON diffs in json_diff.h.
//
// Not decoded, and therefore errors naming the position and what to do (never skipped):
// pre-GA rows events (20-22), MySQL 3.23/4.x LOAD DATA and replication events (6-8, 10,
// 12), and any unknown type without LOG_EVENT_IGNORABLE_F.
// An unknown type *with* LOG_EVENT_IGNORABLE_F is returned as IgnorableEvent (the server
// promises it does not change data; Aurora writes type 100 this way).
#ifndef BINSYNC_CORE_BINLOG_EVENTS_H_
#define BINSYNC_CORE_BINLOG_EVENTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"
#include "core/binlog/compressed_event.h"
#include "core/binlog/event_header.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"

namespace binsync::binlog {

// QUERY status variables binsync uses. Parsing stops at the first code it does not know
// (the block is length-delimited, so the SQL text is still found); `complete` tells.
struct QueryStatus {
  bool complete = true;
  uint8_t unknown_code = 0;  // first code not understood when !complete
  bool has_flags2 = false;
  uint32_t flags2 = 0;
  bool has_sql_mode = false;
  uint64_t sql_mode = 0;
  bool has_charset = false;
  uint16_t charset_client = 0, collation_connection = 0, collation_server = 0;
  std::string_view catalog;
  std::string_view time_zone;
  uint16_t auto_increment_increment = 1, auto_increment_offset = 1;
  uint16_t lc_time_names = 0;
  uint16_t collation_database = 0;
  bool has_microseconds = false;
  uint32_t microseconds = 0;
  bool has_ddl_xid = false;
  uint64_t ddl_xid = 0;
  bool has_maria_xid = false;
  uint64_t maria_xid = 0;
};

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string_view db;
  std::string_view sql;
  ByteView status_vars;
  QueryStatus status;
};

struct RotateEvent {
  uint64_t position = 0;
  std::string_view next_file;
};

struct XidEvent {
  uint64_t xid = 0;
};

struct StopEvent {};

struct IntvarEvent {
  static constexpr uint8_t kLastInsertId = 1;
  static constexpr uint8_t kInsertId = 2;
  uint8_t kind = 0;  // kLastInsertId or kInsertId
  uint64_t value = 0;
};

struct RandEvent {
  uint64_t seed1 = 0, seed2 = 0;
};

struct UserVarEvent {
  static constexpr uint8_t kString = 0;
  static constexpr uint8_t kReal = 1;
  static constexpr uint8_t kInt = 2;
  static constexpr uint8_t kDecimal = 4;
  std::string_view name;
  bool is_null = true;
  uint8_t value_type = 0;  // kString, kReal, kInt, kDecimal (checked)
  uint32_t charset = 0;    // collation id of a string value
  ByteView value;          // int/real: 8 bytes; decimal: precision, scale, packed digits
  bool has_flags = false;
  uint8_t flags = 0;  // bit 0: unsigned
};

struct HeartbeatEvent {
  std::string_view log_file;
  uint64_t position = 0;
};

struct RowsQueryEvent {
  std::string_view sql;
};

struct AnnotateRowsEvent {
  std::string_view sql;
};

// MySQL GTID / ANONYMOUS_GTID.
struct MysqlGtidEvent {
  bool anonymous = false;
  uint8_t flags = 0;  // bit 0: may have changes not logged (commit flag)
  ByteView sid;       // 16 bytes
  int64_t gno = 0;
  bool has_logical_clock = false;
  int64_t last_committed = 0;
  int64_t sequence_number = 0;
  bool has_commit_timestamps = false;
  uint64_t immediate_commit_us = 0;
  uint64_t original_commit_us = 0;  // == immediate when not logged separately
  bool has_transaction_length = false;
  uint64_t transaction_length = 0;
  bool has_server_versions = false;
  uint32_t immediate_server_version = 0;
  uint32_t original_server_version = 0;
  // GTID_TAGGED (MySQL 8.4+): always logical clock fields; the tag (empty when the event
  // carries none), and the binlog group commit ticket (0 = unset).
  bool tagged = false;
  std::string_view tag;
  uint64_t commit_group_ticket = 0;
};

// Appends the 16-byte `sid` as 8-4-4-4-12 lowercase hex.
void AppendUuidText(ByteView sid, std::string* out);
// Appends "uuid:gno", or MySQL's "uuid:tag:gno" for a tagged GTID; "" for anonymous.
void AppendMysqlGtidText(const MysqlGtidEvent& gtid, std::string* out);

struct PreviousGtidsEvent {
  // The raw encoded set, as the server wrote it (untagged or tagged: see file comment).
  ByteView encoded;
  struct Interval {
    int64_t start = 0, end = 0;  // [start, end)
  };
  struct Entry {
    ByteView sid;
    std::string_view tag;  // empty for untagged GTIDs
    std::vector<Interval> intervals;
  };
  // Decodes the set, tagged or not (allocates: this event appears once per file).
  [[nodiscard]] absl::Status Decode(std::vector<Entry>* out) const;
};

struct MariaGtidEvent {
  uint64_t seq_no = 0;
  uint32_t domain_id = 0;
  uint32_t server_id = 0;  // from the common header
  uint8_t flags2 = 0;
  bool has_commit_id = false;
  uint64_t commit_id = 0;
  bool is_xa = false;
  uint32_t xa_format_id = 0;
  ByteView xa_gtrid;
  ByteView xa_bqual;
  ByteView extra;  // bytes after the known fields (flags_extra etc. of newer servers)
  static constexpr uint8_t kFlagStandalone = 1;
  static constexpr uint8_t kFlagGroupCommitId = 2;
  static constexpr uint8_t kFlagTransactional = 4;
  static constexpr uint8_t kFlagAllowParallel = 8;
  static constexpr uint8_t kFlagWaited = 16;
  static constexpr uint8_t kFlagDdl = 32;
  static constexpr uint8_t kFlagPreparedXa = 64;
  static constexpr uint8_t kFlagCompletedXa = 128;
};

struct MariaGtidListEvent {
  uint32_t count = 0;
  uint8_t flags = 0;
  ByteView entries;  // count x 16 bytes
  struct Entry {
    uint32_t domain_id = 0, server_id = 0;
    uint64_t seq_no = 0;
  };
  [[nodiscard]] Entry At(size_t i) const;
};

struct BinlogCheckpointEvent {
  std::string_view file;
};

struct TransactionPayloadEvent {
  uint64_t payload_size = 0;
  uint8_t compression = 0;  // 0 zstd, 255 none
  uint64_t uncompressed_size = 0;
  ByteView payload;
};

// The source logged an incident: events are missing from its binlog after this point
// (LOST_EVENTS) and a replica must stop here.
struct IncidentEvent {
  uint16_t incident = 0;
  std::string_view message;
};
// "LOST_EVENTS" for 1, "NONE" for 0, "UNKNOWN" otherwise.
[[nodiscard]] std::string_view IncidentName(uint16_t incident);

// A block of a statement-based LOAD DATA's file (BEGIN_LOAD_QUERY starts the file,
// APPEND_BLOCK adds to it).
struct LoadBlockEvent {
  bool begin = false;
  uint32_t file_id = 0;
  ByteView block;
};

struct DeleteFileEvent {
  uint32_t file_id = 0;
};

// The LOAD DATA statement of the file the blocks with `file_id` carried.
struct ExecuteLoadQueryEvent {
  QueryEvent query;
  uint32_t file_id = 0;
  uint32_t fn_pos_start = 0, fn_pos_end = 0;  // the file name in query.sql (checked)
  uint8_t dup_handling = 0;                   // 0 error, 1 IGNORE, 2 REPLACE
  [[nodiscard]] std::string_view file_name() const;
};

// MySQL XA PREPARE: ends the prepared part of an XA transaction.
struct XaPrepareEvent {
  bool one_phase = false;
  uint32_t format_id = 0;
  ByteView gtrid, bqual;
};

// Known events binsync recognises but does not interpret (TRANSACTION_CONTEXT and
// VIEW_CHANGE of MySQL group replication, HEARTBEAT_V2 of the wire protocol).
struct UninterpretedEvent {
  uint8_t type = 0;
  ByteView body;
};

// An event of unknown type that carries LOG_EVENT_IGNORABLE_F.
struct IgnorableEvent {
  uint8_t type = 0;
  ByteView body;
};

using Event = std::variant<FormatDescription, QueryEvent, RotateEvent, XidEvent, StopEvent,
                           IntvarEvent, RandEvent, UserVarEvent, HeartbeatEvent, RowsQueryEvent,
                           AnnotateRowsEvent, MysqlGtidEvent, PreviousGtidsEvent, MariaGtidEvent,
                           MariaGtidListEvent, BinlogCheckpointEvent, TransactionPayloadEvent,
                           TableMapEvent, RowsEvent, IncidentEvent, LoadBlockEvent,
                           DeleteFileEvent, ExecuteLoadQueryEvent, XaPrepareEvent,
                           UninterpretedEvent, IgnorableEvent>;

// Memory that decoding may need beyond the event buffer: the inflated part of a MariaDB
// compressed event (QUERY_COMPRESSED's SQL, the rows of *_ROWS_COMPRESSED*). Owned by the
// caller and reused: the buffer grows to the largest inflated part seen, never shrinks,
// and never exceeds `max_uncompressed` (larger claims are errors). Not thread-safe.
struct DecodeScratch {
  size_t max_uncompressed = kMaxDecompressedSize;
  std::vector<uint8_t> buffer;
};

// Decodes `event` under `fd`. Errors are annotated "file:pos: TYPE: what"; `file` names
// the source (may be empty for streams). Views in `out` point into event.raw, except the
// inflated SQL or rows of a compressed event and the sid of a GTID_TAGGED, which point
// into `scratch->buffer` and are valid until the next DecodeEvent call with the same
// scratch.
[[nodiscard]] absl::Status DecodeEvent(const EventView& event, const FormatDescription& fd,
                                       std::string_view file, DecodeScratch* scratch, Event* out);

// As above with a scratch owned by the calling thread: views into the scratch are then
// valid until the next DecodeEvent call on this thread. Callers that keep one decoded event
// while decoding another (or that want the memory under their control) pass their own.
[[nodiscard]] absl::Status DecodeEvent(const EventView& event, const FormatDescription& fd,
                                       std::string_view file, Event* out);

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_EVENTS_H_
