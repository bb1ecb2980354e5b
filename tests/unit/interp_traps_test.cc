// Traps in the interpreter: integer division, conversions, unreachable, state reset after a
// trap (the same store keeps working), and the interrupt flag ending an endless loop.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::edge_u32;
using itest::I32;
using itest::I64;

constexpr const char* kArith = R"((module
  (func (export "div_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "div_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "rem_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
  (func (export "rem_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_u)
  (func (export "div_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
  (func (export "div_u64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_u)
  (func (export "rem_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
  (func (export "rem_u64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u)
  ;; division by a constant divisor held in the pool, and the result retargeted into a local
  (func (export "div_k") (param i32) (result i32) (local i32)
    local.get 0 i32.const -1 i32.div_s local.set 1 local.get 1)
  (func (export "rem_k") (param i32) (result i32) local.get 0 i32.const -1 i32.rem_s)
  (func (export "div_0") (param i32) (result i32) local.get 0 i32.const 0 i32.div_u)
  ;; shifts and rotates with counts >= 32
  (func (export "shl") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shl)
  (func (export "shr_s") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_s)
  (func (export "shr_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_u)
  (func (export "rotl") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rotl)
  (func (export "rotr") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rotr)
  (func (export "shl64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.shl)
  (func (export "shr_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.shr_s))
)";

TEST(InterpTraps, IntegerDivisionI32) {
  ITEST_LOAD(w, kArith);
  for (uint32_t a : edge_u32())
    for (uint32_t b : edge_u32()) {
      int32_t sa = int32_t(a), sb = int32_t(b);
      std::vector<Value> args = {I32(a), I32(b)};
      if (b == 0) {
        for (const char* f : {"div_s", "div_u", "rem_s", "rem_u"})
          EXPECT_EQ(w.trap(f, args), TrapKind::IntegerDivideByZero) << f << " " << a;
        continue;
      }
      if (sa == INT32_MIN && sb == -1) {
        EXPECT_EQ(w.trap("div_s", args), TrapKind::IntegerOverflow);
        EXPECT_EQ(w.u32("rem_s", args), 0u);
      } else {
        EXPECT_EQ(w.i32("div_s", args), sa / sb) << sa << " " << sb;
        EXPECT_EQ(w.i32("rem_s", args), sa % sb) << sa << " " << sb;
      }
      EXPECT_EQ(w.u32("div_u", args), a / b);
      EXPECT_EQ(w.u32("rem_u", args), a % b);
    }
  EXPECT_EQ(w.trap("div_k", {I32(0x80000000u)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.u32("div_k", {I32(5)}), uint32_t(-5));
  EXPECT_EQ(w.u32("rem_k", {I32(0x80000000u)}), 0u);
  EXPECT_EQ(w.trap("div_0", {I32(7)}), TrapKind::IntegerDivideByZero);
  EXPECT_EQ(w.trap("div_0", {I32(0)}), TrapKind::IntegerDivideByZero);
}

TEST(InterpTraps, IntegerDivisionI64) {
  ITEST_LOAD(w, kArith);
  std::vector<uint64_t> vals = {0,
                                1,
                                2,
                                7,
                                0xFFFFFFFFull,
                                0x100000000ull,
                                0x7FFFFFFFFFFFFFFFull,
                                0x8000000000000000ull,
                                0x8000000000000001ull,
                                0xFFFFFFFFFFFFFFFFull,
                                0xFFFFFFFFFFFFFFFEull,
                                0x123456789ABCDEFull};
  for (uint64_t a : vals)
    for (uint64_t b : vals) {
      int64_t sa = int64_t(a), sb = int64_t(b);
      std::vector<Value> args = {I64(a), I64(b)};
      if (b == 0) {
        for (const char* f : {"div_s64", "div_u64", "rem_s64", "rem_u64"})
          EXPECT_EQ(w.trap(f, args), TrapKind::IntegerDivideByZero) << f;
        continue;
      }
      if (sa == INT64_MIN && sb == -1) {
        EXPECT_EQ(w.trap("div_s64", args), TrapKind::IntegerOverflow);
        EXPECT_EQ(w.u64("rem_s64", args), 0u);
      } else {
        EXPECT_EQ(int64_t(w.u64("div_s64", args)), sa / sb);
        EXPECT_EQ(int64_t(w.u64("rem_s64", args)), sa % sb);
      }
      EXPECT_EQ(w.u64("div_u64", args), a / b);
      EXPECT_EQ(w.u64("rem_u64", args), a % b);
    }
}

TEST(InterpTraps, ShiftCountsAtLeastWidth) {
  ITEST_LOAD(w, kArith);
  auto rotl = [](uint32_t x, uint32_t k) {
    k &= 31;
    return k ? (x << k) | (x >> (32 - k)) : x;
  };
  for (uint32_t a : edge_u32())
    for (uint32_t k : {0u, 1u, 31u, 32u, 33u, 63u, 64u, 100u, 0x80000000u, 0xFFFFFFFFu}) {
      std::vector<Value> args = {I32(a), I32(k)};
      EXPECT_EQ(w.u32("shl", args), a << (k & 31));
      EXPECT_EQ(w.u32("shr_s", args), uint32_t(int32_t(a) >> (k & 31)));
      EXPECT_EQ(w.u32("shr_u", args), a >> (k & 31));
      EXPECT_EQ(w.u32("rotl", args), rotl(a, k));
      EXPECT_EQ(w.u32("rotr", args), rotl(a, 32 - (k & 31)));
      uint64_t A = uint64_t{a} << 31 | 1, K = uint64_t{k} | (uint64_t{k} << 40);
      EXPECT_EQ(w.u64("shl64", {I64(A), I64(K)}), A << (K & 63));
      EXPECT_EQ(w.u64("shr_s64", {I64(A), I64(K)}), uint64_t(int64_t(A) >> (K & 63)));
    }
}

TEST(InterpTraps, InvalidConversions) {
  ITEST_LOAD(w, R"((module
    (func (export "i32_f32_s") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
    (func (export "i32_f32_u") (param f32) (result i32) local.get 0 i32.trunc_f32_u)
    (func (export "i32_f64_s") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
    (func (export "i32_f64_u") (param f64) (result i32) local.get 0 i32.trunc_f64_u)
    (func (export "i64_f64_s") (param f64) (result i64) local.get 0 i64.trunc_f64_s)
    (func (export "i64_f64_u") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
    (func (export "sat_s") (param f64) (result i32) local.get 0 i32.trunc_sat_f64_s)
    (func (export "sat_u") (param f64) (result i32) local.get 0 i32.trunc_sat_f64_u))
  )");
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(w.trap("i32_f64_s", {Value::f64(nan)}), TrapKind::InvalidConversion);
  EXPECT_EQ(w.trap("i32_f64_u", {Value::f64(-nan)}), TrapKind::InvalidConversion);
  EXPECT_EQ(w.trap("i32_f32_s", {Value::f32(std::nanf(""))}), TrapKind::InvalidConversion);
  EXPECT_EQ(w.trap("i64_f64_s", {Value::f64(nan)}), TrapKind::InvalidConversion);
  EXPECT_EQ(w.trap("i32_f64_s", {Value::f64(2147483648.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.trap("i32_f64_s", {Value::f64(-2147483649.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.i32("i32_f64_s", {Value::f64(-2147483648.9)}), INT32_MIN);
  EXPECT_EQ(w.i32("i32_f64_s", {Value::f64(2147483647.9)}), INT32_MAX);
  EXPECT_EQ(w.trap("i32_f64_u", {Value::f64(4294967296.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.trap("i32_f64_u", {Value::f64(-1.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.u32("i32_f64_u", {Value::f64(-0.9)}), 0u);
  EXPECT_EQ(w.u32("i32_f64_u", {Value::f64(4294967295.9)}), 0xFFFFFFFFu);
  EXPECT_EQ(w.trap("i32_f32_u", {Value::f32(4294967296.0f)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.trap("i32_f32_s", {Value::f32(2147483648.0f)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.trap("i64_f64_s", {Value::f64(9223372036854775808.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.trap("i64_f64_u", {Value::f64(18446744073709551616.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.trap("i64_f64_u", {Value::f64(-inf)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(w.u64("i64_f64_u", {Value::f64(18446744073709549568.0)}), 18446744073709549568ull);
  EXPECT_EQ(w.i32("sat_s", {Value::f64(nan)}), 0);
  EXPECT_EQ(w.i32("sat_s", {Value::f64(1e300)}), INT32_MAX);
  EXPECT_EQ(w.i32("sat_s", {Value::f64(-inf)}), INT32_MIN);
  EXPECT_EQ(w.u32("sat_u", {Value::f64(-5.0)}), 0u);
  EXPECT_EQ(w.u32("sat_u", {Value::f64(inf)}), 0xFFFFFFFFu);
}

TEST(InterpTraps, UnreachableAndBacktrace) {
  ITEST_LOAD(w, R"((module
    (func $inner (param i32) (result i32)
      local.get 0 if unreachable end local.get 0 i32.const 1 i32.add)
    (func $mid (param i32) (result i32) local.get 0 call $inner i32.const 2 i32.mul)
    (func (export "outer") (param i32) (result i32) local.get 0 call $mid)
    (func (export "u") unreachable))
  )");
  EXPECT_EQ(w.trap("u"), TrapKind::Unreachable);
  InvokeResult r = w.run("outer", {I32(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap->kind, TrapKind::Unreachable);
  EXPECT_EQ(r.trap->backtrace.size(), 3u);
  EXPECT_EQ(w.u32("outer", {I32(0)}), 2u);
}

TEST(InterpTraps, StoreStateResetsAfterTraps) {
  // Traps at different call depths, through every trap path (explicit trap instruction,
  // memory fault, stack exhaustion, call_indirect), interleaved with calls that must still
  // compute correct results in the same store.
  ITEST_LOAD(w, R"((module
    (memory 1)
    (table 2 funcref)
    (elem (i32.const 0) $leaf)
    (global $g (mut i32) (i32.const 0))
    (type $t (func (param i32) (result i32)))
    (func $leaf (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
    (func $deep (param i32 i32) (result i32)
      ;; recurse n levels, then trap with kind k, or return n
      local.get 0
      if (result i32)
        local.get 0 i32.const 1 i32.sub local.get 1 call $deep i32.const 1 i32.add
      else
        block
          block
            block
              block
                block
                  local.get 1
                  br_table 0 1 2 3 4
                end
                unreachable
              end
              i32.const 1 i32.const 0 i32.div_u return
            end
            i32.const -1 i32.load return
          end
          i32.const 0 i32.const 7 call_indirect (type $t) return
        end
        i32.const 0
      end
      global.get $g i32.const 1 i32.add global.set $g)
    (func $inf (param i32) (result i32) local.get 0 call $inf)
    (func (export "deep") (param i32 i32) (result i32) local.get 0 local.get 1 call $deep)
    (func (export "inf") (result i32) i32.const 0 call $inf)
    (func (export "g") (result i32) global.get $g)
    (func (export "work") (param i32) (result i32) (local i32)
      loop
        local.get 1 local.get 0 i32.const 0 call_indirect (type $t) i32.add local.set 1
        local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0
      end
      local.get 1))
  )");
  std::vector<TrapKind> kinds = {TrapKind::Unreachable, TrapKind::IntegerDivideByZero,
                                 TrapKind::MemoryOutOfBounds, TrapKind::UndefinedElement};
  for (int round = 0; round < 3; ++round)
    for (uint32_t depth : {0u, 1u, 10u, 500u}) {
      for (uint32_t k = 0; k < kinds.size(); ++k) {
        EXPECT_EQ(w.trap("deep", {I32(depth), I32(k)}), kinds[k]) << depth << " " << k;
        EXPECT_EQ(w.u32("work", {I32(10)}), 165u);
      }
      EXPECT_EQ(w.trap("inf"), TrapKind::StackExhausted);
      uint32_t g0 = w.u32("g");
      EXPECT_EQ(w.u32("deep", {I32(depth), I32(4)}), depth);
      EXPECT_EQ(w.u32("g"), g0 + depth + 1);
      EXPECT_EQ(w.u32("work", {I32(100)}), 3 * 5050u);
    }
}

TEST(InterpTraps, HostTrapThenContinue) {
  Store store;
  Linker linker;
  int calls = 0;
  FuncInstance* host = store.create_host_func(
      FuncType{{ValType::I32}, {ValType::I32}},
      [&calls](HostCall& hc, uint64_t* s) {
        ++calls;
        if (static_cast<uint32_t>(s[0]) == 13) {
          hc.trap(TrapKind::Host, "unlucky");
          return;
        }
        s[0] = static_cast<uint32_t>(s[0]) * 2;
      },
      "dbl");
  linker.define("env", "dbl", ExternVal::of(host));
  std::string err;
  auto bytes = itest::wat_to_wasm(R"((module
    (import "env" "dbl" (func $dbl (param i32) (result i32)))
    (func $r (export "r") (param i32) (result i32)
      local.get 0 i32.eqz if (result i32) i32.const 13 call $dbl
      else local.get 0 i32.const 1 i32.sub call $r local.get 0 call $dbl i32.add end)
    (func (export "ok") (param i32) (result i32) local.get 0 call $dbl i32.const 1 i32.add))
  )",
                                  err);
  ASSERT_TRUE(bytes) << err;
  auto m = decode_module(*bytes);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_FALSE(validate_module(**m));
  auto inst_or = linker.instantiate(store, *m);
  ASSERT_TRUE(std::holds_alternative<Instance*>(inst_or));
  Instance* inst = std::get<Instance*>(inst_or);
  for (uint32_t n : {0u, 5u, 100u}) {
    InvokeResult r = store.invoke(inst->get_func("r"), std::vector<Value>{I32(n)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.trap->kind, TrapKind::Host);
    InvokeResult ok = store.invoke(inst->get_func("ok"), std::vector<Value>{I32(n)});
    ASSERT_TRUE(ok.ok()) << ok.trap->message;
    EXPECT_EQ(ok.results[0].as_u32(), 2 * n + 1);
  }
}

constexpr const char* kEndless = R"((module
    (memory 1)
    (func (export "br") loop br 0 end)
    ;; the back-edge is the loop's first instruction (a branch to itself)
    (func (export "brif_self") (param i32) loop local.get 0 br_if 0 end)
    (func (export "fused_self") (param i32) loop local.get 0 i32.const 0 i32.ne br_if 0 end)
    (func (export "table_self") (param i32) loop local.get 0 br_table 0 0 end)
    (func (export "br_nested") loop block br 1 end end)
    ;; back-edge is a fused compare branch that is always true
    (func (export "fused") (param i32) (local i32)
      loop
        local.get 1 i32.const 1 i32.add local.set 1
        local.get 1 i32.const 0 i32.ne local.get 0 i32.ge_u br_if 0
      end)
    ;; back-edge carries loop parameters (moves, then jump)
    (func (export "params") (param i32) (result i32)
      local.get 0 i32.const 0
      loop (param i32 i32) (result i32)
        i32.add local.get 0 i32.const 1 i32.const 1 i32.eq br_if 0
        unreachable
      end)
    ;; back-edge through a br_table
    (func (export "table") (param i32) (result i32)
      local.get 0
      loop (param i32) (result i32)
        i32.const 1 i32.add
        local.get 0 i32.const 0 i32.mul
        br_table 0 0
      end)
    ;; the loop body works on memory with scaled loads
    (func (export "mem") (param i32) (result i32) (local i32 i32)
      loop
        local.get 2 local.get 0 local.get 1 i32.const 2 i32.shl i32.add i32.load i32.add local.set 2
        local.get 1 i32.const 1 i32.add i32.const 1023 i32.and local.set 1
        br 0
      end
      unreachable)
    (func $id (param i32) (result i32) local.get 0)
    (func (export "calls") (param i32) (result i32)
      loop (result i32)
        local.get 0 call $id i32.const 1 i32.add local.set 0
        br 0
      end)
    (func (export "quick") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
  )";

// Runs in a child process (a missed interrupt would hang forever): 0 if `fn` trapped with
// Interrupted roughly 50 ms after start and the store works afterwards.
int interrupt_child(const std::string& fn, std::vector<Value> args) {
  std::thread([fn] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    std::fprintf(stderr, "%s: still running 2.5 s after store.interrupt()\n", fn.c_str());
    std::_Exit(3);
  }).detach();
  itest::Wasm w(kEndless);
  if (!w.ok()) {
    std::fprintf(stderr, "load: %s\n", w.error().c_str());
    return 2;
  }
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    w.store().interrupt();
  });
  auto start = std::chrono::steady_clock::now();
  InvokeResult r = w.run(fn, std::move(args));
  t.join();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  if (r.ok()) {
    std::fprintf(stderr, "%s returned\n", fn.c_str());
    return 1;
  }
  if (r.trap->kind != TrapKind::Interrupted) {
    std::fprintf(stderr, "%s: trap %s\n", fn.c_str(), r.trap->message.c_str());
    return 1;
  }
  if (ms < 40 || ms > 2000) {
    std::fprintf(stderr, "%s: interrupted after %lld ms\n", fn.c_str(), static_cast<long long>(ms));
    return 1;
  }
  w.store().clear_interrupt();
  InvokeResult q = w.run("quick", {I32(41)});
  if (!q.ok() || q.results[0].as_u32() != 42) {
    std::fprintf(stderr, "%s: store unusable after the interrupt\n", fn.c_str());
    return 1;
  }
  return 0;
}

void expect_interrupted(const std::string& fn, std::vector<Value> args) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(interrupt_child(fn, std::move(args))), ::testing::ExitedWithCode(0), "")
      << fn;
}

TEST(InterpTraps, InterruptEndsEndlessLoops) {
  expect_interrupted("fused", {I32(0)});
  expect_interrupted("params", {I32(1)});
  expect_interrupted("table", {I32(1)});
  expect_interrupted("mem", {I32(0)});
  expect_interrupted("calls", {I32(0)});
}

TEST(InterpTraps, InterruptEndsSelfLoops) {
  // A loop whose back-edge is its first instruction jumps by offset 0.
  expect_interrupted("br", {});
  expect_interrupted("brif_self", {I32(1)});
  expect_interrupted("fused_self", {I32(1)});
  expect_interrupted("table_self", {I32(0)});
  expect_interrupted("br_nested", {});  // a block emits no code: still a jump to itself
}

}  // namespace
}  // namespace wc::engine
