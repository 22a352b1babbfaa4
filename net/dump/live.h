// binsync dump --source: a live server's binlog printed by core/dump's EventPrinter.
#ifndef BINSYNC_NET_DUMP_LIVE_H_
#define BINSYNC_NET_DUMP_LIVE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/dump/printer.h"
#include "net/mysql/binlog_stream.h"

namespace binsync::dump {

// Prints the binlog of `options.connect`'s server from `options`' start. Follows ROTATE
// across files; with `stop_never` (and options.stop_at_end false) it waits for new events
// and, after a lost connection, reconnects with backoff at the last event boundary it
// printed. Tables logged without binlog_row_metadata=FULL get their column names from the
// source's information_schema (as the table is now; refreshed after each statement).
// `flush` is called whenever printer.out() has passed kFlushAt, and, following a live
// server, after every commit so that it is shown at once.
[[nodiscard]] absl::Status PrintLive(BinlogStreamOptions options, bool stop_never,
                                     EventPrinter& printer,
                                     const std::function<absl::Status()>& flush);

// The --databases entries `source` has no database of now, as "--databases x". Not an
// error for dump: a binlog is history, and holds the events of a database dropped since
// (or, following the server, of one created later); the caller says so.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> AbsentDatabases(
    const ConnectOptions& source, const std::vector<std::string>& databases);

}  // namespace binsync::dump

#endif  // BINSYNC_NET_DUMP_LIVE_H_
