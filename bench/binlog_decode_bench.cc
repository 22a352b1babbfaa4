// Decoder micro-benchmarks on in-memory binlogs built with the tests' EventBuilder:
//   BM_DecodeSysbench/<rows per event>    frame + decode + iterate every row of a
//                                         sysbench-like table (id, k, c CHAR(120),
//                                         pad CHAR(60)), WRITE and UPDATE events
//   BM_DecodeSysbenchCompressed/<rows>    the same as MariaDB compressed events (zlib)
//   BM_JsonSysbench/<rows per event>      the above plus the JSON text of every image
//   BM_DecodeColumn/<type>                one table (id INT, one column of the type),
//                                         1000 rows per event: per-type cell decode
// Counters: bytes/s (binlog bytes), rows/s (row changes), events/s, and allocs/row: heap
// allocations per row change while decoding (operator new is counted in this binary).
// Run: build/bench/binlog_decode_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/binlog/events.h"
#include "core/binlog/file_reader.h"
#include "core/binlog/json_format.h"
#include "core/binlog/rows_event.h"
#include "core/binlog/table_map.h"
#include "core/util/strings.h"
#include "tests/core/binlog/event_builder.h"
#include "tests/core/binlog/json_builder.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Counts every allocation of the process (the decoder's included). Neither side is inlined:
// GCC would otherwise pair this malloc with call sites' free and warn.
[[gnu::noinline]] void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace binsync::binlog {
namespace {

using testing::Bytes;
using testing::ColumnSpec;
using testing::EventBuilder;
using testing::Flavor;

constexpr size_t kTargetBytes = 8u << 20;  // each generated binlog is about 8 MiB

// A binlog of one table and rows events of `rows_per_event` rows until ~kTargetBytes.
struct Binlog {
  std::vector<uint8_t> bytes;
  uint64_t rows = 0;
  uint64_t events = 0;
};

// `row(rng, out)` appends one full row image (null bitmap + cells).
Binlog Build(const std::vector<ColumnSpec>& cols, int rows_per_event, bool compressed, bool updates,
             const std::function<void(std::mt19937&, Bytes*)>& row) {
  // binlog_row_metadata=FULL-like: column names, latin1 text, utf8mb4 for VARCHAR/BLOB.
  Bytes names;
  for (size_t i = 0; i < cols.size(); ++i)
    names.PackedStr(i == 0 ? std::string("id") : StrCat("c", i));
  Bytes meta;
  meta.U8(2).Packed(1).Packed(8);  // DEFAULT_CHARSET latin1_swedish_ci
  meta.U8(4).Packed(names.size()).Raw(names.bytes());
  std::mt19937 rng(7);
  EventBuilder b(Flavor::kMariaDb1011, true);
  std::vector<std::vector<uint8_t>> events = {b.Fde()};
  Binlog out;
  const std::vector<uint8_t> all((cols.size() + 7) / 8, 0xff);
  size_t total = 0;
  while (total < kTargetBytes) {
    events.push_back(
        b.Event(19, EventBuilder::TableMapBody(1, "sbtest", "sbtest1", cols, meta.bytes())));
    const bool update = updates && out.events % 4 == 3;  // one UPDATE per three WRITEs
    Bytes rows;
    for (int i = 0; i < rows_per_event; ++i) {
      row(rng, &rows);
      if (update) row(rng, &rows);
    }
    const std::vector<uint8_t> data =
        compressed ? testing::MariaCompress(rows.bytes()) : rows.bytes();
    const uint8_t type = static_cast<uint8_t>((compressed ? 166 : 23) + (update ? 1 : 0));
    events.push_back(b.Event(
        type, EventBuilder::RowsBody(false, 1, cols.size(), all, update ? &all : nullptr, data)));
    total += events.back().size() + events[events.size() - 2].size();
    out.rows += static_cast<uint64_t>(rows_per_event);
    out.events += 2;
  }
  out.bytes = EventBuilder::File(events);
  return out;
}

std::string Letters(std::mt19937& rng, size_t n) {
  std::string s(n, 'x');
  for (char& c : s) c = static_cast<char>('0' + rng() % 10);
  return s;
}

const std::vector<ColumnSpec>& SysbenchColumns() {
  // id INT, k INT, c CHAR(120) and pad CHAR(60) as latin1 (STRING metadata fe 78 / fe 3c).
  static const std::vector<ColumnSpec> cols = {
      {3, {}, false}, {3, {}, false}, {254, {0xfe, 120}, false}, {254, {0xfe, 60}, false}};
  return cols;
}

void SysbenchRow(std::mt19937& rng, Bytes* b) {
  b->U8(0).U32(rng()).U32(rng() % 1000000);
  const std::string c = Letters(rng, 119), pad = Letters(rng, 59);
  b->U8(c.size()).Str(c).U8(pad.size()).Str(pad);
}

// Frames, decodes and iterates every row; with `json`, also formats both images.
void DecodeAll(benchmark::State& state, const Binlog& log, bool json) {
  DecodeScratch scratch;
  TableMapCache maps;
  RowImage before, after;
  std::string text;
  uint64_t allocations = 0;
  bool first_pass = true;
  for (auto _ : state) {
    const uint64_t before_pass = g_allocations.load(std::memory_order_relaxed);
    auto reader = FileReader::FromBuffer("bench", log.bytes);
    if (!reader.ok()) {
      state.SkipWithError("bad binlog");
      return;
    }
    EventView ev;
    Event event;
    uint64_t rows = 0;
    while (true) {
      absl::StatusOr<bool> more = (*reader)->Next(&ev);
      if (!more.ok() || !*more) break;
      if (!DecodeEvent(ev, (*reader)->format(), "bench", &scratch, &event).ok()) {
        state.SkipWithError("decode failed");
        return;
      }
      if (const auto* tm = std::get_if<TableMapEvent>(&event)) {
        (void)maps.Update(*tm);
      } else if (const auto* re = std::get_if<RowsEvent>(&event)) {
        RowIterator it(*re, *maps.Find(re->table_id));
        for (;;) {
          absl::StatusOr<bool> row = it.Next(&before, &after);
          if (!row.ok()) {
            state.SkipWithError("row decode failed");
            return;
          }
          if (!*row) break;
          ++rows;
          if (json) {
            text.clear();
            if (re->kind == RowsKind::kUpdate) (void)AppendJsonRow(before, *maps.Find(1), &text);
            (void)AppendJsonRow(after, *maps.Find(1), &text);
            benchmark::DoNotOptimize(text.data());
          }
        }
      }
    }
    benchmark::DoNotOptimize(rows);
    // The first pass grows the reused buffers; later passes show the steady state (the
    // reader object of each pass included).
    if (!first_pass) allocations += g_allocations.load(std::memory_order_relaxed) - before_pass;
    first_pass = false;
  }
  const auto n = static_cast<int64_t>(state.iterations());
  state.SetBytesProcessed(n * static_cast<int64_t>(log.bytes.size()));
  state.SetItemsProcessed(n * static_cast<int64_t>(log.rows));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(log.rows) * n, benchmark::Counter::kIsRate);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(log.events) * n, benchmark::Counter::kIsRate);
  if (n > 1) {
    state.counters["allocs/row"] = static_cast<double>(allocations) /
                                   (static_cast<double>(log.rows) * static_cast<double>(n - 1));
  }
}

void BM_DecodeSysbench(benchmark::State& state) {
  const Binlog log =
      Build(SysbenchColumns(), static_cast<int>(state.range(0)), false, true, SysbenchRow);
  DecodeAll(state, log, false);
}
BENCHMARK(BM_DecodeSysbench)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_DecodeSysbenchCompressed(benchmark::State& state) {
  const Binlog log =
      Build(SysbenchColumns(), static_cast<int>(state.range(0)), true, true, SysbenchRow);
  DecodeAll(state, log, false);
}
BENCHMARK(BM_DecodeSysbenchCompressed)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_JsonSysbench(benchmark::State& state) {
  const Binlog log =
      Build(SysbenchColumns(), static_cast<int>(state.range(0)), false, true, SysbenchRow);
  DecodeAll(state, log, true);
}
BENCHMARK(BM_JsonSysbench)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// One column type: its TABLE_MAP spec and a cell generator.
struct TypeCase {
  const char* name;
  ColumnSpec spec;
  std::function<void(std::mt19937&, Bytes*)> cell;
};

std::vector<TypeCase> TypeCases() {
  using testing::JsonNode;
  return {
      {"TINY", {1, {}}, [](std::mt19937& r, Bytes* b) { b->U8(r()); }},
      {"LONG", {3, {}}, [](std::mt19937& r, Bytes* b) { b->U32(r()); }},
      {"LONGLONG", {8, {}}, [](std::mt19937& r, Bytes* b) { b->U64(r()); }},
      {"DOUBLE", {5, {8}}, [](std::mt19937& r, Bytes* b) { b->U64(r()); }},
      {"NEWDECIMAL(12,2)",
       {246, {12, 2}},
       [](std::mt19937& r, Bytes* b) {
         testing::EncodeDecimal(StrCat(r() % 100000, ".25"), 12, 2, b);
       }},
      {"DATETIME2(6)",
       {18, {6}},
       [](std::mt19937& r, Bytes* b) {
         testing::EncodeDatetime2(2024, 1 + r() % 12, 1 + r() % 28, r() % 24, r() % 60, r() % 60,
                                  r() % 1000000, 6, b);
       }},
      {"TIMESTAMP2(3)",
       {17, {3}},
       [](std::mt19937& r, Bytes* b) { b->BE(r(), 4).BE(r() % 1000, 2); }},
      {"VARCHAR(64)",
       {15, {0x00, 0x01}},
       [](std::mt19937& r, Bytes* b) {
         const std::string s = Letters(r, 32);
         b->U16(s.size()).Str(s);
       }},
      {"BLOB(200)",
       {252, {2}},
       [](std::mt19937& r, Bytes* b) {
         const std::string s = Letters(r, 200);
         b->U16(s.size()).Str(s);
       }},
      {"JSON",
       {245, {4}},
       [](std::mt19937& r, Bytes* b) {
         JsonNode o = JsonNode::Object();
         o.members.emplace_back("id", JsonNode::Int32(static_cast<int32_t>(r())));
         o.members.emplace_back("name", JsonNode::String(Letters(r, 12)));
         const std::vector<uint8_t> doc = testing::EncodeJsonDocument(o, false);
         b->U32(doc.size()).Raw(doc);
       }},
  };
}

void RegisterTypeBenchmarks() {
  for (const TypeCase& t : TypeCases()) {
    benchmark::RegisterBenchmark(StrCat("BM_DecodeColumn/", t.name).c_str(),
                                 [t](benchmark::State& state) {
                                   const std::vector<ColumnSpec> cols = {{3, {}, false}, t.spec};
                                   const Binlog log = Build(cols, 1000, false, false,
                                                            [&](std::mt19937& r, Bytes* b) {
                                                              b->U8(0).U32(r());
                                                              t.cell(r, b);
                                                            });
                                   DecodeAll(state, log, state.range(0) != 0);
                                 })
        ->ArgName("json")
        ->Arg(0)
        ->Arg(1)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace binsync::binlog

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  binsync::binlog::RegisterTypeBenchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
