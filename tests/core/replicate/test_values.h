// binlog::Value makers for replicate's unit tests.
#ifndef BINSYNC_TESTS_CORE_REPLICATE_TEST_VALUES_H_
#define BINSYNC_TESTS_CORE_REPLICATE_TEST_VALUES_H_

#include <cstdint>
#include <string>

#include "core/binlog/column_codec.h"

namespace binsync::replicate::testing {

inline binlog::Value Int(int64_t x) {
  binlog::Value v;
  v.kind = binlog::ValueKind::kInt;
  v.int_value = x;
  return v;
}

// Views `s`, which must outlive the value.
inline binlog::Value Text(const std::string& s) {
  binlog::Value v;
  v.kind = binlog::ValueKind::kString;
  v.bytes = binlog::AsBytes(s);
  return v;
}

inline binlog::Value Null() {
  binlog::Value v;
  v.kind = binlog::ValueKind::kNull;
  return v;
}

}  // namespace binsync::replicate::testing

#endif  // BINSYNC_TESTS_CORE_REPLICATE_TEST_VALUES_H_
