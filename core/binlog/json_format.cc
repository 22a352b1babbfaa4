#include "core/binlog/json_format.h"

#include <cstring>
#include <iterator>

#include "core/binlog/json_binary.h"
#include "core/binlog/json_diff.h"
#include "core/util/log.h"
#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr uint32_t kPow10[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};

// MySQL's latin1 is Windows-1252: 0x80..0x9f map to these code points.
constexpr uint16_t kCp1252High[32] = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

void AppendQuoted(std::string_view s, std::string* out) { AppendJsonString(s, out); }

void AppendLatin1(ByteView bytes, std::string* out) {
  out->push_back('"');
  for (const uint8_t b : bytes) {
    if (b < 0x80) {
      const char c = static_cast<char>(b);
      AppendJsonEscaped(std::string_view(&c, 1), out);
    } else if (b < 0xa0) {
      AppendUtf8(kCp1252High[b - 0x80], out);
    } else {
      AppendUtf8(b, out);
    }
  }
  out->push_back('"');
}

template <typename... Args>
void Append(std::string* out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(*out), f, std::forward<Args>(args)...);
}

void AppendFraction(uint32_t micro, uint8_t decimals, std::string* out) {
  if (decimals == 0) return;
  if (decimals > 6) decimals = 6;
  Append(out, ".{:0{}}", micro / kPow10[6 - decimals], decimals);
}

// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

void AppendDatetime(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                    unsigned second, uint32_t micro, uint8_t decimals, std::string* out) {
  Append(out, "\"{:04}-{:02}-{:02} {:02}:{:02}:{:02}", year, month, day, hour, minute, second);
  AppendFraction(micro, decimals, out);
  out->push_back('"');
}

void AppendString(const Value& v, std::string* out) {
  switch (CharsetOfCollation(v.collation)) {
    case Charset::kUtf8:
    case Charset::kAscii:
      if (IsValidUtf8(v.text())) {
        AppendQuoted(v.text(), out);
        return;
      }
      break;
    case Charset::kLatin1:
      AppendLatin1(v.bytes, out);
      return;
    case Charset::kBinary:
    case Charset::kUnknown:
      break;
  }
  AppendHexString(v.bytes, out);
}

}  // namespace

void AppendHexString(ByteView bytes, std::string* out) {
  out->append("\"0x");
  for (const uint8_t b : bytes) {
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 15]);
  }
  out->push_back('"');
}

absl::Status AppendJsonValue(const Value& v, std::span<const std::string_view> labels,
                             std::string* out) {
  switch (v.kind) {
    case ValueKind::kAbsent:
      return absl::OkStatus();
    case ValueKind::kNull:
      out->append("null");
      return absl::OkStatus();
    case ValueKind::kInt:
      StrAppend(out, v.int_value);
      return absl::OkStatus();
    case ValueKind::kUint:
    case ValueKind::kYear:
      StrAppend(out, v.uint_value);
      return absl::OkStatus();
    case ValueKind::kFloat:
      Append(out, "{}", static_cast<float>(v.double_value));
      return absl::OkStatus();
    case ValueKind::kDouble:
      Append(out, "{}", v.double_value);
      return absl::OkStatus();
    case ValueKind::kDecimal: {
      out->push_back('"');
      if (absl::Status st = AppendDecimal(v.bytes, v.precision, v.decimals, out); !st.ok()) {
        return st;
      }
      out->push_back('"');
      return absl::OkStatus();
    }
    case ValueKind::kDate:
      Append(out, "\"{:04}-{:02}-{:02}\"", v.temporal.year, v.temporal.month, v.temporal.day);
      return absl::OkStatus();
    case ValueKind::kTime:
      Append(out, "\"{}{:02}:{:02}:{:02}", v.temporal.negative ? "-" : "", v.temporal.hour,
             v.temporal.minute, v.temporal.second);
      AppendFraction(v.temporal.micro, v.decimals, out);
      out->push_back('"');
      return absl::OkStatus();
    case ValueKind::kDatetime:
      AppendDatetime(v.temporal.year, v.temporal.month, v.temporal.day, v.temporal.hour,
                     v.temporal.minute, v.temporal.second, v.temporal.micro, v.decimals, out);
      return absl::OkStatus();
    case ValueKind::kTimestamp: {
      if (v.int_value == 0 && v.temporal.micro == 0) {
        AppendDatetime(0, 0, 0, 0, 0, 0, 0, v.decimals, out);
        return absl::OkStatus();
      }
      int64_t y;
      unsigned m, d;
      CivilFromDays(v.int_value / 86400, &y, &m, &d);
      const auto secs = static_cast<unsigned>(v.int_value % 86400);
      AppendDatetime(y, m, d, secs / 3600, (secs / 60) % 60, secs % 60, v.temporal.micro,
                     v.decimals, out);
      return absl::OkStatus();
    }
    case ValueKind::kString:
      AppendString(v, out);
      return absl::OkStatus();
    case ValueKind::kEnum:
      if (labels.empty()) {
        StrAppend(out, v.uint_value);
      } else if (v.uint_value == 0 || v.uint_value > labels.size()) {
        out->append("\"\"");  // MySQL's invalid-value index 0 is the empty string
      } else {
        AppendQuoted(labels[v.uint_value - 1], out);
      }
      return absl::OkStatus();
    case ValueKind::kSet: {
      if (labels.empty()) {
        StrAppend(out, v.uint_value);
        return absl::OkStatus();
      }
      out->push_back('[');
      bool first = true;
      for (size_t i = 0; i < labels.size() && i < 64; ++i) {
        if (((v.uint_value >> i) & 1) == 0) continue;
        if (!first) out->push_back(',');
        first = false;
        AppendQuoted(labels[i], out);
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case ValueKind::kJson:
      switch (v.json_form) {
        case JsonForm::kBinary:
          return AppendJsonDocument(v.bytes, out);
        case JsonForm::kText:
          out->append(v.text());
          return absl::OkStatus();
        case JsonForm::kDiff:
          return AppendJsonDiffText(v.bytes, out);
      }
      return absl::InternalError("unhandled JSON form");
    case ValueKind::kGeometry:
      AppendHexString(v.bytes, out);
      return absl::OkStatus();
    case ValueKind::kVector: {
      out->push_back('[');
      for (size_t i = 0; i + 4 <= v.bytes.size(); i += 4) {
        const auto bits = static_cast<uint32_t>(LoadLE(v.bytes.data() + i, 4));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        if (i > 0) out->push_back(',');
        Append(out, "{}", f);
      }
      out->push_back(']');
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled value kind");
}

absl::Status AppendJsonRow(const RowImage& image, const TableMap& table, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < image.values.size(); ++i) {
    const Value& v = image.values[i];
    if (v.kind == ValueKind::kAbsent) continue;
    if (!first) out->push_back(',');
    first = false;
    if (table.has_column_names()) {
      AppendQuoted(table.column_name(i), out);
    } else {
      Append(out, "\"@{}\"", i + 1);
    }
    out->push_back(':');
    if (absl::Status st = AppendJsonValue(v, table.labels(i), out); !st.ok()) {
      const std::string_view name = table.column_name(i);
      return absl::Status(st.code(), StrCat("column ", i + 1, name.empty() ? "" : " ", name, ": ",
                                            ToStd(st.message())));
    }
  }
  out->push_back('}');
  return absl::OkStatus();
}

}  // namespace binsync::binlog
