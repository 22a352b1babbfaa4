// The server side of one replica connection, sans I/O: bytes from the replica in, bytes to
// send and what the replica asks for out. The listener (net/relay/) owns the socket and the
// source stream; this class only decides what a MariaDB master would answer.
//
// The conversation (a MariaDB 10.x replica, sql/slave.cc):
//   Start()        -> HandshakeV10 (the scramble is the caller's random bytes)
//   HandshakeResponse41 -> OK, or ERR 1045 and close (wrong user or password)
//   COM_QUERY ...  -> answers from the source's facts (SessionFacts):
//     SELECT UNIX_TIMESTAMP()                  the caller's clock
//     SHOW VARIABLES LIKE 'SERVER_ID'          the source's server_id (see below)
//     SELECT @@GLOBAL.gtid_domain_id           the source's
//     SELECT @master_binlog_checksum           what the replica SET (CRC32 or NONE)
//     SELECT @@version (and VERSION())         the source's version
//     SET @master_heartbeat_period=<ns>        remembered: the idle heartbeat period
//     SET @master_binlog_checksum=...          @@global.binlog_checksum: the source's
//     SET @slave_connect_state='<gtid pos>'    remembered: where the dump starts
//     SET @mariadb_slave_capability, @slave_gtid_strict_mode, other SETs -> OK
//     anything else -> ERR 1064 naming the query (the replica logs it)
//   COM_REGISTER_SLAVE -> OK (the replica's server_id is remembered)
//   COM_PING -> OK; COM_QUIT -> close
//   COM_BINLOG_DUMP -> SessionStep::kDump: the caller streams from then on (no reply here)
// Garbage (a malformed packet, an unknown command, a packet over kMaxRequest) -> ERR and
// close; never a crash.
//
// The server_id binsync presents is the source's: relayed events keep their origin ids, so
// the replica sees the master it really replicates (SHOW SLAVE STATUS' Master_Server_Id),
// and it differs from the replica's own (binsync refuses source == target). A replica that
// registers with the presented id is refused (it would drop every event as its own).
#ifndef BINSYNC_CORE_RELAY_SESSION_H_
#define BINSYNC_CORE_RELAY_SESSION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "core/relay/protocol.h"

namespace binsync::relay {

// What the replica is told about its master (read from the source at start).
struct SessionFacts {
  std::string source_version;  // @@version, e.g. "10.11.6-MariaDB-log"
  uint32_t server_id = 0;      // the id presented: the source's
  uint32_t gtid_domain_id = 0;
  bool source_checksum = true;  // the source's binlog_checksum is CRC32
};

// Who may connect.
struct SessionAuth {
  std::string user = "binsync";
  Sha1Digest password_hash{};  // NativePasswordHash(password)
};

// What COM_BINLOG_DUMP asked for, with what the session was told before it.
struct DumpRequest {
  MariaDbGtidPos start;            // @slave_connect_state (empty: from the beginning)
  bool checksum = false;           // CRC32 on every event
  uint64_t heartbeat_period_ns = 0;  // 0: no heartbeats asked
  bool annotate_rows = false;      // COM_BINLOG_DUMP flag 2
  uint32_t replica_server_id = 0;
  bool gtid_mode = false;          // @slave_connect_state was set (MASTER_USE_GTID)
};

enum class SessionStep : uint8_t {
  kContinue,  // send the output, read more
  kDump,      // send the output, then stream the binlog (dump_request())
  kClose,     // send the output, then close the connection
};

class Session {
 public:
  // The largest request a replica sends is a few hundred bytes; more is refused.
  static constexpr size_t kMaxRequest = 1 << 20;

  Session(SessionFacts facts, SessionAuth auth, uint32_t connection_id);

  // The greeting (HandshakeV10), framed. `random20`: 20 random bytes for the scramble.
  void Start(ByteView random20, std::vector<uint8_t>* out);

  // Feeds bytes read from the replica (any split); appends what to send. `now_unix`
  // answers SELECT UNIX_TIMESTAMP(). After kDump or kClose, further input is ignored.
  [[nodiscard]] SessionStep Feed(ByteView in, int64_t now_unix, std::vector<uint8_t>* out);

  [[nodiscard]] const DumpRequest& dump_request() const { return dump_; }
  // Why the session closed ("" while open or after COM_QUIT): for the listener's log.
  [[nodiscard]] const std::string& close_reason() const { return close_reason_; }
  [[nodiscard]] bool authenticated() const { return authenticated_; }

 private:
  enum class State : uint8_t { kAuth, kCommand, kDone };

  SessionStep OnPacket(const PacketView& p, int64_t now_unix, std::vector<uint8_t>* out);
  SessionStep OnHandshakeResponse(const PacketView& p, std::vector<uint8_t>* out);
  SessionStep OnCommand(const PacketView& p, int64_t now_unix, std::vector<uint8_t>* out);
  SessionStep OnQuery(std::string_view sql, int64_t now_unix, std::vector<uint8_t>* out);
  SessionStep OnSet(std::string_view sql, std::vector<uint8_t>* out);
  void Ok(uint8_t seq, std::vector<uint8_t>* out);
  void OneValue(std::string_view column, std::string_view value, std::vector<uint8_t>* out);
  SessionStep Fail(uint8_t seq, uint16_t code, std::string_view sqlstate, std::string message,
                   std::vector<uint8_t>* out);

  SessionFacts facts_;
  SessionAuth auth_;
  uint32_t connection_id_;
  Scramble scramble_{};
  State state_ = State::kAuth;
  bool authenticated_ = false;
  std::vector<uint8_t> in_;  // bytes not yet a whole packet
  DumpRequest dump_;
  std::string checksum_name_;  // what SET @master_binlog_checksum made it ("" unset)
  std::string close_reason_;
};

// The value of `SET @name = value` (quotes removed) when `sql` sets user variable `name`
// (case-insensitive, spaces allowed), else nullopt-like false. Exposed for tests.
[[nodiscard]] bool UserVariableAssignment(std::string_view sql, std::string_view name,
                                          std::string* value);

}  // namespace binsync::relay

#endif  // BINSYNC_CORE_RELAY_SESSION_H_
