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
#ifndef BINSYNC_CORE_VERIFY_SETTLE_H_
#define BINSYNC_CORE_VERIFY_SETTLE_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace binsync {

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
};

// The rule above for one row that differs in its latest read (with replication live;
// without it every difference is settled at its first read).
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
