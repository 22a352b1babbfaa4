#include "net/mysql/binlog_stream.h"

#include <mysql.h>
#include <mariadb_rpl.h>

#include <string>
#include <utility>

#include "core/gtid/mariadb_gtid.h"
#include "core/util/server_error.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {

using binlog::ChecksumAlgorithm;
using binlog::EventType;

absl::Status ParseStartPosition(std::string_view text, BinlogStreamOptions* options) {
  options->start_gtid.clear();
  options->start_file.clear();
  options->start_pos = 4;
  if (text.empty()) return absl::OkStatus();
  const size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view pos = text.substr(colon + 1);
    uint64_t value = 0;
    bool ok = !pos.empty() && colon > 0;
    for (char ch : pos) {
      if (ch < '0' || ch > '9' || value > (UINT64_MAX - 9) / 10) {
        ok = false;
        break;
      }
      value = value * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (!ok || value < 4) {
      return absl::InvalidArgumentError(
          StrCat("--start ", text, ": expected file:pos with pos >= 4, e.g. binlog.000003:4"));
    }
    options->start_file = std::string(text.substr(0, colon));
    options->start_pos = value;
    return absl::OkStatus();
  }
  absl::StatusOr<MariaDbGtidPos> gtid = ParseMariaDbGtidPos(text);
  if (!gtid.ok()) {
    return absl::InvalidArgumentError(
        StrCat("--start ", text, ": expected a MariaDB GTID position like 0-1-100,1-2-7 or "
                                 "file:pos like binlog.000003:4"));
  }
  options->start_gtid = FormatMariaDbGtidPos(*gtid);
  return absl::OkStatus();
}

BinlogStream::~BinlogStream() {
  if (event_ != nullptr) mariadb_free_rpl_event(event_);
  if (rpl_ != nullptr) mariadb_rpl_close(rpl_);
}

absl::StatusOr<std::unique_ptr<BinlogStream>> BinlogStream::Open(
    const BinlogStreamOptions& options) {
  std::unique_ptr<BinlogStream> s(new BinlogStream());
  ASSIGN_OR_RETURN(s->conn_, Connection::Open(options.connect));
  Connection& c = s->conn_;
  const std::string& ep = c.endpoint();

  ASSIGN_OR_RETURN(auto log_bin, c.QueryValue("SELECT @@global.log_bin"));
  if (log_bin.value_or("0") != "1") {
    return absl::FailedPreconditionError(
        StrCat(ep, ": binary logging is off (log_bin=0); start the server with log_bin so "
                   "binsync can read its changes"));
  }
  ASSIGN_OR_RETURN(auto format, c.QueryValue("SELECT @@global.binlog_format"));
  if (!EqualsIgnoreCase(format.value_or(""), "ROW")) {
    // Not fatal: statement events are still streamed; consumers that need rows say so.
    // Replicate refuses separately where it matters.
  }
  ASSIGN_OR_RETURN(s->source_server_id_, ServerIdOf(c));
  if (s->source_server_id_ == options.server_id) {
    return absl::InvalidArgumentError(
        StrCat(ep, ": the server's server_id is ", options.server_id,
               ", the same as binsync's replica id; pass --server-id with an unused id"));
  }

  // Announce what we understand: checksums as the server writes them (verified here),
  // GTID events (capability 4), and the heartbeat period in nanoseconds.
  RETURN_IF_ERROR(c.Execute("SET @master_binlog_checksum = @@global.binlog_checksum"));
  ASSIGN_OR_RETURN(auto checksum, c.QueryValue("SELECT @master_binlog_checksum"));
  // Events before the first FORMAT_DESCRIPTION (the server's artificial ROTATE) already
  // carry the checksum the server announced.
  s->initial_checksum_ = EqualsIgnoreCase(checksum.value_or(""), "CRC32")
                             ? ChecksumAlgorithm::kCrc32
                             : ChecksumAlgorithm::kOff;
  RETURN_IF_ERROR(c.Execute("SET @mariadb_slave_capability = 4"));
  RETURN_IF_ERROR(c.Execute(StrCat("SET @master_heartbeat_period = ",
                                   static_cast<uint64_t>(options.heartbeat.count()) * 1000000)));
  if (!options.start_gtid.empty()) {
    if (!c.is_mariadb()) {
      return absl::UnimplementedError(
          StrCat(ep, ": GTID start positions are implemented for MariaDB sources only; "
                     "start MySQL sources at file:pos"));
    }
    RETURN_IF_ERROR(c.Execute(StrCat("SET @slave_connect_state = ",
                                     c.QuoteLiteral(options.start_gtid))));
    RETURN_IF_ERROR(c.Execute("SET @slave_gtid_strict_mode = 0"));
    RETURN_IF_ERROR(c.Execute("SET @slave_gtid_ignore_duplicates = 0"));
  }

  s->rpl_ = mariadb_rpl_init(c.raw());
  if (s->rpl_ == nullptr) return c.LastError("initialising the binlog stream");
  const std::string file = options.start_gtid.empty() ? options.start_file : std::string();
  const unsigned long start =  // NOLINT(google-runtime-int): libmariadb's type
      options.start_gtid.empty() ? static_cast<unsigned long>(options.start_pos) : 4;
  const unsigned int flags = options.stop_at_end ? MARIADB_RPL_BINLOG_DUMP_NON_BLOCK : 0;
  if (mariadb_rpl_optionsv(s->rpl_, MARIADB_RPL_FILENAME, file.c_str(), file.size()) != 0 ||
      mariadb_rpl_optionsv(s->rpl_, MARIADB_RPL_START, start) != 0 ||
      mariadb_rpl_optionsv(s->rpl_, MARIADB_RPL_SERVER_ID, options.server_id) != 0 ||
      mariadb_rpl_optionsv(s->rpl_, MARIADB_RPL_FLAGS, flags) != 0) {
    return absl::InternalError(StrCat(ep, ": setting binlog stream options: ",
                                      mariadb_rpl_error(s->rpl_)));
  }
  if (mariadb_rpl_open(s->rpl_) != 0) {
    const char* err = mariadb_rpl_error(s->rpl_);
    std::string msg = err != nullptr && err[0] != 0 ? err : mysql_error(c.raw());
    absl::Status st = absl::UnavailableError(StrCat(ep, ": starting the binlog dump failed: ",
                                                    msg, "; check the start position and that "
                                                    "the user has REPLICATION SLAVE"));
    if (const unsigned number = mysql_errno(c.raw()); number != 0) {
      st = WithServerError(std::move(st), ServerError{number, mysql_sqlstate(c.raw()), msg});
    }
    return st;
  }
  s->file_ = file;
  s->position_ = start;
  return s;
}

absl::Status BinlogStream::Fail(absl::Status st) {
  error_ = st;
  return st;
}

absl::StatusOr<bool> BinlogStream::Next(binlog::EventView* event) {
  if (!error_.ok()) return error_;
  event_ = mariadb_rpl_fetch(rpl_, event_);
  if (event_ == nullptr) {
    MYSQL* m = conn_.raw();
    const unsigned int err = mysql_errno(m);
    if (err == 0) return false;  // end of a non-blocking dump
    std::string msg = mysql_error(m);
    const ServerError server_error{err, mysql_sqlstate(m), msg};
    std::string where = file_.empty() ? std::string() : StrCat(" at ", file_, ":", position_);
    if (err == kErMasterFatalReadingBinlog) {
      return Fail(WithServerError(
          absl::FailedPreconditionError(StrCat(
              conn_.endpoint(), ": the server cannot send the binlog", where, ": ", msg,
              " (error 1236); start at an event boundary the server still has (SHOW BINARY "
              "LOGS); if it was purged, resync this pair")),
          server_error));
    }
    // Any other error ends this dump: kUnavailable whatever StatusCodeForError says, so the
    // replicator reconnects and resumes from its checkpoint.
    return Fail(WithServerError(
        absl::UnavailableError(StrCat(conn_.endpoint(), ": binlog stream lost", where, ": ",
                                      msg, " (error ", err, ")")),
        server_error));
  }
  // raw_data is the whole packet: the OK byte (0x00), then exactly one event (no
  // semi-sync header: binsync does not ask for semi-sync).
  if (event_->raw_data_size < 1 || event_->raw_data[0] != 0) {
    return Fail(absl::DataLossError(StrCat(conn_.endpoint(), ": unexpected binlog packet at ",
                                           file_, ":", position_)));
  }
  binlog::ByteView raw(event_->raw_data + 1, event_->raw_data_size - 1);
  binlog::EventHeader header;
  if (absl::Status st = binlog::ParseEventHeader(raw, &header); !st.ok()) {
    return Fail(binlog::EventError(st, file_, position_, 0));
  }
  const uint64_t offset =
      header.log_pos >= header.event_size ? header.log_pos - header.event_size : position_;
  if (header.event_size != raw.size()) {
    return Fail(binlog::EventError(
        absl::DataLossError(StrCat("event size ", header.event_size, " but packet holds ",
                                   raw.size(), " bytes")),
        file_, offset, header.type));
  }
  const ChecksumAlgorithm checksum = format_.seen ? format_.checksum : initial_checksum_;
  if (absl::Status st = binlog::FrameEvent(raw, offset, checksum, format_.header_length, event); !st.ok()) {
    return Fail(binlog::EventError(st, file_, offset, header.type));
  }
  const auto type = static_cast<EventType>(header.type);
  if (type == EventType::kFormatDescription) {
    binlog::FormatDescription fd;
    if (absl::Status st = binlog::ParseFormatDescription(*event, &fd); !st.ok()) {
      return Fail(binlog::EventError(st, file_, offset, header.type));
    }
    format_ = std::move(fd);
    format_.seen = true;
  } else if (type == EventType::kRotate) {
    binlog::Event decoded;
    if (absl::Status st = Decode(*event, &decoded); !st.ok()) return Fail(st);
    const auto& rotate = std::get<binlog::RotateEvent>(decoded);
    file_.assign(rotate.next_file);
    position_ = rotate.position;
    return true;
  }
  // Artificial events (log_pos 0) do not move the position.
  if (header.log_pos != 0) position_ = header.log_pos;
  return true;
}

}  // namespace binsync
