// Table and reference instructions in compiled code: table.get, table.set and table.size
// inline, table.grow/fill/copy/init and elem.drop as C helpers applying the interpreter's own
// operations, ref.is_null and ref.func inline (ref.null is a constant slot). These tests pin
// that compiled code no longer leaves to the interpreter at any of them (counted as
// WC_JIT_STATS counts exits), and that every outcome matches the interpreter's: results,
// table contents, and out-of-bounds traps (kind, message, backtrace), which compiled code
// leaves to the interpreter to raise. table.grow's failure is a result (-1), not a trap.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "engine/jit/exit_stats.h"
#include "engine/jit/x64_compiler.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config(jit::EngineMode mode) { return itest::engine_config(mode); }

// $t holds $f1 $f2 null null (max 8); $t2 three nulls; $x two null externrefs. Function
// references are exported by index (1 + the function's index, 0 for null) where a test
// compares them, since their bits are FuncInstance addresses that differ between stores.
const char* kTables = R"((module
  (type $v (func (result i32)))
  (table $t 4 8 funcref)
  (table $t2 3 funcref)
  (table $x 2 externref)
  (elem $e func $f1 $f2 $f3)
  (elem $e2 func $f3)
  (elem (table $t) (i32.const 0) func $f1 $f2)
  (func $f1 (type $v) (i32.const 11))
  (func $f2 (type $v) (i32.const 22))
  (func $f3 (type $v) (i32.const 33))
  ;; 1..3: $f1..$f3, anything else null
  (func $pick (param $w i32) (result funcref)
    (if (result funcref) (i32.eq (local.get $w) (i32.const 1)) (then (ref.func $f1))
      (else (if (result funcref) (i32.eq (local.get $w) (i32.const 2)) (then (ref.func $f2))
        (else (if (result funcref) (i32.eq (local.get $w) (i32.const 3)) (then (ref.func $f3))
          (else (ref.null func))))))))
  (func (export "ref") (param $w i32) (result funcref) (call $pick (local.get $w)))
  (func (export "is_null") (param $i i32) (result i32) (ref.is_null (table.get $t (local.get $i))))
  (func (export "get") (param $i i32) (result funcref) (table.get $t (local.get $i)))
  (func (export "call") (param $i i32) (result i32) (call_indirect $t (type $v) (local.get $i)))
  (func (export "set") (param $i i32) (param $w i32)
    (table.set $t (local.get $i) (call $pick (local.get $w))))
  (func (export "clear") (param $i i32) (table.set $t (local.get $i) (ref.null func)))
  (func (export "size") (result i32) (table.size $t))
  (func (export "size2") (result i32) (table.size $t2))
  (func (export "grow") (param $w i32) (param $n i32) (result i32)
    (table.grow $t (call $pick (local.get $w)) (local.get $n)))
  (func (export "fill") (param $d i32) (param $w i32) (param $n i32)
    (table.fill $t (local.get $d) (call $pick (local.get $w)) (local.get $n)))
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (table.copy $t $t (local.get $d) (local.get $s) (local.get $n)))
  (func (export "copy_to2") (param $d i32) (param $s i32) (param $n i32)
    (table.copy $t2 $t (local.get $d) (local.get $s) (local.get $n)))
  (func (export "init") (param $d i32) (param $s i32) (param $n i32)
    (table.init $t $e (local.get $d) (local.get $s) (local.get $n)))
  (func (export "drop") (elem.drop $e))
  (func (export "xset") (param $i i32) (param $v externref) (table.set $x (local.get $i) (local.get $v)))
  (func (export "xget") (param $i i32) (result externref) (table.get $x (local.get $i)))
  (func (export "xgrow") (param $v externref) (param $n i32) (result i32)
    (table.grow $x (local.get $v) (local.get $n)))
  (func (export "xfill") (param $d i32) (param $v externref) (param $n i32)
    (table.fill $x (local.get $d) (local.get $v) (local.get $n)))
  (func (export "x_is_null") (param $v externref) (result i32) (ref.is_null (local.get $v)))
  ;; Every instruction in one loop, with values in registers across the helper calls and the
  ;; native calls: a clobbered register or a wrong element shows in the result.
  (func (export "mix") (param $n i32) (result i64) (local $i i32) (local $acc i32) (local $k i64)
    (local.set $k (i64.const 0x1122334455667788))
    (loop $l
      (table.set $t (i32.and (local.get $i) (i32.const 1)) (ref.func $f3))
      (local.set $acc (i32.add (local.get $acc)
        (call_indirect $t (type $v) (i32.and (local.get $i) (i32.const 1)))))
      (table.fill $t (i32.const 2) (ref.func $f2) (i32.const 1))
      (table.copy $t $t (i32.const 3) (i32.const 2) (i32.const 1))
      (local.set $acc (i32.add (local.get $acc) (call_indirect $t (type $v) (i32.const 3))))
      (local.set $acc (i32.add (local.get $acc) (table.size $t)))
      (local.set $acc (i32.add (local.get $acc) (ref.is_null (table.get $t (i32.const 3)))))
      (local.set $acc (i32.add (local.get $acc) (table.grow $t (ref.null func) (i32.const 0))))
      (table.set $t (i32.const 0) (ref.null func))
      (local.set $acc (i32.add (local.get $acc) (ref.is_null (table.get $t (i32.const 0)))))
      ;; one element on the first iteration, none from the dropped segment after it
      (table.init $t $e2 (i32.const 0) (i32.const 0) (i32.eqz (local.get $i)))
      (elem.drop $e2)
      (local.set $acc (i32.add (local.get $acc) (ref.is_null (table.get $t (i32.const 0)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $k) (i64.extend_i32_u (i32.add (local.get $acc) (local.get $i)))))
))";

// The instructions this file is about (ref.null has none: it is a constant slot).
constexpr std::array<IOp, 10> kOps = {
    IOp::TableGet,  IOp::TableSet,  IOp::TableSize, IOp::TableGrow, IOp::TableFill,
    IOp::TableCopy, IOp::TableInit, IOp::ElemDrop,  IOp::RefIsNull, IOp::RefFunc};

std::array<uint64_t, kOps.size()> exit_counts() {
  std::array<uint64_t, kOps.size()> n{};
  for (size_t i = 0; i < kOps.size(); ++i) n[i] = jit::exits_at(kOps[i]);
  return n;
}

// A reference as something both stores agree on: 1 + its function's index in `inst`, 0 for
// null, and an externref's own bits (or a funcref to no function of `inst`: its bits, which
// then differ and fail the comparison).
uint64_t portable(const Instance* inst, ValType type, uint64_t bits) {
  if (type != ValType::FuncRef || bits == 0) return bits;
  for (size_t i = 0; i < inst->funcs_.size(); ++i)
    if (reinterpret_cast<uint64_t>(inst->funcs_[i]) == bits) return i + 1;
  return bits;
}

// Both tiers, the same calls, the same outcome.
struct Pair {
  Pair() { jit::count_exits_for_testing(); }
  itest::Wasm jit{kTables, config(jit::EngineMode::Jit)};
  itest::Wasm interp{kTables, config(jit::EngineMode::Interp)};
  // The exits the JIT's last run() took at each of kOps.
  std::array<uint64_t, kOps.size()> exits{};

  // Runs `name` in both; both return the same values or trap alike (kind, message,
  // backtrace). The JIT's outcome, with its references made portable.
  InvokeResult same(const std::string& name, std::vector<Value> args) {
    const auto before = exit_counts();
    InvokeResult a = jit.run(name, args);
    const auto after = exit_counts();
    for (size_t i = 0; i < kOps.size(); ++i) exits[i] = after[i] - before[i];
    InvokeResult b = interp.run(name, args);
    EXPECT_EQ(a.ok(), b.ok()) << name;
    if (a.ok() && b.ok()) {
      EXPECT_EQ(a.results.size(), b.results.size()) << name;
      for (size_t i = 0; i < a.results.size() && i < b.results.size(); ++i) {
        a.results[i].bits = portable(jit.instance(), a.results[i].type, a.results[i].bits);
        EXPECT_EQ(a.results[i].bits,
                  portable(interp.instance(), b.results[i].type, b.results[i].bits))
            << name;
      }
    } else if (a.trap && b.trap) {
      EXPECT_EQ(a.trap->kind, b.trap->kind) << name;
      EXPECT_EQ(a.trap->message, b.trap->message) << name;
      EXPECT_EQ(a.trap->backtrace, b.trap->backtrace) << name;
    }
    return a;
  }
  // `name` returns in both without compiled code leaving at any table or reference
  // instruction; its first result (0 when none).
  uint64_t native(const std::string& name, std::vector<Value> args) {
    InvokeResult r = same(name, std::move(args));
    EXPECT_TRUE(r.ok()) << name << ": " << (r.trap ? r.trap->message : "");
    for (size_t i = 0; i < kOps.size(); ++i)
      EXPECT_EQ(exits[i], 0u) << name << " left compiled code at " << iop_name(kOps[i]);
    return r.ok() && !r.results.empty() ? r.results[0].bits : 0;
  }
  // `name` traps with `kind` in both; compiled code left exactly once, at `op`, for the
  // interpreter to raise the trap.
  void traps(const std::string& name, std::vector<Value> args, TrapKind kind, IOp op) {
    InvokeResult r = same(name, std::move(args));
    ASSERT_TRUE(r.trap) << name;
    EXPECT_EQ(r.trap->kind, kind) << name;
    for (size_t i = 0; i < kOps.size(); ++i)
      EXPECT_EQ(exits[i], kOps[i] == op ? 1u : 0u) << name << " at " << iop_name(kOps[i]);
  }
  // Every table of both instances holds the same references.
  void expect_same_tables() {
    ASSERT_EQ(jit.instance()->tables_.size(), interp.instance()->tables_.size());
    for (size_t t = 0; t < jit.instance()->tables_.size(); ++t) {
      const TableInstance& a = *jit.instance()->tables_[t];
      const TableInstance& b = *interp.instance()->tables_[t];
      ASSERT_EQ(a.elems.size(), b.elems.size()) << "table " << t;
      for (size_t i = 0; i < a.elems.size(); ++i)
        EXPECT_EQ(portable(jit.instance(), a.type.elem, a.elems[i]),
                  portable(interp.instance(), b.type.elem, b.elems[i]))
            << "table " << t << " element " << i;
    }
  }
};

using itest::I32;
Value Ext(uint64_t handle) { return Value::ref(ValType::ExternRef, handle); }

// The register plan's scan (x64_analysis.cc) notes the slots the new templates touch.
TEST(JitTable, ScanSeesWhatTheTemplatesUse) {
  itest::Wasm m(kTables, config(jit::EngineMode::Jit));
  ASSERT_TRUE(m.ok()) << m.error();
  size_t compiled = 0;
  for (const FuncInstance* f : m.instance()->funcs_) {
    if (!f->code) continue;
    if (f->code->native) ++compiled;
    std::optional<std::string> diff = jit::check_analysis(*f->code);
    EXPECT_FALSE(diff.has_value()) << f->name << ": " << diff.value_or("");
  }
  EXPECT_EQ(compiled, m.instance()->funcs_.size());
}

TEST(JitTable, CompiledCodeRunsEveryInstructionWithoutLeaving) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  ASSERT_NE(p.jit.instance()->get_func("mix")->jit.entry, nullptr);
  // ref.func: the function's own reference (1 + its index: $f1 is function 0).
  EXPECT_EQ(p.native("ref", {I32(2)}), 2u);
  EXPECT_EQ(p.native("ref", {I32(0)}), 0u);
  EXPECT_EQ(p.native("is_null", {I32(1)}), 0u);
  EXPECT_EQ(p.native("is_null", {I32(3)}), 1u);
  EXPECT_EQ(p.native("get", {I32(0)}), 1u);
  EXPECT_EQ(p.native("size", {}), 4u);
  p.native("set", {I32(3), I32(3)});
  EXPECT_EQ(p.native("call", {I32(3)}), 33u);
  p.native("clear", {I32(0)});  // ref.null stored as an immediate
  EXPECT_EQ(p.native("is_null", {I32(0)}), 1u);
  p.native("fill", {I32(1), I32(2), I32(3)});
  p.native("copy", {I32(0), I32(2), I32(2)});
  p.native("copy_to2", {I32(1), I32(2), I32(2)});
  p.native("init", {I32(1), I32(0), I32(3)});
  EXPECT_EQ(p.native("call", {I32(2)}), 22u);
  p.expect_same_tables();
  // Per iteration 33 + 22 + 4 + 0 + 4 + 1, and 1 more (a null element 0) after the first.
  EXPECT_EQ(p.native("mix", {I32(50)}), 0x1122334455667788u + 64 + 49 * 65 + 50);
  p.expect_same_tables();
  p.native("drop", {});
  p.native("init", {I32(0), I32(0), I32(0)});  // a dropped segment is empty
  // Externrefs: any non-zero 64-bit handle goes through unchanged.
  const uint64_t h = 0x8000'0000'1234'5678ull;
  p.native("xset", {I32(1), Ext(h)});
  EXPECT_EQ(p.native("xget", {I32(1)}), h);
  EXPECT_EQ(p.native("x_is_null", {Ext(h)}), 0u);
  EXPECT_EQ(p.native("x_is_null", {Value::null(ValType::ExternRef)}), 1u);
  EXPECT_EQ(p.native("xgrow", {Ext(h + 1), I32(3)}), 2u);
  p.native("xfill", {I32(0), Ext(7), I32(2)});
  EXPECT_EQ(p.native("xget", {I32(4)}), h + 1);
  p.expect_same_tables();
}

TEST(JitTable, OutOfBoundsTrapsLikeTheInterpreterAndWritesNothing) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  const TrapKind oob = TrapKind::TableOutOfBounds;
  p.traps("is_null", {I32(4)}, oob, IOp::TableGet);
  p.traps("get", {I32(0xFFFFFFFFu)}, oob, IOp::TableGet);
  p.traps("set", {I32(4), I32(1)}, oob, IOp::TableSet);
  p.traps("clear", {I32(0x80000000u)}, oob, IOp::TableSet);
  p.traps("xget", {I32(2)}, oob, IOp::TableGet);
  p.traps("xset", {I32(2), Ext(5)}, oob, IOp::TableSet);
  p.traps("fill", {I32(3), I32(1), I32(2)}, oob, IOp::TableFill);  // the range ends past the end
  p.traps("fill", {I32(5), I32(1), I32(0)}, oob, IOp::TableFill);  // n = 0 past the end
  p.traps("xfill", {I32(1), Ext(5), I32(0xFFFFFFFFu)}, oob, IOp::TableFill);  // wraps 2^32
  p.traps("copy", {I32(3), I32(0), I32(2)}, oob, IOp::TableCopy);
  p.traps("copy", {I32(0), I32(3), I32(2)}, oob, IOp::TableCopy);
  p.traps("copy", {I32(5), I32(0), I32(0)}, oob, IOp::TableCopy);
  p.traps("copy_to2", {I32(0), I32(0), I32(4)}, oob, IOp::TableCopy);
  p.traps("init", {I32(0), I32(2), I32(2)}, oob, IOp::TableInit);  // past the segment
  p.traps("init", {I32(3), I32(0), I32(2)}, oob, IOp::TableInit);  // past the table
  // The checks came before any write; n = 0 at the very end is in bounds.
  p.native("fill", {I32(4), I32(1), I32(0)});
  p.native("copy", {I32(4), I32(0), I32(0)});
  p.expect_same_tables();
  EXPECT_EQ(p.native("is_null", {I32(3)}), 1u);
  // After elem.drop the segment is empty: any non-empty init traps.
  p.native("drop", {});
  p.traps("init", {I32(0), I32(0), I32(1)}, oob, IOp::TableInit);
  p.expect_same_tables();
}

TEST(JitTable, GrowFailsWithMinusOneAndBoundsFollowTheNewSize) {
  Pair p;
  ASSERT_TRUE(p.jit.ok() && p.interp.ok()) << p.jit.error();
  p.traps("set", {I32(5), I32(2)}, TrapKind::TableOutOfBounds, IOp::TableSet);
  EXPECT_EQ(p.native("grow", {I32(2), I32(5)}), 0xFFFFFFFFu);  // past the maximum, 8
  EXPECT_EQ(p.native("size", {}), 4u);
  EXPECT_EQ(p.native("grow", {I32(2), I32(2)}), 4u);
  EXPECT_EQ(p.native("size", {}), 6u);
  EXPECT_EQ(p.native("call", {I32(5)}), 22u);  // the new elements hold the init value
  p.native("set", {I32(5), I32(3)});
  EXPECT_EQ(p.native("call", {I32(5)}), 33u);
  EXPECT_EQ(p.native("grow", {I32(0), I32(0)}), 6u);
  EXPECT_EQ(p.native("grow", {I32(0), I32(2)}), 6u);
  EXPECT_EQ(p.native("grow", {I32(0), I32(1)}), 0xFFFFFFFFu);
  EXPECT_EQ(p.native("is_null", {I32(7)}), 1u);
  p.traps("is_null", {I32(8)}, TrapKind::TableOutOfBounds, IOp::TableGet);
  // No maximum, but more than any table may hold.
  EXPECT_EQ(p.native("xgrow", {Ext(1), I32(0xFFFFFFFFu)}), 0xFFFFFFFFu);
  EXPECT_EQ(p.native("size2", {}), 3u);
  p.expect_same_tables();
}

}  // namespace
}  // namespace wc::engine
