#include "net/relay/relay.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "core/binlog/event_types.h"
#include "core/relay/reframe.h"
#include "core/relay/session.h"
#include "core/relay/table_filter.h"
#include "core/replicate/assembler.h"
#include "core/replicate/checkpoint.h"
#include "core/replicate/writeset.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "net/mysql/schema_cache.h"
#include "net/replicate/stream_lease.h"
#include "spdlog/spdlog.h"

namespace binsync {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr size_t kFlushBytes = 1 << 20;  // bytes held for the replica before a write

// What the replica is told about its master, and what the loop filter needs.
struct Facts {
  relay::SessionFacts session;
  uint32_t target_server_id = 0;
};

absl::StatusOr<Facts> ReadFacts(const RelayOptions& o) {
  ASSIGN_OR_RETURN(Connection source, Connection::Open(o.source));
  ASSIGN_OR_RETURN(ResultSet r, source.Query(
      "SELECT @@version, @@server_id, @@gtid_domain_id, @@binlog_checksum, @@binlog_format"));
  if (r.rows().size() != 1 || r.rows()[0].size() != 5) {
    return absl::InternalError(StrCat(source.endpoint(), ": no row from SELECT @@version, ..."));
  }
  const ResultSet::Row& row = r.rows()[0];
  if (!EqualsIgnoreCase(row[4].value_or(""), "ROW")) {
    return absl::FailedPreconditionError(StrCat(
        source.endpoint(), ": binlog_format is ", row[4].value_or("?"),
        "; relay sends row events: SET GLOBAL binlog_format=ROW (and in my.cnf)"));
  }
  Facts f;
  f.session.source_version = row[0].value_or("");
  ASSIGN_OR_RETURN(f.session.server_id, NumberOf(StrCat(source.endpoint(), ": @@server_id"),
                                                 row[1].value_or("")));
  ASSIGN_OR_RETURN(f.session.gtid_domain_id,
                   NumberOf(StrCat(source.endpoint(), ": @@gtid_domain_id"), row[2].value_or("")));
  f.session.source_checksum = EqualsIgnoreCase(row[3].value_or(""), "CRC32");
  ASSIGN_OR_RETURN(Connection target, Connection::Open(o.target));
  ASSIGN_OR_RETURN(f.target_server_id, ServerIdOf(target));
  if (f.target_server_id == f.session.server_id) {
    return absl::InvalidArgumentError(StrCat(source.endpoint(), " and ", target.endpoint(),
                                             " have the same server_id ", f.target_server_id,
                                             "; give each server its own"));
  }
  if (o.server_id == f.session.server_id || o.server_id == f.target_server_id) {
    return absl::InvalidArgumentError(
        StrCat("--server-id ", o.server_id, " is a server's own id; choose an unused one"));
  }
  return f;
}

std::vector<uint8_t> RandomBytes(size_t n) {
  std::random_device rd;
  std::vector<uint8_t> out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rd());
  return out;
}

void Count(std::atomic<uint64_t> RelayCounters::*field, RelayCounters* c) {
  if (c != nullptr) (c->*field).fetch_add(1, std::memory_order_relaxed);
}

// One replica connection: its conversation, then (when it asks) the binlog stream.
class ReplicaConnection {
 public:
  // `fatal`: told when the relay must stop (the lease went to another process).
  ReplicaConnection(const RelayOptions& o, const Facts& facts, StreamLease& lease,
                    std::mutex& lease_mu, std::function<void(absl::Status)> fatal,
                    tcp::socket socket, uint32_t connection_id)
      : o_(o), facts_(facts), lease_(lease), lease_mu_(lease_mu), fatal_(std::move(fatal)),
        socket_(std::move(socket)),
        connection_id_(connection_id), peer_(PeerName()), source_schema_(o.source, "source") {}

  void Serve() {
    absl::Status st = Converse();
    if (st.ok() && dumping_) st = Dump();
    if (!st.ok()) spdlog::warn("{}: replica {}: {}", o_.label, peer_, st.message());
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  std::string PeerName() const {
    boost::system::error_code ec;
    const tcp::endpoint e = socket_.remote_endpoint(ec);
    return ec ? std::string("(gone)") : StrCat(e.address().to_string(), ":", e.port());
  }

  void SetReadTimeout(std::chrono::seconds t) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(t.count());
    (void)setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  // The events in out_, as the dump's packets.
  absl::Status Send() {
    if (out_.empty()) return absl::OkStatus();
    absl::Status st = relay::AppendEventPackets(out_, &seq_, &scratch_, &wire_);
    out_.clear();
    RETURN_IF_ERROR(st);
    return Write(&wire_);
  }

  absl::Status Write(std::vector<uint8_t>* bytes) {
    if (bytes->empty()) return absl::OkStatus();
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(*bytes), ec);
    bytes->clear();
    last_write_ = Clock::now();
    if (ec) return absl::UnavailableError(StrCat("the replica went away (", ec.message(), ")"));
    return absl::OkStatus();
  }

  // The handshake and the replica's queries, until it asks for the binlog or closes.
  absl::Status Converse() {
    SetReadTimeout(kHandshakeTimeout);
    relay::SessionAuth auth;
    auth.user = o_.user;
    auth.password_hash = relay::NativePasswordHash(o_.password);
    relay::Session session(facts_.session, std::move(auth), connection_id_);
    std::vector<uint8_t> out;
    session.Start(RandomBytes(relay::kScrambleLength), &out);
    RETURN_IF_ERROR(Write(&out));
    std::vector<uint8_t> in(4096);
    for (;;) {
      boost::system::error_code ec;
      const size_t n = socket_.read_some(asio::buffer(in), ec);
      if (ec) return absl::OkStatus();  // closed or silent past the timeout: nothing to do
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      const relay::SessionStep step = session.Feed(
          relay::ByteView(in.data(), n), std::chrono::duration_cast<std::chrono::seconds>(now).count(),
          &out);
      RETURN_IF_ERROR(Write(&out));
      if (step == relay::SessionStep::kClose) {
        if (!session.close_reason().empty()) {
          spdlog::warn("{}: replica {} refused: {}", o_.label, peer_, session.close_reason());
        }
        return absl::OkStatus();
      }
      if (step == relay::SessionStep::kDump) {
        request_ = session.dump_request();
        dumping_ = true;
        return absl::OkStatus();
      }
    }
  }

  // True while the replica's end is open (it sends nothing during a dump; EOF is a close).
  bool ReplicaOpen() {
    char c = 0;
    const ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n != 0 && !(n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  absl::Status EnsureLease() {
    std::lock_guard lock(lease_mu_);
    absl::Status st = lease_.Ensure();
    if (absl::IsFailedPrecondition(st)) fatal_(st);
    return st;
  }

  // An error the replica logs (its IO thread retries): sent in place of the stream.
  void SendError(const absl::Status& st) {
    std::vector<uint8_t> payload, out;
    relay::AppendErr(1236, "HY000", ToStd(st.message()), &payload);
    (void)relay::AppendPacket(seq_, payload, &out);
    (void)Write(&out);
  }

  absl::Status Dump() {
    Count(&RelayCounters::connections, o_.counters);
    const std::string start = FormatMariaDbGtidPos(request_.start);
    spdlog::info("{}: replica {} (server_id {}) asks from {}; streaming {} with {} commit groups",
                 o_.label, peer_, request_.replica_server_id, start.empty() ? "the start" : start,
                 o_.source.uri.Endpoint(),
                 o_.group_by == relay::GroupBy::kWriteset ? "writeset" : "source");
    BinlogStreamOptions so;
    so.connect = o_.source;
    so.server_id = o_.server_id;
    so.start_gtid = start;
    absl::StatusOr<std::unique_ptr<BinlogStream>> opened = BinlogStream::Open(so);
    if (!opened.ok()) {
      SendError(opened.status());
      return opened.status();
    }
    stream_ = std::move(*opened);
    relay::StreamOptions ro;
    ro.server_id = facts_.session.server_id;
    ro.checksum = request_.checksum;
    ro.annotate_rows = request_.annotate_rows;
    reframer_.emplace(ro);
    grouper_.emplace(o_.group_by);
    replicate::Assembler assembler(request_.start);
    assembler.set_part_limit(o_.stream_above_bytes);
    writesets_.set_source_lookup(lookup_);
    absl::Status st = Stream(assembler);
    if (!st.ok() && !absl::IsUnavailable(st)) SendError(st);
    spdlog::info("{}: replica {}: stream ended: {}", o_.label, peer_,
                 st.ok() ? std::string("stopping") : std::string(st.message()));
    return absl::OkStatus();
  }

  absl::Status Stream(replicate::Assembler& assembler) {
    binlog::EventView ev;
    binlog::Event decoded;
    auto checked = Clock::now();
    for (;;) {
      if (o_.stop != nullptr && o_.stop->load()) return absl::OkStatus();
      if (Clock::now() - checked >= std::chrono::seconds(1)) {
        RETURN_IF_ERROR(EnsureLease());
        if (!ReplicaOpen()) return absl::UnavailableError("the replica closed its connection");
        checked = Clock::now();
      }
      ASSIGN_OR_RETURN(const bool more, stream_->Next(&ev));
      if (!more) return absl::OkStatus();
      const auto type = static_cast<binlog::EventType>(ev.header.type);
      if (!started_ && stream_->format().seen) {
        RETURN_IF_ERROR(reframer_->Start(stream_->format(), request_.start, &out_));
        started_ = true;
      }
      if (type == binlog::EventType::kHeartbeat) {
        RETURN_IF_ERROR(Idle());
        continue;
      }
      if (type == binlog::EventType::kFormatDescription && started_ && !IsStreamArtificial(ev)) {
        RETURN_IF_ERROR(reframer_->Append(ev.raw, {stream_->file(), ev.offset}, {}, &out_));
      }
      if (IsStreamArtificial(ev)) continue;
      if (type == binlog::EventType::kMariaGtid) {
        gtid_raw_.assign(ev.raw.begin(), ev.raw.end());
      }
      RETURN_IF_ERROR(stream_->Decode(ev, &decoded));
      std::unique_ptr<replicate::Transaction> t;
      RETURN_IF_ERROR(assembler.Add(ev, decoded, stream_->format(), stream_->file(), &t));
      if (t != nullptr) RETURN_IF_ERROR(Relay(*t));
      if (out_.size() >= kFlushBytes) RETURN_IF_ERROR(Send());
    }
  }

  // The source is idle: what is held goes out, and a heartbeat when the replica's period
  // passed without a write.
  absl::Status Idle() {
    if (!started_) return absl::OkStatus();
    const auto period = std::chrono::nanoseconds(request_.heartbeat_period_ns);
    if (out_.empty() && request_.heartbeat_period_ns > 0 && Clock::now() - last_write_ >= period) {
      reframer_->AppendHeartbeat(&out_);
    }
    return Send();
  }

  // --databases/--tables: which of t's events the replica gets (selection_).
  absl::Status Select(const replicate::Transaction& t) {
    if (!selector_.has_value()) return absl::OkStatus();
    views_.clear();
    for (const replicate::EventRef& ref : t.events) views_.push_back(t.View(ref));
    return selector_->Select(views_, *t.format, t.file, &selection_);
  }

  // Loop filter: never send the target its own changes, nor what binsync wrote.
  bool Own(const replicate::Transaction& t) const {
    return t.server_id == facts_.target_server_id || t.server_id == o_.server_id;
  }

  // One transaction (or part of one): filtered, grouped, re-framed, sent.
  absl::Status Relay(replicate::Transaction& t) {
    if (t.part <= 1) {
      passing_ = Own(t);
      if (passing_) {
        Count(&RelayCounters::skipped_own, o_.counters);
        spdlog::debug("{}: {} carries server_id {}: not sent (loop filter)", o_.label, t.Name(),
                      t.server_id);
        return absl::OkStatus();
      }
      if (selector_.has_value()) selector_->Begin();
      if (t.part == 0) {
        if (absl::Status st = writesets_.Build(&t, lookup_, o_.filter); !st.ok()) {
          // No schema to key its rows by (a table the stream creates later, say): alone.
          spdlog::debug("{}: {}: no writeset ({}); it goes alone", o_.label, t.Name(), st.message());
          t.barrier = true;
          t.keys.clear();
        }
        RETURN_IF_ERROR(Select(t));
        if (selector_.has_value() && selection_.empty()) {
          Count(&RelayCounters::skipped_filtered, o_.counters);
          return absl::OkStatus();
        }
      }
      const relay::CommitId cid = grouper_->Assign(relay::GroupInputOf(t));
      commit_id_ = cid;
      if (cid.present) Count(&RelayCounters::grouped_txns, o_.counters);
      RETURN_IF_ERROR(reframer_->Append(gtid_raw_, {t.file, t.start_pos}, cid, &out_));
    } else if (passing_) {
      return absl::OkStatus();
    }
    if (t.part != 0) RETURN_IF_ERROR(Select(t));
    for (size_t i = 0; i < t.events.size(); ++i) {
      if (selector_.has_value() && !selection_.keep[i]) continue;  // an unselected table's
      const replicate::EventRef& ref = t.events[i];
      RETURN_IF_ERROR(reframer_->Append(t.View(ref).raw, {t.file, ref.source_offset}, commit_id_,
                                        &out_));
    }
    if (t.last_part) Count(&RelayCounters::sent_txns, o_.counters);
    if (t.has_statements) source_schema_.Invalidate();  // DDL: keys may have changed
    return Send();
  }

  const RelayOptions& o_;
  const Facts& facts_;
  StreamLease& lease_;
  std::mutex& lease_mu_;
  std::function<void(absl::Status)> fatal_;
  tcp::socket socket_;
  uint32_t connection_id_;
  std::string peer_;
  relay::DumpRequest request_;
  bool dumping_ = false;
  std::unique_ptr<BinlogStream> stream_;
  std::optional<relay::Reframer> reframer_;
  std::optional<relay::CommitGrouper> grouper_;
  bool started_ = false;
  bool passing_ = false;  // the transaction being streamed in parts is not sent
  relay::CommitId commit_id_;
  std::vector<uint8_t> gtid_raw_;
  std::vector<uint8_t> out_;      // events for the replica, not yet framed
  std::vector<uint8_t> wire_, scratch_;
  uint8_t seq_ = 1;               // the dump's packets follow COM_BINLOG_DUMP (seq 0)
  Clock::time_point last_write_ = Clock::now();
  SchemaCache source_schema_;
  const schema::TableLookup lookup_ = [this](std::string_view db, std::string_view table) {
    return source_schema_.Get(db, table);
  };
  replicate::WritesetBuilder writesets_;
  std::optional<relay::EventSelector> selector_ =
      o_.filter == nullptr ? std::nullopt : std::optional<relay::EventSelector>(o_.filter);
  relay::EventSelection selection_;
  std::vector<binlog::EventView> views_;
};

// The target's channel 'binsync', attached and detached.
class Channel {
 public:
  explicit Channel(const RelayOptions& o) : o_(o) {}

  absl::Status Attach(const std::string& host, uint16_t port) {
    ASSIGN_OR_RETURN(Connection c, Connection::Open(o_.target));
    (void)c.Execute(StrCat("STOP SLAVE '", kRelayChannel, "'"));  // a former run's: re-pointed
    const std::string sql = RelayChangeMasterSql(host, port, c.QuoteLiteral(o_.user),
                                                 c.QuoteLiteral(o_.password));
    if (absl::Status st = c.Execute(sql); !st.ok()) {
      // The server's message may quote the statement, password included: not repeated.
      const bool quotes = st.message().find(o_.password) != std::string_view::npos;
      return absl::Status(st.code(), quotes ? StrCat(c.endpoint(), ": CHANGE MASTER '",
                                                     kRelayChannel, "' failed")
                                            : std::string(st.message()));
    }
    RETURN_IF_ERROR(c.Execute(StrCat("START SLAVE '", kRelayChannel, "'")));
    attached_ = true;
    spdlog::info("{}: attached: {}'s channel '{}' replicates from {}:{}", o_.label, c.endpoint(),
                 kRelayChannel, host, port);
    return absl::OkStatus();
  }

  void Detach() {
    if (!attached_ || o_.keep_attached) return;
    absl::StatusOr<Connection> c = Connection::Open(o_.target);
    absl::Status st = c.ok() ? c->Execute(StrCat("STOP SLAVE '", kRelayChannel, "'")) : c.status();
    if (st.ok()) st = c->Execute(StrCat("RESET SLAVE '", kRelayChannel, "' ALL"));
    if (st.ok()) {
      spdlog::info("{}: detached: channel '{}' removed from {}", o_.label, kRelayChannel,
                   o_.target.uri.Endpoint());
    } else {
      spdlog::warn("{}: could not remove channel '{}': {}; run STOP SLAVE '{}'; RESET SLAVE '{}' "
                   "ALL on the target", o_.label, kRelayChannel, st.message(), kRelayChannel,
                   kRelayChannel);
    }
    attached_ = false;
  }

 private:
  const RelayOptions& o_;
  bool attached_ = false;
};

// A second replica while one is served: an error in place of the greeting, then close.
void RefuseBusy(tcp::socket socket, const std::string& label) {
  std::vector<uint8_t> payload, out;
  relay::AppendErr(1040, "08004", "binsync's relay serves one replica at a time", &payload);
  (void)relay::AppendPacket(0, payload, &out);
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(out), ec);
  spdlog::warn("{}: a second replica connected while one is served: refused", label);
  socket.close(ec);
}

}  // namespace

std::string RelayChangeMasterSql(const std::string& host, uint16_t port,
                                 const std::string& user_sql, const std::string& password_sql) {
  return StrCat("CHANGE MASTER '", kRelayChannel, "' TO MASTER_HOST='", host,
                "', MASTER_PORT=", port, ", MASTER_USER=", user_sql,
                ", MASTER_PASSWORD=", password_sql,
                ", MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1");
}

absl::Status RunRelay(const RelayOptions& o) {
  ASSIGN_OR_RETURN(const Facts facts, ReadFacts(o));
  // The lease: one call site (the stream's name as live/catchup name it).
  StreamLease lease(o.target, replicate::CheckpointStream(facts.session.server_id),
                    facts.session.server_id);
  lease.set_own_channel(kRelayChannel);
  std::mutex lease_mu;
  {
    std::lock_guard lock(lease_mu);
    RETURN_IF_ERROR(lease.Ensure());
  }
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(o.listen_host, ec);
  if (ec) return absl::InvalidArgumentError(StrCat("--listen ", o.listen_host, ": not an address"));
  const tcp::endpoint at(address, o.listen_port);
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) acceptor.non_blocking(true, ec);
  if (ec) {
    return absl::UnavailableError(StrCat("--listen ", o.listen_host, ":", o.listen_port,
                                         ": cannot listen (", ec.message(), ")"));
  }
  const uint16_t port = acceptor.local_endpoint().port();
  spdlog::info("{}: relay listening on {}:{} as server_id {} ({})", o.label, o.listen_host, port,
               facts.session.server_id, facts.session.source_version);
  if (o.on_listening) o.on_listening(port);
  Channel channel(o);
  if (o.attach) {
    const std::string host = o.listen_host == "0.0.0.0" ? "127.0.0.1" : o.listen_host;
    RETURN_IF_ERROR(channel.Attach(host, port));
  }
  std::thread serving;
  std::atomic<bool> busy{false};
  uint32_t next_id = 1;
  absl::Status result;
  std::mutex result_mu;
  std::atomic<bool> failed{false};
  const auto fatal = [&](absl::Status st) {
    std::lock_guard lock(result_mu);
    result = std::move(st);
    failed.store(true);
  };
  while ((o.stop == nullptr || !o.stop->load()) && !failed.load()) {
    tcp::socket socket(ioc);
    acceptor.accept(socket, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (ec) {
      fatal(absl::UnavailableError(StrCat("accept on port ", port, ": ", ec.message())));
      break;
    }
    socket.non_blocking(false, ec);
    if (busy.load()) {
      RefuseBusy(std::move(socket), o.label);
      continue;
    }
    if (serving.joinable()) serving.join();
    busy.store(true);
    serving = std::thread([&, s = std::move(socket), id = next_id++]() mutable {
      ReplicaConnection(o, facts, lease, lease_mu, fatal, std::move(s), id).Serve();
      busy.store(false);
    });
  }
  channel.Detach();
  acceptor.close(ec);
  if (serving.joinable()) serving.join();
  std::lock_guard lock(result_mu);
  return result;
}

}  // namespace binsync
