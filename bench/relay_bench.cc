// relay's per-transaction cost on the hot path, and proof that steady state allocates
// nothing: CommitGrouper::Assign (writeset mode, 4 keys per transaction, disjoint or 10% from
// 16 hot keys) and Reframer::Append of a typical row transaction (GTID, TABLE_MAP, one
// WRITE_ROWS, XID: ~190 bytes with CRC32) into a reused buffer. The `allocs/txn` counter
// counts global operator new calls inside the timed loop.
//   build/bench/relay_bench [--benchmark_filter=...]
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "benchmark/benchmark.h"
#include "core/binlog/event_header.h"
#include "core/relay/commit_groups.h"
#include "core/relay/reframe.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Not inlined: GCC 12 would otherwise see malloc inside every vector operation and warn
// about regions of unknown size (-Warray-bounds, -Wstringop-overread false positives).
[[gnu::noinline]] void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace binsync::relay {
namespace {

constexpr uint8_t kRowTxn = 4 | 8;  // TRANSACTIONAL | ALLOW_PARALLEL

uint64_t NextRandom(uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

void BM_CommitGrouperAssign(benchmark::State& state) {
  const bool hot = state.range(0) != 0;
  constexpr size_t kTxns = 4096;
  std::vector<std::vector<uint64_t>> keys(kTxns);
  uint64_t rng = 88172645463325252ULL;
  for (auto& k : keys) {
    for (int i = 0; i < 4; ++i) {
      k.push_back(hot && NextRandom(rng) % 10 == 0 ? NextRandom(rng) % 16 : NextRandom(rng));
    }
  }
  CommitGrouper g(GroupBy::kWriteset);
  uint64_t seq = 1;
  uint64_t grouped = 0;
  for (size_t i = 0; i < kTxns; ++i) {  // warm: the key table reaches its size
    (void)g.Assign(GroupInput{0, seq++, kRowTxn, 0, false, keys[i]});
  }
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    for (size_t i = 0; i < kTxns; ++i) {
      const CommitId id = g.Assign(GroupInput{0, seq++, kRowTxn, 0, false, keys[i]});
      grouped += id.value != seq - 1 ? 1 : 0;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTxns));
  state.counters["allocs/txn"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) /
      static_cast<double>(state.iterations() * kTxns));
  state.counters["joined"] = benchmark::Counter(
      static_cast<double>(grouped) / static_cast<double>(state.iterations() * kTxns));
}
BENCHMARK(BM_CommitGrouperAssign)->ArgName("hot")->Arg(0)->Arg(1);

// One source event as a MariaDB 10.11 source sends it (CRC32 included).
std::vector<uint8_t> Event(uint8_t type, const std::vector<uint8_t>& body) {
  const size_t size = 19 + body.size() + 4;
  std::vector<uint8_t> e(size, 0);
  e[4] = type;
  e[5] = 9;
  for (size_t i = 0; i < 4; ++i) e[9 + i] = static_cast<uint8_t>(size >> (8 * i));
  for (size_t i = 0; i < body.size(); ++i) e[19 + i] = body[i];
  const uint32_t crc = binlog::BinlogCrc32(binlog::ByteView(e).first(size - 4));
  for (size_t i = 0; i < 4; ++i) e[size - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return e;
}

void BM_ReframeAppendTransaction(benchmark::State& state) {
  binlog::FormatDescription fd = binlog::FormatDescription::Default();
  fd.server_version = "10.11.6-MariaDB-log";
  fd.is_mariadb = true;
  fd.checksum = binlog::ChecksumAlgorithm::kCrc32;
  StreamOptions options;
  options.server_id = 77;
  options.max_file_size = uint64_t{1} << 62;  // no rotation inside the measurement
  Reframer r(options);
  std::vector<uint8_t> out;
  if (!r.Start(fd, {{0, 9, 1}}, &out).ok()) state.SkipWithError("Start failed");
  std::vector<uint8_t> gtid_body(19, 0);
  gtid_body[12] = kRowTxn;
  const std::vector<uint8_t> table_map = Event(
      19, {70, 0, 0, 0, 0, 0, 1, 0, 2, 'd', 'b', 0, 1, 't', 0, 2, 3, 15, 2, 0x2c, 1, 0x02});
  std::vector<uint8_t> rows_body = {70, 0, 0, 0, 0, 0, 1, 0, 2, 0, 2, 0x03, 0};
  for (int i = 0; i < 100; ++i) rows_body.push_back(static_cast<uint8_t>('a' + i % 26));
  const std::vector<uint8_t> rows = Event(30, rows_body);
  const std::vector<uint8_t> xid = Event(16, {1, 0, 0, 0, 0, 0, 0, 0});
  uint64_t seq = 2;
  size_t bytes = 0;
  out.reserve(4096);
  uint64_t before = 0;
  bool measuring = false;
  for (auto _ : state) {
    if (!measuring) {  // the first iteration sizes the buffer
      before = g_allocations.load();
      measuring = true;
    }
    out.clear();
    for (int i = 0; i < 8; ++i) gtid_body[i] = static_cast<uint8_t>(seq >> (8 * i));
    const std::vector<uint8_t>* events[] = {nullptr, &table_map, &rows, &xid};
    state.PauseTiming();
    const std::vector<uint8_t> gtid = Event(162, gtid_body);
    state.ResumeTiming();
    events[0] = &gtid;
    for (const auto* e : events) {
      if (!r.Append(*e, SourcePos{"b.000001", 4}, CommitId{true, seq}, &out).ok()) {
        state.SkipWithError("Append failed");
      }
    }
    bytes += out.size();
    ++seq;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  // The GTID's source bytes are built outside the timing but inside the count: subtract
  // that one vector per iteration.
  state.counters["allocs/txn"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations()) - 1.0);
}
BENCHMARK(BM_ReframeAppendTransaction);

}  // namespace
}  // namespace binsync::relay

BENCHMARK_MAIN();
