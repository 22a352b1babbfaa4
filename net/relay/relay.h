// replicate --mode relay: binsync as the MariaDB master the target's own replication
// applies from. It listens (Boost.Asio, loopback by default) for one replica at a time,
// answers its conversation with core/relay/session, and when the replica asks for the
// binlog streams the source from the replica's @slave_connect_state:
//
//   BinlogStream -> Assembler -> loop filter -> WritesetBuilder -> CommitGrouper
//     -> Reframer -> the replica's socket (blocking writes: a slow replica stops the reading)
//
// The target's crash-safe position is its own gtid_slave_pos: binsync keeps no checkpoint,
// and a restarted binsync (or a reconnecting replica) starts wherever the replica asks.
// The stream lease of live/catchup is held for the whole run, so a relay and a live or
// catchup stream of one direction never run at once.
//
// --attach: binsync configures the target's channel 'binsync' (CHANGE MASTER ...
// MASTER_USE_GTID=slave_pos, START SLAVE) and removes it at the end unless keep_attached.
// The password is sent as an escaped literal and is never logged or printed.
#ifndef BINSYNC_NET_RELAY_RELAY_H_
#define BINSYNC_NET_RELAY_RELAY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "core/relay/commit_groups.h"
#include "core/schema/table_info.h"
#include "net/mysql/binlog_stream.h"
#include "net/mysql/connection.h"

namespace binsync {

// The target's replication channel binsync attaches.
inline constexpr const char* kRelayChannel = "binsync";

struct RelayCounters {
  std::atomic<uint64_t> connections{0};    // replicas that asked for the binlog
  std::atomic<uint64_t> sent_txns{0};      // transactions sent
  std::atomic<uint64_t> grouped_txns{0};   // of them, sent with a commit_id (in a group)
  std::atomic<uint64_t> skipped_own{0};    // loop filter: the target's or binsync's server_id
  std::atomic<uint64_t> skipped_filtered{0};  // nothing left after --databases/--tables
};

struct RelayOptions {
  ConnectOptions source;
  ConnectOptions target;
  uint32_t server_id = kDefaultBinsyncServerId;  // binsync's, as a replica of the source
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // 0: any free port
  std::string user = "binsync";
  std::string password;      // what the replica must present; never logged
  relay::GroupBy group_by = relay::GroupBy::kWriteset;
  schema::TableFilter filter;  // --databases/--tables (null: everything)
  size_t stream_above_bytes = 32u << 20;
  bool attach = false;
  bool keep_attached = false;
  const std::atomic<bool>* stop = nullptr;
  std::string label;
  // Called once listening, with the port (the CLI prints where to point the replica).
  std::function<void(uint16_t port)> on_listening;
  RelayCounters* counters = nullptr;  // may be null
};

// Serves until *stop (exit status OK) or an error that stops the relay (the lease lost to
// another process, the listener cannot bind, the channel cannot be attached).
[[nodiscard]] absl::Status RunRelay(const RelayOptions& options);

// The CHANGE MASTER statement that points the target at the listener; `password_sql` is put
// in as given (an escaped literal, or a placeholder for printing).
[[nodiscard]] std::string RelayChangeMasterSql(const std::string& host, uint16_t port,
                                               const std::string& user_sql,
                                               const std::string& password_sql);

}  // namespace binsync

#endif  // BINSYNC_NET_RELAY_RELAY_H_
