#include "core/relay/commit_groups.h"

#include <algorithm>
#include <bit>

#include "core/binlog/events.h"

namespace binsync::relay {
namespace {

using binlog::MariaGtidEvent;

bool Has(uint8_t flags, uint8_t flag) { return (flags & flag) != 0; }

}  // namespace

GroupInput GroupInputOf(const replicate::Transaction& t) {
  GroupInput in;
  if (t.has_gtid) {
    in.domain_id = t.gtid.domain_id;
    in.seq_no = t.gtid.seq_no;
  }
  in.gtid_flags = t.gtid_flags;
  in.source_commit_id = t.commit_id;
  // A transaction handed out in parts (larger than the assembler's limit) has its GTID sent
  // before its later parts' keys are known: it goes alone.
  in.barrier = t.barrier || t.part != 0;
  in.keys = t.keys;
  return in;
}

std::string_view AloneReason(const GroupInput& t, GroupBy mode) {
  const uint8_t f = t.gtid_flags;
  if (t.seq_no == 0) return "no MariaDB GTID";
  if (Has(f, MariaGtidEvent::kFlagDdl)) return "DDL";
  if (Has(f, MariaGtidEvent::kFlagStandalone)) return "standalone (no BEGIN/COMMIT)";
  if (!Has(f, MariaGtidEvent::kFlagTransactional)) return "non-transactional";
  if (Has(f, MariaGtidEvent::kFlagPreparedXa | MariaGtidEvent::kFlagCompletedXa)) return "XA";
  if (!Has(f, MariaGtidEvent::kFlagAllowParallel)) return "source forbids parallel apply";
  if (mode == GroupBy::kWriteset && t.barrier) return "no usable writeset";
  if (mode == GroupBy::kSource &&
      (!Has(f, MariaGtidEvent::kFlagGroupCommitId) || t.source_commit_id == 0)) {
    return "no source commit_id";
  }
  return "";
}

CommitGrouper::CommitGrouper(GroupBy mode, size_t max_group_size)
    : mode_(mode), max_group_size_(std::max<size_t>(max_group_size, 1)) {}

void CommitGrouper::Restart() {
  open_ = false;
  size_ = 0;
  keys_.Clear();
  last_sent_.clear();
}

CommitId CommitGrouper::Assign(const GroupInput& t) {
  if (!AloneReason(t, mode_).empty()) return Alone(t.domain_id);
  return mode_ == GroupBy::kWriteset ? AssignByWriteset(t) : AssignBySource(t);
}

CommitId CommitGrouper::AssignByWriteset(const GroupInput& t) {
  const bool joins = open_ && domain_ == t.domain_id && size_ < max_group_size_ &&
                     !keys_.ContainsAny(t.keys);
  if (!joins) {
    // A new group is named after its first transaction; a seq_no equal to the domain's
    // last id (it went backwards) would merge with that group in the applier.
    if (t.seq_no == LastSent(t.domain_id)) return Alone(t.domain_id);
    Open(t.domain_id, t.seq_no);
  }
  return Join(t.domain_id, t.keys);
}

CommitId CommitGrouper::AssignBySource(const GroupInput& t) {
  const bool joins = open_ && domain_ == t.domain_id && id_ == t.source_commit_id &&
                     size_ < max_group_size_;
  if (!joins) {
    // The source's id already sent just before in this domain: the group was split (size
    // cap). One member alone resets the applier's last id, then the id may open a group.
    if (t.source_commit_id == LastSent(t.domain_id)) return Alone(t.domain_id);
    Open(t.domain_id, t.source_commit_id);
  }
  return Join(t.domain_id, {});
}

CommitId CommitGrouper::Alone(uint32_t domain_id) {
  open_ = false;
  SetLastSent(domain_id, 0);
  return CommitId{};
}

void CommitGrouper::Open(uint32_t domain_id, uint64_t id) {
  open_ = true;
  domain_ = domain_id;
  id_ = id;
  size_ = 0;
  keys_.Clear();
}

CommitId CommitGrouper::Join(uint32_t domain_id, std::span<const uint64_t> keys) {
  keys_.InsertAll(keys);
  ++size_;
  SetLastSent(domain_id, id_);
  return CommitId{true, id_};
}

uint64_t CommitGrouper::LastSent(uint32_t domain_id) const {
  for (const auto& [domain, id] : last_sent_) {
    if (domain == domain_id) return id;
  }
  return 0;
}

void CommitGrouper::SetLastSent(uint32_t domain_id, uint64_t id) {
  for (auto& [domain, last] : last_sent_) {
    if (domain == domain_id) {
      last = id;
      return;
    }
  }
  last_sent_.emplace_back(domain_id, id);
}

// KeySet.

void CommitGrouper::KeySet::Clear() {
  ++group_;
  size_ = 0;
}

size_t CommitGrouper::KeySet::Home(uint64_t key) const {
  // Keys are XXH3 hashes already; the multiply spreads them over the high bits anyway.
  const int shift = 64 - std::countr_zero(slots_.size());
  return static_cast<size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift);
}

bool CommitGrouper::KeySet::ContainsAny(std::span<const uint64_t> keys) const {
  if (size_ == 0) return false;
  const size_t mask = slots_.size() - 1;
  for (const uint64_t key : keys) {
    for (size_t i = Home(key);; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.group != group_) break;
      if (s.key == key) return true;
    }
  }
  return false;
}

void CommitGrouper::KeySet::InsertAll(std::span<const uint64_t> keys) {
  if (2 * (size_ + keys.size()) > slots_.size()) Grow(size_ + keys.size());
  const size_t mask = slots_.size() - 1;
  for (const uint64_t key : keys) {
    for (size_t i = Home(key);; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.group != group_) {
        s = Slot{key, group_};
        ++size_;
        break;
      }
      if (s.key == key) break;
    }
  }
}

void CommitGrouper::KeySet::Grow(size_t needed) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::bit_ceil(std::max<size_t>(2 * needed, 64)), Slot{});
  const uint64_t group = group_;
  // Fresh slots hold group 0, which no group uses (group_ starts at 1).
  size_ = 0;
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.group != group) continue;
    for (size_t i = Home(s.key);; i = (i + 1) & mask) {
      if (slots_[i].group != group) {
        slots_[i] = s;
        ++size_;
        break;
      }
    }
  }
}

}  // namespace binsync::relay
