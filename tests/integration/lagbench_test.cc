// lagbench's measurement against real servers: two binlog taps stamp every probe
// transaction, native replication in between; the lag of each probe is the target tap's
// stamp minus the source tap's.
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <utility>
#include <zlib.h>
#include <cstdio>
#include <thread>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "core/lagbench/arrivals.h"
#include "core/lagbench/histogram.h"
#include "net/lagbench/tap.h"
#include "net/mysql/native_replication.h"
#include "core/util/subprocess.h"
#include "tests/testing/sandbox_fixture.h"

namespace binsync {
namespace {

using lagbench::ArrivalBook;
using lagbench::BinlogTap;
using lagbench::LagHistogram;
using lagbench::TapOptions;

constexpr char kProbeSchema[] =
    "SET sql_log_bin = 0; CREATE DATABASE IF NOT EXISTS lagbench; "
    "CREATE TABLE IF NOT EXISTS lagbench.probe_a_b (probe_id BIGINT UNSIGNED PRIMARY KEY, "
    "intended_us BIGINT NOT NULL); SET sql_log_bin = 1";

class LagbenchTapTest : public testing::SandboxPairTest {
 protected:
  // Native replication 1 -> 2 from now, with `delay` seconds of MASTER_DELAY.
  void Replicate(int delay) {
    Connection a = pair().Connect(1);
    Connection b = pair().Connect(2);
    ASSERT_TRUE(b.Execute("STOP SLAVE; RESET SLAVE ALL").ok());
    for (Connection* c : {&a, &b}) {
      ASSERT_TRUE(c->Execute("SET sql_log_bin = 0; DROP DATABASE IF EXISTS lagbench").ok());
      ASSERT_TRUE(c->Execute(kProbeSchema).ok());
    }
    auto pos = a.QueryValue("SELECT @@gtid_binlog_pos");
    ASSERT_TRUE(pos.ok());
    ASSERT_TRUE(b.Execute("SET GLOBAL gtid_slave_pos = " + b.QuoteLiteral(pos->value_or(""))).ok());
    ASSERT_TRUE(StartNativeReplication(b, pair().ReplUri(1)).ok());
    if (delay > 0) {
      ASSERT_TRUE(b.Execute("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = " +
                            std::to_string(delay) + "; START SLAVE").ok());
    }
    ASSERT_TRUE(WaitReplicationRunning(b, std::chrono::seconds(30)).ok());
  }

  std::unique_ptr<BinlogTap> Tap(int index, ArrivalBook* book, Clock::time_point epoch) {
    Connection c = pair().Connect(index);
    auto pos = c.QueryValue("SELECT @@gtid_binlog_pos");
    EXPECT_TRUE(pos.ok());
    TapOptions o;
    o.server.uri = pair().ReplUri(index);
    o.server_id = lagbench::kTapServerIdBase + static_cast<uint32_t>(index);
    o.start_gtid = pos->value_or("");
    o.probes = {{"lagbench", "probe_a_b", book}};
    o.epoch = epoch;
    auto tap = BinlogTap::Start(o);
    EXPECT_TRUE(tap.ok()) << tap.status();
    return tap.ok() ? *std::move(tap) : nullptr;
  }

  // Writes `n` probe transactions on server 1, `gap` apart; returns the lag histogram
  // once server 2's tap has seen all of them (or the timeout passed).
  LagHistogram Measure(uint64_t n, std::chrono::milliseconds gap, std::chrono::seconds timeout) {
    const Clock::time_point epoch = Clock::now();
    ArrivalBook source(n), target(n);
    std::unique_ptr<BinlogTap> tap_a = Tap(1, &source, epoch);
    std::unique_ptr<BinlogTap> tap_b = Tap(2, &target, epoch);
    Connection a = pair().Connect(1);
    for (uint64_t id = 1; id <= n; ++id) {
      EXPECT_TRUE(a.Execute("INSERT INTO lagbench.probe_a_b VALUES (" + std::to_string(id) +
                            ", 0)").ok());
      std::this_thread::sleep_for(gap);
    }
    const Clock::time_point deadline = Clock::now() + timeout;
    while (target.stamped() < n && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    tap_a->Stop();
    tap_b->Stop();
    EXPECT_TRUE(tap_a->status().ok()) << tap_a->status();
    EXPECT_TRUE(tap_b->status().ok()) << tap_b->status();
    EXPECT_EQ(source.stamped(), n);
    EXPECT_EQ(target.stamped(), n);
    LagHistogram lag;
    for (uint64_t id = 1; id <= n; ++id) {
      if (source.At(id) && target.At(id)) lag.Record(*target.At(id) - *source.At(id));
    }
    std::printf("lag of %llu probes (us): min %lld p50 %lld p99 %lld max %lld, %llu at 0\n",
                static_cast<unsigned long long>(lag.count()),  // NOLINT
                static_cast<long long>(lag.min()), static_cast<long long>(lag.ValueAtPercentile(50)),
                static_cast<long long>(lag.ValueAtPercentile(99)), static_cast<long long>(lag.max()),
                static_cast<unsigned long long>(lag.clamped_low()));  // NOLINT
    return lag;
  }
};

TEST_F(LagbenchTapTest, EveryProbeIsStampedOnBothSidesAndTheLagIsSmall) {
  ASSERT_NO_FATAL_FAILURE(Replicate(0));
  const LagHistogram lag = Measure(300, std::chrono::milliseconds(2), std::chrono::seconds(30));
  EXPECT_EQ(lag.count(), 300u);
  // Native replication on one loaded machine: milliseconds, not seconds.
  EXPECT_LT(lag.ValueAtPercentile(50), 200'000) << "p50 us";
  // The taps are two threads: one may read a probe a few microseconds before the other gets
  // to it (the floor a calibration run measures). Such a probe counts as lag 0, and rarely.
  EXPECT_LE(lag.clamped_low(), 15u);
}

TEST_F(LagbenchTapTest, AKnownDelayIsMeasured) {
  ASSERT_NO_FATAL_FAILURE(Replicate(1));
  const LagHistogram lag = Measure(20, std::chrono::milliseconds(50), std::chrono::seconds(30));
  EXPECT_EQ(lag.count(), 20u);
  // MASTER_DELAY=1 counts from the event's whole-second timestamp: each transaction is held
  // between ~0 and ~1 s past its second, so about 0.5-1.5 s after it was binlogged.
  EXPECT_GT(lag.min(), 0);
  EXPECT_GT(lag.ValueAtPercentile(50), 300'000) << "p50 us";
  EXPECT_LT(lag.max(), 2'500'000) << "max us";
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

class LagbenchCommandTest : public testing::SandboxPairTest {};

// The pixels of a PNG (zlib-inflated IDAT data, filter bytes included): enough to tell a
// blank screenshot from a drawn one.
std::string PngPixels(const std::string& png) {
  std::string idat;
  for (size_t at = 8; at + 12 <= png.size();) {
    const uint32_t len = (static_cast<uint32_t>(static_cast<uint8_t>(png[at])) << 24) |
                         (static_cast<uint32_t>(static_cast<uint8_t>(png[at + 1])) << 16) |
                         (static_cast<uint32_t>(static_cast<uint8_t>(png[at + 2])) << 8) |
                         static_cast<uint8_t>(png[at + 3]);
    if (png.compare(at + 4, 4, "IDAT") == 0) idat += png.substr(at + 8, len);
    at += 12 + len;
  }
  std::string out(64u << 20, '\0');
  uLongf out_len = static_cast<uLongf>(out.size());
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len,
                 reinterpret_cast<const Bytef*>(idat.data()), static_cast<uLong>(idat.size())) != Z_OK) {
    return "";
  }
  out.resize(out_len);
  return out;
}

// Opens the HTML report in headless Chromium (Debian's, installed by install-deps.sh): the
// DOM holds each chart's SVG with data points, and a screenshot is not blank.
void CheckReportInChromium(const std::filesystem::path& html) {
  const std::filesystem::path profile = html.parent_path() / "chromium-profile";
  const std::filesystem::path png = html.parent_path() / "report.png";
  const std::vector<std::string> base = {"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                         "--user-data-dir=" + profile.string()};
  std::vector<std::string> dump = base;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + html.string());
  auto dom = RunSubprocess(dump, {std::chrono::seconds(120), {"HOME=" + profile.string()}, ""});
  ASSERT_TRUE(dom.ok()) << dom.status();
  ASSERT_EQ(dom->exit_code, 0) << dom->err;
  for (const char* id : {"lag-over-time", "spectrum", "lag-vs-rate", "cdf", "sbm-vs-lag"}) {
    const size_t at = dom->out.find(std::string("<svg id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    const std::string svg = dom->out.substr(at, dom->out.find("</svg>", at) - at);
    EXPECT_NE(svg.find("class=\"pt\""), std::string::npos) << id << ": no data point";
  }
  std::vector<std::string> shot = base;
  shot.push_back("--screenshot=" + png.string());
  shot.push_back("--window-size=1000,2800");
  shot.push_back("file://" + html.string());
  auto r = RunSubprocess(shot, {std::chrono::seconds(120), {"HOME=" + profile.string()}, ""});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->exit_code, 0) << r->err;
  std::ifstream in(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 8u);
  ASSERT_EQ(bytes.substr(1, 3), "PNG");
  const std::string pixels = PngPixels(bytes);
  ASSERT_FALSE(pixels.empty());
  std::array<bool, 256> seen{};
  size_t distinct = 0;
  for (char c : pixels) distinct += !std::exchange(seen[static_cast<uint8_t>(c)], true);
  EXPECT_GT(distinct, 32u) << "the screenshot is blank";
  std::printf("report screenshot %s: %zu bytes, %zu distinct byte values\n", png.c_str(),
              bytes.size(), distinct);
}

// The whole command on a native master-master pair, both directions at once.
TEST_F(LagbenchCommandTest, NativeBothDirectionsEveryTransactionMeasured) {
  Connection a = pair().Connect(1);
  Connection b = pair().Connect(2);
  ASSERT_NO_FATAL_FAILURE(testing::StartMasterMaster(pair()));

  const std::filesystem::path report = testing::MakeTempDir("lbr") / "report.html";
  const auto r = testing::RunBinsync({"lagbench", "--a", pair().Uri(1), "--b", pair().Uri(2),
                                      "--direction", "both", "--rate", "200", "--duration", "3",
                                      "--warmup", "1", "--rows-per-txn", "2", "--mix", "2:1:1",
                                      "--format", "json", "--report", report.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  ASSERT_NO_FATAL_FAILURE(CheckReportInChromium(report));
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_FALSE(j["environment"]["a"]["version"].get<std::string>().empty());
  EXPECT_EQ(j["environment"]["b"]["settings"]["channel.using_gtid"], "Slave_Pos");
  ASSERT_EQ(j["steps"].size(), 2u);
  uint64_t sent = 0;
  for (const auto& step : j["steps"]) {
    EXPECT_EQ(step["engine"], "native");
    EXPECT_NEAR(step["sent"].get<double>(), 600, 5) << step["direction"];  // 200 TPS x 3 s
    EXPECT_EQ(step["measured"], step["sent"]);
    EXPECT_EQ(step["lag"]["count"], step["measured"]);
    EXPECT_GT(step["lag"]["p50_us"].get<int64_t>(), 0);
    EXPECT_LT(step["lag"]["p50_us"].get<int64_t>(), 2'000'000);
    EXPECT_EQ(step["series"].size(), 3u);
    // Its verdict (issue 20): the reason starts with the name, the backlog's end is the
    // series' last, and 3 s is too short for a trend.
    const auto& verdict = step["verdict"];
    EXPECT_EQ(verdict["reason"].get<std::string>().rfind(verdict["name"].get<std::string>(), 0),
              0u);
    EXPECT_EQ(verdict["backlog_end"], step["series"].back()["backlog"]);
    EXPECT_TRUE(verdict["backlog_growth_tps"].is_null());
    uint64_t in_buckets = 0;
    for (const auto& bucket : step["lag"]["buckets"]) in_buckets += bucket[2].get<uint64_t>();
    EXPECT_EQ(in_buckets, step["lag"]["count"].get<uint64_t>());
    sent += step["sent"].get<uint64_t>();
  }
  EXPECT_EQ(j["totals"]["sent"], sent);
  EXPECT_EQ(j["totals"]["measured"], sent);
  EXPECT_TRUE(j["totals"]["every_transaction_measured"]);
  EXPECT_GT(j["floor"]["count"].get<uint64_t>(), 0u);
  ASSERT_EQ(j["verdicts"].size(), 2u);  // native a-b, native b-a: one step each
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(j["verdicts"][i]["steps"][0], j["steps"][i]["verdict"]["name"]);
  }
  EXPECT_GT(j["visibility"]["count"].get<uint64_t>(), 0u);
  // The probe schema is gone from both servers (no --keep), and replication still runs.
  for (Connection* c : {&a, &b}) {
    auto n = c->QueryValue("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'lagbench'");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->value_or(""), "0");
    EXPECT_TRUE(WaitReplicationRunning(*c, std::chrono::seconds(5)).ok());
  }
}

// binsync's engine takes each direction over from native replication and hands it back
// where it got to: native and binsync interleaved, every transaction measured, the pair
// identical and replicating natively afterwards with nothing applied twice.
TEST_F(LagbenchCommandTest, BothEnginesInterleavedAndNativeHandedBack) {
  Connection a = pair().Connect(1);
  Connection b = pair().Connect(2);
  ASSERT_NO_FATAL_FAILURE(testing::StartMasterMaster(pair()));
  const auto r = testing::RunBinsync({"lagbench", "--a", pair().Uri(1), "--b", pair().Uri(2),
                                      "--engine", "both", "--direction", "both", "--rate", "100",
                                      "--duration", "2", "--warmup", "0.5", "--keep",
                                      "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["steps"].size(), 12u);  // 2 engines x 2 directions x 3 rounds
  int binsync_steps = 0;
  for (size_t i = 0; i < j["steps"].size(); ++i) {
    const auto& step = j["steps"][i];
    EXPECT_EQ(step["engine"], (i / 2) % 2 == 0 ? "native" : "binsync") << i;  // interleaved
    EXPECT_EQ(step["round"], static_cast<int>(i / 4) + 1) << i;
    EXPECT_EQ(step["measured"], step["sent"]) << i;
    EXPECT_GT(step["sent"].get<int>(), 150) << i;
    binsync_steps += step["engine"] == "binsync";
  }
  EXPECT_EQ(binsync_steps, 6);
  EXPECT_TRUE(j["totals"]["every_transaction_measured"]);
  // Native runs again both ways, nothing failed, and the kept probe tables are identical
  // (each probe applied exactly once on the other side: a duplicate would have failed).
  for (Connection* c : {&a, &b}) {
    ASSERT_TRUE(WaitReplicationRunning(*c, std::chrono::seconds(10)).ok());
  }
  const std::string checksum =
      "SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(probe_id), 0)) FROM lagbench.probe_a_b";
  auto pos_a = a.QueryValue("SELECT @@gtid_binlog_pos");
  auto pos_b = b.QueryValue("SELECT @@gtid_binlog_pos");
  ASSERT_TRUE(pos_a.ok() && pos_b.ok());
  ASSERT_TRUE(WaitForGtid(b, pos_a->value_or(""), std::chrono::seconds(30)).ok());
  ASSERT_TRUE(WaitForGtid(a, pos_b->value_or(""), std::chrono::seconds(30)).ok());
  EXPECT_EQ(pair().Value(1, checksum), pair().Value(2, checksum));
  EXPECT_EQ(pair().Value(1, checksum).substr(0, 5), "1500:");  // 6 runs x 2.5 s x 100 TPS
  for (int i : {1, 2}) pair().Exec(i, "SET sql_log_bin = 0; DROP DATABASE lagbench");
}

// One lagbench per pair: a second, started while the first runs, is refused naming the
// first, and changes nothing (the first still measures every transaction).
TEST_F(LagbenchCommandTest, ASecondLagbenchOnThePairIsRefusedNamingTheFirst) {
  ASSERT_NO_FATAL_FAILURE(testing::StartMasterMaster(pair()));
  const auto dir = testing::MakeTempDir("lb2");
  testing::Background first({"lagbench", "--a", pair().Uri(1), "--b", pair().Uri(2), "--rate",
                             "100", "--duration", "4", "--warmup", "0"},
                            (dir / "first.log").string());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto second = testing::RunBinsync({"lagbench", "--a", pair().Uri(1), "--b",
                                           pair().Uri(2), "--rate", "10", "--duration", "1"});
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_NE(second.err.find("binsync pid " + std::to_string(first.pid)), std::string::npos)
      << second.err;
  EXPECT_EQ(first.Stop(0, std::chrono::seconds(60)), 0) << first.Log();  // signal 0: just wait
  EXPECT_NE(first.Log().find("every transaction measured"), std::string::npos) << first.Log();
  std::filesystem::remove_all(dir);
}

TEST_F(LagbenchCommandTest, ADirectionWithoutNativeReplicationIsRefusedNamingTheServer) {
  Connection b = pair().Connect(2);
  Connection a = pair().Connect(1);
  ASSERT_TRUE(a.Execute("STOP SLAVE; RESET SLAVE ALL").ok());  // nothing replicates B -> A
  const auto r = testing::RunBinsync({"lagbench", "--a", pair().Uri(1), "--b", pair().Uri(2),
                                      "--direction", "b-a", "--rate", "10", "--duration", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(pair().server(1).RootUri().Endpoint() + " has no replication channel from " +
                       pair().server(2).RootUri().Endpoint()),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace binsync

namespace binsync {
namespace {

// A lagbench killed while binsync had a direction (native stopped) is put right by the
// next run: native restarted where binsync got to, nothing applied twice or lost.
TEST_F(LagbenchCommandTest, AKilledRunsHandOverIsRestoredByTheNextRun) {
  Connection a = pair().Connect(1);
  Connection b = pair().Connect(2);
  ASSERT_NO_FATAL_FAILURE(testing::StartMasterMaster(pair()));
  const std::vector<std::string> args = {"lagbench", "--a", pair().Uri(1), "--b", pair().Uri(2),
                                         "--engine", "binsync", "--rate", "100", "--duration",
                                         "1", "--warmup", "0", "--keep"};
  const auto killed = testing::RunBinsync(args, {"BINSYNC_FAULT=lagbench.binsync_engine"});
  ASSERT_EQ(killed.exit_code, 128 + 9) << killed.err;
  auto io = b.QueryValue("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_IO'");
  ASSERT_TRUE(io.ok());
  EXPECT_EQ(io->value_or(""), "0") << "the killed run left B's channel stopped";
  pair().Exec(1, "CREATE DATABASE IF NOT EXISTS kr; CREATE TABLE kr.t (id INT PRIMARY KEY); "
                  "INSERT INTO kr.t VALUES (1), (2), (3)");
  const auto rerun = testing::RunBinsync(
      {"lagbench", "--a", pair().Uri(1), "--b", pair().Uri(2), "--rate", "50", "--duration", "1",
       "--warmup", "0"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("had handed its replication from " + pair().server(1).RootUri().Endpoint() +
                           " to binsync; native replication restarted at"),
            std::string::npos)
      << rerun.err;
  ASSERT_TRUE(WaitReplicationRunning(b, std::chrono::seconds(10)).ok());
  auto pos = a.QueryValue("SELECT @@gtid_binlog_pos");
  ASSERT_TRUE(pos.ok());
  ASSERT_TRUE(WaitForGtid(b, pos->value_or(""), std::chrono::seconds(30)).ok());
  EXPECT_EQ(pair().Value(2, "SELECT COUNT(*) FROM kr.t"), "3");
  EXPECT_EQ(pair().Value(2, "SELECT COUNT(*) FROM binsync.lagbench_handover"), "0");
  pair().Exec(1, "DROP DATABASE kr");
}

}  // namespace
}  // namespace binsync
