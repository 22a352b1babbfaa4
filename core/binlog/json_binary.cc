#include "core/binlog/json_binary.h"

#include <cmath>
#include <cstring>
#include <iterator>

#include "core/binlog/column_codec.h"
#include "core/util/log.h"
#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

enum TypeByte : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDoubleType = 0x0b,
  kStringType = 0x0c,
  kOpaqueType = 0x0f,
};

// MySQL field types an opaque value is printed as text for.
constexpr uint8_t kFieldTimestamp = 7;
constexpr uint8_t kFieldDate = 10;
constexpr uint8_t kFieldTime = 11;
constexpr uint8_t kFieldDatetime = 12;
constexpr uint8_t kFieldNewDecimal = 246;

absl::Status Corrupt(std::string_view what) { return absl::DataLossError(StrCat("JSON: ", what)); }

size_t OffsetSize(bool large) { return large ? 4 : 2; }
size_t KeyEntrySize(bool large) { return large ? 6 : 4; }
size_t ValueEntrySize(bool large) { return large ? 5 : 3; }

bool IsInlined(uint8_t type, bool large) {
  switch (type) {
    case kLiteral:
    case kInt16:
    case kUint16:
      return true;
    case kInt32:
    case kUint32:
      return large;
    default:
      return false;
  }
}

// Variable-length length of strings and opaque values: 7 bits a byte, at most 5 bytes.
bool ReadVarLength(ByteReader& r, uint64_t* length) {
  uint64_t v = 0;
  for (int i = 0; i < 5; ++i) {
    const uint8_t b = r.U8();
    if (!r.ok()) return false;
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *length = v;
      return v <= UINT32_MAX;
    }
  }
  return false;
}

template <typename... Args>
void Append(std::string* out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(*out), f, std::forward<Args>(args)...);
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// MySQL's base64_encode: padded, a newline before every group once 76 characters were
// written on the line. The newline is escaped: it stands inside a JSON string.
void AppendBase64(ByteView data, std::string* out) {
  size_t line = 0;
  for (size_t i = 0; i < data.size(); i += 3, line += 4) {
    if (line == 76) {
      out->append("\\n");
      line = 0;
    }
    uint32_t c = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < data.size()) c |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (i + 2 < data.size()) c |= data[i + 2];
    out->push_back(kBase64[(c >> 18) & 63]);
    out->push_back(kBase64[(c >> 12) & 63]);
    out->push_back(i + 1 < data.size() ? kBase64[(c >> 6) & 63] : '=');
    out->push_back(i + 2 < data.size() ? kBase64[c & 63] : '=');
  }
}

// DATE/TIME/DATETIME/TIMESTAMP packed as MySQL's TIME_to_longlong_*_packed: the
// magnitude is (integer part << 24) + microseconds; the integer part of a time is
// hour<<12 | minute<<6 | second, of a datetime (year*13+month)<<22 | day<<17 | hms.
absl::Status AppendTemporal(uint8_t field_type, ByteView data, std::string* out) {
  if (data.size() != 8) {
    return Corrupt(StrCat("opaque temporal value of ", data.size(), " bytes (expected 8)"));
  }
  const auto packed = static_cast<int64_t>(LoadLE(data.data(), 8));
  if (packed == INT64_MIN) return Corrupt("opaque temporal value out of range");
  const bool negative = packed < 0;
  const auto magnitude = static_cast<uint64_t>(negative ? -packed : packed);
  const uint64_t micro = magnitude % (uint64_t{1} << 24);
  const uint64_t whole = magnitude >> 24;
  if (micro > 999999) return Corrupt("opaque temporal value with a fraction above 999999");
  if (field_type == kFieldTime) {
    Append(out, "\"{}{:02}:{:02}:{:02}.{:06}\"", negative ? "-" : "", (whole >> 12) % 1024,
           (whole >> 6) % 64, whole % 64, micro);
    return absl::OkStatus();
  }
  if (negative) return Corrupt("negative opaque date or datetime");
  const uint64_t ymd = whole >> 17;
  const uint64_t ym = ymd >> 5;
  const uint64_t hms = whole % (uint64_t{1} << 17);
  Append(out, "\"{:04}-{:02}-{:02}", ym / 13, ym % 13, ymd % 32);
  if (field_type != kFieldDate) {
    Append(out, " {:02}:{:02}:{:02}.{:06}", hms >> 12, (hms >> 6) % 64, hms % 64, micro);
  }
  out->push_back('"');
  return absl::OkStatus();
}

absl::Status AppendOpaque(uint8_t field_type, ByteView data, std::string* out) {
  switch (field_type) {
    case kFieldNewDecimal: {
      if (data.size() < 2) return Corrupt("opaque DECIMAL without precision and scale");
      const size_t mark = out->size();
      if (absl::Status st = AppendDecimal(data.subspan(2), data[0], data[1], out); !st.ok()) {
        out->resize(mark);
        return Corrupt(StrCat("opaque DECIMAL: ", ToStd(st.message())));
      }
      return absl::OkStatus();
    }
    case kFieldDate:
    case kFieldTime:
    case kFieldDatetime:
    case kFieldTimestamp:
      return AppendTemporal(field_type, data, out);
    default:
      Append(out, "\"base64:type{}:", field_type);
      AppendBase64(data, out);
      out->push_back('"');
      return absl::OkStatus();
  }
}

// Appends the text of a document, bounded in nesting and in output size.
class TextWriter {
 public:
  TextWriter(size_t doc_size, std::string* out)
      : out_(out), limit_(out->size() + doc_size * kJsonTextExpansion + 1024) {}

  absl::Status Write(const JsonValue& v, int depth) {
    if (!v.is_container()) return AppendJsonScalar(v, out_);
    if (depth >= kMaxJsonNesting) {
      return Corrupt(StrCat("nested deeper than ", kMaxJsonNesting, " levels"));
    }
    const bool object = v.type() == JsonType::kObject;
    out_->push_back(object ? '{' : '[');
    for (uint32_t i = 0; i < v.count(); ++i) {
      if (out_->size() > limit_) {
        return Corrupt("text grows past the bound for its size (overlapping offsets)");
      }
      if (i > 0) out_->push_back(',');
      if (object) {
        std::string_view key;
        if (absl::Status st = v.Key(i, &key); !st.ok()) return st;
        if (!IsValidUtf8(key)) return Corrupt(StrCat("key of member ", i, " is not UTF-8"));
        AppendJsonString(key, out_);
        out_->push_back(':');
      }
      JsonValue element;
      if (absl::Status st = v.Element(i, &element); !st.ok()) return st;
      if (absl::Status st = Write(element, depth + 1); !st.ok()) return st;
    }
    out_->push_back(object ? '}' : ']');
    return absl::OkStatus();
  }

 private:
  std::string* out_;
  size_t limit_;
};

}  // namespace

absl::Status JsonValue::ParseDocument(ByteView doc, JsonValue* out) {
  if (doc.empty()) {  // MySQL stores NULL forced into a NOT NULL column this way
    *out = JsonValue();
    return absl::OkStatus();
  }
  return Parse(doc[0], doc.subspan(1), out);
}

absl::Status JsonValue::Parse(uint8_t type, ByteView data, JsonValue* out) {
  *out = JsonValue();
  ByteReader r(data);
  switch (type) {
    case kSmallObject:
    case kLargeObject:
    case kSmallArray:
    case kLargeArray: {
      const bool large = (type & 1) != 0;
      const bool object = type <= kLargeObject;
      const size_t n = OffsetSize(large);
      const uint64_t count = r.FixedLE(n);
      const uint64_t size = r.FixedLE(n);
      if (!r.ok()) return Corrupt("container header truncated");
      const uint64_t entries = count * ((object ? KeyEntrySize(large) : 0) + ValueEntrySize(large));
      if (size > data.size()) {
        return Corrupt(StrCat("container of ", size, " bytes in ", data.size(), " bytes"));
      }
      if (2 * n + entries > size) {
        return Corrupt(
            StrCat("container of ", count, " entries does not fit its ", size, " bytes"));
      }
      out->type_ = object ? JsonType::kObject : JsonType::kArray;
      out->large_ = large;
      out->count_ = static_cast<uint32_t>(count);
      out->data_ = data.first(static_cast<size_t>(size));
      return absl::OkStatus();
    }
    case kLiteral: {
      const uint8_t v = r.U8();
      if (!r.ok()) return Corrupt("literal truncated");
      if (v > 2) return Corrupt(StrCat("unknown literal ", v));
      out->type_ = v == 0 ? JsonType::kNull : (v == 1 ? JsonType::kTrue : JsonType::kFalse);
      return absl::OkStatus();
    }
    case kInt16:
    case kInt32:
    case kInt64: {
      const int bits = type == kInt16 ? 16 : (type == kInt32 ? 32 : 64);
      const uint64_t raw = r.FixedLE(static_cast<size_t>(bits / 8));
      if (!r.ok()) return Corrupt(StrCat("int", bits, " truncated"));
      const uint64_t sign = uint64_t{1} << (bits - 1);
      out->type_ = JsonType::kInt;
      out->int_ = static_cast<int64_t>((raw ^ sign) - sign);
      return absl::OkStatus();
    }
    case kUint16:
    case kUint32:
    case kUint64: {
      const size_t bytes = type == kUint16 ? 2 : (type == kUint32 ? 4 : 8);
      out->uint_ = r.FixedLE(bytes);
      if (!r.ok()) return Corrupt(StrCat("uint", bytes * 8, " truncated"));
      out->type_ = JsonType::kUint;
      return absl::OkStatus();
    }
    case kDoubleType: {
      const uint64_t bits = r.U64();
      if (!r.ok()) return Corrupt("double truncated");
      std::memcpy(&out->double_, &bits, sizeof bits);
      if (!std::isfinite(out->double_)) return Corrupt("double is not finite");
      out->type_ = JsonType::kDouble;
      return absl::OkStatus();
    }
    case kStringType:
    case kOpaqueType: {
      if (type == kOpaqueType) out->opaque_type_ = r.U8();
      uint64_t length = 0;
      if (!ReadVarLength(r, &length)) return Corrupt("string or opaque length malformed");
      out->data_ = r.Bytes(length);
      if (!r.ok()) {
        return Corrupt(StrCat("string or opaque value of ", length, " bytes runs past its end"));
      }
      out->type_ = type == kStringType ? JsonType::kString : JsonType::kOpaque;
      return absl::OkStatus();
    }
    default:
      return Corrupt(StrCat("unknown value type 0x", fmt::format("{:02x}", type)));
  }
}

absl::Status JsonValue::Key(uint32_t i, std::string_view* key) const {
  if (type_ != JsonType::kObject || i >= count_) return Corrupt("no such object key");
  const size_t n = OffsetSize(large_);
  ByteReader r(data_);
  r.Skip(2 * n + size_t{i} * KeyEntrySize(large_));
  const uint64_t offset = r.FixedLE(n);
  const uint16_t length = r.U16();
  if (!r.ok() || offset + length > data_.size()) {
    return Corrupt(StrCat("key ", i, " runs past the end of its object"));
  }
  *key = AsChars(data_.subspan(static_cast<size_t>(offset), length));
  return absl::OkStatus();
}

absl::Status JsonValue::Element(uint32_t i, JsonValue* out) const {
  if (!is_container() || i >= count_) return Corrupt("no such element");
  const size_t n = OffsetSize(large_);
  const size_t keys = type_ == JsonType::kObject ? size_t{count_} * KeyEntrySize(large_) : 0;
  const size_t at = 2 * n + keys + size_t{i} * ValueEntrySize(large_);
  const uint8_t type = data_[at];
  const ByteView field = data_.subspan(at + 1, n);
  if (IsInlined(type, large_)) return Parse(type, field, out);
  const uint64_t offset = LoadLE(field.data(), n);
  if (offset >= data_.size()) {
    return Corrupt(StrCat("value ", i, " at offset ", offset, " is outside its container of ",
                          data_.size(), " bytes"));
  }
  return Parse(type, data_.subspan(static_cast<size_t>(offset)), out);
}

absl::Status AppendJsonScalar(const JsonValue& v, std::string* out) {
  switch (v.type()) {
    case JsonType::kNull:
      out->append("null");
      return absl::OkStatus();
    case JsonType::kTrue:
      out->append("true");
      return absl::OkStatus();
    case JsonType::kFalse:
      out->append("false");
      return absl::OkStatus();
    case JsonType::kInt:
      Append(out, "{}", v.int_value());
      return absl::OkStatus();
    case JsonType::kUint:
      Append(out, "{}", v.uint_value());
      return absl::OkStatus();
    case JsonType::kDouble: {
      const size_t start = out->size();
      Append(out, "{}", v.double_value());
      if (out->find_first_of(".eE", start) == std::string::npos) out->append(".0");
      return absl::OkStatus();
    }
    case JsonType::kString:
      if (!IsValidUtf8(v.string_value())) return Corrupt("string is not UTF-8");
      AppendJsonString(v.string_value(), out);
      return absl::OkStatus();
    case JsonType::kOpaque:
      return AppendOpaque(v.opaque_type(), v.opaque_data(), out);
    case JsonType::kObject:
    case JsonType::kArray:
      break;
  }
  return absl::InvalidArgumentError("AppendJsonScalar called on a container");
}

absl::Status AppendJsonDocument(ByteView doc, std::string* out) {
  JsonValue root;
  if (absl::Status st = JsonValue::ParseDocument(doc, &root); !st.ok()) return st;
  return TextWriter(doc.size(), out).Write(root, 0);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

}  // namespace binsync::binlog
