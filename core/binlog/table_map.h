// TABLE_MAP event: maps a table id to db.table and its column types, metadata and,
// since MySQL 8.0.1 / MariaDB 10.5, optional metadata (names, signedness, charsets...).
//
// Post-header:
//   table_id  int<6>  (int<4> when the FDE's TABLE_MAP post-header length is 6)
//   flags     int<2>
// Body:
//   db_len int<1>, db str<db_len>, 0x00
//   table_len int<1>, table str<table_len>, 0x00
//   column_count   packed int
//   column_types   int<1>[column_count]          ColumnType codes
//   metadata_len   packed int        } absent in MySQL 5.1 before 5.1.23 (the event
//   metadata       per column,       } ends after column_types): then only columns of
//                  MetadataLength(type) bytes (column_codec.h)   fixed-size types (and
//   null_bitmap    (column_count+7)/8 bytes, LSB-first: column  FLOAT, DOUBLE) can be
//                  may be NULL                                  decoded; others are errors
//   optional metadata, to the end: { type int<1>, length packed int, value } ...
//      1 SIGNEDNESS        bitmap, MSB-first, one bit per numeric column (YEAR counts)
//      2 DEFAULT_CHARSET   packed default collation, then {packed char-column ordinal,
//                          packed collation} for each character column that differs
//      3 COLUMN_CHARSET    packed collation per character column
//      4 COLUMN_NAME       packed string per column
//      5 SET_STR_VALUE     per SET column: packed count, count packed strings
//      6 ENUM_STR_VALUE    per ENUM column: packed count, count packed strings
//      7 GEOMETRY_TYPE     packed int per geometry column
//      8 SIMPLE_PRIMARY_KEY      packed column index ...
//      9 PRIMARY_KEY_WITH_PREFIX {packed column index, packed prefix length} ...
//     10 ENUM_AND_SET_DEFAULT_CHARSET  as 2, over ENUM/SET columns
//     11 ENUM_AND_SET_COLUMN_CHARSET   as 3, over ENUM/SET columns
//     12 COLUMN_VISIBILITY bitmap, MSB-first, one bit per column (1 = visible)
//     13 VECTOR_DIMENSIONALITY packed int per VECTOR column
//   Unknown optional-metadata types are skipped by their length (they describe, they
//   carry no row data).
#ifndef BINSYNC_CORE_BINLOG_TABLE_MAP_H_
#define BINSYNC_CORE_BINLOG_TABLE_MAP_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/binlog/byte_reader.h"
#include "core/binlog/column_codec.h"
#include "core/binlog/event_header.h"

namespace binsync::binlog {

// Zero-copy view of a TABLE_MAP event; views into the event buffer.
struct TableMapEvent {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string_view database;
  std::string_view table;
  uint64_t column_count = 0;
  ByteView column_types;
  ByteView metadata;
  ByteView null_bitmap;
  ByteView optional_metadata;
  bool has_metadata = true;  // false: a pre-5.1.23 map, the event ends after column_types
};

[[nodiscard]] absl::Status ParseTableMapEvent(const EventView& event, const FormatDescription& fd,
                                              TableMapEvent* out);

// A table map with every column resolved. Owns a copy of the event bytes, so it stays
// valid after the event buffer is reused; all views it returns point into that copy and
// are valid until the next Assign(). Neither copyable nor movable (views are
// self-referential); keep it behind a pointer (TableMapCache does).
class TableMap {
 public:
  TableMap() = default;
  TableMap(const TableMap&) = delete;
  TableMap& operator=(const TableMap&) = delete;

  // Replaces the contents with `event` (copied). Reuses this object's storage.
  [[nodiscard]] absl::Status Assign(const TableMapEvent& event);

  [[nodiscard]] uint64_t table_id() const { return table_id_; }
  [[nodiscard]] std::string_view database() const { return database_; }
  [[nodiscard]] std::string_view table() const { return table_; }
  [[nodiscard]] size_t column_count() const { return columns_.size(); }
  [[nodiscard]] const ColumnDef& column(size_t i) const { return columns_[i]; }
  [[nodiscard]] std::span<const ColumnDef> columns() const { return columns_; }

  // Column name from COLUMN_NAME metadata, or empty if the server did not log names.
  [[nodiscard]] std::string_view column_name(size_t i) const {
    return i < names_.size() ? names_[i] : std::string_view();
  }
  [[nodiscard]] bool has_column_names() const { return !names_.empty(); }
  // Names from elsewhere (the live source's information_schema) for a map the server logged
  // without them; copied. Ignored unless there is one per column. Cleared by Assign().
  void SetColumnNames(std::span<const std::string> names);
  // True when SIGNEDNESS metadata was present (otherwise all integers read as signed).
  [[nodiscard]] bool has_signedness() const { return has_signedness_; }
  // Signedness from elsewhere (the source's schema) for a map logged without SIGNEDNESS.
  void SetUnsigned(size_t i, bool is_unsigned) { columns_[i].is_unsigned = is_unsigned; }
  // Changes whenever Assign() resolves different bytes (a new table definition); never
  // the same for two definitions, whichever maps hold them.
  [[nodiscard]] uint64_t version() const { return version_; }
  // ENUM or SET labels of column i (empty if unknown or not ENUM/SET).
  [[nodiscard]] std::span<const std::string_view> labels(size_t i) const;
  // Primary key column indexes (SIMPLE_PRIMARY_KEY or PRIMARY_KEY_WITH_PREFIX).
  [[nodiscard]] std::span<const uint32_t> primary_key() const { return primary_key_; }
  // False only for columns COLUMN_VISIBILITY marks invisible.
  [[nodiscard]] bool visible(size_t i) const {
    return i >= visible_.size() || visible_[i] != 0;
  }
  // VECTOR dimensionality, 0 if unknown.
  [[nodiscard]] uint32_t vector_dimension(size_t i) const {
    return i < vector_dims_.size() ? vector_dims_[i] : 0;
  }

 private:
  absl::Status ParseOptionalMetadata(ByteView data);

  uint64_t table_id_ = 0;
  uint64_t version_ = 0;
  std::vector<uint8_t> bytes_;
  std::string_view database_;
  std::string_view table_;
  std::vector<ColumnDef> columns_;
  std::vector<std::string_view> names_;
  std::vector<std::string> names_storage_;  // SetColumnNames' copies (names_ view them)
  bool has_signedness_ = false;
  std::vector<std::string_view> label_storage_;
  std::vector<std::pair<uint32_t, uint32_t>> label_ranges_;  // per column: first, count
  std::vector<uint32_t> primary_key_;
  std::vector<uint8_t> visible_;
  std::vector<uint32_t> vector_dims_;
};

// table_id -> TableMap, replaced on every TABLE_MAP (ids are reused after DDL and maps
// repeat before each statement). Entries are reused to avoid allocation.
class TableMapCache {
 public:
  [[nodiscard]] absl::Status Update(const TableMapEvent& event);
  // nullptr if no TABLE_MAP with this id was seen.
  [[nodiscard]] const TableMap* Find(uint64_t table_id) const;
  [[nodiscard]] TableMap* FindMutable(uint64_t table_id);
  void Clear() { maps_.clear(); }

 private:
  absl::flat_hash_map<uint64_t, std::unique_ptr<TableMap>> maps_;
};

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_TABLE_MAP_H_
