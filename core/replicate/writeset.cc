#include "core/replicate/writeset.h"

#include <xxhash.h>

#include <cstring>
#include <string>
#include <vector>
#include <variant>

#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::replicate {

using binlog::Value;
using binlog::ValueKind;

namespace {

template <typename T>
void AppendRaw(const T& v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

}  // namespace

void AppendKeyValue(const Value& v, std::string* out) {
  out->push_back(static_cast<char>(v.kind));
  switch (v.kind) {
    case ValueKind::kInt:
    case ValueKind::kTimestamp:
      AppendRaw(v.int_value, out);
      if (v.kind == ValueKind::kTimestamp) AppendRaw(v.temporal.micro, out);
      break;
    case ValueKind::kUint:
    case ValueKind::kYear:
    case ValueKind::kEnum:
    case ValueKind::kSet:
      AppendRaw(v.uint_value, out);
      break;
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      const double d = v.double_value == 0 ? 0.0 : v.double_value;  // -0.0 == 0.0
      AppendRaw(d, out);
      break;
    }
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kDatetime: {
      const binlog::Temporal& t = v.temporal;
      AppendRaw(t.year, out);
      out->push_back(static_cast<char>(t.month));
      out->push_back(static_cast<char>(t.day));
      AppendRaw(t.hour, out);
      out->push_back(static_cast<char>(t.minute));
      out->push_back(static_cast<char>(t.second));
      AppendRaw(t.micro, out);
      out->push_back(t.negative ? 1 : 0);
      break;
    }
    case ValueKind::kString: {
      std::string_view s = v.text();
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      for (char c : s) out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      out->push_back('\0');
      break;
    }
    default:  // DECIMAL (canonical packed form), JSON, GEOMETRY, VECTOR: bytes
      out->append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
      break;
  }
}

std::string DescribeRowKey(const schema::TableInfo& info, const binlog::RowImage& image) {
  std::string out = "(";
  std::vector<uint32_t> all;
  const std::vector<uint32_t>* cols = info.RowKey();
  if (cols == nullptr) {
    for (uint32_t i = 0; i < image.values.size() && i < 8; ++i) all.push_back(i);
    cols = &all;
  }
  bool first = true;
  for (uint32_t c : *cols) {
    if (c >= image.values.size() || c >= info.columns.size()) continue;
    const Value& v = image.values[c];
    if (!first) out += ", ";
    first = false;
    out += info.columns[c];
    out += '=';
    switch (v.kind) {
      case ValueKind::kInt:
        out += std::to_string(v.int_value);
        break;
      case ValueKind::kUint:
      case ValueKind::kYear:
      case ValueKind::kEnum:
      case ValueKind::kSet:
        out += std::to_string(v.uint_value);
        break;
      case ValueKind::kNull:
        out += "NULL";
        break;
      case ValueKind::kString:
        out += '\'';
        out += v.text().substr(0, 64);
        out += '\'';
        break;
      default:
        out += "...";
    }
  }
  out += ')';
  return out;
}

bool RowKeyHash(const schema::TableInfo& info, const binlog::RowImage& image, uint64_t* hash) {
  const std::vector<uint32_t>* key = info.RowKey();
  if (key == nullptr) return false;
  thread_local std::string buf;
  buf.clear();
  buf.append(info.db).push_back('\0');
  buf.append(info.name).push_back('\0');
  for (uint32_t col : *key) {
    if (col >= image.values.size()) return false;
    const Value& v = image.values[col];
    if (v.kind == ValueKind::kAbsent || v.kind == ValueKind::kNull) return false;
    AppendKeyValue(v, &buf);
  }
  *hash = XXH3_64bits(buf.data(), buf.size());
  return true;
}

void WritesetBuilder::HashImage(const schema::TableInfo& info, const binlog::RowImage& image,
                                Transaction* t) {
  size_t hashed = 0;
  for (size_t k = 0; k < info.unique_keys.size(); ++k) {
    buf_.clear();
    buf_.append(info.db).push_back('\0');
    buf_.append(info.name).push_back('\0');
    buf_.push_back(static_cast<char>(k));
    bool usable = true;
    for (uint32_t col : info.unique_keys[k]) {
      if (col >= image.values.size()) {
        t->barrier = true;
        return;
      }
      const Value& v = image.values[col];
      if (v.kind == ValueKind::kAbsent) {
        t->barrier = true;  // key part not in a minimal image
        return;
      }
      if (v.kind == ValueKind::kNull) {
        usable = false;
        break;
      }
      AppendKeyValue(v, &buf_);
    }
    if (usable) {
      t->keys.push_back(XXH3_64bits(buf_.data(), buf_.size()));
      ++hashed;
    }
  }
  // Every unique key of this row has a NULL part: nothing identifies the row, so nothing
  // orders this change after an earlier one of the same row (its insert, say): run alone.
  if (hashed == 0) t->barrier = true;
}

absl::Status WritesetBuilder::Build(Transaction* t, const schema::TableLookup& lookup,
                                    const schema::TableFilter& filter) {
  t->keys.clear();
  t->row_changes = 0;
  if (t->has_statements) t->barrier = true;
  return walker_.Walk(
      *t, lookup, filter,
      [&](const std::shared_ptr<const schema::TableInfo>& info, binlog::RowsKind /*kind*/,
          const binlog::RowImage* before, const binlog::RowImage* after,
          const binlog::EventView& /*ev*/) {
        if (info->unique_keys.empty() || info->in_foreign_key || info->prefix_unique_key) {
          t->barrier = true;
        }
        ++t->row_changes;
        if (before != nullptr) HashImage(*info, *before, t);
        if (after != nullptr) HashImage(*info, *after, t);
        return absl::OkStatus();
      },
      IgnoreStatement);
}

bool PrimaryKeyText(const schema::TableInfo& info, const binlog::RowImage& image,
                    std::vector<std::string>* out) {
  out->clear();
  if (!info.has_primary || info.unique_keys.empty()) return false;
  for (uint32_t c : info.unique_keys.front()) {
    if (c >= image.values.size()) return false;
    const binlog::Value& v = image.values[c];
    switch (v.kind) {
      case binlog::ValueKind::kInt:
        out->push_back(std::to_string(v.int_value));
        break;
      case binlog::ValueKind::kUint:
        out->push_back(std::to_string(v.uint_value));
        break;
      case binlog::ValueKind::kString:
        out->emplace_back(v.text());
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace binsync::replicate
