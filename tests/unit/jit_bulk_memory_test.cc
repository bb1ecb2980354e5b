// memory.fill, memory.copy, memory.init and data.drop in compiled code: C helpers that apply
// the interpreter's own operations. These tests pin what must match the interpreter: an out
// of bounds range traps with the same kind, message and backtrace and writes nothing; an
// overlapping copy moves bytes as memmove does in both directions; the bounds follow the
// memory's current size after memory.grow; a dropped data segment acts as an empty one.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config(jit::EngineMode mode) { return itest::engine_config(mode); }

// Each operation runs one call below its export, inside a loop (so the operands live in
// pinned registers around the helper call), with values that must survive the call.
const char* kBulk = R"((module
  (memory 1 3)
  (data $d "hello, world")
  (func $fill_at (param $d i32) (param $v i32) (param $n i32)
    (memory.fill (local.get $d) (local.get $v) (local.get $n)))
  (func $copy_at (param $d i32) (param $s i32) (param $n i32)
    (memory.copy (local.get $d) (local.get $s) (local.get $n)))
  ;; `times` fills of n bytes at d, d+1, ...; returns d + times + n (the loop's values after
  ;; the calls) so a clobbered register shows
  (func (export "fill") (param $d i32) (param $v i32) (param $n i32) (param $times i32)
    (result i32) (local $i i32)
    (loop $l
      (call $fill_at (i32.add (local.get $d) (local.get $i)) (local.get $v) (local.get $n))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $times))))
    (i32.add (i32.add (local.get $d) (local.get $i)) (local.get $n)))
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (local $k i64)
    (local.set $k (i64.const 0x1122334455667788))
    (call $copy_at (local.get $d) (local.get $s) (local.get $n))
    (i32.wrap_i64 (i64.add (local.get $k) (i64.extend_i32_u (local.get $n)))))
  (func (export "init") (param $d i32) (param $s i32) (param $n i32)
    (memory.init $d (local.get $d) (local.get $s) (local.get $n)))
  (func (export "drop") (data.drop $d))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
))";

// Both tiers, the same calls, the same outcome.
struct Pair {
  itest::Wasm jit{kBulk, config(jit::EngineMode::Jit)};
  itest::Wasm interp{kBulk, config(jit::EngineMode::Interp)};

  // Runs `name` in both; both return the same value or trap alike (kind, message,
  // backtrace). The JIT's outcome.
  InvokeResult same(const std::string& name, std::vector<Value> args) {
    InvokeResult a = jit.run(name, args);
    InvokeResult b = interp.run(name, args);
    EXPECT_EQ(a.ok(), b.ok()) << name;
    if (a.ok() && b.ok()) {
      EXPECT_EQ(a.results.size(), b.results.size()) << name;
      for (size_t i = 0; i < a.results.size() && i < b.results.size(); ++i)
        EXPECT_EQ(a.results[i].bits, b.results[i].bits) << name;
    } else if (a.trap && b.trap) {
      EXPECT_EQ(a.trap->kind, b.trap->kind) << name;
      EXPECT_EQ(a.trap->message, b.trap->message) << name;
      EXPECT_EQ(a.trap->backtrace, b.trap->backtrace) << name;
    }
    return a;
  }
  // Both memories are byte for byte the same.
  void expect_same_memory() {
    ASSERT_EQ(jit.mem_size(), interp.mem_size());
    EXPECT_EQ(std::memcmp(jit.mem(), interp.mem(), jit.mem_size()), 0);
  }
};

TEST(JitBulkMemory, InBoundsFillAndCopyMatchTheInterpreter) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  ASSERT_NE(p.jit.instance()->get_func("fill")->jit.entry, nullptr);
  using itest::I32;
  EXPECT_EQ(p.same("fill", {I32(100), I32(0xAB), I32(16), I32(5)}).results.at(0).bits,
            100u + 5 + 16);
  EXPECT_EQ(p.jit.mem()[100], 0xAB);
  EXPECT_EQ(p.jit.mem()[100 + 4 + 15], 0xAB);
  EXPECT_EQ(p.jit.mem()[100 + 4 + 16], 0);
  // The value is truncated to a byte; n = 0 at the very end is in bounds.
  p.same("fill", {I32(300), I32(0x1CD), I32(3), I32(1)});
  EXPECT_EQ(p.jit.mem()[300], 0xCD);
  p.same("fill", {I32(65536), I32(1), I32(0), I32(1)});
  EXPECT_EQ(p.same("copy", {I32(1000), I32(100), I32(24)}).results.at(0).bits,
            (0x55667788u + 24) & 0xFFFFFFFFu);
  EXPECT_EQ(p.jit.mem()[1000], 0xAB);
  p.expect_same_memory();
}

TEST(JitBulkMemory, OutOfBoundsTrapsLikeTheInterpreterAndWritesNothing) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  using itest::I32;
  struct Case {
    const char* fn;
    std::vector<Value> args;
  };
  const std::vector<Case> cases = {
      {"fill", {I32(65536 - 2), I32(7), I32(4), I32(1)}},       // the range ends past the memory
      {"fill", {I32(65530), I32(7), I32(5), I32(3)}},           // the third fill of the loop
      {"fill", {I32(65537), I32(7), I32(0), I32(1)}},           // n = 0 past the end still traps
      {"fill", {I32(0xFFFFFFF0u), I32(7), I32(0x20), I32(1)}},  // wraps around 2^32
      {"copy", {I32(65536 - 8), I32(0), I32(9)}},               // destination out of bounds
      {"copy", {I32(0), I32(65536 - 8), I32(9)}},               // source out of bounds
      {"copy", {I32(0), I32(65537), I32(0)}},
  };
  for (const Case& c : cases) {
    const bool first = &c == &cases[0];
    InvokeResult r = p.same(c.fn, c.args);
    // The range was checked before anything was written.
    if (first) {
      EXPECT_EQ(p.jit.mem()[65534] | p.jit.mem()[65535], 0);
    }
    ASSERT_TRUE(r.trap) << c.fn;
    EXPECT_EQ(r.trap->kind, TrapKind::MemoryOutOfBounds) << c.fn;
    // The helper's caller and the export: the trap is raised inside the callee's frame.
    EXPECT_EQ(r.trap->backtrace.size(), 2u) << c.fn;
  }
  // The loop's first two fills wrote before the third trapped.
  EXPECT_EQ(p.jit.mem()[65530], 7);
  EXPECT_EQ(p.jit.mem()[65535], 7);
  p.expect_same_memory();
}

TEST(JitBulkMemory, OverlappingCopiesMoveLikeMemmove) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  std::vector<uint8_t> want(2048);
  for (int i = 0; i < 2048; ++i) want[i] = static_cast<uint8_t>(i * 7 + 3);
  std::memcpy(p.jit.mem(), want.data(), want.size());
  std::memcpy(p.interp.mem(), want.data(), want.size());
  using itest::I32;
  // Forward overlap (destination above the source), backward overlap, and a copy onto itself.
  const uint32_t moves[][3] = {{110, 100, 500}, {200, 333, 700}, {50, 50, 60}, {1, 0, 2000}};
  for (const auto& m : moves) {
    p.same("copy", {I32(m[0]), I32(m[1]), I32(m[2])});
    std::memmove(want.data() + m[0], want.data() + m[1], m[2]);
  }
  EXPECT_EQ(std::memcmp(p.jit.mem(), want.data(), want.size()), 0);
  p.expect_same_memory();
}

TEST(JitBulkMemory, BoundsFollowMemoryGrow) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  using itest::I32;
  ASSERT_TRUE(p.same("fill", {I32(65536), I32(9), I32(16), I32(1)}).trap);
  EXPECT_EQ(p.same("grow", {I32(1)}).results.at(0).bits, 1u);
  EXPECT_TRUE(p.same("fill", {I32(65536), I32(9), I32(16), I32(1)}).ok());
  EXPECT_EQ(p.jit.mem()[65536 + 15], 9);
  EXPECT_TRUE(p.same("copy", {I32(131072 - 16), I32(65536), I32(16)}).ok());
  EXPECT_TRUE(p.same("copy", {I32(131072 - 15), I32(65536), I32(16)}).trap);
  p.expect_same_memory();
}

TEST(JitBulkMemory, InitAndDropMatchTheInterpreter) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  using itest::I32;
  EXPECT_TRUE(p.same("init", {I32(20), I32(0), I32(12)}).ok());
  EXPECT_EQ(std::memcmp(p.jit.mem() + 20, "hello, world", 12), 0);
  InvokeResult past_segment = p.same("init", {I32(0), I32(5), I32(8)});
  ASSERT_TRUE(past_segment.trap);
  EXPECT_EQ(past_segment.trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_TRUE(p.same("init", {I32(65536 - 4), I32(0), I32(5)}).trap);
  EXPECT_TRUE(p.same("drop", {}).ok());
  EXPECT_TRUE(p.same("init", {I32(0), I32(0), I32(0)}).ok());  // an empty segment now
  EXPECT_TRUE(p.same("init", {I32(0), I32(0), I32(1)}).trap);
  p.expect_same_memory();
}

}  // namespace
}  // namespace wc::engine
