// Float superinstructions: multiply-add chains (two roundings, never an FMA) and fused float
// compare-and-branch, whose negated form must treat NaN as "not less/equal/...".
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

std::vector<double> edge_f64() {
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  return {0.0, -0.0, 1.0, -1.5, 0.1, 3.0, 1e308, -1e308, 5e-324, inf, -inf, nan};
}

uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }
uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }

// NaN results only need to be NaN (wasm does not fix the payload of arithmetic NaNs).
void expect_same(double got, double want, const char* what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what;
  } else {
    EXPECT_EQ(bits(got), bits(want)) << what << " got " << got << " want " << want;
  }
}

TEST(InterpFloatFusion, MultiplyAddShapesRoundTwice) {
  ITEST_LOAD(w, R"((module
    (func (export "mul_add") (param f64 f64 f64) (result f64)
      local.get 0 local.get 1 f64.mul local.get 2 f64.add)
    (func (export "add_mul") (param f64 f64 f64) (result f64)
      local.get 2 local.get 0 local.get 1 f64.mul f64.add)
    (func (export "mul_sub") (param f64 f64 f64) (result f64)
      local.get 0 local.get 1 f64.mul local.get 2 f64.sub)
    (func (export "sub_mul") (param f64 f64 f64) (result f64)
      local.get 2 local.get 0 local.get 1 f64.mul f64.sub)
    (func (export "f32_mul_add") (param f32 f32 f32) (result f32)
      local.get 0 local.get 1 f32.mul local.get 2 f32.add)
    (func (export "f32_sub_mul") (param f32 f32 f32) (result f32)
      local.get 2 local.get 0 local.get 1 f32.mul f32.sub)
    ;; the product kept in a local is read again: no fusion may drop its store
    (func (export "kept") (param f64 f64 f64) (result f64) (local f64)
      local.get 0 local.get 1 f64.mul local.tee 3 local.get 2 f64.add local.get 3 f64.add)))");
  // 0.1 * 3.0 + -0.3 differs between one and two roundings: an FMA would be caught here.
  std::vector<double> v = edge_f64();
  v.push_back(-0.30000000000000004);
  for (double a : v)
    for (double b : v)
      for (double c : v) {
        std::vector<Value> args = {Value::f64(a), Value::f64(b), Value::f64(c)};
        volatile double p = a * b;  // volatile: the reference rounds the product too
        expect_same(std::bit_cast<double>(w.u64("mul_add", args)), p + c, "mul_add");
        expect_same(std::bit_cast<double>(w.u64("add_mul", args)), c + p, "add_mul");
        expect_same(std::bit_cast<double>(w.u64("mul_sub", args)), p - c, "mul_sub");
        expect_same(std::bit_cast<double>(w.u64("sub_mul", args)), c - p, "sub_mul");
        expect_same(std::bit_cast<double>(w.u64("kept", args)), (p + c) + p, "kept");
        float fa = static_cast<float>(a), fb = static_cast<float>(b), fc = static_cast<float>(c);
        std::vector<Value> fargs = {Value::f32(fa), Value::f32(fb), Value::f32(fc)};
        volatile float fp = fa * fb;
        float got = std::bit_cast<float>(w.u32("f32_mul_add", fargs));
        float want = fp + fc;
        if (std::isnan(want))
          EXPECT_TRUE(std::isnan(got));
        else
          EXPECT_EQ(bits(got), bits(want)) << fa << " " << fb << " " << fc;
        got = std::bit_cast<float>(w.u32("f32_sub_mul", fargs));
        want = fc - fp;
        if (std::isnan(want))
          EXPECT_TRUE(std::isnan(got));
        else
          EXPECT_EQ(bits(got), bits(want)) << fa << " " << fb << " " << fc;
      }
}

struct FloatCmp {
  const char* name;
  bool (*eval)(double, double);
};

TEST(InterpFloatFusion, CompareAndBranchBothPolaritiesWithNaN) {
  const FloatCmp ops[] = {
      {"eq", [](double a, double b) { return a == b; }},
      {"ne", [](double a, double b) { return a != b; }},
      {"lt", [](double a, double b) { return a < b; }},
      {"gt", [](double a, double b) { return a > b; }},
      {"le", [](double a, double b) { return a <= b; }},
      {"ge", [](double a, double b) { return a >= b; }},
  };
  for (const FloatCmp& op : ops) {
    SCOPED_TRACE(op.name);
    std::string c = std::string("f64.") + op.name;
    ITEST_LOAD(w, R"((module
      (func (export "brif") (param f64 f64) (result i32)
        block local.get 0 local.get 1 )" +
                      c + R"( br_if 0 i32.const 0 return end i32.const 1)
      (func (export "if") (param f64 f64) (result i32)
        local.get 0 local.get 1 )" +
                      c + R"( if (result i32) i32.const 1 else i32.const 0 end)
      (func (export "brif_eqz") (param f64 f64) (result i32)
        block local.get 0 local.get 1 )" +
                      c + R"( i32.eqz br_if 0 i32.const 1 return end
        i32.const 0)))");
    for (double a : edge_f64())
      for (double b : edge_f64()) {
        uint32_t e = op.eval(a, b) ? 1 : 0;
        std::vector<Value> args = {Value::f64(a), Value::f64(b)};
        EXPECT_EQ(w.u32("brif", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("if", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("brif_eqz", args), e) << a << " " << b;
      }
  }
}

}  // namespace
}  // namespace wc::engine
