// Calls in the interpreter: multi-value returns (copy hazards when results come from low slots
// or parameters in swapped order), arguments from locals and constants, callee frames that
// overlap the caller's operand stack, host calls, call_indirect and deep recursion.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::edge_u32;
using itest::I32;
using itest::I64;
using V = std::vector<uint64_t>;

TEST(InterpCalls, MultiValueReturnsInSwappedOrder) {
  ITEST_LOAD(w, R"((module
    (func (export "ba") (param i32 i32) (result i32 i32) local.get 1 local.get 0)
    (func (export "cab") (param i32 i32 i32) (result i32 i32 i32) local.get 2 local.get 0 local.get 1)
    (func (export "bca") (param i32 i32 i32) (result i32 i32 i32) local.get 1 local.get 2 local.get 0)
    (func (export "cba") (param i32 i32 i32) (result i32 i32 i32) local.get 2 local.get 1 local.get 0)
    (func (export "aab") (param i32 i32) (result i32 i32 i32) local.get 0 local.get 0 local.get 1)
    (func (export "bbb") (param i32 i32) (result i32 i32 i32) local.get 1 local.get 1 local.get 1)
    ;; more results than params, from a param and declared locals
    (func (export "more") (param i32) (result i32 i32 i32 i32) (local i32 i32)
      local.get 0 i32.const 1 i32.add local.set 1
      local.get 0 i32.const 2 i32.add local.set 2
      local.get 2 local.get 0 local.get 1 local.get 0)
    ;; computed result first, then params in swapped order
    (func (export "cmp") (param i32 i32) (result i32 i32 i32)
      local.get 0 local.get 1 i32.add local.get 1 local.get 0)
    ;; explicit return with an extra value below the results
    (func (export "ret_extra") (param i32 i32) (result i32 i32)
      i32.const 99 local.get 1 local.get 0 return)
    ;; mixed types, swapped
    (func (export "mixed") (param i32 i64 f64) (result f64 i32 i64)
      local.get 2 local.get 0 local.get 1)
    ;; a declared local ends up in a low slot target
    (func (export "loc") (param i32 i32) (result i32 i32) (local i32)
      local.get 0 local.set 2 local.get 1 local.get 2))
  )");
  for (uint32_t a : {0u, 1u, 0x80000000u, 0xFFFFFFFFu, 1234u})
    for (uint32_t b : {0u, 7u, 0x7FFFFFFFu}) {
      uint32_t c = a ^ b ^ 0x31337u;
      EXPECT_EQ(w.multi("ba", {I32(a), I32(b)}), (V{b, a}));
      EXPECT_EQ(w.multi("cab", {I32(a), I32(b), I32(c)}), (V{c, a, b}));
      EXPECT_EQ(w.multi("bca", {I32(a), I32(b), I32(c)}), (V{b, c, a}));
      EXPECT_EQ(w.multi("cba", {I32(a), I32(b), I32(c)}), (V{c, b, a}));
      EXPECT_EQ(w.multi("aab", {I32(a), I32(b)}), (V{a, a, b}));
      EXPECT_EQ(w.multi("bbb", {I32(a), I32(b)}), (V{b, b, b}));
      EXPECT_EQ(w.multi("more", {I32(a)}), (V{uint32_t(a + 2), a, uint32_t(a + 1), a}));
      EXPECT_EQ(w.multi("cmp", {I32(a), I32(b)}), (V{uint32_t(a + b), b, a}));
      EXPECT_EQ(w.multi("ret_extra", {I32(a), I32(b)}), (V{b, a}));
      EXPECT_EQ(w.multi("loc", {I32(a), I32(b)}), (V{b, a}));
      uint64_t big = uint64_t{b} << 32 | a;
      EXPECT_EQ(w.multi("mixed", {I32(a), I64(big), Value::f64(2.5)}),
                (V{std::bit_cast<uint64_t>(2.5), a, big}));
    }
}

TEST(InterpCalls, MultiValueReturnOfConstants) {
  // No params or locals: constants live in the lowest slots, exactly where results go.
  ITEST_LOAD(w, R"((module
    (func (export "k2") (result i32 i32) i32.const 7 drop i32.const 9 i32.const 7)
    (func (export "k3") (result i32 i32 i32)
      i32.const 1 i32.const 2 i32.const 3 drop drop drop
      i32.const 3 i32.const 1 i32.const 2)
    ;; taken br_if to the function with swapped constants; the fall-through must see the
    ;; constants unchanged
    (func (export "k4") (param i32) (result i32 i32)
      i32.const 5 i32.const 6
      i32.const 6 i32.const 5 local.get 0 br_if 0
      drop drop)
    (func (export "k5") (param i32) (result i32 i32 i32)
      block (result i32 i32 i32)
        i32.const 30 i32.const 10 i32.const 20
        local.get 0 br_table 0 1
      end
      i32.const 10 i32.add))
  )");
  EXPECT_EQ(w.multi("k2"), (V{9, 7}));
  EXPECT_EQ(w.multi("k3"), (V{3, 1, 2}));
  EXPECT_EQ(w.multi("k4", {I32(1)}), (V{6, 5}));
  EXPECT_EQ(w.multi("k4", {I32(0)}), (V{5, 6}));
  EXPECT_EQ(w.multi("k5", {I32(0)}), (V{30, 10, 30}));
  EXPECT_EQ(w.multi("k5", {I32(1)}), (V{30, 10, 20}));
  EXPECT_EQ(w.multi("k5", {I32(2)}), (V{30, 10, 20}));
}

TEST(InterpCalls, MultiValueReturnViaBranches) {
  ITEST_LOAD(w, R"((module
    ;; br_if to the function level with swapped params; the fall-through path continues
    ;; with the original order
    (func (export "brif") (param i32 i32 i32) (result i32 i32)
      local.get 1 local.get 0 local.get 2 br_if 0
      i32.sub local.get 0)
    ;; br from inside nested blocks to the function, three results
    (func (export "br") (param i32 i32 i32) (result i32 i32 i32)
      block
        block
          local.get 2 local.get 1 local.get 0 br 2
        end
      end
      unreachable)
    ;; br_table: several targets are the function
    (func (export "bt") (param i32 i32 i32) (result i32 i32)
      block (result i32 i32)
        local.get 1 local.get 0
        local.get 2 br_table 1 0 1
      end
      i32.const 1 i32.add))
  )");
  for (uint32_t a : {0u, 3u, 0xFFFFFFFFu})
    for (uint32_t b : {0u, 11u, 0x80000000u}) {
      EXPECT_EQ(w.multi("brif", {I32(a), I32(b), I32(1)}), (V{b, a}));
      EXPECT_EQ(w.multi("brif", {I32(a), I32(b), I32(0)}), (V{uint32_t(b - a), a}));
      EXPECT_EQ(w.multi("br", {I32(a), I32(b), I32(a + b)}), (V{uint32_t(a + b), b, a}));
      for (uint32_t s : {0u, 1u, 2u, 5u})
        EXPECT_EQ(w.multi("bt", {I32(a), I32(b), I32(s)}),
                  (s == 1 ? V{b, uint32_t(a + 1)} : V{b, a}));
    }
}

TEST(InterpCalls, ArgumentsFromLocalsAndConstants) {
  ITEST_LOAD(w, R"((module
    (func $f3 (param i32 i32 i32) (result i32)
      local.get 0 i32.const 1000000 i32.mul
      local.get 1 i32.const 1000 i32.mul i32.add
      local.get 2 i32.add)
    (func $sw (param i32 i32) (result i32 i32) local.get 1 local.get 0)
    (func $grow (param i32) (result i32 i32 i32 i32)
      local.get 0 local.get 0 i32.const 1 i32.add local.get 0 i32.const 2 i32.add
      local.get 0 i32.const 3 i32.add)
    (func (export "a") (param i32 i32) (result i32)
      local.get 1 i32.const 7 local.get 0 call $f3)
    (func (export "b") (param i32) (result i32)
      local.get 0 local.get 0 local.get 0 call $f3)
    ;; value below the arguments survives the call (callee frame starts above it)
    (func (export "c") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.mul
      local.get 0 local.get 1 i32.const 3 call $f3
      i32.sub)
    ;; args from locals, then the locals are overwritten; the call's result and the
    ;; locals' new values are combined
    (func (export "d") (param i32 i32) (result i32)
      local.get 0 local.get 1 call $sw
      local.set 0 local.set 1
      local.get 0 i32.const 1000 i32.mul local.get 1 i32.add)
    ;; a local read before a call, kept on the stack under it, overwritten after
    (func (export "e") (param i32) (result i32 i32 i32 i32 i32)
      local.get 0
      local.get 0 i32.const 10 i32.add call $grow
      i32.const 0 local.set 0
      local.get 0 drop)
    ;; nested calls as arguments
    (func (export "g") (param i32 i32) (result i32)
      local.get 0 local.get 1 call $sw call $sw i32.const 2 call $f3))
  )");
  for (uint32_t a : {0u, 1u, 9u, 42u, 999u})
    for (uint32_t b : {0u, 5u, 123u}) {
      EXPECT_EQ(w.u32("a", {I32(a), I32(b)}), b * 1000000 + 7 * 1000 + a);
      EXPECT_EQ(w.u32("b", {I32(a)}), a * 1000000 + a * 1000 + a);
      EXPECT_EQ(w.u32("c", {I32(a), I32(b)}), a * b - (a * 1000000 + b * 1000 + 3));
      EXPECT_EQ(w.u32("d", {I32(a), I32(b)}), a * 1000 + b);
      EXPECT_EQ(w.multi("e", {I32(a)}), (V{a, a + 10, a + 11, a + 12, a + 13}));
      EXPECT_EQ(w.u32("g", {I32(a), I32(b)}), a * 1000000 + b * 1000 + 2);
    }
}

TEST(InterpCalls, HostFunctionArgsAndResults) {
  Linker linker;
  Store store;
  FuncInstance* host = store.create_host_func(
      FuncType{{ValType::I32, ValType::I32}, {ValType::I32, ValType::I32, ValType::I32}},
      [](HostCall&, uint64_t* s) {
        uint32_t a = static_cast<uint32_t>(s[0]), b = static_cast<uint32_t>(s[1]);
        s[0] = b;
        s[1] = a;
        s[2] = a - b;
      },
      "host3");
  linker.define("env", "h", ExternVal::of(host));
  std::string err;
  auto bytes = itest::wat_to_wasm(R"((module
    (import "env" "h" (func $h (param i32 i32) (result i32 i32 i32)))
    (func (export "f") (param i32 i32) (result i32)
      local.get 0 i32.const 100 i32.mul
      local.get 1 local.get 0 call $h
      i32.add i32.add i32.add
      local.get 0 i32.add))
  )",
                                  err);
  ASSERT_TRUE(bytes) << err;
  auto m = decode_module(*bytes);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_FALSE(validate_module(**m));
  auto r = linker.instantiate(store, *m);
  ASSERT_TRUE(std::holds_alternative<Instance*>(r));
  Instance* inst = std::get<Instance*>(r);
  for (uint32_t a : {0u, 3u, 0xFFFFFFFFu})
    for (uint32_t b : {0u, 17u}) {
      InvokeResult res = store.invoke(inst->get_func("f"), std::vector<Value>{I32(a), I32(b)});
      ASSERT_TRUE(res.ok()) << res.trap->message;
      // h(b, a) = (a, b, b - a)
      EXPECT_EQ(res.results[0].as_u32(), a * 100 + a + b + (b - a) + a);
    }
}

constexpr const char* kIndirect = R"((module
  (type $ii (func (param i32) (result i32)))
  (type $iii (func (param i32 i32) (result i32)))
  (table 6 funcref)
  (elem (i32.const 0) $inc $dbl $add $inc2)
  (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
  (func $dbl (type $ii) local.get 0 local.get 0 i32.add)
  (func $add (type $iii) local.get 0 local.get 1 i32.add)
  (func $inc2 (param i32) (result i32) local.get 0 i32.const 2 i32.add)
  (func (export "call1") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect (type $ii))
  (func (export "call2") (param i32 i32 i32) (result i32)
    local.get 1 local.get 2 local.get 0 call_indirect (type $iii))
  ;; index and args from locals that change right after; a value below survives
  (func (export "mix") (param i32 i32) (result i32)
    local.get 1 i32.const 1000 i32.mul
    local.get 1 local.get 0 call_indirect (type $ii)
    i32.const 0 local.set 0
    i32.add local.get 0 i32.add)
  (func (export "size") (result i32) table.size 0))
)";

TEST(InterpCalls, CallIndirect) {
  ITEST_LOAD(w, kIndirect);
  for (uint32_t x : {0u, 5u, 0xFFFFFFFFu}) {
    EXPECT_EQ(w.u32("call1", {I32(0), I32(x)}), x + 1);
    EXPECT_EQ(w.u32("call1", {I32(1), I32(x)}), x + x);
    EXPECT_EQ(w.u32("call1", {I32(3), I32(x)}), x + 2);  // same signature, different type index
    EXPECT_EQ(w.u32("call2", {I32(2), I32(x), I32(7)}), x + 7);
    EXPECT_EQ(w.u32("mix", {I32(1), I32(x)}), x * 1000 + x + x);
  }
}

TEST(InterpCalls, CallIndirectTraps) {
  ITEST_LOAD(w, kIndirect);
  EXPECT_EQ(w.trap("call1", {I32(2), I32(1)}), TrapKind::IndirectCallTypeMismatch);
  EXPECT_EQ(w.trap("call2", {I32(0), I32(1), I32(2)}), TrapKind::IndirectCallTypeMismatch);
  EXPECT_EQ(w.trap("call1", {I32(4), I32(1)}), TrapKind::UninitializedElement);
  EXPECT_EQ(w.trap("call1", {I32(5), I32(1)}), TrapKind::UninitializedElement);
  EXPECT_EQ(w.trap("call1", {I32(6), I32(1)}), TrapKind::UndefinedElement);
  EXPECT_EQ(w.trap("call1", {I32(0xFFFFFFFFu), I32(1)}), TrapKind::UndefinedElement);
  EXPECT_EQ(w.trap("call1", {I32(0x80000000u), I32(1)}), TrapKind::UndefinedElement);
  // The store still works after each trap.
  EXPECT_EQ(w.u32("call1", {I32(1), I32(21)}), 42u);
  EXPECT_EQ(w.u32("size"), 6u);
}

constexpr const char* kRecursion = R"((module
  (func $sum (export "sum") (param i32) (result i32)
    local.get 0 i32.eqz if (result i32) i32.const 0
    else local.get 0 local.get 0 i32.const 1 i32.sub call $sum i32.add end)
  (func $inf (export "inf") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $inf)
  ;; unbounded recursion with many arguments from locals and no results: the arguments are
  ;; written above the caller's operand stack before the callee's frame is checked
  (func $wide (export "wide") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5
    local.get 6 local.get 7 local.get 8 local.get 9 local.get 10 local.get 11
    call $wide)
  ;; mutual recursion through call_indirect
  (type $t (func (param i32) (result i32)))
  (table 1 funcref) (elem (i32.const 0) $ind)
  (func $ind (param i32) (result i32)
    local.get 0 i32.const 1 i32.add i32.const 0 call_indirect (type $t))
  (func (export "ind") (param i32) (result i32) local.get 0 i32.const 0 call_indirect (type $t)))
)";

TEST(InterpCalls, DeepRecursionWorks) {
  ITEST_LOAD(w, kRecursion);
  for (uint32_t n : {0u, 1u, 100u, 10000u, 19000u})
    EXPECT_EQ(w.u32("sum", {I32(n)}), n * (n + 1) / 2) << n;
}

TEST(InterpCalls, UnboundedRecursionTraps) {
  ITEST_LOAD(w, kRecursion);
  for (const char* f : {"inf", "ind"}) {
    InvokeResult r = w.run(f, {I32(0)});
    ASSERT_FALSE(r.ok()) << f;
    EXPECT_EQ(r.trap->kind, TrapKind::StackExhausted) << f;
    EXPECT_EQ(w.u32("sum", {I32(100)}), 5050u) << f;
  }
  std::vector<Value> args(12, I32(0x41414141u));
  EXPECT_EQ(w.trap("wide", args), TrapKind::StackExhausted);
  EXPECT_EQ(w.u32("sum", {I32(1000)}), 500500u);
}

// Runs in a child process: a memory-safety bug here may crash or corrupt the process.
int small_stack_recursion_child() {
  int bad = 0;
  for (size_t slots = 64; slots < 64 + 24; ++slots) {
    StoreConfig cfg;
    cfg.value_stack_bytes = slots * 8;
    // Small enough that the call-frame array is a heap neighbour of the value stack.
    cfg.max_call_depth = 1000;
    itest::Wasm w(kRecursion, cfg);
    if (!w.ok()) return 2;
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<Value> args(12, I32(0x41414141u));
      auto t1 = w.trap("wide", args);
      auto t2 = w.trap("inf", {I32(1)});
      InvokeResult r = w.run("sum", {I32(3)});
      if (t1 != TrapKind::StackExhausted) {
        fprintf(stderr, "slots %zu: wide -> %s\n", slots, itest::trap_name(t1));
        ++bad;
      }
      if (t2 != TrapKind::StackExhausted) {
        fprintf(stderr, "slots %zu: inf -> %s\n", slots, itest::trap_name(t2));
        ++bad;
      }
      if (!r.ok() || r.results[0].as_u32() != 6) {
        fprintf(stderr, "slots %zu: sum(3) wrong after stack exhaustion\n", slots);
        ++bad;
      }
    }
  }
  return bad ? 1 : 0;
}

TEST(InterpCalls, UnboundedRecursionTrapsWithSmallValueStack) {
  // Value stack exhausted long before the call depth limit, at every alignment of the frame
  // against the end of the stack.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(small_stack_recursion_child()), ::testing::ExitedWithCode(0), "");
}

// Same with the default StoreConfig and a function with many parameters, so the value stack
// (not the call depth) runs out first.
int wide_default_config_child(int params) {
  std::string ps, gets;
  for (int i = 0; i < params; ++i) {
    ps += " i32";
    gets += " local.get " + std::to_string(i);
  }
  std::string wat = "(module (func $w (export \"w\") (param" + ps + ")" + gets +
                    " call $w)"
                    " (func (export \"one\") (result i32) i32.const 1))";
  itest::Wasm w(wat);
  if (!w.ok()) {
    fprintf(stderr, "%s\n", w.error().c_str());
    return 2;
  }
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<Value> args(params, I32(0x41414141u));
    auto t = w.trap("w", args);
    if (t != TrapKind::StackExhausted) {
      fprintf(stderr, "w -> %s\n", itest::trap_name(t));
      return 1;
    }
    InvokeResult r = w.run("one", {});
    if (!r.ok() || r.results[0].as_u32() != 1) return 1;
  }
  return 0;
}

TEST(InterpCalls, WideRecursionDefaultConfig) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (int params : {100, 1000}) {
    EXPECT_EXIT(std::exit(wide_default_config_child(params)), ::testing::ExitedWithCode(0), "")
        << params << " params";
  }
}

TEST(InterpCalls, RecursionResultsAtEveryDepth) {
  // Each level returns two values computed from its own locals; any frame overlap mistake
  // shows up as a wrong pair.
  ITEST_LOAD(w, R"((module
    (func $r (export "r") (param i32) (result i32 i32) (local i32 i32)
      local.get 0 i32.const 3 i32.mul local.set 1
      local.get 0 i32.const 5 i32.xor local.set 2
      local.get 0 i32.eqz
      if (result i32 i32)
        local.get 2 local.get 1
      else
        local.get 0 i32.const 1 i32.sub call $r
        local.get 2 i32.add
        local.set 2 local.get 1 i32.add
        local.get 2
      end))
  )");
  for (uint32_t n : {0u, 1u, 2u, 50u, 3000u}) {
    // r(0) = (5, 0); r(n) = (r1.b + ... ) following the wasm
    uint32_t x = 0 ^ 5u, y = 0;
    for (uint32_t i = 1; i <= n; ++i) {
      uint32_t l1 = i * 3, l2 = i ^ 5u;
      uint32_t nl2 = y + l2;  // second result + l2 -> local 2
      uint32_t first = x + l1;
      x = first;
      y = nl2;
    }
    EXPECT_EQ(w.multi("r", {I32(n)}), (V{x, y})) << n;
  }
}

TEST(InterpCalls, CrossInstanceCallsSwitchMemory) {
  // Two instances with their own memories: after calling into the other instance and
  // returning, loads must use the caller's memory again, and out-of-bounds checks (guard
  // faults) must be attributed to the right memory.
  Store store;
  std::string err;
  auto load = [&](const char* wat, Linker& linker) -> Instance* {
    auto bytes = itest::wat_to_wasm(wat, err);
    if (!bytes) return nullptr;
    auto m = decode_module(*bytes);
    if (!m) {
      err = m.error().message;
      return nullptr;
    }
    if (auto e = validate_module(**m)) {
      err = e->message;
      return nullptr;
    }
    auto r = linker.instantiate(store, *m);
    if (auto* ie = std::get_if<InstantiateError>(&r)) {
      err = ie->message;
      return nullptr;
    }
    return std::get<Instance*>(r);
  };
  Linker linker;
  Instance* a = load(R"((module
    (memory 1)
    (data (i32.const 0) "\11\00\00\00")
    (func (export "get") (param i32) (result i32) local.get 0 i32.load)
    (func (export "cb") (param i32) (result i32) local.get 0 i32.const 4 i32.add i32.load))
  )",
                     linker);
  ASSERT_TRUE(a) << err;
  linker.define_instance("a", *a);
  Instance* b = load(R"((module
    (import "a" "get" (func $get (param i32) (result i32)))
    (import "a" "cb" (func $cb (param i32) (result i32)))
    (memory 2)
    (data (i32.const 0) "\22\00\00\00")
    (func (export "mix") (param i32) (result i32)
      i32.const 0 i32.load
      local.get 0 call $get i32.const 8 i32.shl i32.add
      i32.const 0 i32.load i32.const 16 i32.shl i32.add)
    ;; B's memory is 2 pages: 65536 is valid here but not in A
    (func (export "b_high") (result i32) i32.const 0 call $get drop i32.const 65536 i32.load)
    (func (export "a_high") (result i32) i32.const 65536 call $get)
    (func (export "a_cb_high") (result i32) i32.const 65532 call $cb))
  )",
                     linker);
  ASSERT_TRUE(b) << err;
  auto run = [&](const char* f, std::vector<Value> args) {
    return store.invoke(b->get_func(f), args);
  };
  for (int i = 0; i < 3; ++i) {
    InvokeResult r = run("mix", {I32(0)});
    ASSERT_TRUE(r.ok()) << r.trap->message;
    EXPECT_EQ(r.results[0].as_u32(), 0x22u + (0x11u << 8) + (0x22u << 16));
    r = run("b_high", {});
    EXPECT_TRUE(r.ok()) << r.trap->message;
    r = run("a_high", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.trap->kind, TrapKind::MemoryOutOfBounds);
    r = run("a_cb_high", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.trap->kind, TrapKind::MemoryOutOfBounds);
  }
}

}  // namespace
}  // namespace wc::engine
