// One server's side of a verify run (its connection, statement cache, hash functions and
// replication standing) and the I/O that reads its GTID state, waits for it to catch up,
// or reads what it lacks from the other side's binlog. Internal to net/verify.
#ifndef BINSYNC_NET_VERIFY_SIDE_H_
#define BINSYNC_NET_VERIFY_SIDE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "net/mysql/connection.h"
#include "net/mysql/statement.h"
#include "core/util/clock.h"
#include "core/util/status_macros.h"
#include "core/verify/settle.h"
#include "core/verify/sql.h"

namespace binsync::verify {

// One server's side of the comparison: its connection and statement cache. Used by one
// thread at a time (A on the caller's thread, B on a helper thread per step).
struct Side {
  Connection conn;
  HashFunctions hash = HashFunctions::kMariaDb;
  uint32_t server_id = 0;
  std::optional<uint32_t> domain_id;  // MariaDB gtid_domain_id
  // May still apply the other side's transactions: a replication channel whose SQL thread
  // runs, or was stopped without an error (paused, or lagging on purpose). A channel
  // stopped by an error is broken: what it lacks is not in flight, and is read from the
  // other's binlog at once (backlog_scan).
  bool replicating = false;
  std::vector<ReplicationChannel> channels;  // every replication channel, as opened
  // Its channel from the other side of the pair (StandPair), and when verify reads what it
  // lacks of the other's binlog.
  Channel from_other = Channel::kNone;
  BacklogScan backlog_scan = BacklogScan::kNever;
  ConnectOptions connect;  // for the backlog scan (ScanBacklog)
  std::optional<CatchUpWatch> watch;  // settle budget across the whole run
  Clock::time_point epoch = Clock::now();
  // What this side lacks of the other's binlog, as last scanned while it was stalled: at
  // its applied position `backlog_from`, the other's binlog read up to `backlog_to`.
  std::string backlog_from;
  std::string backlog_to;
  InFlightRows backlog;
  std::map<std::string, PreparedStatement> cache;

  absl::StatusOr<PreparedStatement*> Stmt(const std::string& sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      ASSIGN_OR_RETURN(PreparedStatement ps, PreparedStatement::Prepare(conn, sql));
      it = cache.emplace(sql, std::move(ps)).first;
    }
    return &it->second;
  }
};

// Opens `co` and learns its facts: flavour (and so the hash functions), server_id, GTID
// domain, whether it replicates. Reads at READ COMMITTED.
[[nodiscard]] absl::Status OpenSide(const ConnectOptions& co, Side* s);

// Each side's channel from the other (core/verify/settle.h's ChannelFrom, BacklogScanFor);
// a broken one's BrokenPairLine is appended to `broken`.
void StandPair(Side& a, Side& b, std::vector<std::string>* broken);

// The transactions `s` has applied, as its GTID state (MariaDB current_pos, MySQL executed);
// empty without `live` replication, where nothing reads it (no query then).
[[nodiscard]] absl::StatusOr<std::string> GtidState(Side& s, bool live);

// Waits until `s` has applied the other side's position (its own writes excluded: those
// with its server_id, and those in its own GTID domain, which it wrote or binsync applied
// there in catchup mode; it never receives them back), for as long as its applied
// position moves: kCaughtUp, or kStalled once it has not moved for the settle budget.
[[nodiscard]] absl::StatusOr<CatchUpWatch::Verdict> CatchUpTo(Side& s, const std::string& other_pos);

// What stalled or broken `behind` lacks of `ahead`: the rows of every transaction in
// ahead's binlog past behind's applied position (broken: where its SQL thread stopped,
// gtid_slave_pos), up to the binlog's end now. Kept in `behind` and read
// on from where it stopped while behind stays where it stalled. A backlog that cannot be
// read touches everything.
const InFlightRows& ScanBacklog(Side& behind, Side& ahead);

// True when a recheck could see something else (see MayStillConverge).
[[nodiscard]] bool InFlight(const Side& a, const std::string& pos_a, const Side& b,
                            const std::string& pos_b);

[[nodiscard]] absl::StatusOr<int64_t> ThreadsRunning(Connection& c);

}  // namespace binsync::verify

#endif  // BINSYNC_NET_VERIFY_SIDE_H_
