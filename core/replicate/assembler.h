// Groups a decoded binlog stream into Transactions.
//
// Grammar (MariaDB; MySQL in brackets):
//   txn := GTID [GTID/ANONYMOUS_GTID] body end
//   body := { ANNOTATE_ROWS | ROWS_QUERY | TABLE_MAP | rows event | QUERY | INTVAR | RAND
//             | USER_VAR }
//   end  := XID | QUERY "COMMIT" | QUERY "ROLLBACK"
//         | (GTID flagged STANDALONE [or no BEGIN]): the first statement QUERY itself (DDL)
//   [MySQL TRANSACTION_PAYLOAD: its inner events are the body and end]
// Events between transactions (FORMAT_DESCRIPTION, ROTATE, GTID_LIST, BINLOG_CHECKPOINT,
// PREVIOUS_GTIDS, HEARTBEAT, STOP, ignorable events) only update the position.
// Anything else out of place (rows outside a transaction, a GTID inside one, XA) is an
// error naming file:pos: a transaction is never split, merged or dropped silently.
// Refused wherever they appear, with what to do: INCIDENT (the source's binlog misses
// changes: replication stops there, as native replication does) and statement-based LOAD
// DATA (BEGIN_LOAD_QUERY, APPEND_BLOCK, EXECUTE_LOAD_QUERY, DELETE_FILE).
#ifndef BINSYNC_CORE_REPLICATE_ASSEMBLER_H_
#define BINSYNC_CORE_REPLICATE_ASSEMBLER_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/binlog/events.h"
#include "core/gtid/mariadb_gtid.h"
#include "core/replicate/transaction.h"

namespace binsync::replicate {

class Assembler {
 public:
  // `start` is the GTID position the stream starts after (may be empty).
  explicit Assembler(const MariaDbGtidPos& start);

  // Feeds one event (framed and decoded, under `fd`, read from `file`). When `ev` ends a
  // transaction, moves it into `*done`; otherwise leaves `*done` empty.
  [[nodiscard]] absl::Status Add(const binlog::EventView& ev, const binlog::Event& decoded,
                                 const binlog::FormatDescription& fd, std::string_view file,
                                 std::unique_ptr<Transaction>* done);

  // Transactions whose events pass `bytes` are handed out in parts of about that size as
  // they are read (Transaction::part), so memory stays bounded whatever a transaction's
  // size; 0 (the default) keeps every transaction whole.
  void set_part_limit(size_t bytes) { part_limit_ = bytes; }

  // True between a transaction's first event and its end.
  [[nodiscard]] bool in_transaction() const { return current_ != nullptr; }
  // Drops a partial transaction (the stream broke; it is read again after reconnecting).
  void Reset() { current_.reset(); }
  // The source GTID position after the last completed transaction.
  [[nodiscard]] std::string Position() const;

 private:
  absl::Status Append(const binlog::EventView& ev);
  absl::Status Finish(std::unique_ptr<Transaction>* done);
  // Hands out the events so far as a part when they pass the part limit; the next part
  // continues with the same identity.
  void MaybeEmitPart(std::unique_ptr<Transaction>* done);

  std::unique_ptr<Transaction> current_;
  bool begun_ = false;  // BEGIN seen in the current transaction
  size_t part_limit_ = 0;
  std::map<uint32_t, MariaDbGtid> domains_;
  std::shared_ptr<const binlog::FormatDescription> format_;
  const binlog::FormatDescription* format_source_ = nullptr;
  std::string format_version_;
};

// True for the statements that delimit a transaction rather than change data.
[[nodiscard]] bool IsTransactionControl(std::string_view sql);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_ASSEMBLER_H_
