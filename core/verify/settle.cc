#include "core/verify/settle.h"

#include "core/gtid/mariadb_gtid.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

// The form under which two key values a unique index may consider equal compare equal
// (ASCII folded, trailing spaces dropped); false when a byte is past ASCII (collations
// and charsets decide then: the caller treats the key as touched).
bool Fold(std::string_view v, std::string* out) {
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  out->clear();
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return false;
    out->push_back(u >= 'A' && u <= 'Z' ? static_cast<char>(u - 'A' + 'a') : c);
  }
  return true;
}

bool FoldKey(const std::vector<std::string>& key, std::vector<std::string>* out) {
  out->resize(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    if (!Fold(key[i], &(*out)[i])) return false;
  }
  return true;
}

}  // namespace

const char* SettleName(Settle s) {
  switch (s) {
    case Settle::kWait: return "wait";
    case Settle::kSettled: return "settled";
    case Settle::kUnsettled: return "unsettled";
  }
  return "?";
}

Channel ChannelFrom(const std::vector<ReplicationChannel>& channels, uint32_t other_server_id,
                    const ReplicationChannel** which) {
  Channel worst = Channel::kNone;
  for (const ReplicationChannel& c : channels) {
    if (c.source_server_id != 0 && c.source_server_id != other_server_id) continue;
    const Channel state = c.sql_running == "Yes"  ? Channel::kRunning
                          : c.last_sql_errno != 0 ? Channel::kBroken
                                                  : Channel::kStopped;
    if (static_cast<int>(state) > static_cast<int>(worst)) {
      worst = state;
      if (which != nullptr) *which = &c;
    }
  }
  return worst;
}

BacklogScan BacklogScanFor(Channel c) {
  switch (c) {
    case Channel::kNone: return BacklogScan::kNever;
    case Channel::kRunning:
    case Channel::kStopped: return BacklogScan::kWhenStalled;
    case Channel::kBroken: return BacklogScan::kAtOnce;
  }
  return BacklogScan::kAtOnce;
}

std::string BrokenPairLine(const std::string& replica, const std::string& source,
                           const ReplicationChannel& channel) {
  return StrCat("the pair is broken: ", replica, "'s ", DescribeChannel(channel),
                " stopped on error ", channel.last_sql_errno, " (", channel.last_sql_error,
                "); the rows it has not applied from ", source,
                "'s binlog are listed as unsettled, never repaired; `binsync resync` is the "
                "tool for a broken pair");
}

Settle SettleRow(const RowReads& r) {
  // What a stalled or broken side lacks may still change the row: no verdict is possible.
  if (r.a == CatchUp::kStalledTouched || r.b == CatchUp::kStalledTouched) {
    return Settle::kUnsettled;
  }
  // Nothing can arrive: the read is final.
  if (!r.live) return Settle::kSettled;
  // One read says nothing about what is still on its way.
  if (!r.have_previous) return Settle::kWait;
  // Same images, with everything that could change them applied in between (or known
  // not to touch the row): the difference is real.
  if (r.unchanged) return Settle::kSettled;
  // The row changed between the reads: live writes on it. Read it again, while allowed.
  return r.last_attempt ? Settle::kUnsettled : Settle::kWait;
}

CatchUpWatch::Verdict CatchUpWatch::Begin(std::string_view applied, double now_s) {
  if (stalled_ && applied == last_) return Verdict::kStalled;
  stalled_ = false;
  last_ = std::string(applied);
  progress_at_s_ = now_s;
  return Verdict::kKeepWaiting;
}

CatchUpWatch::Verdict CatchUpWatch::Observe(std::string_view applied, bool reached,
                                            double now_s) {
  if (applied != last_) {
    last_ = std::string(applied);
    progress_at_s_ = now_s;
  }
  if (reached) {
    stalled_ = false;
    return Verdict::kCaughtUp;
  }
  if (now_s - progress_at_s_ >= budget_s_) {
    stalled_ = true;
    return Verdict::kStalled;
  }
  return Verdict::kKeepWaiting;
}

void InFlightRows::AddRow(const std::string& table, const std::vector<std::string>& key) {
  std::vector<std::string> folded;
  if (!FoldKey(key, &folded)) {
    loose_.insert(table);
    return;
  }
  keys_[table].insert(std::move(folded));
}

bool InFlightRows::Touches(const std::string& table, const std::vector<std::string>& key) const {
  if (everything_ || whole_.contains(table) || loose_.contains(table)) return true;
  const auto it = keys_.find(table);
  if (it == keys_.end()) return false;
  std::vector<std::string> folded;
  if (!FoldKey(key, &folded)) return true;
  return it->second.contains(folded);
}

std::string BacklogStart(const std::string& behind_pos, const std::string& ahead_pos) {
  auto b = ParseMariaDbGtidPos(behind_pos);
  auto a = ParseMariaDbGtidPos(ahead_pos);
  if (!a.ok() || !b.ok()) return "";
  MariaDbGtidPos out;
  for (const MariaDbGtid& x : *a) {
    for (const MariaDbGtid& y : *b) {
      if (x.domain_id == y.domain_id) out.push_back(x.seq_no <= y.seq_no ? x : y);
    }
  }
  return FormatMariaDbGtidPos(out);
}

}  // namespace binsync
