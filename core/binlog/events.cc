#include "core/binlog/events.h"

#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

// Parse functions see the scratch only to inflate compressed parts into it.
using ParseFn = absl::Status (*)(const EventView&, const FormatDescription&, DecodeScratch*,
                                 Event*);

absl::Status Truncated(std::string_view what) {
  return absl::DataLossError(StrCat(what, " truncated"));
}

// Skips the part of the post-header this decoder does not know (newer servers may grow
// it); `consumed` is what the parse function already read of it.
void SkipPostHeaderRest(ByteReader& r, uint8_t post_header, size_t consumed) {
  if (post_header > consumed) r.Skip(post_header - consumed);
}

absl::Status ParseQueryStatus(ByteView vars, QueryStatus* s) {
  ByteReader r(vars);
  while (r.ok() && !r.empty()) {
    const uint8_t code = r.U8();
    switch (code) {
      case 0: s->has_flags2 = true; s->flags2 = r.U32(); break;
      case 1: s->has_sql_mode = true; s->sql_mode = r.U64(); break;
      case 2: {  // Q_CATALOG_CODE (5.0.0-5.0.3): len, str, NUL
        const uint8_t n = r.U8();
        s->catalog = r.String(n);
        r.Skip(1);
        break;
      }
      case 3:
        s->auto_increment_increment = r.U16();
        s->auto_increment_offset = r.U16();
        break;
      case 4:
        s->has_charset = true;
        s->charset_client = r.U16();
        s->collation_connection = r.U16();
        s->collation_server = r.U16();
        break;
      case 5: s->time_zone = r.String(r.U8()); break;
      case 6: s->catalog = r.String(r.U8()); break;
      case 7: s->lc_time_names = r.U16(); break;
      case 8: s->collation_database = r.U16(); break;
      case 9: r.Skip(8); break;   // Q_TABLE_MAP_FOR_UPDATE_CODE
      case 10: r.Skip(4); break;  // Q_MASTER_DATA_WRITTEN_CODE
      case 11:                    // Q_INVOKER: user, host
        r.Skip(r.U8());
        r.Skip(r.U8());
        break;
      case 12: {  // Q_UPDATED_DB_NAMES: count, NUL-terminated names (254 = too many)
        const uint8_t count = r.U8();
        if (count == 254) break;
        for (uint8_t i = 0; i < count && r.ok(); ++i) {
          while (r.ok() && r.U8() != 0) {
          }
        }
        break;
      }
      case 13: s->has_microseconds = true; s->microseconds = r.U24(); break;
      case 16: r.Skip(1); break;  // Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP
      case 17: s->has_ddl_xid = true; s->ddl_xid = r.U64(); break;
      case 18: r.Skip(2); break;  // Q_DEFAULT_COLLATION_FOR_UTF8MB4
      case 19: r.Skip(1); break;  // Q_SQL_REQUIRE_PRIMARY_KEY
      case 20: r.Skip(1); break;  // Q_DEFAULT_TABLE_ENCRYPTION
      case 128: r.Skip(3); break;  // MariaDB Q_HRNOW: microseconds of NOW()
      case 129: s->has_maria_xid = true; s->maria_xid = r.U64(); break;  // MariaDB Q_XID
      case 130: r.Skip(1); break;  // MariaDB Q_GTID_FLAGS3
      default:
        // Unknown code: its length is unknown, so stop here. The block is delimited by
        // status_vars_len, so db and SQL are still found.
        s->complete = false;
        s->unknown_code = code;
        return absl::OkStatus();
    }
  }
  if (!r.ok()) return Truncated("QUERY status variables");
  return absl::OkStatus();
}

// The QUERY layout shared by QUERY, QUERY_COMPRESSED and EXECUTE_LOAD_QUERY. `extra` gets
// the post-header bytes after QUERY's own 13 (EXECUTE_LOAD_QUERY's file fields).
absl::Status ParseQueryLayout(const EventView& ev, const FormatDescription& fd,
                              DecodeScratch* scratch, QueryEvent* out, ByteView* extra) {
  QueryEvent& q = *out;
  ByteReader r(ev.body);
  const uint8_t ph = fd.PostHeaderLength(ev.header.type);
  q.thread_id = r.U32();
  q.exec_time = r.U32();
  const uint8_t db_len = r.U8();
  q.error_code = r.U16();
  uint16_t status_len = 0;
  size_t consumed = 11;
  if (ph >= 13) {
    status_len = r.U16();
    consumed = 13;
  }
  if (extra != nullptr) *extra = ph > consumed ? r.Bytes(ph - consumed) : ByteView();
  SkipPostHeaderRest(r, ph, extra != nullptr ? ph : consumed);
  q.status_vars = r.Bytes(status_len);
  q.db = r.String(db_len);
  const uint8_t nul = r.U8();
  if (!r.ok()) return Truncated(EventTypeName(ev.header.type));
  if (nul != 0) return absl::DataLossError("QUERY database name not NUL-terminated");
  q.sql = AsChars(r.Rest());
  if (ev.header.type == static_cast<uint8_t>(EventType::kMariaQueryCompressed)) {
    ByteView sql;
    if (absl::Status st =
            DecompressRecord(AsBytes(q.sql), scratch->max_uncompressed, &scratch->buffer, &sql);
        !st.ok()) {
      return absl::Status(st.code(), StrCat("SQL text: ", ToStd(st.message())));
    }
    q.sql = AsChars(sql);
  }
  return ParseQueryStatus(q.status_vars, &q.status);
}

// QUERY and QUERY_COMPRESSED (whose SQL text is a compressed record).
absl::Status ParseQuery(const EventView& ev, const FormatDescription& fd, DecodeScratch* scratch,
                        Event* out) {
  QueryEvent q;
  if (absl::Status st = ParseQueryLayout(ev, fd, scratch, &q, nullptr); !st.ok()) return st;
  *out = q;
  return absl::OkStatus();
}

absl::Status ParseExecuteLoadQuery(const EventView& ev, const FormatDescription& fd,
                                   DecodeScratch* scratch, Event* out) {
  ExecuteLoadQueryEvent e;
  ByteView extra;
  if (absl::Status st = ParseQueryLayout(ev, fd, scratch, &e.query, &extra); !st.ok()) return st;
  ByteReader r(extra);
  e.file_id = r.U32();
  e.fn_pos_start = r.U32();
  e.fn_pos_end = r.U32();
  e.dup_handling = r.U8();
  if (!r.ok()) return Truncated("EXECUTE_LOAD_QUERY post-header");
  if (e.fn_pos_start > e.fn_pos_end || e.fn_pos_end > e.query.sql.size()) {
    return absl::DataLossError(StrCat("EXECUTE_LOAD_QUERY file name at [", e.fn_pos_start, ", ",
                                      e.fn_pos_end, ") lies outside its ", e.query.sql.size(),
                                      "-byte statement"));
  }
  if (e.dup_handling > 2) {
    return absl::DataLossError(StrCat("EXECUTE_LOAD_QUERY duplicate handling ", e.dup_handling,
                                      " unknown (0 error, 1 ignore, 2 replace)"));
  }
  *out = e;
  return absl::OkStatus();
}

// BEGIN_LOAD_QUERY and APPEND_BLOCK: file_id, then a block of the file's data.
absl::Status ParseLoadBlock(const EventView& ev, const FormatDescription& fd, DecodeScratch*,
                            Event* out) {
  ByteReader r(ev.body);
  LoadBlockEvent e;
  e.begin = ev.header.type == static_cast<uint8_t>(EventType::kBeginLoadQuery);
  e.file_id = r.U32();
  SkipPostHeaderRest(r, fd.PostHeaderLength(ev.header.type), 4);
  e.block = r.Rest();
  if (!r.ok()) return Truncated(EventTypeName(ev.header.type));
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseDeleteFile(const EventView& ev, const FormatDescription&, DecodeScratch*,
                             Event* out) {
  ByteReader r(ev.body);
  DeleteFileEvent e;
  e.file_id = r.U32();
  if (!r.ok()) return Truncated("DELETE_FILE");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseIncident(const EventView& ev, const FormatDescription& fd, DecodeScratch*,
                           Event* out) {
  ByteReader r(ev.body);
  IncidentEvent e;
  e.incident = r.U16();
  SkipPostHeaderRest(r, fd.PostHeaderLength(ev.header.type), 2);
  if (r.ok() && !r.empty()) e.message = r.String(r.U8());
  if (!r.ok()) return Truncated("INCIDENT");
  *out = e;
  return absl::OkStatus();
}

// XA_PREPARE (MySQL): one_phase<1> format_id<4> gtrid_len<4> bqual_len<4> data.
absl::Status ParseXaPrepare(const EventView& ev, const FormatDescription&, DecodeScratch*,
                            Event* out) {
  ByteReader r(ev.body);
  XaPrepareEvent e;
  e.one_phase = r.U8() != 0;
  e.format_id = r.U32();
  const uint32_t gtrid_len = r.U32();
  const uint32_t bqual_len = r.U32();
  if (r.ok() && (gtrid_len > 64 || bqual_len > 64)) {
    return absl::DataLossError("XA_PREPARE xid longer than 64 bytes");
  }
  e.gtrid = r.Bytes(gtrid_len);
  e.bqual = r.Bytes(bqual_len);
  if (!r.ok()) return Truncated("XA_PREPARE");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseStartV3(const EventView& ev, const FormatDescription&, DecodeScratch*,
                          Event* out) {
  FormatDescription fd;
  if (absl::Status st = ParseStartV3Event(ev, &fd); !st.ok()) return st;
  *out = std::move(fd);
  return absl::OkStatus();
}

absl::Status ParseFde(const EventView& ev, const FormatDescription&, DecodeScratch*, Event* out) {
  FormatDescription fd;
  if (absl::Status st = ParseFormatDescription(ev, &fd); !st.ok()) return st;
  *out = std::move(fd);
  return absl::OkStatus();
}

absl::Status ParseStop(const EventView&, const FormatDescription&, DecodeScratch*, Event* out) {
  *out = StopEvent{};
  return absl::OkStatus();
}

absl::Status ParseRotate(const EventView& ev, const FormatDescription& fd, DecodeScratch*,
                         Event* out) {
  RotateEvent e;
  ByteReader r(ev.body);
  const uint8_t ph = fd.PostHeaderLength(ev.header.type);
  if (ph >= 8 || !fd.seen) {
    e.position = r.U64();
    SkipPostHeaderRest(r, ph, 8);
  }
  e.next_file = AsChars(r.Rest());
  if (!r.ok()) return Truncated("ROTATE");
  if (e.next_file.empty()) return absl::DataLossError("ROTATE without a file name");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseIntvar(const EventView& ev, const FormatDescription&, DecodeScratch*,
                         Event* out) {
  ByteReader r(ev.body);
  IntvarEvent e;
  e.kind = r.U8();
  e.value = r.U64();
  if (!r.ok()) return Truncated("INTVAR");
  if (e.kind != IntvarEvent::kLastInsertId && e.kind != IntvarEvent::kInsertId) {
    return absl::DataLossError(
        StrCat("INTVAR kind ", e.kind, " unknown (1 LAST_INSERT_ID, 2 INSERT_ID)"));
  }
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseRand(const EventView& ev, const FormatDescription&, DecodeScratch*, Event* out) {
  ByteReader r(ev.body);
  RandEvent e;
  e.seed1 = r.U64();
  e.seed2 = r.U64();
  if (!r.ok()) return Truncated("RAND");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseUserVar(const EventView& ev, const FormatDescription&, DecodeScratch*,
                          Event* out) {
  ByteReader r(ev.body);
  UserVarEvent e;
  e.name = r.String(r.U32());
  e.is_null = r.U8() != 0;
  if (!e.is_null) {
    e.value_type = r.U8();
    e.charset = r.U32();
    e.value = r.Bytes(r.U32());
    if (r.ok() && !r.empty()) {
      e.has_flags = true;
      e.flags = r.U8();
    }
  }
  if (!r.ok()) return Truncated("USER_VAR");
  switch (e.is_null ? UserVarEvent::kString : e.value_type) {
    case UserVarEvent::kString:
      break;
    case UserVarEvent::kReal:
    case UserVarEvent::kInt:
      if (e.value.size() != 8) {
        return absl::DataLossError(StrCat("USER_VAR @", e.name, ": ",
                                          e.value_type == UserVarEvent::kInt ? "integer" : "real",
                                          " value of ", e.value.size(), " bytes, expected 8"));
      }
      break;
    case UserVarEvent::kDecimal:
      // precision<1> scale<1> packed decimal
      if (e.value.size() < 2 || e.value[0] == 0 || e.value[0] > 65 || e.value[1] > 38 ||
          e.value[1] > e.value[0] ||
          e.value.size() != 2 + DecimalBinarySize(e.value[0], e.value[1])) {
        return absl::DataLossError(StrCat("USER_VAR @", e.name, ": decimal value of ",
                                          e.value.size(), " bytes does not match its precision "
                                          "and scale"));
      }
      break;
    default:
      return absl::DataLossError(StrCat("USER_VAR @", e.name, ": value type ", e.value_type,
                                        " unknown (0 string, 1 real, 2 int, 4 decimal)"));
  }
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseXid(const EventView& ev, const FormatDescription&, DecodeScratch*, Event* out) {
  ByteReader r(ev.body);
  XidEvent e;
  e.xid = r.U64();
  if (!r.ok()) return Truncated("XID");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseHeartbeat(const EventView& ev, const FormatDescription&, DecodeScratch*,
                            Event* out) {
  HeartbeatEvent e;
  e.log_file = AsChars(ev.body);
  e.position = ev.header.log_pos;
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseRowsQuery(const EventView& ev, const FormatDescription&, DecodeScratch*,
                            Event* out) {
  ByteReader r(ev.body);
  r.Skip(1);  // length byte, truncated to 255: the text runs to the end
  if (!r.ok()) return Truncated("ROWS_QUERY");
  *out = RowsQueryEvent{AsChars(r.Rest())};
  return absl::OkStatus();
}

absl::Status ParseMysqlGtid(const EventView& ev, const FormatDescription&, DecodeScratch*,
                            Event* out) {
  ByteReader r(ev.body);
  MysqlGtidEvent e;
  e.anonymous = ev.header.type == static_cast<uint8_t>(EventType::kAnonymousGtid);
  e.flags = r.U8();
  e.sid = r.Bytes(16);
  e.gno = static_cast<int64_t>(r.U64());
  if (!r.ok()) return Truncated("GTID");
  if (r.remaining() >= 17) {
    const uint8_t lt_type = r.U8();
    if (lt_type != 2) {
      return absl::DataLossError(StrCat("GTID logical timestamp type ", lt_type, ", expected 2"));
    }
    e.has_logical_clock = true;
    e.last_committed = static_cast<int64_t>(r.U64());
    e.sequence_number = static_cast<int64_t>(r.U64());
  }
  if (r.remaining() >= 7) {
    constexpr uint64_t kHighBit = uint64_t{1} << 55;
    e.has_commit_timestamps = true;
    e.immediate_commit_us = r.FixedLE(7);
    if ((e.immediate_commit_us & kHighBit) != 0) {
      e.immediate_commit_us &= ~kHighBit;
      e.original_commit_us = r.FixedLE(7);
    } else {
      e.original_commit_us = e.immediate_commit_us;
    }
    if (r.ok() && !r.empty()) {
      e.has_transaction_length = true;
      e.transaction_length = r.Packed();
    }
    if (r.ok() && r.remaining() >= 4) {
      constexpr uint32_t kHighBit32 = 1u << 31;
      e.has_server_versions = true;
      e.immediate_server_version = r.U32();
      if ((e.immediate_server_version & kHighBit32) != 0) {
        e.immediate_server_version &= ~kHighBit32;
        e.original_server_version = r.U32();
      } else {
        e.original_server_version = e.immediate_server_version;
      }
    }
  }
  if (!r.ok()) return Truncated("GTID");
  *out = e;
  return absl::OkStatus();
}

// mysql::serialization variable-length unsigned integer (see the file comment).
bool ReadVarlen(ByteReader& r, uint64_t* out) {
  const uint8_t first = r.U8();
  if (!r.ok()) return false;
  const int bytes = std::countr_one(first) + 1;  // 1..9
  if (bytes == 1) {
    *out = first >> 1;
    return true;
  }
  const uint64_t rest = r.FixedLE(static_cast<size_t>(bytes - 1));
  if (!r.ok()) return false;
  *out = bytes == 9 ? rest : (rest << (8 - bytes)) | (uint64_t{first} >> bytes);
  return true;
}

bool ReadVarlenSigned(ByteReader& r, int64_t* out) {
  uint64_t u = 0;
  if (!ReadVarlen(r, &u)) return false;
  *out = (u & 1) != 0 ? -static_cast<int64_t>(u >> 1) - 1 : static_cast<int64_t>(u >> 1);
  return true;
}

// MySQL GTID tags: a letter or underscore, then letters, digits, underscores; at most 32.
bool IsValidGtidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 32) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    const char c = tag[i];
    const bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// GTID_TAGGED: the sid is stored as 16 varlen bytes, so it is decoded into the scratch
// (the event's views otherwise point into the event buffer).
absl::Status ParseGtidTagged(const EventView& ev, const FormatDescription&, DecodeScratch* scratch,
                             Event* out) {
  ByteReader r(ev.body);
  uint64_t version = 0, size = 0, last_non_ignorable = 0;
  if (!ReadVarlen(r, &version) || !ReadVarlen(r, &size) || !ReadVarlen(r, &last_non_ignorable)) {
    return Truncated("GTID_TAGGED message header");
  }
  if (version != 1) {
    return absl::UnimplementedError(
        StrCat("GTID_TAGGED serialization version ", version, " (only 1 is known)"));
  }
  if (size != ev.body.size()) {
    return absl::DataLossError(
        StrCat("GTID_TAGGED message of ", size, " bytes in a body of ", ev.body.size()));
  }
  MysqlGtidEvent e;
  e.tagged = true;
  e.has_logical_clock = true;
  uint8_t sid[16];
  bool have_sid = false, have_gno = false, have_original_ts = false, have_original_ver = false;
  uint64_t previous_id = 0;
  for (bool first = true; !r.empty(); first = false) {
    uint64_t id = 0;
    if (!ReadVarlen(r, &id)) return Truncated("GTID_TAGGED field id");
    if (!first && id <= previous_id) {
      return absl::DataLossError(StrCat("GTID_TAGGED field ", id, " after field ", previous_id));
    }
    previous_id = id;
    uint64_t u = 0;
    bool ok = true;
    switch (id) {
      case 0:
        ok = ReadVarlen(r, &u) && u <= 0xff;
        e.flags = static_cast<uint8_t>(u);
        break;
      case 1:
        for (uint8_t& b : sid) {
          ok = ok && ReadVarlen(r, &u) && u <= 0xff;
          b = static_cast<uint8_t>(u);
        }
        have_sid = true;
        break;
      case 2:
        ok = ReadVarlenSigned(r, &e.gno) && e.gno >= 1;
        have_gno = true;
        break;
      case 3:
        ok = ReadVarlen(r, &u);
        e.tag = ok ? r.String(u) : std::string_view();
        ok = ok && r.ok() && IsValidGtidTag(e.tag);
        break;
      case 4:
        ok = ReadVarlenSigned(r, &e.last_committed) && e.last_committed >= 0;
        break;
      case 5:
        ok = ReadVarlenSigned(r, &e.sequence_number) && e.sequence_number >= 0;
        break;
      case 6:
        ok = ReadVarlen(r, &e.immediate_commit_us);
        e.has_commit_timestamps = true;
        break;
      case 7:
        ok = ReadVarlen(r, &e.original_commit_us);
        have_original_ts = true;
        break;
      case 8:
        ok = ReadVarlen(r, &e.transaction_length);
        e.has_transaction_length = true;
        break;
      case 9:
        ok = ReadVarlen(r, &u) && u <= UINT32_MAX;
        e.immediate_server_version = static_cast<uint32_t>(u);
        e.has_server_versions = true;
        break;
      case 10:
        ok = ReadVarlen(r, &u) && u <= UINT32_MAX;
        e.original_server_version = static_cast<uint32_t>(u);
        have_original_ver = true;
        break;
      case 11:
        ok = ReadVarlen(r, &e.commit_group_ticket);
        break;
      default:
        // A field of a newer server. Its size is not encoded, so parsing stops here; that
        // is only allowed for fields the writer marked ignorable.
        if (id <= last_non_ignorable) {
          return absl::UnimplementedError(StrCat("GTID_TAGGED has unknown non-ignorable field ", id,
                                                 " (last non-ignorable: ", last_non_ignorable,
                                                 ")"));
        }
        r.Skip(r.remaining());
        continue;
    }
    if (!ok || !r.ok()) {
      return absl::DataLossError(StrCat("GTID_TAGGED field ", id, " truncated or out of range"));
    }
  }
  if (!have_sid || !have_gno) return absl::DataLossError("GTID_TAGGED without sid or gno");
  if (!have_original_ts) e.original_commit_us = e.immediate_commit_us;
  if (!have_original_ver) e.original_server_version = e.immediate_server_version;
  if (scratch->buffer.size() < sizeof sid) scratch->buffer.resize(sizeof sid);
  std::memcpy(scratch->buffer.data(), sid, sizeof sid);
  e.sid = ByteView(scratch->buffer.data(), sizeof sid);
  *out = e;
  return absl::OkStatus();
}

absl::Status ParsePreviousGtids(const EventView& ev, const FormatDescription&, DecodeScratch*,
                                Event* out) {
  PreviousGtidsEvent e;
  e.encoded = ev.body;
  if (ev.body.size() < 8) return Truncated("PREVIOUS_GTIDS");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseTransactionPayload(const EventView& ev, const FormatDescription&, DecodeScratch*,
                                     Event* out) {
  // The FDE announces a post-header length for this type, but the server writes every
  // field as TLV in the body; the post-header is empty in practice.
  ByteReader r(ev.body);
  TransactionPayloadEvent e;
  bool have_size = false;
  while (r.ok()) {
    const uint64_t field = r.Packed();
    if (!r.ok() || field == 0) break;
    ByteReader value(r.Bytes(r.Packed()));
    if (!r.ok()) break;
    switch (field) {
      case 1: e.payload_size = value.Packed(); have_size = true; break;
      case 2: e.compression = static_cast<uint8_t>(value.Packed()); break;
      case 3: e.uncompressed_size = value.Packed(); break;
      default: continue;  // length-delimited field of a newer server
    }
    if (!value.ok()) return absl::DataLossError(StrCat("TRANSACTION_PAYLOAD field ", field, " malformed"));
  }
  if (!r.ok()) return Truncated("TRANSACTION_PAYLOAD header");
  e.payload = r.Rest();
  if (have_size && e.payload.size() != e.payload_size) {
    return absl::DataLossError(StrCat("TRANSACTION_PAYLOAD holds ", e.payload.size(),
                                      " bytes, header says ", e.payload_size));
  }
  if (e.compression != 0 && e.compression != 255) {
    return absl::UnimplementedError(StrCat("TRANSACTION_PAYLOAD compression ", e.compression));
  }
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseAnnotateRows(const EventView& ev, const FormatDescription&, DecodeScratch*,
                               Event* out) {
  *out = AnnotateRowsEvent{AsChars(ev.body)};
  return absl::OkStatus();
}

absl::Status ParseBinlogCheckpoint(const EventView& ev, const FormatDescription&, DecodeScratch*,
                                   Event* out) {
  ByteReader r(ev.body);
  const uint32_t len = r.U32();
  BinlogCheckpointEvent e;
  e.file = r.String(len);
  if (!r.ok()) return Truncated("BINLOG_CHECKPOINT");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseMariaGtid(const EventView& ev, const FormatDescription&, DecodeScratch*,
                            Event* out) {
  ByteReader r(ev.body);
  MariaGtidEvent e;
  e.seq_no = r.U64();
  e.domain_id = r.U32();
  e.flags2 = r.U8();
  e.server_id = ev.header.server_id;
  if ((e.flags2 & MariaGtidEvent::kFlagGroupCommitId) != 0) {
    e.has_commit_id = true;
    e.commit_id = r.U64();
  }
  // An XA transaction's xid follows the commit_id when there is one (both may be set).
  if ((e.flags2 & (MariaGtidEvent::kFlagPreparedXa | MariaGtidEvent::kFlagCompletedXa)) != 0) {
    e.is_xa = true;
    e.xa_format_id = r.U32();
    const uint8_t gtrid_len = r.U8();
    const uint8_t bqual_len = r.U8();
    if (r.ok() && (gtrid_len > 64 || bqual_len > 64)) {
      return absl::DataLossError("MARIA_GTID XA xid longer than 64 bytes");
    }
    e.xa_gtrid = r.Bytes(gtrid_len);
    e.xa_bqual = r.Bytes(bqual_len);
  }
  if (!r.ok()) return Truncated("MARIA_GTID");
  e.extra = r.Rest();
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseMariaGtidList(const EventView& ev, const FormatDescription&, DecodeScratch*,
                                Event* out) {
  ByteReader r(ev.body);
  MariaGtidListEvent e;
  const uint32_t word = r.U32();
  e.count = word & 0x0fffffffu;
  e.flags = static_cast<uint8_t>(word >> 28);
  e.entries = r.Bytes(uint64_t{e.count} * 16);
  if (!r.ok()) return Truncated("GTID_LIST");
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseStartEncryption(const EventView&, const FormatDescription&, DecodeScratch*,
                                  Event*) {
  return absl::FailedPreconditionError(
      "encrypted binlog (START_ENCRYPTION): binsync cannot read encrypted binlog files; read "
      "them through the server (live source), which decrypts, or disable encrypt_binlog");
}

absl::Status ParseTableMap(const EventView& ev, const FormatDescription& fd, DecodeScratch*,
                           Event* out) {
  TableMapEvent e;
  if (absl::Status st = ParseTableMapEvent(ev, fd, &e); !st.ok()) return st;
  *out = e;
  return absl::OkStatus();
}

// Rows events of every version; the compressed types' rows are inflated into the scratch.
absl::Status ParseRows(const EventView& ev, const FormatDescription& fd, DecodeScratch* scratch,
                       Event* out) {
  RowsEvent e;
  if (absl::Status st = ParseRowsEvent(ev, fd, &e); !st.ok()) return st;
  if (e.rows_compressed) {
    if (absl::Status st =
            DecompressRecord(e.rows, scratch->max_uncompressed, &scratch->buffer, &e.rows);
        !st.ok()) {
      return absl::Status(st.code(), StrCat("rows: ", ToStd(st.message())));
    }
    e.rows_compressed = false;
  }
  *out = e;
  return absl::OkStatus();
}

absl::Status ParseUninterpreted(const EventView& ev, const FormatDescription&, DecodeScratch*,
                                Event* out) {
  *out = UninterpretedEvent{ev.header.type, ev.body};
  return absl::OkStatus();
}

// IGNORABLE_LOG_EVENT (28) is ignorable by definition (the server promises it changes no
// data), like an unknown type flagged LOG_EVENT_IGNORABLE_F.
absl::Status ParseIgnorable(const EventView& ev, const FormatDescription&, DecodeScratch*,
                            Event* out) {
  *out = IgnorableEvent{ev.header.type, ev.body};
  return absl::OkStatus();
}

// Known types binsync refuses, each with what to do instead.
absl::Status NotDecodedYet(const EventView& ev, const FormatDescription&, DecodeScratch*, Event*) {
  std::string_view hint;
  switch (static_cast<EventType>(ev.header.type)) {
    case EventType::kWriteRowsV0:
    case EventType::kUpdateRowsV0:
    case EventType::kDeleteRowsV0:
      // Their row images are the table's storage record (engine null bytes, then each
      // field's own packing), which the binlog does not describe.
      hint = "pre-GA MySQL 5.1 rows event (written by 5.1.0-5.1.15): its row images are in "
             "the table's storage format, which the binlog does not describe, so binsync "
             "cannot decode it; read this binlog with the mysqlbinlog of that server, or "
             "upgrade the source and take a fresh copy of the data";
      break;
    case EventType::kLoad:
    case EventType::kNewLoad:
    case EventType::kCreateFile:
    case EventType::kExecLoad:
      hint = "LOAD DATA as MySQL 3.23/4.x logged it is not supported; read this binlog with "
             "the mysqlbinlog of that server, or replay the LOAD DATA by hand";
      break;
    default:
      hint = "this event type is not decoded";
      break;
  }
  return absl::UnimplementedError(absl::string_view(hint.data(), hint.size()));
}

struct Codec {
  std::string_view name;
  ParseFn parse;
};

constexpr std::array<Codec, 256> MakeCodecs() {
  std::array<Codec, 256> t{};
  auto set = [&t](EventType type, std::string_view name, ParseFn fn) {
    t[static_cast<uint8_t>(type)] = {name, fn};
  };
  set(EventType::kStartV3, "START_V3", ParseStartV3);
  set(EventType::kQuery, "QUERY", ParseQuery);
  set(EventType::kStop, "STOP", ParseStop);
  set(EventType::kRotate, "ROTATE", ParseRotate);
  set(EventType::kIntvar, "INTVAR", ParseIntvar);
  set(EventType::kLoad, "LOAD", NotDecodedYet);
  set(EventType::kSlave, "SLAVE", nullptr);
  set(EventType::kCreateFile, "CREATE_FILE", NotDecodedYet);
  set(EventType::kAppendBlock, "APPEND_BLOCK", ParseLoadBlock);
  set(EventType::kExecLoad, "EXEC_LOAD", NotDecodedYet);
  set(EventType::kDeleteFile, "DELETE_FILE", ParseDeleteFile);
  set(EventType::kNewLoad, "NEW_LOAD", NotDecodedYet);
  set(EventType::kRand, "RAND", ParseRand);
  set(EventType::kUserVar, "USER_VAR", ParseUserVar);
  set(EventType::kFormatDescription, "FORMAT_DESCRIPTION", ParseFde);
  set(EventType::kXid, "XID", ParseXid);
  set(EventType::kBeginLoadQuery, "BEGIN_LOAD_QUERY", ParseLoadBlock);
  set(EventType::kExecuteLoadQuery, "EXECUTE_LOAD_QUERY", ParseExecuteLoadQuery);
  set(EventType::kTableMap, "TABLE_MAP", ParseTableMap);
  set(EventType::kWriteRowsV0, "WRITE_ROWS_V0", NotDecodedYet);
  set(EventType::kUpdateRowsV0, "UPDATE_ROWS_V0", NotDecodedYet);
  set(EventType::kDeleteRowsV0, "DELETE_ROWS_V0", NotDecodedYet);
  set(EventType::kWriteRowsV1, "WRITE_ROWS_V1", ParseRows);
  set(EventType::kUpdateRowsV1, "UPDATE_ROWS_V1", ParseRows);
  set(EventType::kDeleteRowsV1, "DELETE_ROWS_V1", ParseRows);
  set(EventType::kIncident, "INCIDENT", ParseIncident);
  set(EventType::kHeartbeat, "HEARTBEAT", ParseHeartbeat);
  set(EventType::kIgnorable, "IGNORABLE", ParseIgnorable);
  set(EventType::kRowsQuery, "ROWS_QUERY", ParseRowsQuery);
  set(EventType::kWriteRowsV2, "WRITE_ROWS_V2", ParseRows);
  set(EventType::kUpdateRowsV2, "UPDATE_ROWS_V2", ParseRows);
  set(EventType::kDeleteRowsV2, "DELETE_ROWS_V2", ParseRows);
  set(EventType::kGtid, "GTID", ParseMysqlGtid);
  set(EventType::kAnonymousGtid, "ANONYMOUS_GTID", ParseMysqlGtid);
  set(EventType::kPreviousGtids, "PREVIOUS_GTIDS", ParsePreviousGtids);
  set(EventType::kTransactionContext, "TRANSACTION_CONTEXT", ParseUninterpreted);
  set(EventType::kViewChange, "VIEW_CHANGE", ParseUninterpreted);
  set(EventType::kXaPrepare, "XA_PREPARE", ParseXaPrepare);
  set(EventType::kPartialUpdateRows, "PARTIAL_UPDATE_ROWS", ParseRows);
  set(EventType::kTransactionPayload, "TRANSACTION_PAYLOAD", ParseTransactionPayload);
  set(EventType::kHeartbeatV2, "HEARTBEAT_V2", ParseUninterpreted);
  set(EventType::kGtidTagged, "GTID_TAGGED", ParseGtidTagged);
  set(EventType::kMariaAnnotateRows, "MARIA_ANNOTATE_ROWS", ParseAnnotateRows);
  set(EventType::kMariaBinlogCheckpoint, "MARIA_BINLOG_CHECKPOINT", ParseBinlogCheckpoint);
  set(EventType::kMariaGtid, "MARIA_GTID", ParseMariaGtid);
  set(EventType::kMariaGtidList, "MARIA_GTID_LIST", ParseMariaGtidList);
  set(EventType::kMariaStartEncryption, "MARIA_START_ENCRYPTION", ParseStartEncryption);
  set(EventType::kMariaQueryCompressed, "MARIA_QUERY_COMPRESSED", ParseQuery);
  set(EventType::kMariaWriteRowsCompressedV1, "MARIA_WRITE_ROWS_COMPRESSED_V1", ParseRows);
  set(EventType::kMariaUpdateRowsCompressedV1, "MARIA_UPDATE_ROWS_COMPRESSED_V1", ParseRows);
  set(EventType::kMariaDeleteRowsCompressedV1, "MARIA_DELETE_ROWS_COMPRESSED_V1", ParseRows);
  set(EventType::kMariaWriteRowsCompressed, "MARIA_WRITE_ROWS_COMPRESSED", ParseRows);
  set(EventType::kMariaUpdateRowsCompressed, "MARIA_UPDATE_ROWS_COMPRESSED", ParseRows);
  set(EventType::kMariaDeleteRowsCompressed, "MARIA_DELETE_ROWS_COMPRESSED", ParseRows);
  return t;
}
constexpr std::array<Codec, 256> kCodecs = MakeCodecs();

}  // namespace

std::string_view IncidentName(uint16_t incident) {
  switch (incident) {
    case 0: return "NONE";
    case 1: return "LOST_EVENTS";
    default: return "UNKNOWN";
  }
}

std::string_view ExecuteLoadQueryEvent::file_name() const {
  return query.sql.substr(fn_pos_start, fn_pos_end - fn_pos_start);
}

std::string_view EventTypeName(uint8_t type) {
  if (!kCodecs[type].name.empty()) return kCodecs[type].name;
  static const std::array<std::string, 256>* const kUnknownNames = [] {
    auto* names = new std::array<std::string, 256>;
    for (size_t i = 0; i < names->size(); ++i) (*names)[i] = StrCat("UNKNOWN_", i);
    return names;
  }();
  return (*kUnknownNames)[type];
}

absl::Status PreviousGtidsEvent::Decode(std::vector<Entry>* out) const {
  out->clear();
  ByteReader r(encoded);
  const uint64_t word = r.U64();
  // Untagged sets hold n_sids in the whole word (top byte 0); tagged ones mark the format
  // in the top and bottom bytes and hold n_sids in between.
  const uint8_t format = static_cast<uint8_t>(word >> 56);
  if (r.ok() && format > 1) {
    return absl::DataLossError(StrCat("PREVIOUS_GTIDS set format ", format, " unknown"));
  }
  const bool tagged = format == 1;
  if (r.ok() && tagged && (word & 0xff) != 1) {
    return absl::DataLossError("PREVIOUS_GTIDS tagged set with an inconsistent format word");
  }
  const uint64_t n_sids = tagged ? (word >> 8) & ((uint64_t{1} << 48) - 1) : word;
  if (!r.ok() || n_sids > r.remaining() / (tagged ? 25 : 24)) {
    return absl::DataLossError(StrCat("PREVIOUS_GTIDS sid count ", n_sids, " invalid"));
  }
  for (uint64_t i = 0; i < n_sids; ++i) {
    Entry e;
    e.sid = r.Bytes(16);
    if (tagged) {
      uint64_t tag_len = 0;
      if (!ReadVarlen(r, &tag_len)) return Truncated("PREVIOUS_GTIDS tag");
      e.tag = r.String(tag_len);
      if (r.ok() && !e.tag.empty() && !IsValidGtidTag(e.tag)) {
        return absl::DataLossError("PREVIOUS_GTIDS tag is not a valid GTID tag");
      }
    }
    const uint64_t n = r.U64();
    if (!r.ok() || n > r.remaining() / 16) return Truncated("PREVIOUS_GTIDS intervals");
    for (uint64_t k = 0; k < n; ++k) {
      Interval iv;
      iv.start = static_cast<int64_t>(r.U64());
      iv.end = static_cast<int64_t>(r.U64());
      e.intervals.push_back(iv);
    }
    out->push_back(std::move(e));
  }
  if (!r.ok()) return Truncated("PREVIOUS_GTIDS");
  if (!r.empty()) return absl::DataLossError("PREVIOUS_GTIDS has trailing bytes");
  return absl::OkStatus();
}

void AppendUuidText(ByteView sid, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < sid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out->push_back('-');
    out->push_back(kHex[sid[i] >> 4]);
    out->push_back(kHex[sid[i] & 15]);
  }
}

void AppendMysqlGtidText(const MysqlGtidEvent& gtid, std::string* out) {
  if (gtid.anonymous) return;
  AppendUuidText(gtid.sid, out);
  if (!gtid.tag.empty()) StrAppend(out, ":", gtid.tag);
  StrAppend(out, ":", gtid.gno);
}

MariaGtidListEvent::Entry MariaGtidListEvent::At(size_t i) const {
  const uint8_t* p = entries.data() + i * 16;
  return {static_cast<uint32_t>(LoadLE(p, 4)), static_cast<uint32_t>(LoadLE(p + 4, 4)),
          LoadLE(p + 8, 8)};
}

absl::Status DecodeEvent(const EventView& event, const FormatDescription& fd,
                         std::string_view file, Event* out) {
  thread_local DecodeScratch scratch;
  return DecodeEvent(event, fd, file, &scratch, out);
}

absl::Status DecodeEvent(const EventView& event, const FormatDescription& fd, std::string_view file,
                         DecodeScratch* scratch, Event* out) {
  const uint8_t type = event.header.type;
  const Codec& codec = kCodecs[type];
  absl::Status st;
  if (!fd.seen && type != static_cast<uint8_t>(EventType::kFormatDescription) &&
      type != static_cast<uint8_t>(EventType::kStartV3) &&
      type != static_cast<uint8_t>(EventType::kRotate)) {
    st = absl::FailedPreconditionError("event before the first FORMAT_DESCRIPTION");
  } else if (codec.parse != nullptr) {
    st = codec.parse(event, fd, scratch, out);
  } else if (codec.name.empty() && (event.header.flags & kFlagIgnorable) != 0) {
    *out = IgnorableEvent{type, event.body};
  } else if (codec.name.empty()) {
    st = absl::DataLossError(
        "unknown event type without LOG_EVENT_IGNORABLE_F: cannot be skipped safely");
  } else {
    st = absl::UnimplementedError(
        "obsolete event type (MySQL 3.23/4.x replication) is not supported; read this binlog "
        "with the mysqlbinlog of that server");
  }
  if (!st.ok()) return EventError(st, file, event.offset, type);
  return absl::OkStatus();
}

}  // namespace binsync::binlog
