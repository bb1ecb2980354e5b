// Compiled code calling a function that has no machine code (not compiled yet, or of another
// instance) through JitContext::call_cold, a nested interpreter run, instead of leaving to
// the interpreter; and memory.size / memory.grow through their helpers. The compiled callers
// here are compiled explicitly (Store::tier_up) on an `--engine auto` store whose threshold
// is out of reach, so their callees stay cold. Each test compares with the interpreter:
// results, and for failures the trap's kind, message, exit code and backtrace.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::I32;

const char* kGuest = R"((module
  (import "env" "host" (func $host (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (memory 1 8)
  (table 3 funcref)
  (elem (i32.const 0) $cold_add $cold_trap $cold_host)
  (func $cold_add (export "cold_add") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 7)))
  (func $cold_trap (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const 5)) (then unreachable))
    (i32.mul (local.get 0) (i32.const 3)))
  (func $cold_host (param i32) (result i32) (i32.add (call $host (local.get 0)) (i32.const 1)))
  ;; sum of table[f](i) for i < n, through call_indirect; a float local lives across the calls
  (func $each (export "each") (param $f i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32) (local $x f64)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (call_indirect (type $t) (local.get $i) (local.get $f))))
      (local.set $x (f64.add (local.get $x) (f64.const 0.25)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (i32.trunc_f64_u (local.get $x))))
  ;; the same with direct calls of $cold_trap and $cold_host
  (func $direct_trap (export "direct_trap") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $cold_trap (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func $direct_host (export "direct_host") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $cold_host (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  ;; $hot_down (compiled) and $cold_down (interpreted) call each other n levels deep
  (func $hot_down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $cold_down (i32.sub (local.get $n) (i32.const 1)))))))
  (func $cold_down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 2) (call $hot_down (i32.sub (local.get $n) (i32.const 1)))))))
  ;; grows by d pages, writes and reads back the last byte of the grown memory:
  ;; old pages * 1000 + 0xAB, or -1 when the memory cannot grow
  (func (export "grow") (param $d i32) (result i32) (local $old i32) (local $end i32)
    (local.set $old (memory.grow (local.get $d)))
    (if (i32.eq (local.get $old) (i32.const -1)) (then (return (i32.const -1))))
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (i32.store8 (i32.sub (local.get $end) (i32.const 1)) (i32.const 0xAB))
    (i32.add (i32.mul (local.get $old) (i32.const 1000))
             (i32.load8_u (i32.sub (local.get $end) (i32.const 1)))))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  ;; calls a cold function forever
  (func (export "spin") (loop $l (drop (call $cold_add (i32.const 1))) (br $l)))
))";

const char* const kCompiled[] = {"each", "direct_trap", "direct_host", "down",
                                 "grow", "load",        "spin"};

struct HostPlan {
  uint32_t trap_at = UINT32_MAX;
  uint32_t exit_at = UINT32_MAX;
  uint32_t throw_at = UINT32_MAX;  // throws an int: no std::exception, nothing converts it
  int calls = 0;
};

// kGuest in its own store: the reference interpreter, or `--engine auto` with the functions
// of kCompiled compiled and every other one cold.
class Guest {
 public:
  Guest(bool tiered, uint32_t max_call_depth = StoreConfig{}.max_call_depth) {
    StoreConfig c = itest::engine_config(tiered ? jit::EngineMode::Auto : jit::EngineMode::Interp);
    c.tier_up_after = 1u << 30;
    c.max_call_depth = max_call_depth;
    store_ = std::make_unique<Store>(c);
    Linker linker;
    HostPlan* plan = &plan_;
    linker.define("env", "host",
                  ExternVal::of(store_->create_host_func(
                      FuncType{{ValType::I32}, {ValType::I32}},
                      [plan](HostCall& hc, uint64_t* s) {
                        ++plan->calls;
                        const uint32_t x = static_cast<uint32_t>(s[0]);
                        if (x == plan->trap_at) return hc.trap(TrapKind::Host, "unlucky");
                        if (x == plan->exit_at) return hc.exit(4);
                        if (x == plan->throw_at) throw 42;
                        s[0] = x * 2;
                      },
                      "env.host")));
    inst_ = itest::instantiate_wat(*store_, linker, kGuest, &error_);
    if (!inst_) return;
    if (!tiered) return;
    for (const char* name : kCompiled) {
      if (!store_->tier_up(inst_->get_func(name))) {
        error_ = std::string("could not compile ") + name;
        inst_ = nullptr;
        return;
      }
    }
  }

  bool ok() const { return inst_ != nullptr; }
  const std::string& error() const { return error_; }
  HostPlan& plan() { return plan_; }
  Instance* instance() { return inst_; }
  bool has_code(const char* name) { return inst_->get_func(name)->jit.entry != nullptr; }
  Store& store() { return *store_; }
  InvokeResult run(const char* name, std::vector<Value> args) {
    return store_->invoke(inst_->get_func(name), args);
  }

 private:
  std::unique_ptr<Store> store_;
  Instance* inst_ = nullptr;
  HostPlan plan_;
  std::string error_;
};

void expect_same_trap(const InvokeResult& a, const InvokeResult& b) {
  ASSERT_TRUE(a.trap && b.trap);
  EXPECT_EQ(a.trap->kind, b.trap->kind);
  EXPECT_EQ(a.trap->message, b.trap->message);
  EXPECT_EQ(a.trap->exit_code, b.trap->exit_code);
  EXPECT_EQ(a.trap->backtrace, b.trap->backtrace);
}

#define LOAD_BOTH(...)                            \
  Guest jit(true __VA_OPT__(, ) __VA_ARGS__);     \
  Guest interp(false __VA_OPT__(, ) __VA_ARGS__); \
  ASSERT_TRUE(jit.ok()) << jit.error();           \
  ASSERT_TRUE(interp.ok()) << interp.error();     \
  ASSERT_TRUE(jit.has_code("each"));              \
  ASSERT_FALSE(jit.has_code("cold_add"))

TEST(JitColdCall, ACompiledCallerGetsAColdCalleesResults) {
  LOAD_BOTH();
  for (uint32_t n : {1u, 4u, 100u}) {
    InvokeResult a = jit.run("each", {I32(0), I32(n)});  // table[0]: $cold_add
    InvokeResult b = interp.run("each", {I32(0), I32(n)});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.results[0].as_u32(), n * (n - 1) / 2 + 7 * n + n / 4) << n;
    EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32()) << n;
  }
  EXPECT_FALSE(jit.has_code("cold_add"));  // the threshold is out of reach
}

// The nested run counts the calls as the interpreter's own would: at the threshold the
// callee is compiled, and from then on called natively.
TEST(JitColdCall, CallsFromCompiledCodeCountTowardsCompilingTheCallee) {
  Guest g(true);
  ASSERT_TRUE(g.ok()) << g.error();
  // Not called yet, so not translated yet: translated here to set its budget.
  const CompiledFunction* cold = g.store().translate(g.instance()->get_func("cold_add"));
  ASSERT_NE(cold, nullptr);
  cold->tier_up_budget = 50;  // 50 calls from now
  InvokeResult a = g.run("each", {I32(0), I32(49)});
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(g.has_code("cold_add"));
  a = g.run("each", {I32(0), I32(10)});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.results[0].as_u32(), 45u + 70u + 2u);
  EXPECT_TRUE(g.has_code("cold_add"));
  a = g.run("each", {I32(0), I32(10)});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.results[0].as_u32(), 45u + 70u + 2u);
}

TEST(JitColdCall, AColdCalleeThatTrapsTrapsAsInTheInterpreter) {
  LOAD_BOTH();
  for (const char* f : {"direct_trap", "each"}) {
    std::vector<Value> args = std::string(f) == "each" ? std::vector<Value>{I32(1), I32(10)}
                                                       : std::vector<Value>{I32(10)};
    InvokeResult a = jit.run(f, args);
    InvokeResult b = interp.run(f, args);
    ASSERT_TRUE(a.trap) << f;
    EXPECT_EQ(a.trap->kind, TrapKind::Unreachable) << f;
    expect_same_trap(a, b);
    EXPECT_EQ(a.trap->backtrace.size(), 2u) << f;  // the cold callee, its compiled caller
    // Below the trapping argument the calls return, and the store runs on normally.
    args.back() = I32(5);
    a = jit.run(f, args);
    ASSERT_TRUE(a.ok()) << f;
    EXPECT_EQ(a.results[0].as_u32(), interp.run(f, args).results[0].as_u32()) << f;
  }
}

// A cold callee calls a host function that returns, traps, exits or throws (something that
// is no std::exception, so it leaves the store's invoke as it is).
TEST(JitColdCall, AColdCalleeCallingAHostFunctionFailsAsInTheInterpreter) {
  LOAD_BOTH();
  for (const char* f : {"direct_host", "each"}) {
    auto args = [&](uint32_t n) {
      return std::string(f) == "each" ? std::vector<Value>{I32(2), I32(n)}
                                      : std::vector<Value>{I32(n)};
    };
    jit.plan() = HostPlan{};
    interp.plan() = HostPlan{};
    InvokeResult a = jit.run(f, args(20));
    InvokeResult b = interp.run(f, args(20));
    ASSERT_TRUE(a.ok() && b.ok()) << f;
    EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32()) << f;
    EXPECT_EQ(jit.plan().calls, 20);
    for (uint32_t HostPlan::*how : {&HostPlan::trap_at, &HostPlan::exit_at}) {
      jit.plan() = HostPlan{};
      interp.plan() = HostPlan{};
      jit.plan().*how = 7;
      interp.plan().*how = 7;
      a = jit.run(f, args(20));
      b = interp.run(f, args(20));
      ASSERT_TRUE(a.trap) << f;
      expect_same_trap(a, b);
      EXPECT_EQ(a.trap->backtrace.size(), 2u);  // cold_host and its caller
      EXPECT_EQ(jit.plan().calls, 8);           // made once, not again by the interpreter
      EXPECT_EQ(interp.plan().calls, 8);
    }
    jit.plan() = HostPlan{};
    jit.plan().throw_at = 3;
    EXPECT_THROW(jit.run(f, args(20)), int) << f;
    EXPECT_EQ(jit.plan().calls, 4);
  }
}

// $hot_down and $cold_down call each other; each call from the compiled one is a nested run.
TEST(JitColdCall, RecursionThroughColdCalleesReachesTheDepthLimitAsInTheInterpreter) {
  LOAD_BOTH(300u);
  InvokeResult a = jit.run("down", {I32(250)});
  InvokeResult b = interp.run("down", {I32(250)});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.results[0].as_u32(), 125u * 1 + 125u * 2);
  EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32());
  a = jit.run("down", {I32(1000)});
  b = interp.run("down", {I32(1000)});
  ASSERT_TRUE(a.trap);
  EXPECT_EQ(a.trap->kind, TrapKind::StackExhausted);
  expect_same_trap(a, b);
  EXPECT_EQ(a.trap->backtrace.size(), 300u);
  a = jit.run("down", {I32(10)});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.results[0].as_u32(), 15u);
}

// At the default depth limit the alternation nests more runs than the native stack allowed
// for them: past it the calls go through the interpreter (no native stack), and the result or
// trap is the same.
TEST(JitColdCall, DeepRecursionThroughColdCalleesStaysWithinTheNativeStack) {
  LOAD_BOTH();
  const uint32_t limit = StoreConfig{}.max_call_depth;
  InvokeResult a = jit.run("down", {I32(limit - 10)});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.results[0].as_u32(), interp.run("down", {I32(limit - 10)}).results[0].as_u32());
  a = jit.run("down", {I32(limit + 10)});
  InvokeResult b = interp.run("down", {I32(limit + 10)});
  ASSERT_TRUE(a.trap);
  EXPECT_EQ(a.trap->kind, TrapKind::StackExhausted);
  expect_same_trap(a, b);
}

// The nested runs poll the interrupt flag as the interpreter's calls do.
TEST(JitColdCall, InterruptStopsACompiledLoopOfColdCalls) {
  Guest jit(true);
  ASSERT_TRUE(jit.ok()) << jit.error();
  std::thread stopper([&jit] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    jit.store().interrupt();
  });
  InvokeResult r = jit.run("spin", {});
  stopper.join();
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, TrapKind::Interrupted);
  EXPECT_FALSE(jit.has_code("cold_add"));
}

TEST(JitColdCall, CallIndirectToAColdFunctionChecksTheElementFirst) {
  LOAD_BOTH();
  for (uint32_t f : {3u, 100u}) {  // past the table: undefined element
    InvokeResult a = jit.run("each", {I32(f), I32(3)});
    InvokeResult b = interp.run("each", {I32(f), I32(3)});
    ASSERT_TRUE(a.trap);
    EXPECT_EQ(a.trap->kind, TrapKind::UndefinedElement);
    expect_same_trap(a, b);
  }
}

TEST(JitColdCall, MemoryGrowFromCompiledCodeThenTheNewPageIsUsable) {
  LOAD_BOTH();
  for (uint32_t d : {1u, 2u, 0u, 1u}) {
    InvokeResult a = jit.run("grow", {I32(d)});
    InvokeResult b = interp.run("grow", {I32(d)});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32()) << d;
  }
  // 1 -> 2 -> 4 -> 4 -> 5 pages; 8 is the maximum: growing by 4 more fails, by 3 does not.
  EXPECT_EQ(jit.instance()->memory0()->memory.pages(), 5u);
  EXPECT_EQ(jit.run("grow", {I32(4)}).results[0].as_u32(), 0xFFFFFFFFu);
  EXPECT_EQ(jit.run("grow", {I32(3)}).results[0].as_u32(), 5u * 1000 + 0xAB);
  EXPECT_EQ(jit.run("load", {I32(8 * 65536 - 1)}).results[0].as_u32(), 0xABu);
  InvokeResult past = jit.run("load", {I32(8 * 65536)});
  ASSERT_TRUE(past.trap);
  EXPECT_EQ(past.trap->kind, TrapKind::MemoryOutOfBounds);
}

// Calls to a function of another instance go through call_cold too (in `--engine jit`,
// where both sides have code): results and traps as the interpreter's.
TEST(JitColdCall, CallsToAnotherInstanceStayInCompiledCode) {
  const char* kLib = R"((module
    (func (export "triple") (param i32) (result i32)
      (if (i32.eq (local.get 0) (i32.const 9)) (then unreachable))
      (i32.mul (local.get 0) (i32.const 3)))))";
  const char* kMain = R"((module
    (import "lib" "triple" (func $triple (param i32) (result i32)))
    (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
      (loop $l
        (local.set $s (i32.add (local.get $s) (call $triple (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $s))))";
  InvokeResult results[2][2];
  for (int engine = 0; engine < 2; ++engine) {
    Store store(itest::engine_config(engine ? jit::EngineMode::Jit : jit::EngineMode::Interp));
    Instance* inst[2] = {nullptr, nullptr};
    Linker linker;
    for (int i = 0; i < 2; ++i) {
      std::string err;
      auto bytes = itest::wat_to_wasm(i ? kMain : kLib, err);
      ASSERT_TRUE(bytes) << err;
      auto m = decode_module(*bytes);
      ASSERT_TRUE(m);
      auto r = linker.instantiate(store, *m);
      ASSERT_TRUE(std::holds_alternative<Instance*>(r));
      inst[i] = std::get<Instance*>(r);
      if (!i) linker.define("lib", "triple", ExternVal::of(inst[0]->get_func("triple")));
    }
    if (engine) {
      ASSERT_NE(inst[1]->get_func("sum")->jit.entry, nullptr);
    }
    results[engine][0] = store.invoke(inst[1]->get_func("sum"), std::vector<Value>{I32(9)});
    results[engine][1] = store.invoke(inst[1]->get_func("sum"), std::vector<Value>{I32(20)});
  }
  ASSERT_TRUE(results[1][0].ok() && results[0][0].ok());
  EXPECT_EQ(results[1][0].results[0].as_u32(), 3u * 36);
  EXPECT_EQ(results[0][0].results[0].as_u32(), 3u * 36);
  expect_same_trap(results[1][1], results[0][1]);
  EXPECT_EQ(results[1][1].trap->kind, TrapKind::Unreachable);
  EXPECT_EQ(results[1][1].trap->backtrace.size(), 2u);
}

}  // namespace
}  // namespace wc::engine
