// Numeric literals of the text format (src/engine/text/numbers.h).
#include <gtest/gtest.h>

#include <cstring>

#include "engine/text/numbers.h"

namespace wc::engine::text {
namespace {

uint32_t f32_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
uint64_t f64_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

TEST(TextNumbers, IntegersSignedUnsignedHexAndSeparators) {
  EXPECT_EQ(parse_int("0", 32), 0u);
  EXPECT_EQ(parse_int("-1", 32), 0xffffffffu);
  EXPECT_EQ(parse_int("4294967295", 32), 0xffffffffu);
  EXPECT_EQ(parse_int("0xffff_ffff", 32), 0xffffffffu);
  EXPECT_EQ(parse_int("1_000_000", 32), 1000000u);
  EXPECT_EQ(parse_int("-2147483648", 32), 0x80000000u);
  EXPECT_EQ(parse_int("+2147483647", 32), 0x7fffffffu);
  EXPECT_EQ(parse_int("-0x8000000000000000", 64), 0x8000000000000000u);
  EXPECT_EQ(parse_int("18446744073709551615", 64), UINT64_MAX);
  EXPECT_EQ(parse_int("255", 8), 0xffu);
  EXPECT_EQ(parse_int("-128", 8), 0x80u);
}

TEST(TextNumbers, MalformedOrOutOfRangeIntegers) {
  for (const char* bad : {"", "-", "0x", "1__0", "_1", "1_", "0x_1", "1a", "0X10", "+-1", "1.0",
                          "4294967296", "-2147483649", "+2147483648", "0x1_0000_0000"})
    EXPECT_FALSE(parse_int(bad, 32)) << bad;
  EXPECT_FALSE(parse_int("18446744073709551616", 64));
  EXPECT_FALSE(parse_int("256", 8));
  EXPECT_FALSE(parse_int("-129", 8));
  // A literal far too long to fit is refused, not wrapped.
  EXPECT_FALSE(parse_int(std::string(100000, '9'), 64));
  EXPECT_FALSE(parse_nat("-1", UINT32_MAX));
  EXPECT_EQ(parse_nat("0x10", UINT32_MAX), 16u);
}

TEST(TextNumbers, DecimalAndHexFloats) {
  EXPECT_EQ(parse_f32("1.5"), f32_bits(1.5f));
  EXPECT_EQ(parse_f32("-0"), 0x80000000u);
  EXPECT_EQ(parse_f32("1e3"), f32_bits(1000.0f));
  EXPECT_EQ(parse_f32("1_000.000_1"), f32_bits(1000.0001f));
  EXPECT_EQ(parse_f32("0x1p-1"), f32_bits(0.5f));
  EXPECT_EQ(parse_f32("0x1.8p1"), f32_bits(3.0f));
  EXPECT_EQ(parse_f32("0x1p-149"), 1u);  // smallest subnormal
  EXPECT_EQ(parse_f64("0x1.fffffffffffffp1023"), f64_bits(1.7976931348623157e308));
  EXPECT_EQ(parse_f64("0x1P+4"), f64_bits(16.0));
  EXPECT_EQ(parse_f64("123."), f64_bits(123.0));
  // Correctly rounded: halfway between two f32s rounds to even, without going through f64.
  EXPECT_EQ(parse_f32("0x1.000001p0"), f32_bits(1.0f));
  EXPECT_EQ(parse_f32("0x1.000003p0"), f32_bits(1.0f) + 2);
}

TEST(TextNumbers, InfinitiesAndNanPayloads) {
  EXPECT_EQ(parse_f32("inf"), 0x7f800000u);
  EXPECT_EQ(parse_f32("-inf"), 0xff800000u);
  EXPECT_EQ(parse_f32("nan"), 0x7fc00000u);
  EXPECT_EQ(parse_f32("-nan"), 0xffc00000u);
  EXPECT_EQ(parse_f32("nan:0x1"), 0x7f800001u);
  EXPECT_EQ(parse_f32("nan:0x7f_ffff"), 0x7fffffffu);
  EXPECT_EQ(parse_f64("-nan:0x8_0000_0000_0000"), 0xfff8000000000000u);
  EXPECT_FALSE(parse_f32("nan:0x0"));        // a zero payload would be infinity
  EXPECT_FALSE(parse_f32("nan:0x80_0000"));  // wider than the mantissa
  EXPECT_FALSE(parse_f32("nan:1"));
}

TEST(TextNumbers, MalformedOrOverflowingFloats) {
  for (const char* bad : {"", ".5", "1e", "1e+", "0x", "0x.1", "1.0e_1", "infinity", "NaN",
                          "nan:", "1_.0", "0x1p", "1e1.5", "--1", "0x1q"})
    EXPECT_FALSE(parse_f32(bad)) << bad;
  EXPECT_FALSE(parse_f32("1e39"));     // overflows f32
  EXPECT_FALSE(parse_f64("1e309"));    // overflows f64
  EXPECT_FALSE(parse_f32("0x1p128"));  // hex too
  EXPECT_EQ(parse_f32("1e-50"), 0u);   // underflow is zero, not an error
}

}  // namespace
}  // namespace wc::engine::text
