#include "core/txn/writeset.h"

#include <xxhash.h>

#include <cstring>
#include <string>
#include <vector>
#include <variant>

#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync::txn {

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

std::string DescribeRowKey(const TableInfo& info, const binlog::RowImage& image) {
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

bool RowKeyHash(const TableInfo& info, const binlog::RowImage& image, uint64_t* hash) {
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

void WritesetBuilder::HashImage(const TableInfo& info, const binlog::RowImage& image,
                                Transaction* t) {
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
    if (usable) t->keys.push_back(XXH3_64bits(buf_.data(), buf_.size()));
  }
}

absl::Status WritesetBuilder::Build(Transaction* t, const TableLookup& lookup,
                                    const TableFilter& filter) {
  t->keys.clear();
  t->row_changes = 0;
  if (t->has_statements) t->barrier = true;
  const binlog::FormatDescription& fd = *t->format;
  for (const EventRef& ref : t->events) {
    const auto type = static_cast<binlog::EventType>(ref.header.type);
    if (type != binlog::EventType::kTableMap && !IsRowsEventCode(ref.header.type)) {
      continue;
    }
    const binlog::EventView ev = t->View(ref);
    binlog::Event decoded;
    RETURN_IF_ERROR(binlog::DecodeEvent(ev, fd, t->file, &decoded));
    if (const auto* tm = std::get_if<binlog::TableMapEvent>(&decoded)) {
      if (absl::Status st = maps_.Update(*tm); !st.ok()) {
        return binlog::EventError(st, t->file, ev.offset, ev.header.type);
      }
      continue;
    }
    const auto* rows = std::get_if<binlog::RowsEvent>(&decoded);
    if (rows == nullptr) continue;
    const binlog::TableMap* map = maps_.Find(rows->table_id);
    if (map == nullptr) {
      return binlog::EventError(absl::DataLossError(StrCat("no TABLE_MAP for table id ",
                                                           rows->table_id)),
                                t->file, ev.offset, ev.header.type);
    }
    if (filter && !filter(map->database(), map->table())) continue;
    ASSIGN_OR_RETURN(std::shared_ptr<const TableInfo> info,
                     lookup(map->database(), map->table()));
    if (info->columns.size() != map->column_count()) {
      return absl::FailedPreconditionError(StrCat(
          info->QualifiedName(), ": the source row has ", map->column_count(),
          " columns but the target table has ", info->columns.size(), " (transaction ",
          t->Name(), " at ", t->file, ":", ev.offset,
          "); make the target's table match the source's, then restart"));
    }
    if (info->unique_keys.empty() || info->in_foreign_key || info->prefix_unique_key) {
      t->barrier = true;
    }
    binlog::RowIterator it(*rows, *map);
    for (;;) {
      binlog::RowImage* before = rows->kind == binlog::RowsKind::kWrite ? nullptr : &before_;
      binlog::RowImage* after = rows->kind == binlog::RowsKind::kDelete ? nullptr : &after_;
      absl::StatusOr<bool> more = it.Next(before, after);
      if (!more.ok()) return binlog::EventError(more.status(), t->file, ev.offset,
                                                ev.header.type);
      if (!*more) break;
      ++t->row_changes;
      if (before != nullptr) HashImage(*info, *before, t);
      if (after != nullptr) HashImage(*info, *after, t);
    }
  }
  return absl::OkStatus();
}

}  // namespace binsync::txn
