// Commit groups for relay mode: which MariaDB `commit_id` each transaction's GTID event
// carries in the stream the target's own parallel applier reads.
//
// What the applier does with it (MariaDB sql/rpl_parallel.cc, per gtid domain): a GTID with
// FL_GROUP_COMMIT_ID (2) whose commit_id equals the previous GTID's of the same domain joins
// that GTID's group; any other GTID starts a new group, and a GTID without the flag resets
// the domain's last id to 0. The transactions of one group run in parallel without
// speculation in every mode (conservative included); commits stay in stream order always.
//
// Decision per transaction, in stream order (GroupBy::kWriteset, the default):
//   alone (no commit_id; closes the open group) when its GTID says DDL (32) or STANDALONE
//     (1, no BEGIN/COMMIT), lacks TRANSACTIONAL (4) or ALLOW_PARALLEL (8), is XA (64|128),
//     has seq_no 0, or its writeset is a barrier (no usable key: writeset.h);
//   joins the open group when it is in the same domain, the group holds fewer than
//     kMaxGroupSize transactions, and none of its keys is in the group's keys;
//   else opens a new group whose commit_id is the transaction's own seq_no (the group's
//     first) -- or goes alone when that equals the last commit_id sent in the domain
//     (a seq_no that went backwards: never let it join an earlier group).
// GroupBy::kSource keeps the source's commit_id (the source's group commit already proved
// its members ran concurrently, so the writeset is not consulted), with the same "alone"
// rule minus the barrier, plus: a GTID the source sent without a commit_id stays without
// one; a source group longer than kMaxGroupSize is split by sending
// one member alone, after which the rest start a new group under the same id.
//
// Determinism and restarts: the decision depends only on the transactions since Restart()
// (the start of a stream), so the same sequence from the same start point gives the same
// ids. A replica that reconnects in the middle of a former group gets a stream whose first
// group's id is the seq_no of its first transaction: greater (seq_nos grow within a domain;
// a replica in gtid_strict_mode refuses anything else) than every seq_no already sent, so
// never equal to the former group's id (the seq_no of that group's first transaction), and
// the applier cannot merge old and new transactions into one group. A replica whose IO
// thread reconnects in the middle of a transaction asks again from before it and skips the
// events it already queued, that transaction's GTID included: the applier keeps the id it
// queued, and the next transaction (named after the re-sent one's seq_no, or its own)
// starts a new group unless the re-sent one opened the former group, whose id it then
// repeats -- the grouping the replica already had.
//
// Memory: the open group's keys live in an open-addressed table whose slots carry the group
// number they belong to, so closing a group is O(1) and steady state allocates nothing.
#ifndef BINSYNC_CORE_RELAY_COMMIT_GROUPS_H_
#define BINSYNC_CORE_RELAY_COMMIT_GROUPS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/replicate/transaction.h"

namespace binsync::relay {

enum class GroupBy : uint8_t { kWriteset, kSource };

// At most this many transactions share a commit_id. It bounds the key table and what a
// replica that stops mid-group rolls back and redoes; 64 keeps every worker of a replica
// with up to 64 slave_parallel_threads busy.
inline constexpr size_t kMaxGroupSize = 64;

// What the grouper reads of one transaction (views into the caller's transaction).
struct GroupInput {
  uint32_t domain_id = 0;
  uint64_t seq_no = 0;
  uint8_t gtid_flags = 0;         // the source GTID's flags2 (binlog::MariaGtidEvent)
  uint64_t source_commit_id = 0;  // meaningful when gtid_flags has FL_GROUP_COMMIT_ID
  bool barrier = false;           // no usable writeset
  std::span<const uint64_t> keys;  // the writeset (duplicates allowed)
};

// The commit_id a GTID event is sent with: `present` sets FL_GROUP_COMMIT_ID.
struct CommitId {
  bool present = false;
  uint64_t value = 0;
  friend bool operator==(const CommitId&, const CommitId&) = default;
};

// The grouper's view of a replicate::Transaction (keys and barrier from WritesetBuilder).
// A transaction without a MariaDB GTID gets seq_no 0, and one handed out in parts (its
// writeset incomplete when its GTID is sent) is a barrier: both go alone.
[[nodiscard]] GroupInput GroupInputOf(const replicate::Transaction& t);

// Why `t` may not share a group under `mode` ("DDL", "non-transactional", ...), or "" when
// it may.
[[nodiscard]] std::string_view AloneReason(const GroupInput& t, GroupBy mode);

// Assigns commit_ids in stream order. One per stream; not thread-safe.
class CommitGrouper {
 public:
  explicit CommitGrouper(GroupBy mode, size_t max_group_size = kMaxGroupSize);

  // The commit_id for the next transaction of the stream.
  [[nodiscard]] CommitId Assign(const GroupInput& t);
  // A new stream (a replica connected): forgets the open group and the ids sent.
  void Restart();

  // Transactions in the open group (0 when none is open).
  [[nodiscard]] size_t open_group_size() const { return open_ ? size_ : 0; }

 private:
  // The keys of the open group. Slots hold (key, group number); a slot of another group
  // number is empty, so Clear is O(1). Grows (load <= 1/2) and never shrinks.
  class KeySet {
   public:
    void Clear();
    [[nodiscard]] bool ContainsAny(std::span<const uint64_t> keys) const;
    void InsertAll(std::span<const uint64_t> keys);

   private:
    struct Slot {
      uint64_t key = 0;
      uint64_t group = 0;  // 0: never used
    };
    [[nodiscard]] size_t Home(uint64_t key) const;
    void Grow(size_t needed);
    std::vector<Slot> slots_;
    uint64_t group_ = 1;
    size_t size_ = 0;
  };

  CommitId AssignByWriteset(const GroupInput& t);
  CommitId AssignBySource(const GroupInput& t);
  CommitId Alone(uint32_t domain_id);
  CommitId Join(uint32_t domain_id, std::span<const uint64_t> keys);
  void Open(uint32_t domain_id, uint64_t id);
  // The commit_id last sent in `domain_id` (0: none, or the last GTID had no id).
  [[nodiscard]] uint64_t LastSent(uint32_t domain_id) const;
  void SetLastSent(uint32_t domain_id, uint64_t id);

  GroupBy mode_;
  size_t max_group_size_;
  bool open_ = false;    // a group is open: the previous transaction joined or opened it
  uint32_t domain_ = 0;  // the open group's domain
  uint64_t id_ = 0;      // the open group's commit_id (never 0)
  size_t size_ = 0;      // its transactions
  KeySet keys_;          // its keys (kWriteset)
  // (domain, last commit_id sent there): the applier compares ids per domain. A handful
  // of domains: a vector searched linearly, grown only when a new domain appears.
  std::vector<std::pair<uint32_t, uint64_t>> last_sent_;
};

}  // namespace binsync::relay

#endif  // BINSYNC_CORE_RELAY_COMMIT_GROUPS_H_
