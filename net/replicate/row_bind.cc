#include "net/replicate/row_bind.h"

#include <cstring>
#include <ctime>

#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {

using binlog::ValueKind;

absl::Status BindRowValue(const binlog::Value& v, const replicate::PlanParam& p,
                          const schema::TableInfo& info, MYSQL_BIND* bind, BindSlot* slot_out) {
  MYSQL_BIND& b = *bind;
  BindSlot& slot = *slot_out;
  std::memset(&b, 0, sizeof(b));
  slot.is_null = 0;
  b.is_null = &slot.is_null;
  b.length = &slot.length;
  switch (v.kind) {
    case ValueKind::kAbsent:
      return absl::InternalError(StrCat(info.QualifiedName(), ": column ",
                                        info.columns[p.column], " missing from the row image"));
    case ValueKind::kNull:
      b.buffer_type = MYSQL_TYPE_NULL;
      slot.is_null = 1;
      break;
    case ValueKind::kInt:
      slot.i = v.int_value;
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &slot.i;
      break;
    case ValueKind::kUint:
    case ValueKind::kYear:
    case ValueKind::kEnum:
    case ValueKind::kSet:
      slot.i = static_cast<long long>(v.uint_value);  // NOLINT(google-runtime-int)
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.is_unsigned = 1;
      b.buffer = &slot.i;
      break;
    case ValueKind::kFloat:
    case ValueKind::kDouble:
      slot.d = v.double_value;
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = &slot.d;
      break;
    case ValueKind::kDecimal:
      slot.text.clear();
      RETURN_IF_ERROR(binlog::AppendDecimal(v.bytes, v.precision, v.decimals, &slot.text));
      b.buffer_type = MYSQL_TYPE_NEWDECIMAL;
      b.buffer = slot.text.data();
      slot.length = slot.text.size();
      break;
    case ValueKind::kDate:
    case ValueKind::kTime:
    case ValueKind::kDatetime:
    case ValueKind::kTimestamp: {
      MYSQL_TIME& tm = slot.tm;
      std::memset(&tm, 0, sizeof(tm));
      if (v.kind == ValueKind::kTimestamp) {
        if (v.int_value != 0 || v.temporal.micro != 0) {
          const std::time_t secs = static_cast<std::time_t>(v.int_value);
          std::tm utc{};
          gmtime_r(&secs, &utc);
          tm.year = static_cast<unsigned>(utc.tm_year + 1900);
          tm.month = static_cast<unsigned>(utc.tm_mon + 1);
          tm.day = static_cast<unsigned>(utc.tm_mday);
          tm.hour = static_cast<unsigned>(utc.tm_hour);
          tm.minute = static_cast<unsigned>(utc.tm_min);
          tm.second = static_cast<unsigned>(utc.tm_sec);
        }
        tm.second_part = v.temporal.micro;
        tm.time_type = MYSQL_TIMESTAMP_DATETIME;
        b.buffer_type = MYSQL_TYPE_DATETIME;
      } else {
        const binlog::Temporal& t = v.temporal;
        tm.year = static_cast<unsigned>(t.year);
        tm.month = t.month;
        tm.day = t.day;
        tm.hour = t.hour;
        tm.minute = t.minute;
        tm.second = t.second;
        tm.second_part = t.micro;
        tm.neg = t.negative ? 1 : 0;
        if (v.kind == ValueKind::kDate) {
          tm.time_type = MYSQL_TIMESTAMP_DATE;
          b.buffer_type = MYSQL_TYPE_DATE;
        } else if (v.kind == ValueKind::kTime) {
          // The binary protocol carries TIME as days + an hour byte.
          tm.day = t.hour / 24;
          tm.hour = t.hour % 24;
          tm.time_type = MYSQL_TIMESTAMP_TIME;
          b.buffer_type = MYSQL_TYPE_TIME;
        } else {
          tm.time_type = MYSQL_TIMESTAMP_DATETIME;
          b.buffer_type = MYSQL_TYPE_DATETIME;
        }
      }
      b.buffer = &tm;
      break;
    }
    case ValueKind::kString:
    case ValueKind::kJson:
    case ValueKind::kGeometry:
    case ValueKind::kVector:
      b.buffer_type =
          p.as_text && v.kind == ValueKind::kString ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
      if (p.pad_to > v.bytes.size()) {
        slot.text.assign(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
        slot.text.resize(p.pad_to, '\0');
        b.buffer = slot.text.data();
        slot.length = slot.text.size();
        b.buffer_length = slot.length;
        break;
      }
      b.buffer = const_cast<uint8_t*>(v.bytes.data());  // NOLINT: libmariadb only reads
      slot.length = v.bytes.size();
      b.buffer_length = slot.length;
      break;
  }
  return absl::OkStatus();
}

}  // namespace binsync
