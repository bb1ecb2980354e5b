// The spec runner's value parsing and assert_return matching (tests/spec/spec_values.h).
#include <gtest/gtest.h>

#include <stdexcept>

#include "../spec/spec_values.h"

namespace wc::spec {
namespace {

using engine::ValType;

TEST(SpecValues, IntegersAreUnsignedBitPatterns) {
  Value v = parse_arg("i32", "4294967295");
  EXPECT_EQ(v.type, ValType::I32);
  EXPECT_EQ(v.bits, 0xffffffffu);
  EXPECT_EQ(v.as_i32(), -1);
  EXPECT_EQ(parse_arg("i64", "18446744073709551615").as_i64(), -1);
  EXPECT_EQ(parse_arg("i64", "9223372036854775808").bits, 0x8000000000000000ull);
  EXPECT_THROW(parse_arg("i32", "4294967296"), std::runtime_error);
  EXPECT_THROW(parse_arg("i32", "-1"), std::runtime_error);
  EXPECT_THROW(parse_arg("i32", "12x"), std::runtime_error);
  EXPECT_THROW(parse_arg("i32", ""), std::runtime_error);
  EXPECT_THROW(parse_arg("i64", "18446744073709551616"), std::runtime_error);
}

TEST(SpecValues, FloatsAreBitPatterns) {
  EXPECT_EQ(parse_arg("f32", "1065353216").as_f32(), 1.0f);
  EXPECT_EQ(parse_arg("f32", "2147483648").bits, 0x80000000u);  // -0.0 keeps its sign
  EXPECT_EQ(parse_arg("f64", "4607182418800017408").as_f64(), 1.0);
  Expected e = parse_expected("f32", "2143289344");  // 0x7fc00000 given as a number: exact
  EXPECT_EQ(e.kind, Expected::Kind::Exact);
  EXPECT_TRUE(matches(e, Value::f32_bits(0x7fc00000)));
  EXPECT_FALSE(matches(e, Value::f32_bits(0xffc00000)));
}

TEST(SpecValues, ExactMatchNeedsSameTypeAndBits) {
  Expected e = parse_expected("i32", "4294967295");
  EXPECT_TRUE(matches(e, Value::i32(0xffffffff)));
  EXPECT_FALSE(matches(e, Value::i64(0xffffffff)));
  EXPECT_FALSE(matches(e, Value::i32(0x7fffffff)));
  EXPECT_FALSE(
      matches(parse_expected("f64", "0"), Value::f64_bits(0x8000000000000000ull)));  // -0 != +0
}

TEST(SpecValues, CanonicalNan) {
  Expected f = parse_expected("f32", "nan:canonical");
  EXPECT_TRUE(matches(f, Value::f32_bits(0x7fc00000)));
  EXPECT_TRUE(matches(f, Value::f32_bits(0xffc00000)));
  EXPECT_FALSE(matches(f, Value::f32_bits(0x7fc00001)));  // payload
  EXPECT_FALSE(matches(f, Value::f32_bits(0x7fa00000)));  // signaling
  EXPECT_FALSE(matches(f, Value::f32_bits(0x7f800000)));  // infinity
  EXPECT_FALSE(matches(f, Value::f64_bits(0x7ff8000000000000ull)));
  Expected d = parse_expected("f64", "nan:canonical");
  EXPECT_TRUE(matches(d, Value::f64_bits(0x7ff8000000000000ull)));
  EXPECT_TRUE(matches(d, Value::f64_bits(0xfff8000000000000ull)));
  EXPECT_FALSE(matches(d, Value::f64_bits(0x7ff8000000000001ull)));
  EXPECT_FALSE(matches(d, Value::f64_bits(0x7ff4000000000000ull)));
}

TEST(SpecValues, ArithmeticNan) {
  Expected f = parse_expected("f32", "nan:arithmetic");
  EXPECT_TRUE(matches(f, Value::f32_bits(0x7fc00000)));
  EXPECT_TRUE(matches(f, Value::f32_bits(0xffc12345)));
  EXPECT_TRUE(matches(f, Value::f32_bits(0x7fffffff)));
  EXPECT_FALSE(matches(f, Value::f32_bits(0x7f800001)));  // signaling: quiet bit clear
  EXPECT_FALSE(matches(f, Value::f32_bits(0x7f800000)));
  EXPECT_FALSE(matches(f, Value::f32_bits(0x3fc00000)));
  Expected d = parse_expected("f64", "nan:arithmetic");
  EXPECT_TRUE(matches(d, Value::f64_bits(0xfff8000000000001ull)));
  EXPECT_FALSE(matches(d, Value::f64_bits(0x7ff0000000000001ull)));
  EXPECT_FALSE(matches(d, Value::f32_bits(0x7fc00000)));
}

TEST(SpecValues, ExternrefNumbersMapToNonZeroHandles) {
  Value zero = parse_arg("externref", "0");
  EXPECT_EQ(zero.type, ValType::ExternRef);
  EXPECT_FALSE(zero.is_null());
  EXPECT_EQ(zero.bits, extern_handle(0));
  EXPECT_TRUE(parse_arg("externref", "null").is_null());
  // The same mapping on the way back.
  EXPECT_TRUE(matches(parse_expected("externref", "0"), zero));
  EXPECT_FALSE(matches(parse_expected("externref", "1"), zero));
  EXPECT_FALSE(matches(parse_expected("externref", "0"), Value::null(ValType::ExternRef)));
  EXPECT_TRUE(matches(parse_expected("externref", "null"), Value::null(ValType::ExternRef)));
  EXPECT_TRUE(matches(parse_expected("externref", std::nullopt), zero));  // (ref.extern)
  EXPECT_EQ(format_value(zero), "externref:0");
}

TEST(SpecValues, FuncrefsCompareOnlyNullness) {
  EXPECT_TRUE(parse_arg("funcref", "null").is_null());
  EXPECT_THROW(parse_arg("funcref", "3"), std::runtime_error);
  Value some = Value::ref(ValType::FuncRef, 0x1234);
  EXPECT_TRUE(matches(parse_expected("funcref", std::nullopt), some));
  EXPECT_FALSE(matches(parse_expected("funcref", std::nullopt), Value::null(ValType::FuncRef)));
  EXPECT_TRUE(matches(parse_expected("funcref", "null"), Value::null(ValType::FuncRef)));
  EXPECT_FALSE(matches(parse_expected("funcref", "null"), some));
  EXPECT_FALSE(matches(parse_expected("funcref", "null"), Value::null(ValType::ExternRef)));
}

TEST(SpecValues, UnsupportedTypesThrow) {
  EXPECT_THROW(parse_arg("v128", "0"), std::runtime_error);
  EXPECT_THROW(parse_expected("v128", std::nullopt), std::runtime_error);
  EXPECT_THROW(parse_arg("i31", "0"), std::runtime_error);
  EXPECT_THROW(parse_expected("i32", std::nullopt), std::runtime_error);
}

TEST(SpecValues, Formatting) {
  EXPECT_EQ(format_value(Value::i32(0xffffffff)), "i32:-1");
  EXPECT_EQ(format_value(Value::f32(1.5f)), "f32:1.5 (0x3fc00000)");
  EXPECT_EQ(format_expected(parse_expected("f64", "nan:arithmetic")), "f64:nan:arithmetic");
  EXPECT_EQ(format_expected(parse_expected("funcref", std::nullopt)), "funcref:non-null");
}

}  // namespace
}  // namespace wc::spec
