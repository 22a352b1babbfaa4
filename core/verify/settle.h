// verify's settle rule: when a row that differs between two live, replicating servers may
// be reported as a difference, when it must be listed as unsettled, and when verify
// waits. Pure: the executor (net/verify/verify_runner) reads rows and GTID positions, waits with
// MASTER_GTID_WAIT and reads the ahead side's binlog; these functions decide.
//
// A difference is settled when two reads of the row show the same images on both sides
// and, between the two reads, each side either applied everything the other had at the
// first read (caught up) or stalled (no progress for the settle budget) with none of what
// it still lacks touching the row. A row that what a stalled side lacks does touch, or
// that kept changing through every recheck, is unsettled: listed, never repaired.
//
// A broken channel (stopped by an SQL error) is a side that will apply nothing more until
// a DBA mends it: what it lacks of the other's binlog is read at once, and a row that it
// touches is unsettled from its first read (a repair would revert the other master's own
// writes, which the broken side applies once mended). BacklogScanFor decides from each
// side's channel; SettleRow decides each row.
#ifndef BINSYNC_CORE_VERIFY_SETTLE_H_
#define BINSYNC_CORE_VERIFY_SETTLE_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/topology/server_facts.h"

namespace binsync {

// How one side of the pair replicates the other's writes.
enum class Channel {
  kNone,     // no channel from the other: none of its writes will arrive (a master/replica
             // pair's master; a repair of B writes over B's own changes, as asked)
  kRunning,  // its SQL thread runs
  kStopped,  // stopped without an error (paused, or delayed on purpose): may resume
  kBroken,   // stopped by an SQL error: applies nothing more until a DBA mends it
};

// The channel of `channels` (one server's) that replicates the server `other_server_id`:
// its source's server_id is that one, or unknown (0: not connected since the replica
// started; counted, to be safe). Several: the worst (broken, stopped, running). `which`
// (optional) receives the deciding channel.
[[nodiscard]] Channel ChannelFrom(const std::vector<ReplicationChannel>& channels,
                                  uint32_t other_server_id,
                                  const ReplicationChannel** which = nullptr);

// When verify reads what a side lacks of the other's binlog (its backlog).
enum class BacklogScan {
  kNever,         // kNone: nothing of the other's will arrive
  kWhenStalled,   // kRunning, kStopped: wait while it progresses, read once it stalls
  kAtOnce,        // kBroken: read before any row of the table is settled, from the
                  // position where its SQL thread stopped (gtid_slave_pos)
};
[[nodiscard]] BacklogScan BacklogScanFor(Channel c);

// The one line that says a pair is broken: `replica` (host:port) stopped applying
// `channel` (from `source`, host:port) on its error, rows it lacks are listed as unsettled
// and never repaired, and `binsync resync` is the tool.
[[nodiscard]] std::string BrokenPairLine(const std::string& replica, const std::string& source,
                                         const ReplicationChannel& channel);

enum class Settle { kWait, kSettled, kUnsettled };
[[nodiscard]] const char* SettleName(Settle s);

// How one side stood, between two reads of a row, toward what the other side had
// applied at the first read.
enum class CatchUp {
  kCaughtUp,          // applied all of it, or receives nothing (no replication to wait for)
  kStalledUntouched,  // no progress for the budget; nothing it still lacks touches the row
  kStalledTouched,    // no progress for the budget; what it still lacks touches the row
};

struct RowReads {
  bool have_previous = false;  // the row was read before and differed then
  bool unchanged = false;      // both sides' images are those of the previous read
  CatchUp a = CatchUp::kCaughtUp;  // between the previous read and this one
  CatchUp b = CatchUp::kCaughtUp;
  bool last_attempt = false;   // no recheck left (--rechecks)
  // Some side may still apply something (a channel runs or is stopped without an error);
  // false: no read can change, the first one decides.
  bool live = true;
};

// The rule above for one row that differs in its latest read. A side whose backlog is
// known to touch the row (a broken channel's, read at once, or a stalled one's) makes it
// unsettled at any read; without live replication the first read decides the rest.
[[nodiscard]] Settle SettleRow(const RowReads& r);

// One side catching up to a target position while verify waits. Progress is any change
// of the side's applied position; the side stalls once its position has not changed for
// `budget_s` seconds of waiting. A side found stalled stays stalled at the next Begin()
// while its position is the same (one wait per stall, not one per chunk).
class CatchUpWatch {
 public:
  enum class Verdict { kKeepWaiting, kCaughtUp, kStalled };

  explicit CatchUpWatch(double budget_s) : budget_s_(budget_s) {}

  // A new wait starts at `now_s` with the side at `applied`.
  [[nodiscard]] Verdict Begin(std::string_view applied, double now_s);
  // A check during the wait: the side's position now, and whether it covers the target.
  [[nodiscard]] Verdict Observe(std::string_view applied, bool reached, double now_s);

  [[nodiscard]] double budget_s() const { return budget_s_; }

 private:
  double budget_s_;
  std::string last_;          // the position at the last progress
  double progress_at_s_ = 0;  // when the position last changed (or the wait began)
  bool stalled_ = false;
};

// The rows a stalled side still lacks: keys of the row changes in the ahead side's
// binlog past the stalled side's position, by table ("db.table"). Key values are text,
// in key column order. String keys compare as a unique index might (ASCII case folded,
// trailing spaces ignored); a key with a byte past ASCII on either side, a table whose
// rows could not be keyed, and a statement (DDL, statement-based DML: any table) touch
// conservatively.
class InFlightRows {
 public:
  void AddRow(const std::string& table, const std::vector<std::string>& key);
  void AddTable(const std::string& table) { whole_.insert(table); }
  void AddEverything() { everything_ = true; }

  [[nodiscard]] bool Touches(const std::string& table, const std::vector<std::string>& key) const;
  [[nodiscard]] bool empty() const { return !everything_ && whole_.empty() && keys_.empty(); }

 private:
  bool everything_ = false;
  std::set<std::string> whole_;
  std::set<std::string> loose_;  // tables with a key past ASCII: any key touches
  std::map<std::string, std::set<std::vector<std::string>>> keys_;
};

// Where to read the ahead side's binlog from to see what the stalled side lacks, as a
// MariaDB GTID position: per GTID domain the lower of the two positions (`behind_pos`,
// what the stalled side applied; `ahead_pos`, what the ahead side binlogged). A domain only
// one of them has is left out (the ahead side's binlog is then read from its start for
// it, or it is not in that binlog). Empty when either position is not a MariaDB GTID
// position (MySQL's GTID sets are not read).
[[nodiscard]] std::string BacklogStart(const std::string& behind_pos, const std::string& ahead_pos);

}  // namespace binsync

#endif  // BINSYNC_CORE_VERIFY_SETTLE_H_
