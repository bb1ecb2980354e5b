// Compiled code reaches the first jit::kDirectGlobals globals through pointers kept in the
// JitContext (one load fewer than through the instance's global table; Go's stack pointer is
// global 0), the rest through the table. Those pointers belong to the running instance: these
// tests run two instances in one store, the second importing the first's global 0 and calling
// its function (a cross-instance call: a nested run with the callee's own globals), and check
// every global, direct or not, own or imported, against the interpreter and the host's view.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

// Ten mutable i64 globals; `bump` adds i + k to global i, in a loop so it is compiled code
// that does it.
const char* kLib = R"((module
  (global $g0 (export "g0") (mut i64) (i64.const 100))
  (global $g1 (mut i64) (i64.const 1)) (global $g2 (mut i64) (i64.const 2))
  (global $g3 (mut i64) (i64.const 3)) (global $g4 (mut i64) (i64.const 4))
  (global $g5 (mut i64) (i64.const 5)) (global $g6 (mut i64) (i64.const 6))
  (global $g7 (mut i64) (i64.const 7)) (global $g8 (mut i64) (i64.const 8))
  (global $g9 (export "g9") (mut i64) (i64.const 9))
  (func (export "bump") (param $k i64) (result i64) (local $i i64)
    (loop $l
      (global.set $g0 (i64.add (global.get $g0) (local.get $k)))
      (global.set $g1 (i64.add (global.get $g1) (i64.add (local.get $k) (i64.const 1))))
      (global.set $g7 (i64.add (global.get $g7) (i64.add (local.get $k) (i64.const 7))))
      (global.set $g8 (i64.add (global.get $g8) (i64.add (local.get $k) (i64.const 8))))
      (global.set $g9 (i64.add (global.get $g9) (i64.add (local.get $k) (i64.const 9))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 3))))
    (i64.xor (i64.xor (global.get $g0) (i64.rotl (global.get $g1) (i64.const 8)))
             (i64.xor (i64.rotl (global.get $g7) (i64.const 16))
                      (i64.xor (i64.rotl (global.get $g8) (i64.const 24))
                               (i64.rotl (global.get $g9) (i64.const 32)))))))
)";

// Global 0 is the library's (imported); 1..9 its own, with other values. Each round writes
// its own globals, calls the library, then folds every global it sees into the result.
const char* kMain = R"((module
  (import "lib" "g0" (global $g0 (mut i64)))
  (import "lib" "bump" (func $bump (param i64) (result i64)))
  (global $g1 (mut i64) (i64.const 11)) (global $g2 (mut i64) (i64.const 12))
  (global $g3 (mut i64) (i64.const 13)) (global $g4 (mut i64) (i64.const 14))
  (global $g5 (mut i64) (i64.const 15)) (global $g6 (mut i64) (i64.const 16))
  (global $g7 (mut i64) (i64.const 17)) (global $g8 (mut i64) (i64.const 18))
  (global $g9 (mut i64) (i64.const 19))
  (func (export "rounds") (param $n i64) (result i64) (local $i i64) (local $acc i64)
    (loop $l
      (global.set $g1 (i64.mul (global.get $g1) (i64.const 3)))
      (global.set $g7 (i64.add (global.get $g7) (local.get $i)))
      (global.set $g8 (i64.sub (global.get $g8) (local.get $i)))
      (global.set $g9 (i64.xor (global.get $g9) (global.get $g1)))
      (local.set $acc (i64.add (i64.rotl (local.get $acc) (i64.const 5))
                               (call $bump (local.get $i))))
      (local.set $acc (i64.xor (local.get $acc)
        (i64.add (i64.add (global.get $g0) (global.get $g1))
                 (i64.add (i64.add (global.get $g7) (global.get $g8)) (global.get $g9)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
)";

struct Outcome {
  uint64_t result = 0;
  uint64_t lib_g0 = 0;  // as the host reads the exported globals afterwards
  uint64_t lib_g9 = 0;
};

Outcome run(jit::EngineMode mode, uint64_t rounds) {
  Outcome out;
  Store store(itest::engine_config(mode));
  Linker linker;
  Instance* inst[2] = {nullptr, nullptr};
  for (int i = 0; i < 2; ++i) {
    std::string err;
    inst[i] = itest::instantiate_wat(store, linker, i ? kMain : kLib, &err);
    EXPECT_NE(inst[i], nullptr) << err;
    if (!inst[i]) return out;
    if (!i) {
      linker.define("lib", "g0", inst[0]->get_export("g0").value());
      linker.define("lib", "bump", ExternVal::of(inst[0]->get_func("bump")));
    }
  }
  if (mode == jit::EngineMode::Jit) {
    EXPECT_NE(inst[0]->get_func("bump")->jit.entry, nullptr);
    EXPECT_NE(inst[1]->get_func("rounds")->jit.entry, nullptr);
  }
  InvokeResult r =
      store.invoke(inst[1]->get_func("rounds"), std::vector<Value>{itest::I64(rounds)});
  EXPECT_TRUE(r.ok());
  if (r.ok()) out.result = r.results[0].bits;
  out.lib_g0 = inst[0]->get_export("g0")->global->bits;
  out.lib_g9 = inst[0]->get_export("g9")->global->bits;
  return out;
}

TEST(JitGlobals, DirectAndTableGlobalsOfTwoInstancesMatchTheInterpreter) {
  for (uint64_t rounds : {1u, 2u, 7u}) {
    const Outcome want = run(jit::EngineMode::Interp, rounds);
    const Outcome got = run(jit::EngineMode::Jit, rounds);
    EXPECT_EQ(got.result, want.result) << rounds;
    EXPECT_EQ(got.lib_g0, want.lib_g0) << rounds;
    EXPECT_EQ(got.lib_g9, want.lib_g9) << rounds;
    // The library's globals moved: 3 additions of k (resp. k + 9) per round k.
    uint64_t g0 = 100, g9 = 9;
    for (uint64_t k = 0; k < rounds; ++k) g0 += 3 * k, g9 += 3 * (k + 9);
    EXPECT_EQ(got.lib_g0, g0) << rounds;
    EXPECT_EQ(got.lib_g9, g9) << rounds;
  }
}

}  // namespace
}  // namespace wc::engine
