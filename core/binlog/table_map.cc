#include "core/binlog/table_map.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

enum OptionalMetadata : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,
  kVectorDimensionality = 13,
};

// Bound on columns (MySQL allows 4096, MariaDB fewer): rejects absurd counts before any
// allocation sized by them.
constexpr uint64_t kMaxColumns = 4096;
// Caches more distinct table ids than this are cleared rather than grown forever.
constexpr size_t kMaxCachedTables = 4096;

bool MsbBit(ByteView bitmap, size_t i) {
  return (bitmap[i / 8] & (0x80u >> (i % 8))) != 0;
}

absl::Status Truncated(std::string_view what) {
  return absl::DataLossError(StrCat("TABLE_MAP ", what, " truncated"));
}

}  // namespace

absl::Status ParseTableMapEvent(const EventView& event, const FormatDescription& fd,
                                TableMapEvent* out) {
  ByteReader r(event.body);
  const uint8_t post_header = fd.PostHeaderLength(static_cast<uint8_t>(EventType::kTableMap));
  out->table_id = post_header == 6 ? r.U32() : r.U48();
  out->flags = r.U16();
  const uint8_t db_len = r.U8();
  out->database = r.String(db_len);
  const uint8_t db_nul = r.U8();
  const uint8_t table_len = r.U8();
  out->table = r.String(table_len);
  const uint8_t table_nul = r.U8();
  if (!r.ok()) return Truncated("header");
  if (db_nul != 0 || table_nul != 0) {
    return absl::DataLossError("TABLE_MAP database/table name not NUL-terminated");
  }
  out->column_count = r.Packed();
  if (!r.ok() || out->column_count == 0 || out->column_count > kMaxColumns) {
    return absl::DataLossError(StrCat("TABLE_MAP column count ", out->column_count, " invalid"));
  }
  out->column_types = r.Bytes(out->column_count);
  if (!r.ok()) return Truncated("column types");
  // MySQL 5.1 before 5.1.23 ended the event here: no metadata, no null bitmap.
  out->has_metadata = !r.empty();
  if (!out->has_metadata) {
    out->metadata = out->null_bitmap = out->optional_metadata = r.Bytes(0);
    return absl::OkStatus();
  }
  out->metadata = r.PackedBytes();
  out->null_bitmap = r.Bytes((out->column_count + 7) / 8);
  if (!r.ok()) return Truncated("column description");
  out->optional_metadata = r.Rest();
  return absl::OkStatus();
}

std::span<const std::string_view> TableMap::labels(size_t i) const {
  if (i >= label_ranges_.size()) return {};
  const auto [first, count] = label_ranges_[i];
  return std::span<const std::string_view>(label_storage_).subspan(first, count);
}

absl::Status TableMap::Assign(const TableMapEvent& event) {
  // Copy everything from the database name to the end, then re-point views into the copy.
  // The event fields are contiguous in the event buffer, in this order.
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(event.database.data());
  const uint8_t* end = event.optional_metadata.data() + event.optional_metadata.size();
  // Servers log the same TABLE_MAP before every transaction on a table: when the bytes
  // are those already resolved, nothing changes (a third of the decode time otherwise).
  if (table_id_ == event.table_id && !bytes_.empty() &&
      bytes_.size() == static_cast<size_t>(end - begin) &&
      std::memcmp(bytes_.data(), begin, bytes_.size()) == 0) {
    return absl::OkStatus();
  }
  bytes_.assign(begin, end);
  // Unique across maps: a cache keyed by map address cannot mistake a new map for one
  // it saw before at the same address.
  static std::atomic<uint64_t> versions{0};
  version_ = versions.fetch_add(1, std::memory_order_relaxed) + 1;
  auto rebase = [&](const void* p) { return bytes_.data() + (static_cast<const uint8_t*>(p) - begin); };
  auto rebase_view = [&](ByteView v) { return ByteView(rebase(v.data()), v.size()); };

  table_id_ = event.table_id;
  database_ = std::string_view(reinterpret_cast<const char*>(rebase(event.database.data())),
                               event.database.size());
  table_ = std::string_view(reinterpret_cast<const char*>(rebase(event.table.data())),
                            event.table.size());
  const ByteView types = rebase_view(event.column_types);
  const ByteView null_bitmap = rebase_view(event.null_bitmap);
  ByteReader meta(rebase_view(event.metadata));

  columns_.resize(event.column_count);
  names_.clear();
  has_signedness_ = false;
  label_storage_.clear();
  label_ranges_.clear();
  primary_key_.clear();
  visible_.clear();
  vector_dims_.clear();
  static constexpr uint8_t kNoMetadata[2] = {0, 0};
  for (size_t i = 0; i < columns_.size(); ++i) {
    const int n = MetadataLength(types[i]);
    if (n < 0) {
      return absl::UnimplementedError(StrCat("column ", i + 1, " of ", database_, ".", table_,
                                             " has unsupported type ", ColumnTypeName(types[i]),
                                             " (", types[i], ")"));
    }
    ByteView m;
    if (event.has_metadata) {
      m = meta.Bytes(static_cast<size_t>(n));
      if (!meta.ok()) return Truncated(StrCat("metadata of column ", i + 1));
    } else if (n > 0) {
      // Without metadata only fixed-size cells can be framed (FLOAT and DOUBLE ignore
      // theirs); a string, DECIMAL, BIT or BLOB cell's size is in the table definition.
      const auto type = static_cast<ColumnType>(types[i]);
      if (type != ColumnType::kFloat && type != ColumnType::kDouble) {
        return absl::UnimplementedError(StrCat(
            database_, ".", table_, " column ", i + 1, " (", ColumnTypeName(types[i]),
            "): the TABLE_MAP carries no column metadata (MySQL 5.1 before 5.1.23 wrote "
            "none), and a ", ColumnTypeName(types[i]),
            " cell cannot be read without it; read this binlog with the mysqlbinlog of "
            "that server, or upgrade the source"));
      }
      m = ByteView(kNoMetadata, static_cast<size_t>(n));
    }
    if (absl::Status st = ResolveColumn(types[i], m, &columns_[i]); !st.ok()) {
      return absl::Status(st.code(), StrCat("column ", i + 1, " of ", database_, ".", table_,
                                            ": ", ToStd(st.message())));
    }
    // No null bitmap (5.1 before 5.1.23): every column may be NULL.
    columns_[i].nullable = null_bitmap.empty() || ((null_bitmap[i / 8] >> (i % 8)) & 1) != 0;
  }
  if (!meta.empty()) {
    return absl::DataLossError(StrCat("TABLE_MAP metadata has ", meta.remaining(),
                                      " bytes beyond its columns"));
  }
  return ParseOptionalMetadata(rebase_view(event.optional_metadata));
}

absl::Status TableMap::ParseOptionalMetadata(ByteView data) {
  ByteReader r(data);
  const size_t n = columns_.size();
  // Ordinal lists: which absolute columns each metadata kind iterates over.
  auto for_each = [&](auto pred, auto fn) {
    for (size_t i = 0; i < n; ++i) {
      if (pred(columns_[i])) fn(i);
    }
  };
  auto count_of = [&](auto pred) {
    size_t c = 0;
    for_each(pred, [&](size_t) { ++c; });
    return c;
  };
  auto apply_default_charset = [&](ByteReader& f, auto pred) {
    const auto def = static_cast<uint32_t>(f.Packed());
    for_each(pred, [&](size_t i) { columns_[i].collation = def; });
    while (f.ok() && !f.empty()) {
      const uint64_t ordinal = f.Packed();
      const auto collation = static_cast<uint32_t>(f.Packed());
      size_t k = 0;
      bool found = false;
      for_each(pred, [&](size_t i) {
        if (k++ == ordinal) {
          columns_[i].collation = collation;
          found = true;
        }
      });
      if (!found) f.Fail();
    }
  };
  auto apply_column_charset = [&](ByteReader& f, auto pred) {
    for_each(pred, [&](size_t i) { columns_[i].collation = static_cast<uint32_t>(f.Packed()); });
  };
  auto read_labels = [&](ByteReader& f, auto pred) {
    label_ranges_.resize(n, {0, 0});
    for_each(pred, [&](size_t i) {
      const uint64_t count = f.Packed();
      if (!f.ok() || count > f.remaining()) {
        f.Fail();
        return;
      }
      label_ranges_[i] = {static_cast<uint32_t>(label_storage_.size()),
                          static_cast<uint32_t>(count)};
      for (uint64_t k = 0; k < count && f.ok(); ++k) label_storage_.push_back(f.PackedString());
    });
  };

  while (r.ok() && !r.empty()) {
    const uint8_t type = r.U8();
    ByteReader f(r.PackedBytes());
    if (!r.ok()) return Truncated("optional metadata");
    switch (type) {
      case kSignedness: {
        const size_t numeric = count_of(IsNumericColumn);
        const ByteView bits = f.Bytes((numeric + 7) / 8);
        if (!f.ok()) break;
        size_t k = 0;
        for_each(IsNumericColumn, [&](size_t i) { columns_[i].is_unsigned = MsbBit(bits, k++); });
        has_signedness_ = true;
        break;
      }
      case kDefaultCharset:
        apply_default_charset(f, IsCharacterColumn);
        break;
      case kColumnCharset:
        apply_column_charset(f, IsCharacterColumn);
        break;
      case kColumnName:
        names_.clear();
        for (size_t i = 0; i < n && f.ok(); ++i) names_.push_back(f.PackedString());
        break;
      case kSetStrValue:
        read_labels(f, IsSetColumn);
        break;
      case kEnumStrValue:
        read_labels(f, IsEnumColumn);
        break;
      case kGeometryType:
        for_each(IsGeometryColumn, [&](size_t) { (void)f.Packed(); });
        break;
      case kSimplePrimaryKey:
        while (f.ok() && !f.empty()) {
          const uint64_t c = f.Packed();
          if (c >= n) f.Fail();
          primary_key_.push_back(static_cast<uint32_t>(c));
        }
        break;
      case kPrimaryKeyWithPrefix:
        while (f.ok() && !f.empty()) {
          const uint64_t c = f.Packed();
          (void)f.Packed();  // prefix length
          if (c >= n) f.Fail();
          primary_key_.push_back(static_cast<uint32_t>(c));
        }
        break;
      case kEnumAndSetDefaultCharset:
        apply_default_charset(f, [](const ColumnDef& c) { return IsEnumColumn(c) || IsSetColumn(c); });
        break;
      case kEnumAndSetColumnCharset:
        apply_column_charset(f, [](const ColumnDef& c) { return IsEnumColumn(c) || IsSetColumn(c); });
        break;
      case kColumnVisibility: {
        const ByteView bits = f.Bytes((n + 7) / 8);
        if (!f.ok()) break;
        visible_.resize(n);
        for (size_t i = 0; i < n; ++i) visible_[i] = MsbBit(bits, i) ? 1 : 0;
        break;
      }
      case kVectorDimensionality:
        vector_dims_.assign(n, 0);
        for_each([](const ColumnDef& c) { return c.real_type == 242; },
                 [&](size_t i) { vector_dims_[i] = static_cast<uint32_t>(f.Packed()); });
        break;
      default:
        continue;  // describes nothing we use; length-delimited, so safely skipped
    }
    if (!f.ok()) {
      return absl::DataLossError(
          StrCat("TABLE_MAP optional metadata field ", type, " of ", database_, ".", table_,
                 " is malformed"));
    }
  }
  if (!r.ok()) return Truncated("optional metadata");
  if (!names_.empty() && names_.size() != n) {
    return absl::DataLossError("TABLE_MAP COLUMN_NAME count does not match the columns");
  }
  return absl::OkStatus();
}

absl::Status TableMapCache::Update(const TableMapEvent& event) {
  auto it = maps_.find(event.table_id);
  if (it == maps_.end()) {
    if (maps_.size() >= kMaxCachedTables) maps_.clear();
    it = maps_.emplace(event.table_id, std::make_unique<TableMap>()).first;
  }
  absl::Status st = it->second->Assign(event);
  if (!st.ok()) maps_.erase(it);
  return st;
}

const TableMap* TableMapCache::Find(uint64_t table_id) const {
  auto it = maps_.find(table_id);
  return it == maps_.end() ? nullptr : it->second.get();
}

TableMap* TableMapCache::FindMutable(uint64_t table_id) {
  auto it = maps_.find(table_id);
  return it == maps_.end() ? nullptr : it->second.get();
}

void TableMap::SetColumnNames(std::span<const std::string> names) {
  if (names.size() != columns_.size()) return;
  names_storage_.assign(names.begin(), names.end());
  names_.assign(names_storage_.begin(), names_storage_.end());
}

}  // namespace binsync::binlog
