// The checkpoint rows: the SQL of binsync's checkpoint table as named plans, and the
// reading of its row. Pure; the applier (net/replicate/) prepares and runs them.
//
// The table, in the `binsync` schema of the target, created unlogged (bookkeeping is per
// server and never replicates):
//   stream   which source this is ("from_server_<id>")
//   worker   one row per worker: no single hot row serialises the workers
//   seq      binsync's ordinal of the last transaction that worker committed; commits are
//            in order, so the row with the highest seq covers every earlier transaction
//   gtid_pos the source GTID position after that transaction (every domain)
//   source_file, source_pos, source_txn: where that transaction ended, and its name
#ifndef BINSYNC_CORE_REPLICATE_CHECKPOINT_H_
#define BINSYNC_CORE_REPLICATE_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace binsync::replicate {

inline constexpr char kCheckpointSchema[] = "binsync";

// The stream of the changes coming from one source: "from_server_<its server_id>". It names
// the checkpoint rows and the stream's lease (one writer per stream).
[[nodiscard]] std::string CheckpointStream(uint32_t source_server_id);

// Run in order on one session: remember and turn off binlogging, create the schema and
// table if missing, then (whatever the create did) restore binlogging.
[[nodiscard]] std::string_view CheckpointSaveLogBinSql();
[[nodiscard]] std::string_view CheckpointLogBinOffSql();
[[nodiscard]] std::string_view CheckpointCreateSql();  // two statements, ';'-separated
[[nodiscard]] std::string_view CheckpointRestoreLogBinSql();

// Writes one worker's row; parameters in CheckpointUpsertParam order (seq, worker and
// source_pos as unsigned integers, the rest as text).
[[nodiscard]] std::string_view CheckpointUpsertSql();
// The same row and update with the values from `row_source` ("VALUES (...)", or a SELECT of
// the seven values in CheckpointUpsertParam order: lease_fence.h's fenced write).
[[nodiscard]] std::string CheckpointUpsertFromSql(std::string_view row_source);
enum CheckpointUpsertParam : int {
  kCpStream, kCpWorker, kCpSeq, kCpGtidPos, kCpSourceFile, kCpSourcePos, kCpSourceTxn,
  kCpParamCount,
};

// The stream's newest row (highest seq); one parameter: the stream.
[[nodiscard]] std::string_view CheckpointReadSql();

struct Checkpoint {
  bool found = false;
  uint64_t seq = 0;
  std::string gtid_pos;
  std::string source_file;
  uint64_t source_pos = 0;
  std::string source_txn;
};

// Where a stream starts reading its source (ReplicateOptions::start, resume_past_seq):
//  - kStartOption: the --start position, when given and this run has not committed past
//    `resume_past_seq` yet (then the checkpoint, if any, is not used);
//  - kCheckpoint: the stream's checkpoint (with a --start: only when this run committed
//    past `resume_past_seq`, e.g. before a lost connection);
//  - kNativePosition: no checkpoint and no --start: where the target's own replication is.
enum class StartFrom { kStartOption, kCheckpoint, kNativePosition };
[[nodiscard]] StartFrom ChooseStart(bool has_start_option, std::optional<uint64_t> resume_past_seq,
                                    const Checkpoint& checkpoint);
// For the "starting at" log line: "--start", "checkpoint", "target's replication position".
[[nodiscard]] std::string_view StartFromName(StartFrom from);

// A row of CheckpointReadSql (five columns; NULL reads as 0 or empty). Error, naming the
// column, when seq or source_pos is not a number or the row is short.
[[nodiscard]] absl::StatusOr<Checkpoint> ParseCheckpointRow(
    std::span<const std::optional<std::string_view>> row);

}  // namespace binsync::replicate

#endif  // BINSYNC_CORE_REPLICATE_CHECKPOINT_H_
