#include "net/verify/reads.h"

#include <charconv>
#include <map>

#include "core/schema/column_types.h"
#include "core/schema/row_key.h"
#include "core/util/both.h"
#include "core/util/clock.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"
#include "core/verify/compared_table.h"
#include "core/verify/sql.h"

namespace binsync::verify {
namespace {

ParamType KeyParamType(const TableInfo& t, size_t c) {
  if (schema::IsIntegerColumn(t, c)) {
    return schema::IsUnsignedColumn(t, c) ? ParamType::kUnsigned : ParamType::kSigned;
  }
  if (schema::IsDecimalColumn(t, c)) return ParamType::kDecimal;
  if (schema::IsBinaryColumn(t, c)) return ParamType::kBinary;
  return ParamType::kText;
}

// The key columns (the first n) of a row, encoded exactly (core/schema/row_key.h).
std::string EncodeKey(const RowValues& row, size_t n) {
  std::string k;
  for (size_t i = 0; i < n; ++i) schema::AppendKeyPart(&k, row[i]);
  return k;
}

// Rows of a single-column key, kFetchBatch keys per statement (the last batch padded
// with its last key), matched back to their keys by the key column's text.
constexpr size_t kFetchBatch = 64;

absl::StatusOr<std::vector<std::optional<Row>>> FetchRowsBatched(
    Side& s, const TableInfo& t, const std::vector<KeyValues>& keys) {
  ASSIGN_OR_RETURN(PreparedStatement * ps, s.Stmt(VerifySql::RowsByKeys(t, kFetchBatch)));
  const size_t key_col = KeyColumns(t)[0];
  const ParamType type = KeyParamType(t, key_col);
  std::vector<std::optional<Row>> out(keys.size());
  std::map<Int128, size_t> index;  // by value: "42" and "042" are the same key
  for (size_t i = 0; i < keys.size(); ++i) index.emplace(ParseIntKey(keys[i][0]), i);
  std::vector<Param> params(kFetchBatch);
  for (size_t from = 0; from < keys.size(); from += kFetchBatch) {
    for (size_t j = 0; j < kFetchBatch; ++j) {
      params[j] = Param{std::string_view(keys[std::min(from + j, keys.size() - 1)][0]), type};
    }
    RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& v) {
      auto it = index.find(ParseIntKey(v[key_col].value_or("")));
      if (it != index.end()) out[it->second] = CopyRow(v);
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::StatusOr<std::vector<std::optional<Row>>> FetchRows(Side& s, const TableInfo& t,
                                                          const std::vector<KeyValues>& keys) {
  // Integer keys print back exactly as bound; other types may not (collations, padding).
  if (KeyColumns(t).size() == 1 && schema::IsIntegerColumn(t, KeyColumns(t)[0])) return FetchRowsBatched(s, t, keys);
  ASSIGN_OR_RETURN(PreparedStatement * ps, s.Stmt(VerifySql::RowByKey(t)));
  std::vector<std::optional<Row>> out;
  out.reserve(keys.size());
  for (const KeyValues& k : keys) {
    std::optional<Row> row;
    RETURN_IF_ERROR(ps->Query(KeyParams(t, k), [&](const RowValues& v) {
      row = CopyRow(v);
      return absl::OkStatus();
    }));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

void AppendBound(const TableInfo& t, const KeyValues& v, std::vector<Param>* out) {
  for (size_t i = 0; i < KeyColumns(t).size(); ++i) {
    for (size_t j = 0; j <= i; ++j) {
      out->push_back(Param{std::string_view(v[j]), KeyParamType(t, KeyColumns(t)[j])});
    }
  }
}

std::vector<Param> KeyParams(const TableInfo& t, const KeyValues& v) {
  std::vector<Param> out;
  for (size_t j = 0; j < KeyColumns(t).size(); ++j) {
    out.push_back(Param{std::string_view(v[j]), KeyParamType(t, KeyColumns(t)[j])});
  }
  return out;
}

std::vector<Param> RangeParams(const TableInfo& t, const Range& r) {
  std::vector<Param> p;
  if (r.lower) AppendBound(t, *r.lower, &p);
  if (r.upper) AppendBound(t, *r.upper, &p);
  return p;
}

absl::StatusOr<ChunkSum> Checksum(Side& s, const TableInfo& t, const Range& r, bool live) {
  const auto start = Clock::now();
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::ChunkChecksum(t, s.hash, r.lower.has_value(),
                                                   r.upper.has_value())));
  ChunkSum out;
  const std::vector<Param> params = RangeParams(t, r);
  RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& row) {
    ASSIGN_OR_RETURN(out.rows, NumberOf(StrCat(t.QualifiedName(), " chunk row count"), row[0].value_or("0")));
    out.hash = std::string(row[1].value_or(""));
    return absl::OkStatus();
  }));
  out.seconds = SecondsSince(start);
  ASSIGN_OR_RETURN(out.gtid_pos, GtidState(s, live));
  return out;
}

KeyValues DecodeKey(std::string_view k) {
  std::vector<std::optional<std::string>> parts;
  KeyValues out;
  if (!schema::DecodeRowKey(k, &parts)) return out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(p ? std::move(*p) : std::string());
  return out;
}

uint64_t ToU64(std::optional<std::string_view> v) {
  uint64_t out = 0;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return out;
}

absl::StatusOr<RowHashList> RowHashes(Side& s, const TableInfo& t, const Range& r,
                                      size_t expected_rows) {
  RowHashList out;
  out.reserve(expected_rows);
  const size_t n = KeyColumns(t).size();
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::RowHashes(t, s.hash, r.lower.has_value(), r.upper.has_value())));
  RETURN_IF_ERROR(ps->Query(RangeParams(t, r), [&](const RowValues& row) {
    out.emplace_back(EncodeKey(row, n), ToU64(row[n]));
    return absl::OkStatus();
  }));
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status RowsIn(Side& s, const TableInfo& t, const Range& r, const Spans& spans,
                    size_t from, RowBatch* out) {
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::RowsIn(t, r.lower.has_value(), r.upper.has_value(),
                                            kSpansPerQuery)));
  const ParamType type = KeyParamType(t, KeyColumns(t)[0]);
  std::vector<Param> params = RangeParams(t, r);
  for (size_t j = 0; j < kSpansPerQuery; ++j) {
    const auto& [low, high] = spans[std::min(from + j, spans.size() - 1)];
    params.push_back(Param{std::string_view(low), type});
    params.push_back(Param{std::string_view(high), type});
  }
  out->Clear();
  const size_t key_col = KeyColumns(t)[0];
  RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& v) {
    out->Add(ParseIntKey(v[key_col].value_or("0")), v);
    return absl::OkStatus();
  }));
  out->Sort();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> BucketSums(Side& s, const TableInfo& t, const Range& r, Int128 width,
                                    size_t expected, BucketList* out) {
  const bool key_in_image = BucketHashesKey(width);
  ASSIGN_OR_RETURN(PreparedStatement * ps,
                   s.Stmt(VerifySql::BucketSums(t, r.lower.has_value(), r.upper.has_value(),
                                                key_in_image)));
  const std::string width_text = IntKeyText(width);
  // Signed: an unsigned divisor makes the server type the quotient unsigned, and a
  // negative key's bucket then fails the fetch.
  std::vector<Param> params = {Param{std::string_view(width_text), ParamType::kSigned}};
  for (const Param& p : RangeParams(t, r)) params.push_back(p);
  uint64_t rows = 0;
  out->reserve(expected);
  RETURN_IF_ERROR(ps->Query(params, [&](const RowValues& row) {
    const uint64_t count = ToU64(row[1]);
    rows += count;
    out->push_back(BucketSum{ParseIntKey(row[0].value_or("0")), count, ToU64(row[2])});
    return absl::OkStatus();
  }));
  std::sort(out->begin(), out->end(),
            [](const BucketSum& x, const BucketSum& y) { return x.bucket < y.bucket; });
  return rows;
}

Row CopyRow(const RowValues& v) {
  Row r;
  r.reserve(v.size());
  for (const auto& x : v) {
    r.push_back(x ? std::optional<std::string>(std::string(*x)) : std::nullopt);
  }
  return r;
}

absl::Status Classify(Side& a, Side& b, const TableInfo& t, const std::vector<KeyValues>& keys,
                      bool live, std::vector<RowDiff>* diffs, std::string* pos_a,
                      std::string* pos_b) {
  diffs->clear();
  if (keys.empty()) return absl::OkStatus();
  auto fetch = [&t, &keys, live](Side& s, std::string* pos) -> absl::StatusOr<std::vector<std::optional<Row>>> {
    ASSIGN_OR_RETURN(auto rows, FetchRows(s, t, keys));
    ASSIGN_OR_RETURN(*pos, GtidState(s, live));
    return rows;
  };
  auto [ra, rb] = Both([&] { return fetch(a, pos_a); }, [&] { return fetch(b, pos_b); });
  if (!ra.ok()) return ra.status();
  if (!rb.ok()) return rb.status();
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto& x = (*ra)[i];
    const auto& y = (*rb)[i];
    if (!x && !y) continue;
    auto value = [&](bool a_side, size_t c) -> std::optional<std::string_view> {
      const auto& v = (*(a_side ? x : y))[c];
      if (!v) return std::nullopt;
      return std::string_view(*v);
    };
    AddIfDiffers(
        t, x.has_value(), y.has_value(), [&] { return keys[i]; }, value,
        [&](bool a_side) { return *(a_side ? x : y); }, diffs);
  }
  return absl::OkStatus();
}

}  // namespace binsync::verify
