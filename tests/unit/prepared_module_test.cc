// PreparedModule (engine/runtime/prepared_module.h): a store that adopts the translation and
// memory image made before behaves as one that made them itself, takes them instead of
// remaking them, and (the zygote's case) children forked from one preparation each get a
// pristine copy: what one child writes, a later sibling never sees.
#include "engine/runtime/prepared_module.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <variant>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

// call_indirect through two signatures (the type ids must survive adoption), a host import
// (its type is interned after adoption), a data segment and a start function that writes
// memory (run per instance, never at preparation).
constexpr const char* kModule = R"((module
  (type $unary (func (param i32) (result i32)))
  (type $binary (func (param i32 i32) (result i32)))
  (import "host" "twice" (func $twice (param i32) (result i32)))
  (memory (export "mem") 1)
  (data (i32.const 16) "pristine")
  (global $started (mut i32) (i32.const 0))
  (table 2 funcref)
  (elem (i32.const 0) $inc $add)
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $add (type $binary) (i32.add (local.get 0) (local.get 1)))
  (func $start (global.set $started (i32.add (global.get $started) (i32.const 1))))
  (start $start)
  (func (export "started") (result i32) (global.get $started))
  (func (export "calc") (param i32) (result i32)
    (call_indirect (type $binary)
      (call_indirect (type $unary) (local.get 0) (i32.const 0))
      (call $twice (local.get 0))
      (i32.const 1)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "scribble") (i32.store (i32.const 16) (i32.const 0x6b636168))))
)";

std::shared_ptr<const Module> load(const std::string& wat) {
  std::string error;
  auto bytes = itest::wat_to_wasm(wat, error);
  EXPECT_TRUE(bytes) << error;
  if (!bytes) return nullptr;
  auto decoded = decode_module(*bytes);
  EXPECT_TRUE(decoded);
  if (!decoded) return nullptr;
  std::shared_ptr<const Module> m = decoded.value();
  EXPECT_FALSE(validate_module(*m));
  return m;
}

// host.twice, defined after adopt() as an embedder does (define_wasi after Store::adopt).
Linker host_linker(Store& store) {
  Linker linker;
  FuncType t{{ValType::I32}, {ValType::I32}};
  linker.define("host", "twice",
                ExternVal::of(store.create_host_func(
                    t, [](HostCall&, uint64_t* s) { s[0] = static_cast<uint32_t>(s[0] * 2); })));
  return linker;
}

Instance* instantiate(Store& store, const Linker& linker, std::shared_ptr<const Module> m) {
  auto r = linker.instantiate(store, std::move(m));
  if (auto* e = std::get_if<InstantiateError>(&r)) {
    ADD_FAILURE() << "instantiate: " << e->message;
    return nullptr;
  }
  return std::get<Instance*>(r);
}

uint32_t call_u32(Store& store, Instance* inst, const char* name, std::vector<Value> args = {}) {
  InvokeResult r = store.invoke(inst->get_func(name), args);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.trap ? r.trap->message : "");
  return r.ok() && r.results.size() == 1 ? r.results[0].as_u32() : 0xBAD0BAD0u;
}

TEST(PreparedModule, AdoptedStoreRunsAsAFreshOneAndTakesThePreparedWork) {
  std::shared_ptr<const Module> m = load(kModule);
  ASSERT_TRUE(m);
  std::unique_ptr<PreparedModule> p = prepare_module(m);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->functions.size(), m->functions.size());
  ASSERT_TRUE(p->memory);
  EXPECT_EQ(std::memcmp(p->memory->memory.base() + 16, "pristine", 8), 0);
  const CompiledFunction* first = p->functions[0].get();
  const uint8_t* image = p->memory->memory.base();

  Store fresh;
  Instance* a = instantiate(fresh, host_linker(fresh), m);
  Store adopting;
  ASSERT_TRUE(adopting.adopt(std::move(p)));
  Instance* b = instantiate(adopting, host_linker(adopting), m);
  ASSERT_TRUE(a && b);
  // Taken, not remade: the same translated function and the same memory mapping.
  EXPECT_EQ(b->compiled_[0].get(), first);
  EXPECT_EQ(b->memory0()->memory.base(), image);
  EXPECT_EQ(adopting.committed_memory_bytes(), fresh.committed_memory_bytes());
  for (uint32_t x : {0u, 1u, 7u, 1000u, 0xFFFFFFFFu})
    EXPECT_EQ(call_u32(adopting, b, "calc", {Value::i32(x)}),
              call_u32(fresh, a, "calc", {Value::i32(x)}));
  EXPECT_EQ(call_u32(adopting, b, "started"), 1u);  // the start function ran, once, here
  for (uint32_t i = 14; i < 26; i++)
    EXPECT_EQ(call_u32(adopting, b, "byte", {Value::i32(i)}),
              call_u32(fresh, a, "byte", {Value::i32(i)}));

  // A second instance of the module in the same store gets its own translation and memory.
  Instance* c = instantiate(adopting, host_linker(adopting), m);
  ASSERT_TRUE(c);
  EXPECT_NE(c->compiled_[0].get(), first);
  EXPECT_NE(c->memory0()->memory.base(), image);
  EXPECT_EQ(call_u32(adopting, c, "calc", {Value::i32(7)}), 22u);
}

// The zygote's case: children forked from one preparation. Each child adopts its copy, checks
// it sees the data segment as the module wrote it, then overwrites it; the next child must
// still see it pristine, and so must the parent's preparation.
TEST(PreparedModule, ForkedChildrenEachStartFromThePristineImage) {
  std::shared_ptr<const Module> m = load(kModule);
  ASSERT_TRUE(m);
  std::unique_ptr<PreparedModule> p = prepare_module(m);
  ASSERT_TRUE(p && p->memory);
  for (int child = 0; child < 3; child++) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Store store;
      if (!store.adopt(std::move(p))) _exit(10);
      Linker linker = host_linker(store);
      auto r = linker.instantiate(store, m);
      if (!std::holds_alternative<Instance*>(r)) _exit(11);
      Instance* inst = std::get<Instance*>(r);
      uint8_t* mem = inst->memory0()->memory.base();
      if (std::memcmp(mem + 16, "pristine", 8) != 0) _exit(12);  // a sibling's write leaked
      if (!store.invoke(inst->get_func("scribble"), {}).ok()) _exit(13);
      if (std::memcmp(mem + 16, "hack", 4) != 0) _exit(14);
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "child " << child;
  }
  EXPECT_EQ(std::memcmp(p->memory->memory.base() + 16, "pristine", 8), 0);
}

// The zygote compiles its preparation while idle (compile_prepared): children then enter that
// machine code as is (no compile, no count towards tier-up, the CompiledFunction unwritten),
// with the same results, while an interpreter-only store ignores it.
TEST(PreparedModule, MachineCodeMadeBeforeTheForkIsEnteredByChildren) {
  std::shared_ptr<const Module> m = load(kModule);
  ASSERT_TRUE(m);
  std::unique_ptr<PreparedModule> p = prepare_module(m);
  ASSERT_TRUE(p);
  // Slices that end at once still make progress: one function per call.
  const auto past = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  size_t calls = 0;
  while (!compile_prepared(*p, past)) ASSERT_LT(++calls, p->functions.size() + 1);
  EXPECT_EQ(calls + 1, p->functions.size());
  EXPECT_GT(p->machine_code_bytes, 0u);
  for (const auto& cf : p->functions) EXPECT_TRUE(cf->native);
  EXPECT_TRUE(compile_prepared(*p, past));  // nothing left

  for (jit::EngineMode mode :
       {jit::EngineMode::Auto, jit::EngineMode::Jit, jit::EngineMode::Interp}) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      StoreConfig config;
      config.engine = mode;
      Store store(config);
      if (!store.adopt(std::move(p))) _exit(10);
      Linker linker = host_linker(store);
      auto r = linker.instantiate(store, m);
      if (!std::holds_alternative<Instance*>(r)) _exit(11);
      Instance* inst = std::get<Instance*>(r);
      FuncInstance* f = inst->get_func("calc");
      const CompiledFunction& cf = *f->code;
      const bool native = mode != jit::EngineMode::Interp;
      if ((f->jit.entry != nullptr) != native) _exit(12);
      if (native && f->jit.entry != cf.native->function_entry()) _exit(13);
      const int32_t budget = cf.tier_up_budget;
      for (uint32_t x : {0u, 1u, 7u, 1000u}) {
        std::vector<Value> args = {Value::i32(x)};
        InvokeResult res = store.invoke(f, args);
        if (!res.ok() || res.results.size() != 1 || res.results[0].as_u32() != 3 * x + 1) _exit(14);
      }
      // Interpreted calls count down towards tier-up; entering machine code does not.
      if (native && cf.tier_up_budget != budget) _exit(15);
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "engine " << static_cast<int>(mode);
  }
}

TEST(PreparedModule, MemoryLimitRefusesAnImageAsItRefusesAFreshMemory) {
  std::shared_ptr<const Module> m = load(kModule);
  ASSERT_TRUE(m);
  StoreConfig small;
  small.max_memory_bytes = 32768;  // below the module's one page
  Store fresh(small), adopting(small);
  ASSERT_TRUE(adopting.adopt(prepare_module(m)));
  auto a = host_linker(fresh).instantiate(fresh, m);
  auto b = host_linker(adopting).instantiate(adopting, m);
  ASSERT_TRUE(std::holds_alternative<InstantiateError>(a));
  ASSERT_TRUE(std::holds_alternative<InstantiateError>(b));
  EXPECT_EQ(std::get<InstantiateError>(b).message, std::get<InstantiateError>(a).message);
  EXPECT_NE(std::get<InstantiateError>(a).message.find("memory limit exceeded"), std::string::npos);
  EXPECT_EQ(adopting.committed_memory_bytes(), 0u);
}

TEST(PreparedModule, OnlyAFreshStoreAdopts) {
  std::shared_ptr<const Module> m = load(kModule);
  ASSERT_TRUE(m);
  Store used;
  Linker linker = host_linker(used);  // interns a type: prepared ids could clash
  EXPECT_FALSE(used.adopt(prepare_module(m)));
  Instance* inst = instantiate(used, linker, m);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_u32(used, inst, "calc", {Value::i32(7)}), 22u);
}

// Data at an offset read from an imported global depends on the importer: no image, and the
// store writes the segment where that instantiation puts it.
TEST(PreparedModule, NoImageWhenASegmentOffsetIsNotTheModulesOwn) {
  std::shared_ptr<const Module> m = load(R"((module
    (import "host" "base" (global i32))
    (memory 1)
    (data (global.get 0) "here")
    (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0)))))");
  ASSERT_TRUE(m);
  std::unique_ptr<PreparedModule> p = prepare_module(m);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->memory);
  Store store;
  ASSERT_TRUE(store.adopt(std::move(p)));
  Linker linker;
  linker.define(
      "host", "base",
      ExternVal::of(store.create_global(GlobalType{ValType::I32, false}, Value::i32(40))));
  Instance* inst = instantiate(store, linker, m);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_u32(store, inst, "byte", {Value::i32(40)}), static_cast<uint32_t>('h'));
}

}  // namespace
}  // namespace wc::engine
