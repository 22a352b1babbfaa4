#include "core/binlog/byte_reader.h"

#include <vector>

#include "gtest/gtest.h"

namespace binsync::binlog {
namespace {

TEST(ByteReaderTest, FixedLittleAndBigEndian) {
  const std::vector<uint8_t> b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteReader r(b);
  EXPECT_EQ(r.U16(), 0x0201);
  EXPECT_EQ(r.FixedBE(3), 0x030405u);
  EXPECT_EQ(r.U24(), 0x080706u);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
}

TEST(ByteReaderTest, PackedIntegers) {
  const std::vector<uint8_t> b = {0xfa, 0xfc, 0x34, 0x12, 0xfd, 0x01, 0x02, 0x03, 0xfe, 1, 0,
                                  0, 0, 0, 0, 0, 0x80};
  ByteReader r(b);
  EXPECT_EQ(r.Packed(), 250u);
  EXPECT_EQ(r.Packed(), 0x1234u);
  EXPECT_EQ(r.Packed(), 0x030201u);
  EXPECT_EQ(r.Packed(), 0x8000000000000001u);
  EXPECT_TRUE(r.ok());
  const std::vector<uint8_t> bad = {0xfb};
  ByteReader n(bad);
  (void)n.Packed();
  EXPECT_FALSE(n.ok());
}

TEST(ByteReaderTest, ErrorIsStickyAndCursorStays) {
  const std::vector<uint8_t> b = {1, 2, 3};
  ByteReader r(b);
  EXPECT_EQ(r.U32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.position(), 0u);
  EXPECT_EQ(r.U8(), 0u);  // fails too, although one byte is there
  EXPECT_TRUE(r.Bytes(1).empty());
}

TEST(ByteReaderTest, ViewsAndPackedStrings) {
  const std::vector<uint8_t> b = {3, 'a', 'b', 'c', 'x', 'y'};
  ByteReader r(b);
  EXPECT_EQ(r.PackedString(), "abc");
  EXPECT_EQ(AsChars(r.Rest()), "xy");
  EXPECT_TRUE(r.ok());
  ByteReader over(b);
  (void)over.Bytes(7);
  EXPECT_FALSE(over.ok());
  ByteReader huge(b);
  (void)huge.Bytes(~uint64_t{0});
  EXPECT_FALSE(huge.ok());
}

}  // namespace
}  // namespace binsync::binlog
