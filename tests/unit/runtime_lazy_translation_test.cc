// The interp and auto engines translate a function on its first call, whatever way it is
// entered; a function never called is never translated.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

Value I32(uint32_t v) { return Value::i32(v); }

// No imports: function index = position below.
constexpr const char* kGuest = R"((module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $via_table $via_compiled_table)
  (func $never (param i32) (result i32) (i32.add (local.get 0) (i32.const 100)))         ;; 0
  (func $direct (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))          ;; 1
  (func $via_table (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1)))       ;; 2
  (func $from_compiled (param i32) (result i32) (i32.add (local.get 0) (i32.const 7)))   ;; 3
  (func $via_compiled_table (param i32) (result i32) (i32.xor (local.get 0) (i32.const 9)))
  (func (export "export_only") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "calls") (param i32) (result i32) (call $direct (local.get 0)))          ;; 6
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 0)))                                ;; 7
  (func (export "compiled_calls") (param i32) (result i32)                               ;; 8
    (i32.add (call $from_compiled (local.get 0))
             (call_indirect (type $t) (local.get 0) (i32.const 1))))
))";

constexpr uint32_t kNever = 0, kDirect = 1, kViaTable = 2, kFromCompiled = 3, kViaCompiledTable = 4,
                   kExportOnly = 5, kCalls = 6, kIndirect = 7, kCompiledCalls = 8, kFuncs = 9;

std::vector<uint32_t> translated(itest::Wasm& m) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < m.instance()->funcs_.size(); ++i)
    if (m.store().is_translated(m.instance()->funcs_[i])) out.push_back(i);
  return out;
}

StoreConfig config_for(jit::EngineMode engine) {
  StoreConfig c;
  c.engine = engine;
  c.tier_up_after = 1000;  // no tier-up behind the test's back
  c.jit_min_run = 1;
  return c;
}

TEST(RuntimeLazyTranslation, OnlyFunctionsCalledAreTranslated) {
  for (jit::EngineMode engine : {jit::EngineMode::Interp, jit::EngineMode::Auto}) {
    itest::Wasm m(kGuest, config_for(engine));
    ASSERT_TRUE(m.ok()) << m.error();
    ASSERT_EQ(m.instance()->funcs_.size(), kFuncs);
    EXPECT_EQ(translated(m), std::vector<uint32_t>{});
    // An export.
    EXPECT_EQ(m.bits("export_only", {I32(5)}), 6u);
    EXPECT_EQ(translated(m), std::vector<uint32_t>{kExportOnly});
    // A call from interpreted code.
    EXPECT_EQ(m.bits("calls", {I32(5)}), 15u);
    EXPECT_EQ(translated(m), (std::vector<uint32_t>{kDirect, kExportOnly, kCalls}));
    // call_indirect from interpreted code.
    EXPECT_EQ(m.bits("indirect", {I32(5)}), 4u);
    EXPECT_EQ(translated(m),
              (std::vector<uint32_t>{kDirect, kViaTable, kExportOnly, kCalls, kIndirect}));
    // Translated once: a second call runs the same code.
    const CompiledFunction* code = m.instance()->funcs_[kDirect]->code;
    EXPECT_EQ(m.bits("calls", {I32(6)}), 18u);
    EXPECT_EQ(m.instance()->funcs_[kDirect]->code, code);
    EXPECT_FALSE(m.store().is_translated(m.instance()->funcs_[kNever]));
  }
}

// Compiled code calls a function without machine code through JitContext::call_cold (a
// nested interpreter run): a direct call and a call_indirect of untranslated functions.
TEST(RuntimeLazyTranslation, FirstCallsFromCompiledCodeTranslate) {
  itest::Wasm m(kGuest, config_for(jit::EngineMode::Auto));
  ASSERT_TRUE(m.ok()) << m.error();
  FuncInstance* caller = m.instance()->funcs_[kCompiledCalls];
  ASSERT_NE(m.store().tier_up(caller), nullptr);  // translates it first, as a first call would
  ASSERT_NE(caller->jit.entry, nullptr);
  EXPECT_EQ(translated(m), std::vector<uint32_t>{kCompiledCalls});
  EXPECT_EQ(m.bits("compiled_calls", {I32(5)}), (5u + 7u) + (5u ^ 9u));
  EXPECT_EQ(translated(m),
            (std::vector<uint32_t>{kFromCompiled, kViaCompiledTable, kCompiledCalls}));
  EXPECT_EQ(m.instance()->funcs_[kFromCompiled]->jit.entry, nullptr);  // still interpreted
  EXPECT_EQ(m.bits("compiled_calls", {I32(1)}), (1u + 7u) + (1u ^ 9u));
}

// `--engine jit` compiles every function at instantiation, so it translates them all there.
TEST(RuntimeLazyTranslation, JitEngineTranslatesEverythingAtInstantiation) {
  itest::Wasm m(kGuest, config_for(jit::EngineMode::Jit));
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(translated(m).size(), kFuncs);
}

// The first-call path shares the call depth check, which still traps as before.
TEST(RuntimeLazyTranslation, StackExhaustionStillTrapsAtTheFirstCall) {
  StoreConfig c = config_for(jit::EngineMode::Interp);
  c.max_call_depth = 50;
  itest::Wasm m(R"((module
    (func $down (export "down") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (call $down (i32.sub (local.get 0) (i32.const 1)))))))
  )",
                c);
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_EQ(m.bits("down", {I32(10)}), 0u);
  InvokeResult r = m.run("down", {I32(100)});
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, TrapKind::StackExhausted);
}

}  // namespace
}  // namespace wc::engine
