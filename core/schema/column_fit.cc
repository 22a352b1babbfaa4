#include "core/schema/column_fit.h"

#include <algorithm>
#include <utility>

#include "core/binlog/column_codec.h"
#include "core/util/strings.h"

namespace binsync::schema {
namespace {

using Kind = ColumnShape::Kind;
using binlog::ColumnType;

// ENUM/SET labels from COLUMN_TYPE: enum('a','b''c') -> a, b'c.
std::vector<std::string> ParseLabels(std::string_view column_type) {
  std::vector<std::string> out;
  const size_t open = column_type.find('(');
  if (open == std::string_view::npos) return out;
  size_t i = open + 1;
  while (i < column_type.size() && column_type[i] == '\'') {
    std::string label;
    ++i;
    while (i < column_type.size()) {
      if (column_type[i] == '\'' && i + 1 < column_type.size() && column_type[i + 1] == '\'') {
        label.push_back('\'');
        i += 2;
      } else if (column_type[i] == '\'') {
        ++i;
        break;
      } else if (column_type[i] == '\\' && i + 1 < column_type.size()) {
        label.push_back(column_type[i + 1]);
        i += 2;
      } else {
        label.push_back(column_type[i++]);
      }
    }
    out.push_back(std::move(label));
    if (i < column_type.size() && column_type[i] == ',') ++i;
  }
  return out;
}

// The charset of a collation id, where the id says it (MySQL and MariaDB share these).
std::string CharsetOfCollationId(uint32_t collation) {
  const uint32_t c = (collation >= 1024 && collation < 2048) ? collation - 1024 : collation;
  switch (c) {
    case 0: return "";
    case 63: return "binary";
    case 5: case 8: case 15: case 31: case 47: case 48: case 49: case 94: return "latin1";
    case 11: case 65: return "ascii";
    case 33: case 83: return "utf8mb3";
    case 45: case 46: return "utf8mb4";
    default: break;
  }
  if (c >= 192 && c <= 223) return "utf8mb3";
  if ((c >= 224 && c <= 247) || (c >= 255 && c <= 323)) return "utf8mb4";
  return "";
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return out;
}

bool IsTextCharset(std::string_view cs) { return !cs.empty() && cs != "binary"; }

}  // namespace

uint32_t MaxBytesPerChar(std::string_view cs) {
  if (cs == "utf8mb4" || cs == "utf16" || cs == "utf16le" || cs == "utf32") return 4;
  if (cs == "utf8mb3" || cs == "utf8" || cs == "ujis" || cs == "eucjpms") return 3;
  if (cs == "ucs2" || cs == "big5" || cs == "gbk" || cs == "sjis" || cs == "cp932" ||
      cs == "euckr" || cs == "gb2312")
    return 2;
  return 1;
}

bool CharsetHolds(std::string_view target, std::string_view source) {
  if (target == source) return true;
  if (target == "utf8" && source == "utf8mb3") return true;
  if (target == "utf8mb3" && source == "utf8") return true;
  // Unicode charsets hold every character of every charset (utf8mb3: the BMP, which
  // holds the single-byte charsets).
  if (target == "utf8mb4" || target == "utf16" || target == "utf16le" || target == "utf32") {
    return true;
  }
  const bool single_byte_source = MaxBytesPerChar(source) == 1 && source != "binary";
  if ((target == "utf8mb3" || target == "utf8" || target == "ucs2") &&
      (single_byte_source || source == "utf8mb3" || source == "utf8" || source == "ucs2")) {
    return true;
  }
  return source == "ascii" && IsTextCharset(target);
}

ColumnShape ShapeFromSchema(const TableInfo& info, size_t c) {
  ColumnShape s;
  const std::string& type = info.column_types[c];
  const ColumnSpec spec = c < info.column_specs.size() ? info.column_specs[c] : ColumnSpec{};
  s.type_text = spec.column_type.empty() ? type : spec.column_type;
  s.is_unsigned = spec.column_type.find("unsigned") != std::string::npos;
  s.charset = c < info.column_charsets.size() ? ToLower(info.column_charsets[c]) : "";
  auto ints = [&](uint8_t bytes) {
    s.kind = Kind::kInt;
    s.int_bytes = bytes;
  };
  if (type == "tinyint") ints(1);
  else if (type == "smallint") ints(2);
  else if (type == "mediumint") ints(3);
  else if (type == "int" || type == "integer") ints(4);
  else if (type == "bigint") ints(8);
  else if (type == "decimal" || type == "numeric") {
    s.kind = Kind::kDecimal;
    s.precision = spec.numeric_precision;
    s.scale = spec.numeric_scale;
  } else if (type == "float") s.kind = Kind::kFloat;
  else if (type == "double" || type == "real") s.kind = Kind::kDouble;
  else if (type == "bit") {
    s.kind = Kind::kBit;
    s.precision = spec.numeric_precision;
  } else if (type == "year") s.kind = Kind::kYear;
  else if (type == "date") s.kind = Kind::kDate;
  else if (type == "time" || type == "datetime" || type == "timestamp") {
    s.kind = type == "time" ? Kind::kTime : type == "datetime" ? Kind::kDatetime : Kind::kTimestamp;
    s.scale = spec.datetime_precision;
  } else if (type == "char" || type == "varchar" || type == "tinytext" || type == "text" ||
             type == "mediumtext" || type == "longtext") {
    s.kind = Kind::kText;
    s.fixed = type == "char";
    s.max_chars = spec.char_length;
    s.max_bytes = spec.octet_length;
  } else if (type == "binary" || type == "varbinary" || type == "tinyblob" || type == "blob" ||
             type == "mediumblob" || type == "longblob") {
    s.kind = Kind::kBinary;
    s.fixed = type == "binary";
    s.max_bytes = spec.octet_length;
    s.charset = "binary";
  } else if (type == "inet6" || type == "uuid" || type == "inet4") {
    s.kind = Kind::kBinary;
    s.fixed = true;
    s.special = type;
    s.max_bytes = type == "inet4" ? 4 : 16;
    s.charset = "binary";
  } else if (type == "enum" || type == "set") {
    s.kind = type == "enum" ? Kind::kEnum : Kind::kSet;
    s.labels = ParseLabels(spec.column_type);
    s.labels_known = !spec.column_type.empty();
  } else if (type == "json") {
    s.kind = Kind::kJson;
  } else if (type == "geometry" || type == "point" || type == "linestring" ||
             type == "polygon" || type == "multipoint" || type == "multilinestring" ||
             type == "multipolygon" || type == "geometrycollection") {
    s.kind = Kind::kGeometry;
    s.special = type;
  } else if (type == "vector") {
    s.kind = Kind::kVector;
  }
  return s;
}

ColumnShape ShapeFromMap(const binlog::TableMap& map, size_t c) {
  const binlog::ColumnDef& d = map.column(c);
  ColumnShape s;
  s.is_unsigned = d.is_unsigned;
  s.signedness_known = map.has_signedness();
  const std::string cs = CharsetOfCollationId(d.collation);
  const auto type = static_cast<ColumnType>(d.real_type);
  auto ints = [&](uint8_t bytes, std::string_view name) {
    s.kind = Kind::kInt;
    s.int_bytes = bytes;
    s.type_text = StrCat(name, s.signedness_known && s.is_unsigned ? " unsigned" : "");
  };
  switch (type) {
    case ColumnType::kTiny: ints(1, "tinyint"); break;
    case ColumnType::kShort: ints(2, "smallint"); break;
    case ColumnType::kInt24: ints(3, "mediumint"); break;
    case ColumnType::kLong: ints(4, "int"); break;
    case ColumnType::kLongLong: ints(8, "bigint"); break;
    case ColumnType::kNewDecimal:
      s.kind = Kind::kDecimal;
      s.precision = d.precision;
      s.scale = d.decimals;
      s.type_text = StrCat("decimal(", d.precision, ",", d.decimals, ")");
      break;
    case ColumnType::kFloat: s.kind = Kind::kFloat; s.type_text = "float"; break;
    case ColumnType::kDouble: s.kind = Kind::kDouble; s.type_text = "double"; break;
    case ColumnType::kBit:
      s.kind = Kind::kBit;
      s.precision = d.max_length;
      s.type_text = StrCat("bit(", d.max_length, ")");
      break;
    case ColumnType::kYear: s.kind = Kind::kYear; s.type_text = "year"; break;
    case ColumnType::kDate:
    case ColumnType::kNewDate: s.kind = Kind::kDate; s.type_text = "date"; break;
    case ColumnType::kTime:
    case ColumnType::kTime2:
      s.kind = Kind::kTime;
      s.scale = type == ColumnType::kTime2 ? d.decimals : 0;
      break;
    case ColumnType::kDatetime:
    case ColumnType::kDatetime2:
      s.kind = Kind::kDatetime;
      s.scale = type == ColumnType::kDatetime2 ? d.decimals : 0;
      break;
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2:
      s.kind = Kind::kTimestamp;
      s.scale = type == ColumnType::kTimestamp2 ? d.decimals : 0;
      break;
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kString:
      s.kind = cs.empty() ? Kind::kString : cs == "binary" ? Kind::kBinary : Kind::kText;
      s.fixed = type == ColumnType::kString;
      s.max_bytes = d.max_length;
      s.charset = cs;
      if (!cs.empty() && cs != "binary") s.max_chars = d.max_length / MaxBytesPerChar(cs);
      s.type_text = StrCat(s.fixed ? "char" : "varchar", " (", d.max_length, " bytes)");
      break;
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
      s.kind = cs.empty() ? Kind::kString : cs == "binary" ? Kind::kBinary : Kind::kText;
      s.max_bytes = d.length_bytes >= 4 ? 0xFFFFFFFFull : (1ull << (8 * d.length_bytes)) - 1;
      s.charset = cs;
      if (!cs.empty() && cs != "binary") s.max_chars = s.max_bytes / MaxBytesPerChar(cs);
      s.type_text = StrCat("blob/text (", s.max_bytes, " bytes)");
      break;
    case ColumnType::kEnum:
    case ColumnType::kSet: {
      s.kind = type == ColumnType::kEnum ? Kind::kEnum : Kind::kSet;
      for (std::string_view l : map.labels(c)) s.labels.emplace_back(l);
      s.labels_known = !s.labels.empty();
      s.type_text = type == ColumnType::kEnum ? "enum" : "set";
      break;
    }
    case ColumnType::kJson: s.kind = Kind::kJson; s.type_text = "json"; break;
    case ColumnType::kGeometry: s.kind = Kind::kGeometry; s.type_text = "geometry"; break;
    case ColumnType::kVector:
      s.kind = Kind::kVector;
      s.precision = map.vector_dimension(c);
      s.type_text = "vector";
      break;
    default:
      s.type_text = std::string(binlog::ColumnTypeName(d.real_type));
      break;
  }
  if (s.type_text.empty()) {
    s.type_text = StrCat(ToLower(binlog::ColumnTypeName(d.real_type)),
                         s.scale ? StrCat("(", s.scale, ")") : std::string());
  }
  return s;
}

void CompleteFromSchema(const ColumnShape& schema, ColumnShape* map) {
  const bool same_string_family =
      map->kind == Kind::kString && (schema.kind == Kind::kText || schema.kind == Kind::kBinary);
  const bool same_kind = schema.kind == map->kind ||
                         same_string_family ||
                         (map->kind == Kind::kText && schema.kind == Kind::kText) ||
                         (map->kind == Kind::kBinary && schema.kind == Kind::kBinary);
  if (!same_kind) return;  // the schema changed since: keep what the binlog says
  if (map->kind == Kind::kInt && schema.int_bytes == map->int_bytes && !map->signedness_known) {
    map->is_unsigned = schema.is_unsigned;
    map->signedness_known = true;
  }
  if (same_string_family) map->kind = schema.kind;
  if (map->kind == Kind::kText) {
    if (map->charset.empty()) map->charset = schema.charset;
    // The binlog's byte length is exact; characters follow from the charset.
    if (!map->charset.empty()) map->max_chars = map->max_bytes / MaxBytesPerChar(map->charset);
    if (schema.charset == map->charset && schema.max_chars != 0 && schema.max_bytes == map->max_bytes) {
      map->max_chars = schema.max_chars;
    }
  }
  if (map->kind == Kind::kBinary && map->special.empty() && schema.max_bytes == map->max_bytes) {
    map->special = schema.special;
  }
  if ((map->kind == Kind::kEnum || map->kind == Kind::kSet) && !map->labels_known) {
    map->labels = schema.labels;
    map->labels_known = schema.labels_known;
  }
  if (map->kind == Kind::kGeometry && map->special.empty()) map->special = schema.special;
  map->type_text = schema.type_text;
}

std::string WhyNotLossless(const ColumnShape& s, const ColumnShape& t) {
  switch (s.kind) {
    case Kind::kInt: {
      if (t.kind != Kind::kInt) break;
      const bool s_unsigned = s.signedness_known ? s.is_unsigned : t.is_unsigned;
      if (s_unsigned == t.is_unsigned) {
        return t.int_bytes >= s.int_bytes ? "" : "values would be truncated";
      }
      if (s_unsigned) return t.int_bytes > s.int_bytes ? "" : "large values would be changed";
      return "negative values would be changed";
    }
    case Kind::kDecimal:
      if (t.kind != Kind::kDecimal) break;
      if (t.precision - t.scale < s.precision - s.scale) return "values would be truncated";
      if (t.scale < s.scale) return "fraction digits would be rounded away";
      return "";
    case Kind::kFloat:
      if (t.kind == Kind::kFloat || t.kind == Kind::kDouble) return "";
      break;
    case Kind::kDouble:
      if (t.kind == Kind::kDouble) return "";
      if (t.kind == Kind::kFloat) return "values would be rounded";
      break;
    case Kind::kBit:
      if (t.kind != Kind::kBit) break;
      return t.precision >= s.precision ? "" : "values would be truncated";
    case Kind::kYear:
    case Kind::kDate:
    case Kind::kJson:
      if (t.kind == s.kind) return "";
      break;
    case Kind::kTime:
    case Kind::kDatetime:
    case Kind::kTimestamp:
      if (t.kind != s.kind) break;
      return t.scale >= s.scale ? "" : "fractional seconds would be rounded away";
    case Kind::kText:
    case Kind::kString:
      if (t.kind == Kind::kText && (s.kind == Kind::kText || s.kind == Kind::kString)) {
        if (!s.charset.empty() && !t.charset.empty() && !CharsetHolds(t.charset, s.charset)) {
          return StrCat("the target's charset ", t.charset, " cannot hold every ", s.charset,
                        " character");
        }
        if (t.fixed && !s.fixed) return "CHAR drops trailing spaces";
        if (s.max_chars != 0 && t.max_chars != 0) {
          return t.max_chars >= s.max_chars ? "" : "values would be truncated";
        }
        return t.max_bytes >= s.max_bytes ? "" : "values would be truncated";
      }
      if (s.kind == Kind::kString && t.kind == Kind::kBinary) {
        return t.max_bytes >= s.max_bytes && t.fixed == s.fixed ? "" : "values would be truncated";
      }
      if (t.kind == Kind::kBinary) return "text would become bytes";
      break;
    case Kind::kBinary:
      if (t.kind == Kind::kBinary) {
        if (!s.special.empty() || !t.special.empty()) {
          if (s.special == t.special) return "";
          if (s.special.empty() && s.max_bytes == t.max_bytes && s.fixed) return "";
          break;
        }
        if (t.fixed && (!s.fixed || t.max_bytes != s.max_bytes)) {
          return "BINARY pads values with zero bytes";
        }
        return t.max_bytes >= s.max_bytes ? "" : "values would be truncated";
      }
      if (t.kind == Kind::kText) return "bytes would become text";
      break;
    case Kind::kEnum:
    case Kind::kSet: {
      if (t.kind != s.kind) break;
      if (!s.labels_known || !t.labels_known) return "";  // said as a caveat
      const bool prefix = s.labels.size() <= t.labels.size() &&
                          std::equal(s.labels.begin(), s.labels.end(), t.labels.begin());
      return prefix ? ""
                    : "the binlog carries label numbers and the target's labels differ "
                      "(they must start with the source's, in the same order)";
    }
    case Kind::kGeometry:
      if (t.kind != Kind::kGeometry) break;
      return t.special == "geometry" || t.special == s.special || s.special.empty()
                 ? ""
                 : "a different geometry type";
    case Kind::kVector:
      if (t.kind != Kind::kVector) break;
      return t.precision == s.precision || s.precision == 0 || t.precision == 0
                 ? ""
                 : "a different dimension";
    case Kind::kUnknown:
      return "";  // a type this check does not know: the server's strict mode still refuses
  }
  return "a different type";
}

absl::StatusOr<ColumnFit> FitColumns(const binlog::TableMap& map, const TableInfo* source,
                                     const TableInfo& target) {
  ColumnFit fit;
  const size_t n = map.column_count();
  const std::string table = target.QualifiedName();
  if (source != nullptr && source->columns.size() != n) source = nullptr;  // changed since
  fit.target_of.resize(n);
  if (map.has_column_names()) {
    for (size_t i = 0; i < n; ++i) {
      const std::string_view name = map.column_name(i);
      auto it = std::find_if(target.columns.begin(), target.columns.end(),
                             [&](const std::string& c) { return EqualsIgnoreCase(c, name); });
      if (it == target.columns.end()) {
        return absl::FailedPreconditionError(
            StrCat(table, ": the source's column `", name,
                   "` has no column of that name on the target; make the target's table "
                   "match the source's, then restart"));
      }
      fit.target_of[i] = static_cast<uint32_t>(it - target.columns.begin());
      fit.identity = fit.identity && fit.target_of[i] == i;
    }
  } else {
    for (size_t i = 0; i < n; ++i) fit.target_of[i] = static_cast<uint32_t>(i);
    if (source != nullptr) {
      for (size_t i = 0; i < n; ++i) {
        if (EqualsIgnoreCase(source->columns[i], target.columns[i])) continue;
        return absl::FailedPreconditionError(StrCat(
            table, ": column ", i + 1, " is `", source->columns[i], "` on the source but `",
            target.columns[i],
            "` on the target; the binlog has no column names (binlog_row_metadata=FULL on "
            "the source lets binsync match columns by name), so the columns must be in the "
            "same order: reorder the target's table, then restart"));
      }
    } else {
      fit.caveat = StrCat(
          table, ": the binlog has no column names and the source's schema could not be "
                 "read: columns are matched by position (set binlog_row_metadata=FULL on the "
                 "source)");
    }
  }
  fit.exact = fit.identity && source != nullptr;
  for (size_t i = 0; i < n; ++i) {
    ColumnShape s = ShapeFromMap(map, i);
    if (source != nullptr) CompleteFromSchema(ShapeFromSchema(*source, i), &s);
    const uint32_t ti = fit.target_of[i];
    const ColumnShape t = ShapeFromSchema(target, ti);
    const std::string why = WhyNotLossless(s, t);
    if (!why.empty()) {
      return absl::FailedPreconditionError(StrCat(
          table, ".", target.columns[ti], ": the source's ", Upper(s.type_text),
          " does not fit the target's ", Upper(t.type_text), " (", why,
          "); change the target's column to hold the source's values (ALTER TABLE ... MODIFY), "
          "then restart"));
    }
    if (source == nullptr || source->column_types[i] != target.column_types[ti] ||
        (i < source->column_specs.size() && ti < target.column_specs.size() &&
         source->column_specs[i].column_type != target.column_specs[ti].column_type) ||
        !EqualsIgnoreCase(source->column_charsets[i], target.column_charsets[ti])) {
      fit.exact = false;
    }
    if (fit.caveat.empty() && ((s.kind == Kind::kInt && !s.signedness_known) ||
                               ((s.kind == Kind::kEnum || s.kind == Kind::kSet) && !s.labels_known))) {
      fit.caveat = StrCat(table, ".", target.columns[ti],
                          ": the binlog does not say the source's signedness or labels and "
                          "the source's schema could not be read; taken as the target's "
                          "(set binlog_row_metadata=FULL on the source)");
    }
  }
  return fit;
}

absl::StatusOr<const ColumnFit*> ColumnFitter::Fit(binlog::TableMap* map,
                                                   const std::shared_ptr<const TableInfo>& target,
                                                   const TableLookup& source_lookup) {
  if (auto it = entries_.find(map); it != entries_.end() &&
                                    it->second.map_version == map->version() &&
                                    it->second.target == target) {
    if (!it->second.fit.ok()) return it->second.fit.status();
    return &*it->second.fit;
  }
  std::shared_ptr<const TableInfo> source;
  if (source_lookup) {
    absl::StatusOr<std::shared_ptr<const TableInfo>> found =
        source_lookup(map->database(), map->table());
    if (found.ok()) source = *std::move(found);
  }
  if (source != nullptr && source->columns.size() != map->column_count()) source = nullptr;
  if (!map->has_signedness()) {
    // Integers decode as the source stored them: signedness from the source's schema,
    // else (said as a caveat) the target's.
    for (size_t i = 0; i < map->column_count(); ++i) {
      const ColumnShape from_map = ShapeFromMap(*map, i);
      if (from_map.kind != ColumnShape::Kind::kInt) continue;
      const ColumnShape from_schema =
          source != nullptr ? ShapeFromSchema(*source, i) : ColumnShape{};
      if (from_schema.kind == ColumnShape::Kind::kInt &&
          from_schema.int_bytes == from_map.int_bytes) {
        map->SetUnsigned(i, from_schema.is_unsigned);
      } else if (source == nullptr && i < target->columns.size()) {
        map->SetUnsigned(i, ShapeFromSchema(*target, i).is_unsigned);
      }
    }
  }
  if (entries_.size() > 4096) entries_.clear();  // maps come and go: stay bounded
  Entry& e = entries_[map];
  e.map_version = map->version();
  e.target = target;
  e.source = source;
  e.fit = FitColumns(*map, source.get(), *target);
  if (!e.fit.ok()) return e.fit.status();
  return &*e.fit;
}

}  // namespace binsync::schema
