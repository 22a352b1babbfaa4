#include "core/schema/row_key.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace binsync::schema {
namespace {

using Parts = std::vector<std::optional<std::string>>;

std::string Encode(const Parts& parts) {
  std::string key;
  for (const auto& p : parts) {
    AppendKeyPart(&key, p ? std::optional<std::string_view>(*p) : std::nullopt);
  }
  return key;
}

TEST(RowKeyTest, RoundTripsValuesEmptyStringsNullsAndBinaryBytes) {
  const Parts parts = {std::string("42"), std::string(""), std::nullopt,
                       std::string("a\0b\xff", 4), std::string(300, 'x')};
  Parts out;
  ASSERT_TRUE(DecodeRowKey(Encode(parts), &out));
  EXPECT_EQ(out, parts);
}

TEST(RowKeyTest, NullEmptyAndPartBoundariesAreDistinct) {
  EXPECT_NE(Encode({std::nullopt}), Encode({std::string("")}));
  // ("ab", "c") and ("a", "bc") concatenate alike; their keys must not.
  EXPECT_NE(Encode({std::string("ab"), std::string("c")}),
            Encode({std::string("a"), std::string("bc")}));
  EXPECT_NE(Encode({std::string("")}), Encode({}));
}

TEST(RowKeyTest, ExactNoCaseOrTrailingSpaceFolding) {
  EXPECT_NE(Encode({std::string("a")}), Encode({std::string("A")}));
  EXPECT_NE(Encode({std::string("a")}), Encode({std::string("a ")}));
  EXPECT_EQ(Encode({std::string("a"), std::nullopt}), Encode({std::string("a"), std::nullopt}));
}

TEST(RowKeyTest, TruncatedOrForeignBytesAreNotAKey) {
  const std::string key = Encode({std::string("hello")});
  Parts out;
  for (size_t n = 1; n < key.size(); ++n) {
    EXPECT_FALSE(DecodeRowKey(std::string_view(key).substr(0, n), &out)) << n;
  }
  EXPECT_FALSE(DecodeRowKey(std::string("\x07", 1), &out));
  ASSERT_TRUE(DecodeRowKey("", &out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace binsync::schema
