// Which probe transactions a binlog transaction carries. Every lagbench probe transaction
// inserts one row into its direction's probe table (`lagbench`.`probe_a_b` or `probe_b_a`)
// whose first column is the probe id (BIGINT, unique per run and direction), whatever else it
// writes (the insert/update/delete mix on hot keys). So a probe is found in any engine's
// binlog the same way: native replication keeps the transaction, binsync live re-applies it,
// binsync catchup merges several into one target transaction; each carries its probe rows.
//
// The tap's executor stamps the arrival time; this reads the ids. Rows updated or deleted in
// the probe table are not probes (lagbench only inserts there) and are ignored.
#ifndef BINSYNC_CORE_LAGBENCH_PROBE_READER_H_
#define BINSYNC_CORE_LAGBENCH_PROBE_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "core/replicate/transaction.h"

namespace binsync::lagbench {

class ProbeReader {
 public:
  ProbeReader(std::string db, std::string table) : db_(std::move(db)), table_(std::move(table)) {}

  // Appends to `*ids` the probe id of every row `t` inserts into the probe table, in order.
  // Errors (a probe table whose first column is not an integer, an undecodable row) name the
  // transaction and its position.
  [[nodiscard]] absl::Status Read(const replicate::Transaction& t, std::vector<uint64_t>* ids);

 private:
  std::string db_;
  std::string table_;
  binlog::TableMapCache maps_;
  binlog::RowImage after_;
};

}  // namespace binsync::lagbench

#endif  // BINSYNC_CORE_LAGBENCH_PROBE_READER_H_
