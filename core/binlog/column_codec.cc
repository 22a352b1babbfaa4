#include "core/binlog/column_codec.h"

#include <array>
#include <cstring>

#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

constexpr int kDigitsPerGroup = 9;
constexpr int kDigToBytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr uint32_t kPow10[10] = {1,      10,      100,      1000,      10000,
                                 100000, 1000000, 10000000, 100000000, 1000000000};
constexpr int kMaxDecimalPrecision = 65;
constexpr int kMaxDecimalScale = 30;
constexpr size_t kMaxDecimalBytes = 32;  // DecimalBinarySize(65, 30) = 30

// Per-type facts. `metadata` is -1 for types the codec does not support.
struct TypeInfo {
  std::string_view name;
  int8_t metadata;
  uint8_t fixed_length;  // for fixed-size types with no metadata
};

constexpr std::array<TypeInfo, 256> MakeTypeTable() {
  std::array<TypeInfo, 256> t{};
  for (auto& e : t) e = {"", -1, 0};
  t[0] = {"DECIMAL", -1, 0};
  t[1] = {"TINY", 0, 1};
  t[2] = {"SHORT", 0, 2};
  t[3] = {"LONG", 0, 4};
  t[4] = {"FLOAT", 1, 4};
  t[5] = {"DOUBLE", 1, 8};
  t[6] = {"NULL", 0, 0};
  t[7] = {"TIMESTAMP", 0, 4};
  t[8] = {"LONGLONG", 0, 8};
  t[9] = {"INT24", 0, 3};
  t[10] = {"DATE", 0, 3};
  t[11] = {"TIME", 0, 3};
  t[12] = {"DATETIME", 0, 8};
  t[13] = {"YEAR", 0, 1};
  t[14] = {"NEWDATE", 0, 3};
  t[15] = {"VARCHAR", 2, 0};
  t[16] = {"BIT", 2, 0};
  t[17] = {"TIMESTAMP2", 1, 0};
  t[18] = {"DATETIME2", 1, 0};
  t[19] = {"TIME2", 1, 0};
  t[242] = {"VECTOR", 1, 0};
  t[245] = {"JSON", 1, 0};
  t[246] = {"NEWDECIMAL", 2, 0};
  t[247] = {"ENUM", -1, 0};
  t[248] = {"SET", -1, 0};
  t[249] = {"TINY_BLOB", 1, 0};
  t[250] = {"MEDIUM_BLOB", 1, 0};
  t[251] = {"LONG_BLOB", 1, 0};
  t[252] = {"BLOB", 1, 0};
  t[253] = {"VAR_STRING", 2, 0};
  t[254] = {"STRING", 2, 0};
  t[255] = {"GEOMETRY", 1, 0};
  return t;
}
constexpr std::array<TypeInfo, 256> kTypes = MakeTypeTable();

bool IsBlobLike(uint8_t t) {
  return (t >= 249 && t <= 252) || t == 245 || t == 255 || t == 242;
}

absl::Status Corrupt(const ColumnDef& col, std::string_view what) {
  return absl::DataLossError(StrCat(ColumnTypeName(col.real_type), " cell: ", what));
}

// Fraction bytes for fsp 0..6.
uint32_t FracBytes(uint8_t fsp) { return (fsp + 1u) / 2u; }

// Microseconds from the big-endian fraction bytes of a TIMESTAMP2/DATETIME2.
uint32_t ReadFraction(const uint8_t* p, uint8_t fsp) {
  switch (FracBytes(fsp)) {
    case 1: return static_cast<uint32_t>(LoadBE(p, 1)) * 10000;
    case 2: return static_cast<uint32_t>(LoadBE(p, 2)) * 100;
    case 3: return static_cast<uint32_t>(LoadBE(p, 3));
    default: return 0;
  }
}

int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

using DecodeFn = absl::Status (*)(const ColumnDef&, ByteView, Value*);

absl::Status DecodeInteger(const ColumnDef& col, ByteView cell, Value* out) {
  const uint64_t raw = LoadLE(cell.data(), cell.size());
  if (col.is_unsigned) {
    out->kind = ValueKind::kUint;
    out->uint_value = raw;
  } else {
    out->kind = ValueKind::kInt;
    out->int_value = SignExtend(raw, static_cast<int>(cell.size() * 8));
  }
  return absl::OkStatus();
}

absl::Status DecodeFloat(const ColumnDef&, ByteView cell, Value* out) {
  const auto bits = static_cast<uint32_t>(LoadLE(cell.data(), 4));
  float f;
  std::memcpy(&f, &bits, sizeof f);
  out->kind = ValueKind::kFloat;
  out->double_value = static_cast<double>(f);
  return absl::OkStatus();
}

absl::Status DecodeDouble(const ColumnDef&, ByteView cell, Value* out) {
  const uint64_t bits = LoadLE(cell.data(), 8);
  std::memcpy(&out->double_value, &bits, sizeof bits);
  out->kind = ValueKind::kDouble;
  return absl::OkStatus();
}

absl::Status DecodeNull(const ColumnDef&, ByteView, Value* out) {
  out->kind = ValueKind::kNull;
  return absl::OkStatus();
}

absl::Status DecodeYear(const ColumnDef&, ByteView cell, Value* out) {
  out->kind = ValueKind::kYear;
  out->uint_value = cell[0] == 0 ? 0 : 1900u + cell[0];
  return absl::OkStatus();
}

absl::Status DecodeDate(const ColumnDef&, ByteView cell, Value* out) {
  const auto v = static_cast<uint32_t>(LoadLE(cell.data(), 3));
  out->kind = ValueKind::kDate;
  out->temporal = {};
  out->temporal.day = static_cast<uint8_t>(v & 31);
  out->temporal.month = static_cast<uint8_t>((v >> 5) & 15);
  out->temporal.year = static_cast<int32_t>(v >> 9);
  return absl::OkStatus();
}

absl::Status DecodeOldTime(const ColumnDef&, ByteView cell, Value* out) {
  int64_t v = SignExtend(LoadLE(cell.data(), 3), 24);
  out->kind = ValueKind::kTime;
  out->temporal = {};
  out->temporal.negative = v < 0;
  if (v < 0) v = -v;
  out->temporal.hour = static_cast<uint32_t>(v / 10000);
  out->temporal.minute = static_cast<uint8_t>((v / 100) % 100);
  out->temporal.second = static_cast<uint8_t>(v % 100);
  return absl::OkStatus();
}

absl::Status DecodeOldDatetime(const ColumnDef&, ByteView cell, Value* out) {
  const uint64_t v = LoadLE(cell.data(), 8);
  const uint64_t date = v / 1000000;
  const uint64_t time = v % 1000000;
  out->kind = ValueKind::kDatetime;
  out->temporal = {};
  out->temporal.year = static_cast<int32_t>(date / 10000);
  out->temporal.month = static_cast<uint8_t>((date / 100) % 100);
  out->temporal.day = static_cast<uint8_t>(date % 100);
  out->temporal.hour = static_cast<uint32_t>(time / 10000);
  out->temporal.minute = static_cast<uint8_t>((time / 100) % 100);
  out->temporal.second = static_cast<uint8_t>(time % 100);
  return absl::OkStatus();
}

absl::Status DecodeOldTimestamp(const ColumnDef&, ByteView cell, Value* out) {
  out->kind = ValueKind::kTimestamp;
  out->temporal = {};
  out->int_value = static_cast<int64_t>(LoadLE(cell.data(), 4));
  return absl::OkStatus();
}

absl::Status DecodeTimestamp2(const ColumnDef& col, ByteView cell, Value* out) {
  out->kind = ValueKind::kTimestamp;
  out->decimals = col.decimals;
  out->temporal = {};
  out->int_value = static_cast<int64_t>(LoadBE(cell.data(), 4));
  out->temporal.micro = ReadFraction(cell.data() + 4, col.decimals);
  if (out->temporal.micro > 999999) return Corrupt(col, "fraction out of range");
  return absl::OkStatus();
}

absl::Status DecodeDatetime2(const ColumnDef& col, ByteView cell, Value* out) {
  constexpr int64_t kIntOffset = 0x8000000000LL;
  const int64_t packed = static_cast<int64_t>(LoadBE(cell.data(), 5)) - kIntOffset;
  if (packed < 0) return Corrupt(col, "negative DATETIME");
  const int64_t ymd = packed >> 17;
  const int64_t ym = ymd >> 5;
  const int64_t hms = packed % (int64_t{1} << 17);
  out->kind = ValueKind::kDatetime;
  out->decimals = col.decimals;
  out->temporal = {};
  out->temporal.year = static_cast<int32_t>(ym / 13);
  out->temporal.month = static_cast<uint8_t>(ym % 13);
  out->temporal.day = static_cast<uint8_t>(ymd % 32);
  out->temporal.hour = static_cast<uint32_t>(hms >> 12);
  out->temporal.minute = static_cast<uint8_t>((hms >> 6) % 64);
  out->temporal.second = static_cast<uint8_t>(hms % 64);
  out->temporal.micro = ReadFraction(cell.data() + 5, col.decimals);
  if (out->temporal.micro > 999999) return Corrupt(col, "fraction out of range");
  return absl::OkStatus();
}

// TIME2: the packed value is (hms << 24) + microseconds, signed; see the file comment in
// the header. Negative values are complemented over integer and fraction together, so
// the fraction must be folded into the integer part before splitting.
absl::Status DecodeTime2(const ColumnDef& col, ByteView cell, Value* out) {
  constexpr int64_t kIntOffset = 0x800000LL;
  constexpr int64_t kOffset = 0x800000000000LL;
  const uint8_t* p = cell.data();
  int64_t packed = 0;
  switch (col.decimals) {
    case 0:
      packed = (static_cast<int64_t>(LoadBE(p, 3)) - kIntOffset) * (int64_t{1} << 24);
      break;
    case 1:
    case 2: {
      int64_t intpart = static_cast<int64_t>(LoadBE(p, 3)) - kIntOffset;
      int64_t frac = p[3];  // unsigned: negatives store 0x100 - frac
      if (intpart < 0 && frac != 0) {
        ++intpart;
        frac -= 0x100;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      int64_t intpart = static_cast<int64_t>(LoadBE(p, 3)) - kIntOffset;
      int64_t frac = static_cast<int64_t>(LoadBE(p + 3, 2));  // unsigned, as above
      if (intpart < 0 && frac != 0) {
        ++intpart;
        frac -= 0x10000;
      }
      packed = intpart * (int64_t{1} << 24) + frac * 100;
      break;
    }
    default:
      packed = static_cast<int64_t>(LoadBE(p, 6)) - kOffset;
      break;
  }
  out->kind = ValueKind::kTime;
  out->decimals = col.decimals;
  out->temporal = {};
  out->temporal.negative = packed < 0;
  if (packed < 0) packed = -packed;
  const int64_t hms = packed >> 24;
  out->temporal.micro = static_cast<uint32_t>(packed % (int64_t{1} << 24));
  out->temporal.hour = static_cast<uint32_t>((hms >> 12) % (1 << 10));
  out->temporal.minute = static_cast<uint8_t>((hms >> 6) % (1 << 6));
  out->temporal.second = static_cast<uint8_t>(hms % (1 << 6));
  if (out->temporal.micro > 999999) return Corrupt(col, "fraction out of range");
  return absl::OkStatus();
}

absl::Status DecodeDecimal(const ColumnDef& col, ByteView cell, Value* out) {
  out->kind = ValueKind::kDecimal;
  out->precision = col.precision;
  out->decimals = col.decimals;
  out->bytes = cell;
  return absl::OkStatus();
}

absl::Status DecodeBit(const ColumnDef&, ByteView cell, Value* out) {
  out->kind = ValueKind::kUint;
  out->uint_value = LoadBE(cell.data(), cell.size());
  return absl::OkStatus();
}

// For length-prefixed types: the data after the prefix.
ByteView Payload(const ColumnDef& col, ByteView cell) { return cell.subspan(col.length_bytes); }

absl::Status DecodeString(const ColumnDef& col, ByteView cell, Value* out) {
  out->kind = ValueKind::kString;
  out->collation = col.collation;
  out->bytes = Payload(col, cell);
  return absl::OkStatus();
}

absl::Status DecodeJson(const ColumnDef& col, ByteView cell, Value* out) {
  out->kind = ValueKind::kJson;
  out->bytes = Payload(col, cell);
  return absl::OkStatus();
}

absl::Status DecodeGeometry(const ColumnDef& col, ByteView cell, Value* out) {
  out->kind = ValueKind::kGeometry;
  out->bytes = Payload(col, cell);
  return absl::OkStatus();
}

absl::Status DecodeVector(const ColumnDef& col, ByteView cell, Value* out) {
  out->kind = ValueKind::kVector;
  out->bytes = Payload(col, cell);
  if (out->bytes.size() % 4 != 0) return Corrupt(col, "length is not a multiple of 4");
  return absl::OkStatus();
}

absl::Status DecodeEnum(const ColumnDef&, ByteView cell, Value* out) {
  out->kind = ValueKind::kEnum;
  out->uint_value = LoadLE(cell.data(), cell.size());
  return absl::OkStatus();
}

absl::Status DecodeSet(const ColumnDef&, ByteView cell, Value* out) {
  out->kind = ValueKind::kSet;
  out->uint_value = LoadLE(cell.data(), cell.size());
  return absl::OkStatus();
}

constexpr std::array<DecodeFn, 256> MakeDecodeTable() {
  std::array<DecodeFn, 256> t{};
  t[1] = t[2] = t[3] = t[8] = t[9] = DecodeInteger;
  t[4] = DecodeFloat;
  t[5] = DecodeDouble;
  t[6] = DecodeNull;
  t[7] = DecodeOldTimestamp;
  t[10] = t[14] = DecodeDate;
  t[11] = DecodeOldTime;
  t[12] = DecodeOldDatetime;
  t[13] = DecodeYear;
  t[15] = DecodeString;
  t[16] = DecodeBit;
  t[17] = DecodeTimestamp2;
  t[18] = DecodeDatetime2;
  t[19] = DecodeTime2;
  t[242] = DecodeVector;
  t[245] = DecodeJson;
  t[246] = DecodeDecimal;
  t[247] = DecodeEnum;
  t[248] = DecodeSet;
  t[249] = t[250] = t[251] = t[252] = t[253] = t[254] = DecodeString;
  t[255] = DecodeGeometry;
  return t;
}
constexpr std::array<DecodeFn, 256> kDecoders = MakeDecodeTable();

}  // namespace

std::string_view ColumnTypeName(uint8_t type) {
  const std::string_view name = kTypes[type].name;
  return name.empty() ? std::string_view("UNKNOWN_TYPE") : name;
}

Charset CharsetOfCollation(uint32_t collation) {
  if (collation == 0) return Charset::kUnknown;
  if (collation == kBinaryCollation) return Charset::kBinary;
  // MariaDB NO PAD collations are the PAD SPACE id + 1024.
  const uint32_t c = (collation >= 1024 && collation < 2048) ? collation - 1024 : collation;
  switch (c) {
    case 33: case 45: case 46: case 76: case 83:
      return Charset::kUtf8;
    case 5: case 8: case 15: case 31: case 47: case 48: case 49: case 94:
      return Charset::kLatin1;
    case 11: case 65:
      return Charset::kAscii;
    default:
      break;
  }
  if ((c >= 192 && c <= 223) || (c >= 224 && c <= 247) || (c >= 255 && c <= 323)) {
    return Charset::kUtf8;
  }
  return Charset::kUnknown;
}

int MetadataLength(uint8_t type) { return kTypes[type].metadata; }

size_t DecimalBinarySize(int precision, int scale) {
  const int intg = precision - scale;
  return static_cast<size_t>((intg / kDigitsPerGroup) * 4 + kDigToBytes[intg % kDigitsPerGroup] +
                             (scale / kDigitsPerGroup) * 4 + kDigToBytes[scale % kDigitsPerGroup]);
}

absl::Status ResolveColumn(uint8_t type, ByteView meta, ColumnDef* col) {
  const int expected = MetadataLength(type);
  if (expected < 0) {
    return absl::UnimplementedError(
        StrCat("column type ", ColumnTypeName(type), " (", type, ") is not supported"));
  }
  if (meta.size() != static_cast<size_t>(expected)) {
    return absl::DataLossError(StrCat("column type ", ColumnTypeName(type), " needs ", expected,
                                      " metadata bytes, got ", meta.size()));
  }
  *col = ColumnDef{};
  col->type = type;
  col->real_type = type;
  col->metadata = static_cast<uint16_t>(LoadLE(meta.data(), meta.size()));
  const uint8_t b0 = meta.size() > 0 ? meta[0] : 0;
  const uint8_t b1 = meta.size() > 1 ? meta[1] : 0;
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(StrCat("column type ", ColumnTypeName(type), ": ", what,
                                      " (metadata ", fmt::format("{:04x}", col->metadata), ")"));
  };
  switch (static_cast<ColumnType>(type)) {
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      col->fixed_length = kTypes[type].fixed_length;
      break;
    case ColumnType::kTimestamp2:
    case ColumnType::kDatetime2:
    case ColumnType::kTime2: {
      if (b0 > 6) return bad("fractional precision above 6");
      col->decimals = b0;
      const uint32_t base = type == 17 ? 4 : (type == 18 ? 5 : 3);
      col->fixed_length = base + FracBytes(b0);
      break;
    }
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
      col->max_length = col->metadata;
      col->length_bytes = col->max_length < 256 ? 1 : 2;
      break;
    case ColumnType::kNewDecimal:
      if (b0 < 1 || b0 > kMaxDecimalPrecision || b1 > kMaxDecimalScale || b1 > b0) {
        return bad("invalid precision/scale");
      }
      col->precision = b0;
      col->decimals = b1;
      col->fixed_length = static_cast<uint32_t>(DecimalBinarySize(b0, b1));
      break;
    case ColumnType::kBit:
      if (b0 > 7 || (b0 == 0 && b1 == 0) || b1 * 8 + b0 > 64) return bad("invalid bit width");
      col->max_length = b1 * 8u + b0;
      col->fixed_length = b1 + (b0 > 0 ? 1u : 0u);
      break;
    case ColumnType::kString: {
      uint8_t real = b0;
      uint32_t max_len = b1;
      if (b0 != 0 && (b0 & 0x30) != 0x30) {
        real = static_cast<uint8_t>(b0 | 0x30);
        max_len = b1 | (static_cast<uint32_t>((b0 & 0x30) ^ 0x30) << 4);
      }
      if (real == 0) real = type;  // metadata 0: plain CHAR(0)
      col->real_type = real;
      if (real == static_cast<uint8_t>(ColumnType::kEnum)) {
        if (b1 != 1 && b1 != 2) return bad("ENUM pack length not 1 or 2");
        col->fixed_length = b1;
      } else if (real == static_cast<uint8_t>(ColumnType::kSet)) {
        if (b1 < 1 || b1 > 8) return bad("SET pack length not 1..8");
        col->fixed_length = b1;
      } else if (real == static_cast<uint8_t>(ColumnType::kString)) {
        col->max_length = max_len;
        col->length_bytes = max_len < 256 ? 1 : 2;
      } else {
        return bad("unknown real type in STRING metadata");
      }
      break;
    }
    default:
      if (IsBlobLike(type)) {
        if (b0 < 1 || b0 > 4) return bad("length bytes not 1..4");
        col->length_bytes = b0;
      } else {
        col->fixed_length = kTypes[type].fixed_length;
      }
      break;
  }
  return absl::OkStatus();
}

bool IsCharacterColumn(const ColumnDef& col) {
  switch (col.real_type) {
    case 15: case 249: case 250: case 251: case 252: case 253: case 254:
    case 242:  // MySQL 9 counts VECTOR (a BLOB underneath) as a character column
      return true;
    default:
      return false;
  }
}

bool IsNumericColumn(const ColumnDef& col) {
  switch (col.real_type) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 8: case 9: case 13: case 246:
      return true;
    default:
      return false;
  }
}

bool IsEnumColumn(const ColumnDef& col) { return col.real_type == 247; }
bool IsSetColumn(const ColumnDef& col) { return col.real_type == 248; }
bool IsGeometryColumn(const ColumnDef& col) { return col.real_type == 255; }

absl::Status CellLength(const ColumnDef& col, ByteView data, size_t* length) {
  if (col.length_bytes == 0) {
    if (data.size() < col.fixed_length) {
      return Corrupt(col, StrCat("truncated (need ", col.fixed_length, " bytes, have ",
                                 data.size(), ")"));
    }
    *length = col.fixed_length;
    return absl::OkStatus();
  }
  if (data.size() < col.length_bytes) return Corrupt(col, "truncated length prefix");
  const uint64_t n = LoadLE(data.data(), col.length_bytes);
  if (n > data.size() - col.length_bytes) {
    return Corrupt(col, StrCat("length ", n, " runs past the row image (",
                               data.size() - col.length_bytes, " bytes left)"));
  }
  if (col.max_length != 0 && (col.real_type == 15 || col.real_type == 253 ||
                              col.real_type == 254) && n > col.max_length) {
    return Corrupt(col, StrCat("length ", n, " exceeds the column maximum ", col.max_length));
  }
  *length = col.length_bytes + static_cast<size_t>(n);
  return absl::OkStatus();
}

absl::Status DecodeCell(const ColumnDef& col, ByteView cell, Value* out) {
  const DecodeFn fn = kDecoders[col.real_type];
  if (fn == nullptr) {
    return absl::UnimplementedError(
        StrCat("no decoder for column type ", ColumnTypeName(col.real_type)));
  }
  out->decimals = 0;
  out->precision = 0;
  out->collation = 0;
  out->bytes = {};
  out->json_form = JsonForm::kBinary;
  return fn(col, cell, out);
}

absl::Status AppendDecimal(ByteView packed, int precision, int scale, std::string* out) {
  if (precision < 1 || precision > kMaxDecimalPrecision || scale < 0 || scale > precision ||
      scale > kMaxDecimalScale) {
    return absl::InvalidArgumentError(StrCat("invalid DECIMAL(", precision, ",", scale, ")"));
  }
  const size_t size = DecimalBinarySize(precision, scale);
  if (packed.size() != size) {
    return absl::DataLossError(StrCat("DECIMAL(", precision, ",", scale, ") needs ", size,
                                      " bytes, got ", packed.size()));
  }
  uint8_t buf[kMaxDecimalBytes];
  std::memcpy(buf, packed.data(), size);
  const bool negative = (buf[0] & 0x80) == 0;
  buf[0] ^= 0x80;
  if (negative) {
    for (size_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>(~buf[i]);
  }
  const int intg = precision - scale;
  const int lead_digits = intg % kDigitsPerGroup;
  const int int_groups = intg / kDigitsPerGroup;
  const int frac_groups = scale / kDigitsPerGroup;
  const int tail_digits = scale % kDigitsPerGroup;

  // Digits go to a stack buffer first so the sign can be dropped for zero.
  char text[kMaxDecimalPrecision + 4];
  size_t len = 0;
  size_t pos = 0;
  bool any_nonzero = false;
  bool started = false;
  auto group = [&](int digits, bool leading_zeros_allowed) -> bool {
    const int nbytes = digits == kDigitsPerGroup ? 4 : kDigToBytes[digits];
    const auto v = static_cast<uint32_t>(LoadBE(buf + pos, static_cast<size_t>(nbytes)));
    pos += static_cast<size_t>(nbytes);
    if (v >= kPow10[digits]) return false;
    if (v != 0) any_nonzero = true;
    for (int d = digits - 1; d >= 0; --d) {
      const char c = static_cast<char>('0' + (v / kPow10[d]) % 10);
      if (!leading_zeros_allowed && !started && c == '0') continue;
      started = true;
      text[len++] = c;
    }
    return true;
  };
  bool valid = true;
  if (lead_digits > 0) valid &= group(lead_digits, false);
  for (int i = 0; i < int_groups && valid; ++i) valid &= group(kDigitsPerGroup, false);
  if (!started) text[len++] = '0';
  if (scale > 0) {
    text[len++] = '.';
    started = true;
    for (int i = 0; i < frac_groups && valid; ++i) valid &= group(kDigitsPerGroup, true);
    if (tail_digits > 0 && valid) valid &= group(tail_digits, true);
  }
  if (!valid) return absl::DataLossError("DECIMAL digit group out of range");
  if (negative && any_nonzero) out->push_back('-');
  out->append(text, len);
  return absl::OkStatus();
}

}  // namespace binsync::binlog
