// Host functions called from compiled code through JitContext::call_host, without leaving
// the code. These tests pin what must match the interpreter: results; a host function that
// traps, exits or throws is called exactly once and its failure is raised as the
// interpreter raises it (kind, message, exit code, backtrace); a host function may grow the
// memory and the code then uses the new pages; it may re-enter the store (as Go's js host
// calls `resume`); and a compiled loop whose only work is a host call is still stopped by
// the interrupt flag.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <variant>

#include "engine/runtime/memory_ops.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::I32;

const char* kGuest = R"((module
  (import "env" "host" (func $host (param i32) (result i32)))
  (import "env" "grow" (func $grow (param i32) (result i32)))
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (memory 1 4)
  (func $step (param i32) (result i32) (call $host (local.get 0)))
  ;; sum of host(i) for i < n, one call below the loop; the loop's values (and a float one)
  ;; live in registers across the host calls
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32) (local $f f64)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $step (local.get $i))))
      (local.set $f (f64.add (local.get $f) (f64.const 0.5)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (i32.trunc_f64_u (local.get $f))))
  ;; grows by one page through the host, then stores into, fills and reads the new page
  (func (export "grow_then_use") (result i32) (local $at i32)
    (local.set $at (i32.mul (call $grow (i32.const 1)) (i32.const 65536)))
    (i32.store (local.get $at) (i32.const 0x01020304))
    (memory.fill (i32.add (local.get $at) (i32.const 4)) (i32.const 0x55) (i32.const 65532))
    (i32.add (i32.load (local.get $at)) (i32.load8_u (i32.add (local.get $at) (i32.const 65535)))))
  ;; calls the host forever
  (func (export "spin") (loop $l (drop (call $host (i32.const 1))) (br $l)))
  ;; the host calls "sum" back (a nested invoke on the same store) and adds 1000
  (func (export "outer") (param i32) (result i32)
    (i32.add (call $reenter (local.get 0)) (i32.const 1)))
))";

// What the host does for an argument: 2x, or fail one of three ways.
struct HostPlan {
  uint32_t trap_at = UINT32_MAX;
  uint32_t exit_at = UINT32_MAX;
  uint32_t throw_at = UINT32_MAX;
  int calls = 0;
};

// One store with the three imports defined in it, running kGuest in `mode`.
class Guest {
 public:
  explicit Guest(jit::EngineMode mode) {
    store_ = std::make_unique<Store>(itest::engine_config(mode));
    Linker linker;
    FuncType i32_to_i32{{ValType::I32}, {ValType::I32}};
    HostPlan* plan = &plan_;
    linker.define("env", "host",
                  ExternVal::of(store_->create_host_func(
                      i32_to_i32,
                      [plan](HostCall& hc, uint64_t* s) {
                        ++plan->calls;
                        const uint32_t x = static_cast<uint32_t>(s[0]);
                        if (x == plan->trap_at) return hc.trap(TrapKind::Host, "unlucky");
                        if (x == plan->exit_at) return hc.exit(3);
                        if (x == plan->throw_at) throw std::runtime_error("boom");
                        s[0] = x * 2;
                      },
                      "env.host")));
    linker.define("env", "grow",
                  ExternVal::of(store_->create_host_func(
                      i32_to_i32,
                      [](HostCall& hc, uint64_t* s) {
                        auto old = grow_memory(hc.store(), *hc.caller()->memory0(),
                                               static_cast<uint32_t>(s[0]));
                        s[0] = old ? *old : 0xFFFFFFFFu;
                      },
                      "env.grow")));
    linker.define("env", "reenter",
                  ExternVal::of(store_->create_host_func(
                      i32_to_i32,
                      [this](HostCall& hc, uint64_t* s) {
                        InvokeResult r =
                            hc.store().invoke(inst_->get_func("sum"),
                                              std::vector<Value>{I32(static_cast<uint32_t>(s[0]))});
                        if (!r.ok()) return hc.trap(r.trap->kind, "nested: " + r.trap->message);
                        s[0] = r.results[0].as_u32() + 1000;
                      },
                      "env.reenter")));
    inst_ = itest::instantiate_wat(*store_, linker, kGuest, &error_);
    if (!inst_) return;
  }

  bool ok() const { return inst_ != nullptr; }
  const std::string& error() const { return error_; }
  HostPlan& plan() { return plan_; }
  Store& store() { return *store_; }
  Instance* instance() { return inst_; }
  InvokeResult run(const char* name, std::vector<Value> args) {
    return store_->invoke(inst_->get_func(name), args);
  }

 private:
  std::unique_ptr<Store> store_;
  Instance* inst_ = nullptr;
  HostPlan plan_;
  std::string error_;
};

#define LOAD_BOTH()                                               \
  Guest jit(jit::EngineMode::Jit);                                \
  Guest interp(jit::EngineMode::Interp);                          \
  ASSERT_TRUE(jit.ok() && interp.ok()) << jit.error();            \
  ASSERT_NE(jit.instance()->get_func("sum")->jit.entry, nullptr); \
  ASSERT_EQ(interp.instance()->get_func("sum")->jit.entry, nullptr)

void expect_same_trap(const InvokeResult& a, const InvokeResult& b) {
  ASSERT_TRUE(a.trap && b.trap);
  EXPECT_EQ(a.trap->kind, b.trap->kind);
  EXPECT_EQ(a.trap->message, b.trap->message);
  EXPECT_EQ(a.trap->exit_code, b.trap->exit_code);
  EXPECT_EQ(a.trap->backtrace, b.trap->backtrace);
}

TEST(JitHostCall, ResultsMatchTheInterpreter) {
  LOAD_BOTH();
  for (uint32_t n : {1u, 2u, 7u, 1000u}) {
    InvokeResult a = jit.run("sum", {I32(n)});
    InvokeResult b = interp.run("sum", {I32(n)});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.results[0].as_u32(), n * (n - 1) + n / 2) << n;  // 2 * (0 + .. + n-1) + n/2
    EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32()) << n;
  }
  EXPECT_EQ(jit.plan().calls, interp.plan().calls);
}

// A failing host call is made once; the interpreter raises its failure, it does not call
// again. Trap, exit and a thrown exception, at different iterations of the compiled loop.
TEST(JitHostCall, AFailingHostCallIsMadeOnceAndRaisedAsTheInterpreterRaisesIt) {
  LOAD_BOTH();
  struct Case {
    uint32_t HostPlan::*how;
    uint32_t at;
    TrapKind kind;
  };
  for (const Case& c :
       {Case{&HostPlan::trap_at, 5, TrapKind::Host}, Case{&HostPlan::exit_at, 0, TrapKind::Exit},
        Case{&HostPlan::throw_at, 40, TrapKind::Host}}) {
    for (Guest* g : {&jit, &interp}) {
      g->plan() = HostPlan{};
      g->plan().*c.how = c.at;
    }
    InvokeResult a = jit.run("sum", {I32(100)});
    InvokeResult b = interp.run("sum", {I32(100)});
    ASSERT_TRUE(a.trap) << c.at;
    EXPECT_EQ(a.trap->kind, c.kind);
    expect_same_trap(a, b);
    EXPECT_EQ(a.trap->backtrace.size(), 2u);  // step, sum: the host function is not a frame
    EXPECT_EQ(jit.plan().calls, static_cast<int>(c.at) + 1);
    EXPECT_EQ(interp.plan().calls, static_cast<int>(c.at) + 1);
    if (c.kind == TrapKind::Exit) {
      EXPECT_EQ(a.trap->exit_code, 3);
    }
    // The store runs on normally after the failure.
    jit.plan() = HostPlan{};
    InvokeResult again = jit.run("sum", {I32(10)});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.results[0].as_u32(), 95u);
  }
}

TEST(JitHostCall, AHostCallThatGrowsMemoryIsSeenByTheCode) {
  LOAD_BOTH();
  InvokeResult a = jit.run("grow_then_use", {});
  InvokeResult b = interp.run("grow_then_use", {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.results[0].as_u32(), 0x01020304u + 0x55u);
  EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32());
  EXPECT_EQ(jit.instance()->memory0()->memory.pages(), 2u);
  // Once more: the third page, and then the maximum (4) refuses a fifth.
  EXPECT_TRUE(jit.run("grow_then_use", {}).ok());
  EXPECT_TRUE(jit.run("grow_then_use", {}).ok());
  InvokeResult full = jit.run("grow_then_use", {});
  InvokeResult full_interp = (interp.run("grow_then_use", {}), interp.run("grow_then_use", {}),
                              interp.run("grow_then_use", {}));
  expect_same_trap(full, full_interp);  // -1 * 65536: a store out of bounds
  EXPECT_EQ(full.trap->kind, TrapKind::MemoryOutOfBounds);
}

// The host function invokes the guest again on the same store, from inside compiled code.
TEST(JitHostCall, AHostFunctionMayReenterTheStore) {
  LOAD_BOTH();
  for (uint32_t n : {1u, 30u}) {
    InvokeResult a = jit.run("outer", {I32(n)});
    InvokeResult b = interp.run("outer", {I32(n)});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.results[0].as_u32(), n * (n - 1) + n / 2 + 1001) << n;
    EXPECT_EQ(a.results[0].as_u32(), b.results[0].as_u32());
  }
  // The nested run traps; the outer one then fails with the host's trap and a backtrace
  // of the outer frames only.
  jit.plan().trap_at = 3;
  interp.plan().trap_at = 3;
  InvokeResult a = jit.run("outer", {I32(10)});
  InvokeResult b = interp.run("outer", {I32(10)});
  expect_same_trap(a, b);
  EXPECT_EQ(a.trap->message, "nested: unlucky");
  EXPECT_EQ(a.trap->backtrace.size(), 1u);
  jit.plan().trap_at = UINT32_MAX;
  EXPECT_TRUE(jit.run("outer", {I32(5)}).ok());
}

TEST(JitHostCall, InterruptStopsACompiledLoopOfHostCalls) {
  Guest jit(jit::EngineMode::Jit);
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_NE(jit.instance()->get_func("spin")->jit.entry, nullptr);
  std::thread stopper([&jit] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    jit.store().interrupt();
  });
  InvokeResult r = jit.run("spin", {});
  stopper.join();
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, TrapKind::Interrupted);
  EXPECT_GT(jit.plan().calls, 1);
}

}  // namespace
}  // namespace wc::engine
