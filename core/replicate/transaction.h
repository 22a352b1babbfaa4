// A source transaction as the apply pipeline carries it: its identity (GTID, origin
// server_id, commit time, commit-order hints), where it sits in the source binlog, and
// a private copy of its events (table maps, rows events, statements), so it outlives
// the stream's buffer and can be applied by any worker thread.
//
// Ownership: the reader builds it, the scheduler owns it from Submit until Committed,
// one worker reads it in between. Nothing in it is shared or mutable across threads.
#ifndef BINSYNC_CORE_REPLICATE_TRANSACTION_H_
#define BINSYNC_CORE_REPLICATE_TRANSACTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/replicate/scheduler.h"
#include "core/binlog/event_header.h"
#include "core/gtid/mariadb_gtid.h"

namespace binsync::replicate {

// Rows events of every version (v1, v2, MySQL partial updates, MariaDB compressed).
[[nodiscard]] constexpr bool IsRowsEventCode(uint8_t type) {
  return (type >= 23 && type <= 25) || (type >= 30 && type <= 32) || type == 39 ||
         (type >= 166 && type <= 171);
}

// One event of the transaction, located in Transaction::arena.
struct EventRef {
  binlog::EventHeader header;
  uint32_t raw_offset = 0, raw_size = 0;
  uint32_t body_offset = 0, body_size = 0;
  uint64_t source_offset = 0;  // position of the event in the source binlog
};

struct Transaction : replicate::Job {
  bool has_gtid = false;
  MariaDbGtid gtid;            // MariaDB GTID (domain, origin server_id, seq_no)
  std::string mysql_gtid;      // MySQL "uuid:gno", empty when anonymous or MariaDB
  uint64_t commit_id = 0;      // MariaDB group commit id (0: none)
  int64_t last_committed = 0, sequence_number = 0;  // MySQL logical clock
  uint8_t gtid_flags = 0;
  uint32_t server_id = 0;      // origin server_id (of the GTID event)
  uint32_t timestamp = 0;      // commit time, seconds (the GTID event's header)
  std::string file;            // source binlog file
  uint64_t start_pos = 0;      // source position of the first event
  uint64_t end_pos = 0;        // source position after the last event
  std::string gtid_pos_after;  // source GTID position (every domain) after this txn
  bool has_statements = false; // QUERY events other than BEGIN/COMMIT: DDL or SBR DML
  // Streamed (larger than the assembler's part limit): handed out in parts as it is read,
  // each with the transaction's identity; `part` counts from 1 and the last part has
  // `last_part` (with the position after the transaction). 0: whole, the usual case.
  uint32_t part = 0;
  bool last_part = true;
  bool self_committed = false;  // one statement without BEGIN (DDL): it committed itself
  bool has_rows = false;
  uint32_t source_txns = 1;    // catchup: source transactions merged into this one
  std::string first_name;      // catchup: Name() of the first merged transaction
  size_t row_changes = 0;      // filled by the writeset pass
  std::shared_ptr<const binlog::FormatDescription> format;
  std::vector<uint8_t> arena;
  std::vector<EventRef> events;

  [[nodiscard]] binlog::EventView View(const EventRef& ref) const {
    binlog::EventView v;
    v.header = ref.header;
    v.raw = binlog::ByteView(arena.data() + ref.raw_offset, ref.raw_size);
    v.body = binlog::ByteView(arena.data() + ref.body_offset, ref.body_size);
    v.offset = ref.source_offset;
    return v;
  }
  // "0-1-100" or the MySQL GTID, or file:pos when the transaction has no GTID.
  [[nodiscard]] std::string Name() const;
  // "0-1-100 at mariadb-bin.000001:1234": Name() and where the transaction starts in the
  // source binlog (its GTID event). Every message about a whole transaction (a refusal,
  // --skip passing it) cites it this way, so the same GTID always has the same position.
  [[nodiscard]] std::string NameAt() const;
};

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_TRANSACTION_H_
