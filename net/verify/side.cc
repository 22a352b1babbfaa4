#include "net/verify/side.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "core/gtid/mariadb_gtid.h"
#include "net/mysql/binlog_stream.h"
#include "net/mysql/inspect.h"
#include "net/mysql/schema_cache.h"
#include "core/replicate/assembler.h"
#include "core/replicate/row_walker.h"
#include "core/replicate/writeset.h"
#include "spdlog/spdlog.h"
#include "core/util/strings.h"

namespace binsync::verify {
namespace {

// The transactions replication has applied on `s` (MariaDB gtid_slave_pos): what moves
// while it catches up, and nothing else.
absl::StatusOr<std::string> AppliedPos(Side& s) {
  ASSIGN_OR_RETURN(auto pos, s.conn.QueryValue("SELECT @@gtid_slave_pos"));
  return pos.value_or("");
}

// binsync verify's replica server_id for reading a backlog ("bsyv"): not binsync
// replicate's, whose stream a second registration under the same id would end.
constexpr uint32_t kVerifyScanServerId = 0x62737976;

// Reads `ahead`'s binlog from `start` to its current end, `skip_server`'s own transactions
// left out, adding the keys of the rows each changes to `rows`. Returns the position after
// the last transaction read.
absl::StatusOr<std::string> ReadBacklog(const ConnectOptions& ahead, const std::string& start,
                                        uint32_t skip_server, InFlightRows* rows) {
  BinlogStreamOptions so;
  so.connect = ahead;
  so.server_id = kVerifyScanServerId;
  so.stop_at_end = true;
  so.start_gtid = start;
  if (start.empty()) so.start_file.clear();
  ASSIGN_OR_RETURN(std::unique_ptr<BinlogStream> s, BinlogStream::Open(so));
  ASSIGN_OR_RETURN(MariaDbGtidPos start_pos, ParseMariaDbGtidPos(start));
  replicate::Assembler assembler(start_pos);
  SchemaCache schema(ahead);
  const schema::TableLookup lookup =
      [&](std::string_view db,
          std::string_view table) -> absl::StatusOr<std::shared_ptr<const schema::TableInfo>> {
    absl::StatusOr<std::shared_ptr<const schema::TableInfo>> info = schema.Get(db, table);
    if (absl::IsNotFound(info.status())) {
      rows->AddTable(StrCat(db, ".", table));  // dropped since: whatever has that name
      return nullptr;
    }
    return info;
  };
  replicate::RowWalker walker;
  walker.set_skip_mismatched_tables(true);
  binlog::EventView ev;
  binlog::Event decoded;
  std::vector<std::string> key;
  for (;;) {
    ASSIGN_OR_RETURN(const bool more, s->Next(&ev));
    if (!more) break;
    if (IsStreamArtificial(ev)) continue;
    RETURN_IF_ERROR(s->Decode(ev, &decoded));
    std::unique_ptr<replicate::Transaction> t;
    RETURN_IF_ERROR(assembler.Add(ev, decoded, s->format(), s->file(), &t));
    if (t == nullptr || t->server_id == skip_server) continue;
    if (t->has_statements) rows->AddEverything();  // DDL or statement-based DML: any table
    RETURN_IF_ERROR(walker.Walk(
        *t, lookup, nullptr,
        [&](const std::shared_ptr<const schema::TableInfo>& info, binlog::RowsKind /*kind*/,
            const binlog::RowImage* before, const binlog::RowImage* after,
            const binlog::EventView& /*ev*/) {
          for (const binlog::RowImage* img : {before, after}) {
            if (img == nullptr) continue;
            if (replicate::PrimaryKeyText(*info, *img, &key)) {
              rows->AddRow(info->QualifiedName(), key);
            } else {
              rows->AddTable(info->QualifiedName());
            }
          }
          return absl::OkStatus();
        },
        replicate::IgnoreStatement));
  }
  return assembler.Position();
}

}  // namespace

absl::StatusOr<std::string> GtidState(Side& s, bool live) {
  if (!live) return std::string();
  ASSIGN_OR_RETURN(auto pos, s.conn.QueryValue(s.hash != HashFunctions::kMySql
                                                    ? "SELECT @@gtid_current_pos"
                                                    : "SELECT @@gtid_executed"));
  return pos.value_or("");
}

absl::StatusOr<CatchUpWatch::Verdict> CatchUpTo(Side& s, const std::string& other_pos) {
  using Verdict = CatchUpWatch::Verdict;
  if (!s.replicating || other_pos.empty()) return Verdict::kCaughtUp;
  auto pos = ParseMariaDbGtidPos(other_pos);
  if (!pos.ok()) return Verdict::kCaughtUp;  // MySQL GTID sets: not waited for
  const std::string wait = FormatMariaDbGtidPos(WithoutOwn(*pos, s.server_id, s.domain_id));
  if (wait.empty()) return Verdict::kCaughtUp;
  ASSIGN_OR_RETURN(std::string applied, AppliedPos(s));
  Verdict v = s.watch->Begin(applied, SecondsSince(s.epoch));
  if (v == Verdict::kStalled) return v;  // still where it stalled before: said already
  const double slice = std::clamp(s.watch->budget_s() / 4, 0.05, 1.0);
  const std::string sql =
      StrCat("SELECT MASTER_GTID_WAIT(", s.conn.QuoteLiteral(wait), ", ", slice, ")");
  while (v == Verdict::kKeepWaiting) {
    ASSIGN_OR_RETURN(auto r, s.conn.QueryValue(sql));
    const bool reached = r.value_or("-1") == "0";
    ASSIGN_OR_RETURN(applied, AppliedPos(s));
    v = s.watch->Observe(applied, reached, SecondsSince(s.epoch));
  }
  if (v == Verdict::kStalled) {
    spdlog::warn("verify: {} has not applied {} and its replication made no progress for {} s "
                 "(at {}); rows its backlog touches are listed as unsettled",
                 s.conn.endpoint(), wait, s.watch->budget_s(), applied);
  }
  return v;
}

void StandPair(Side& a, Side& b, std::vector<std::string>* broken) {
  for (auto [side, other] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    const ReplicationChannel* which = nullptr;
    side->from_other = ChannelFrom(side->channels, other->server_id, &which);
    side->backlog_scan = BacklogScanFor(side->from_other);
    if (side->from_other != Channel::kBroken) continue;
    broken->push_back(BrokenPairLine(side->conn.endpoint(), other->conn.endpoint(), *which));
  }
}

const InFlightRows& ScanBacklog(Side& behind, Side& ahead) {
  auto scan = [&]() -> absl::Status {
    // A broken channel's applied position: a server writing in the same GTID domain moves
    // gtid_current_pos past what its SQL thread applied.
    ASSIGN_OR_RETURN(const std::string behind_pos,
                     behind.from_other == Channel::kBroken && behind.hash != HashFunctions::kMySql
                         ? AppliedPos(behind)
                         : GtidState(behind, true));
    if (behind_pos != behind.backlog_from || behind.backlog_to.empty()) {
      ASSIGN_OR_RETURN(auto ahead_pos, ahead.conn.QueryValue("SELECT @@gtid_binlog_pos"));
      behind.backlog = InFlightRows();
      behind.backlog_from = behind_pos;
      behind.backlog_to = BacklogStart(behind_pos, ahead_pos.value_or(""));
    }
    ASSIGN_OR_RETURN(behind.backlog_to, ReadBacklog(ahead.connect, behind.backlog_to,
                                                    behind.server_id, &behind.backlog));
    return absl::OkStatus();
  };
  if (absl::Status st = scan(); !st.ok()) {
    spdlog::warn("verify: cannot read what {} lacks from {}'s binlog ({}); every row that "
                 "differs is listed as unsettled",
                 behind.conn.endpoint(), ahead.conn.endpoint(), st.message());
    behind.backlog.AddEverything();
    behind.backlog_to.clear();
  }
  return behind.backlog;
}

// True when a recheck could see something else (see MayStillConverge).
bool InFlight(const Side& a, const std::string& pos_a, const Side& b, const std::string& pos_b) {
  return MayStillConverge(GtidSide{pos_a, a.replicating, a.domain_id},
                          GtidSide{pos_b, b.replicating, b.domain_id});
}

absl::Status OpenSide(const ConnectOptions& co, Side* s) {
  ASSIGN_OR_RETURN(s->conn, Connection::Open(co));
  ASSIGN_OR_RETURN(const ServerFacts f, InspectServer(s->conn));
  s->hash = f.flavour == Flavour::kMariaDb ? HashFunctions::kMariaDb : HashFunctions::kMySql;
  s->server_id = f.server_id;
  s->domain_id = f.gtid_domain_id;
  if (s->hash == HashFunctions::kMariaDb) {
    // The one-pass row hash relies on the assignment being evaluated before the read of the
    // variable in the same expression; proven here, on this server, or not used.
    absl::StatusOr<std::optional<std::string>> one_pass = s->conn.QueryValue(
        "SELECT CRC32(@binsync_row := 'a') * CRC32C(@binsync_row) = CRC32('a') * CRC32C('a') "
        "AND CRC32(@binsync_row := 'b') * CRC32C(@binsync_row) = CRC32('b') * CRC32C('b')");
    if (one_pass.ok() && one_pass->value_or("0") == "1") s->hash = HashFunctions::kMariaDbOnePass;
  }
  s->replicating = std::any_of(f.channels.begin(), f.channels.end(), [](const ReplicationChannel& c) {
    return c.sql_running == "Yes" || c.last_sql_errno == 0;
  });
  s->channels = f.channels;
  s->connect = co;
  // Reads see committed data as of each statement; nothing verify does is binlogged.
  return s->conn.Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

absl::StatusOr<int64_t> ThreadsRunning(Connection& c) {
  ASSIGN_OR_RETURN(const ResultSet rs, c.Query("SHOW GLOBAL STATUS LIKE 'Threads_running'"));
  if (rs.empty()) return 0;
  return SignedNumberOf(StrCat(c.endpoint(), ": Threads_running"), rs.rows()[0][1].value_or("0"));
}

}  // namespace binsync::verify
