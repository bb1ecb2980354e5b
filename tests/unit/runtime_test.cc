// Store, Linker, constant expressions and instantiation, on modules built by hand (so these
// tests depend on neither the decoder nor the validator).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/runtime/const_eval.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/memory_ops.h"
#include "engine/runtime/store.h"

namespace wc::engine {
namespace {

constexpr ValType I32 = ValType::I32;
constexpr ValType I64 = ValType::I64;

Instr instr(Op op, uint64_t bits = 0, uint32_t idx = 0) {
  Instr in;
  in.op = op;
  in.bits = bits;
  in.idx = idx;
  return in;
}
// As the decoder produces it: i32 immediates sign-extended to 64 bits.
ConstExpr i32c(int32_t v) {
  return ConstExpr{{instr(Op::I32Const, static_cast<uint64_t>(int64_t{v}))}, 0};
}
ConstExpr global_get(uint32_t i) { return ConstExpr{{instr(Op::GlobalGet, 0, i)}, 0}; }
ConstExpr ref_func(uint32_t i) { return ConstExpr{{instr(Op::RefFunc, 0, i)}, 0}; }
ConstExpr ref_null() {
  Instr in = instr(Op::RefNull);
  in.type = ValType::FuncRef;
  return ConstExpr{{in}, 0};
}

// Builds a Module the way the decoder would, index spaces included.
struct ModuleBuilder {
  Module m;

  uint32_t type(std::vector<ValType> params, std::vector<ValType> results) {
    m.types.push_back(FuncType{std::move(params), std::move(results)});
    return static_cast<uint32_t>(m.types.size() - 1);
  }
  void import(std::string mod, std::string name, Import imp) {
    imp.module = std::move(mod);
    imp.name = std::move(name);
    switch (imp.kind) {
      case ExternKind::Func:
        m.func_space.push_back(imp.func_type);
        ++m.num_imported_funcs;
        break;
      case ExternKind::Table:
        m.table_space.push_back(imp.table);
        ++m.num_imported_tables;
        break;
      case ExternKind::Memory:
        m.memory_space.push_back(imp.memory);
        ++m.num_imported_memories;
        break;
      case ExternKind::Global:
        m.global_space.push_back(imp.global);
        ++m.num_imported_globals;
        break;
    }
    m.imports.push_back(std::move(imp));
  }
  void import_func(std::string mod, std::string name, uint32_t type) {
    Import imp;
    imp.kind = ExternKind::Func;
    imp.func_type = type;
    import(std::move(mod), std::move(name), imp);
  }
  void import_table(std::string mod, std::string name, Limits limits) {
    Import imp;
    imp.kind = ExternKind::Table;
    imp.table = TableType{ValType::FuncRef, limits};
    import(std::move(mod), std::move(name), imp);
  }
  void import_memory(std::string mod, std::string name, Limits limits) {
    Import imp;
    imp.kind = ExternKind::Memory;
    imp.memory = MemoryType{limits};
    import(std::move(mod), std::move(name), imp);
  }
  void import_global(std::string mod, std::string name, GlobalType type) {
    Import imp;
    imp.kind = ExternKind::Global;
    imp.global = type;
    import(std::move(mod), std::move(name), imp);
  }
  // `code` is the instruction bytes including the final `end` (0x0B); no locals.
  uint32_t func(uint32_t type, std::vector<uint8_t> code) {
    FunctionBody body;
    body.code_begin = m.bytes.size();
    m.bytes.insert(m.bytes.end(), code.begin(), code.end());
    body.code_end = m.bytes.size();
    m.functions.push_back(type);
    m.code.push_back(body);
    m.func_space.push_back(type);
    return static_cast<uint32_t>(m.func_space.size() - 1);
  }
  void table(Limits limits) {
    m.tables.push_back(TableType{ValType::FuncRef, limits});
    m.table_space.push_back(m.tables.back());
  }
  void memory(Limits limits) {
    m.memories.push_back(MemoryType{limits});
    m.memory_space.push_back(m.memories.back());
  }
  void global(GlobalType type, ConstExpr init) {
    m.globals.push_back(Global{type, std::move(init)});
    m.global_space.push_back(type);
  }
  void exp(std::string name, ExternKind kind, uint32_t index) {
    m.exports.push_back(Export{std::move(name), kind, index});
  }
  void active_elem(uint32_t table, ConstExpr offset, std::vector<uint32_t> funcs) {
    ElemSegment seg;
    seg.mode = SegmentMode::Active;
    seg.table = table;
    seg.offset = std::move(offset);
    for (uint32_t f : funcs) seg.init.push_back(ref_func(f));
    m.elems.push_back(std::move(seg));
  }
  void active_data(ConstExpr offset, std::string bytes) {
    DataSegment seg;
    seg.mode = SegmentMode::Active;
    seg.offset = std::move(offset);
    m.datas.push_back(std::move(seg));
    set_data_bytes(m.datas.back(), bytes);
  }
  // Data segment bytes live in Module::bytes, as the decoder leaves them.
  void set_data_bytes(DataSegment& seg, std::string_view bytes) {
    seg.bytes_begin = m.bytes.size();
    seg.bytes_size = bytes.size();
    m.bytes.insert(m.bytes.end(), bytes.begin(), bytes.end());
  }
  std::shared_ptr<const Module> build() { return std::make_shared<const Module>(std::move(m)); }
};

Instance* expect_instance(std::variant<Instance*, InstantiateError> r) {
  if (auto* err = std::get_if<InstantiateError>(&r)) {
    ADD_FAILURE() << "instantiate failed: " << err->message;
    return nullptr;
  }
  return std::get<Instance*>(r);
}

InstantiateError expect_error(std::variant<Instance*, InstantiateError> r) {
  if (auto* err = std::get_if<InstantiateError>(&r)) return *err;
  ADD_FAILURE() << "instantiate unexpectedly succeeded";
  return {};
}

TEST(Trap, SpecMessages) {
  EXPECT_STREQ(trap_message(TrapKind::Unreachable), "unreachable");
  EXPECT_STREQ(trap_message(TrapKind::MemoryOutOfBounds), "out of bounds memory access");
  EXPECT_STREQ(trap_message(TrapKind::TableOutOfBounds), "out of bounds table access");
  EXPECT_STREQ(trap_message(TrapKind::UndefinedElement), "undefined element");
  EXPECT_STREQ(trap_message(TrapKind::UninitializedElement), "uninitialized element");
  EXPECT_STREQ(trap_message(TrapKind::IndirectCallTypeMismatch), "indirect call type mismatch");
  EXPECT_STREQ(trap_message(TrapKind::IntegerDivideByZero), "integer divide by zero");
  EXPECT_STREQ(trap_message(TrapKind::IntegerOverflow), "integer overflow");
  EXPECT_STREQ(trap_message(TrapKind::InvalidConversion), "invalid conversion to integer");
  EXPECT_STREQ(trap_message(TrapKind::StackExhausted), "call stack exhausted");
  EXPECT_STREQ(trap_message(TrapKind::Interrupted), "interrupted");
  EXPECT_STREQ(trap_message(TrapKind::Host), "host error");
  EXPECT_STREQ(trap_message(TrapKind::Exit), "exit");
}

TEST(Value, ToString) {
  EXPECT_EQ(value_to_string(Value::i32(0xFFFFFFFF)), "i32:-1");
  EXPECT_EQ(value_to_string(Value::i64(42)), "i64:42");
  EXPECT_EQ(value_to_string(Value::f32(1.5f)), "f32:1.5");
  EXPECT_EQ(value_to_string(Value::f64(0.1)), "f64:0.10000000000000001");
  EXPECT_EQ(value_to_string(Value::f32_bits(0x7FC00000)), "f32:nan:0x400000");
  EXPECT_EQ(value_to_string(Value::f64_bits(0xFFF0000000000001)), "f64:-nan:0x1");
  EXPECT_EQ(value_to_string(Value::null(ValType::FuncRef)), "funcref:null");
  EXPECT_EQ(value_to_string(Value::ref(ValType::ExternRef, 0x10)), "externref:0x10");
}

TEST(HostCall, TrapAndExit) {
  Store store;
  HostCall call(store, nullptr);
  EXPECT_FALSE(call.pending_trap());
  call.trap(TrapKind::Host, "");
  ASSERT_TRUE(call.pending_trap());
  EXPECT_EQ(call.pending_trap()->message, "host error");
  call.trap(TrapKind::Host, "disk on fire");
  EXPECT_EQ(call.pending_trap()->message, "disk on fire");
  call.exit(3);
  EXPECT_EQ(call.pending_trap()->kind, TrapKind::Exit);
  EXPECT_EQ(call.pending_trap()->exit_code, 3);
}

TEST(ConstEval, Values) {
  Store store;
  GlobalInstance* g = store.create_global(GlobalType{I64, false}, Value::i64(77));
  FuncInstance* f = store.create_host_func(FuncType{}, [](HostCall&, uint64_t*) {});
  std::vector<GlobalInstance*> globals{g};
  std::vector<FuncInstance*> funcs{f};

  auto v = eval_const_expr(i32c(-1), globals, funcs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, I32);
  EXPECT_EQ(v->bits, 0xFFFFFFFFu);  // upper bits cleared despite the sign-extended immediate

  v = eval_const_expr(global_get(0), globals, funcs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, I64);
  EXPECT_EQ(v->bits, 77u);

  v = eval_const_expr(ref_func(0), globals, funcs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, ValType::FuncRef);
  EXPECT_EQ(v->bits, reinterpret_cast<uint64_t>(f));

  v = eval_const_expr(ref_null(), globals, funcs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->bits, 0u);

  v = eval_const_expr(ConstExpr{{instr(Op::F64Const, 0x3FF0000000000000)}, 0}, globals, funcs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, ValType::F64);
  EXPECT_EQ(v->as_f64(), 1.0);

  // Extended constant expressions: (i32.add (i32.const 0x7fffffff) (i32.const 1)) wraps.
  ConstExpr sum{{instr(Op::I32Const, 0x7FFFFFFF), instr(Op::I32Const, 1), instr(Op::I32Add)}, 0};
  v = eval_const_expr(sum, globals, funcs);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->bits, 0x80000000u);
}

TEST(ConstEval, RejectsMalformed) {
  std::vector<GlobalInstance*> globals;
  std::vector<FuncInstance*> funcs;
  EXPECT_FALSE(eval_const_expr(ConstExpr{}, globals, funcs));                     // no value
  EXPECT_FALSE(eval_const_expr(global_get(0), globals, funcs));                   // out of range
  EXPECT_FALSE(eval_const_expr(ref_func(3), globals, funcs));                     // out of range
  EXPECT_FALSE(eval_const_expr(ConstExpr{{instr(Op::Nop)}, 0}, globals, funcs));  // not constant
  EXPECT_FALSE(
      eval_const_expr(ConstExpr{{instr(Op::I32Const), instr(Op::I32Const)}, 0}, globals, funcs));
  EXPECT_FALSE(
      eval_const_expr(ConstExpr{{instr(Op::I32Const), instr(Op::I64Add)}, 0}, globals, funcs));
}

TEST(Store, InternType) {
  Store store;
  uint32_t a = store.intern_type(FuncType{{I32}, {}});
  uint32_t b = store.intern_type(FuncType{{I64}, {}});
  EXPECT_NE(a, b);
  EXPECT_EQ(store.intern_type(FuncType{{I32}, {}}), a);
  FuncInstance* f = store.create_host_func(FuncType{{I64}, {}}, [](HostCall&, uint64_t*) {});
  EXPECT_EQ(f->type_id, b);
  EXPECT_EQ(f->instance, nullptr);
  EXPECT_EQ(f->code, nullptr);
}

TEST(Store, MemoryBudget) {
  Store store(StoreConfig{.max_memory_bytes = 3 * uint64_t{kPageSize}});
  auto m1 = store.create_memory(MemoryType{Limits{2, std::nullopt}});
  ASSERT_TRUE(m1);
  EXPECT_EQ(store.committed_memory_bytes(), 2u * kPageSize);
  auto m2 = store.create_memory(MemoryType{Limits{2, std::nullopt}});
  ASSERT_FALSE(m2);
  EXPECT_NE(m2.error().message.find("memory limit exceeded"), std::string::npos);
  EXPECT_EQ(store.committed_memory_bytes(), 2u * kPageSize);  // failure reserved nothing

  EXPECT_EQ(grow_memory(store, **m1, 2), std::nullopt);  // 4 pages > budget of 3
  EXPECT_EQ(grow_memory(store, **m1, 1), 2u);
  EXPECT_EQ((*m1)->memory.pages(), 3u);
  EXPECT_EQ(grow_memory(store, **m1, 1), std::nullopt);
  EXPECT_EQ(grow_memory(store, **m1, 0), 3u);
  EXPECT_EQ(store.committed_memory_bytes(), 3u * kPageSize);
}

TEST(Store, GrowPastMaxReleasesBudget) {
  Store store;
  auto m = store.create_memory(MemoryType{Limits{1, 2}});
  ASSERT_TRUE(m);
  EXPECT_EQ(grow_memory(store, **m, 2), std::nullopt);  // over the declared max
  EXPECT_EQ(store.committed_memory_bytes(), uint64_t{kPageSize});
  EXPECT_EQ(grow_memory(store, **m, 1), 1u);
  EXPECT_EQ(store.committed_memory_bytes(), 2u * kPageSize);
  EXPECT_FALSE(store.create_memory(MemoryType{Limits{kMaxPages + 1, std::nullopt}}));
}

TEST(Store, TableOps) {
  Store store;
  TableInstance* t = store.create_table(TableType{ValType::FuncRef, Limits{2, 4}}, 5);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->elems, (std::vector<uint64_t>{5, 5}));
  EXPECT_EQ(grow_table(*t, 3, 0), std::nullopt);
  EXPECT_EQ(grow_table(*t, 2, 9), 2u);
  EXPECT_EQ(t->elems, (std::vector<uint64_t>{5, 5, 9, 9}));
  EXPECT_EQ(grow_table(*t, 0, 0), 4u);

  TableInstance* open = store.create_table(TableType{ValType::ExternRef, Limits{0, std::nullopt}});
  EXPECT_EQ(grow_table(*open, UINT32_MAX, 0), std::nullopt);  // capped, no bad_alloc
  EXPECT_EQ(store.create_table(TableType{ValType::FuncRef, Limits{UINT32_MAX, std::nullopt}}),
            nullptr);

  EXPECT_TRUE(table_fill(*t, 1, 7, 2));
  EXPECT_EQ(t->elems, (std::vector<uint64_t>{5, 7, 7, 9}));
  EXPECT_FALSE(table_fill(*t, 3, 1, 2));  // past the end: nothing written
  EXPECT_EQ(t->elems[3], 9u);
  EXPECT_TRUE(table_fill(*t, 4, 1, 0));   // empty at the very end is fine
  EXPECT_FALSE(table_fill(*t, 5, 1, 0));  // but not past it, even when empty

  EXPECT_TRUE(table_copy(*t, *t, 1, 0, 3));  // overlapping, forward
  EXPECT_EQ(t->elems, (std::vector<uint64_t>{5, 5, 7, 7}));
  EXPECT_TRUE(table_copy(*t, *t, 0, 2, 2));  // overlapping, backward
  EXPECT_EQ(t->elems, (std::vector<uint64_t>{7, 7, 7, 7}));
  EXPECT_FALSE(table_copy(*t, *t, 0, 3, 2));
  ASSERT_TRUE(grow_table(*open, 2, 0));
  EXPECT_TRUE(table_copy(*open, *t, 0, 1, 2));
  EXPECT_EQ(open->elems, (std::vector<uint64_t>{7, 7}));
  EXPECT_FALSE(table_copy(*open, *t, 1, 0, 2));
}

TEST(Store, MemoryOps) {
  Store store;
  auto m = store.create_memory(MemoryType{Limits{1, std::nullopt}});
  ASSERT_TRUE(m);
  uint8_t* base = (*m)->memory.base();
  EXPECT_TRUE(memory_fill(**m, kPageSize - 3, 0xAB, 3));
  EXPECT_EQ(base[kPageSize - 1], 0xAB);
  EXPECT_FALSE(memory_fill(**m, kPageSize - 2, 1, 3));
  EXPECT_EQ(base[kPageSize - 2], 0xAB);  // nothing written on failure
  EXPECT_TRUE(memory_fill(**m, kPageSize, 1, 0));
  EXPECT_FALSE(memory_fill(**m, kPageSize + 1, 1, 0));

  std::memcpy(base, "abcdef", 6);
  EXPECT_TRUE(memory_copy(**m, 1, 0, 4));
  EXPECT_EQ(std::memcmp(base, "aabcdf", 6), 0);
  EXPECT_TRUE(memory_copy(**m, 0, 2, 4));
  EXPECT_EQ(std::memcmp(base, "bcdfdf", 6), 0);
  EXPECT_FALSE(memory_copy(**m, 0, kPageSize - 1, 2));
  EXPECT_FALSE(memory_copy(**m, kPageSize - 1, 0, 2));
  EXPECT_TRUE(memory_copy(**m, kPageSize, kPageSize, 0));
}

TEST(Store, InvokeChecksArguments) {
  Store store;
  FuncInstance* f = store.create_host_func(
      FuncType{{I32, I64}, {}}, [](HostCall&, uint64_t*) {}, "h");
  Value good[] = {Value::i32(1), Value::i64(2)};
  Value wrong_type[] = {Value::i32(1), Value::i32(2)};
  auto r = store.invoke(f, std::span<const Value>(good, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap->kind, TrapKind::Host);
  EXPECT_NE(r.trap->message.find("expected 2 arguments"), std::string::npos) << r.trap->message;
  r = store.invoke(f, wrong_type);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.trap->message.find("argument 1 must be i64, got i32"), std::string::npos)
      << r.trap->message;
  EXPECT_TRUE(store.invoke(f, good).ok());
}

// --- Linker ---------------------------------------------------------------------------------

std::shared_ptr<const Module> importer(const std::function<void(ModuleBuilder&)>& add) {
  ModuleBuilder b;
  add(b);
  return b.build();
}

TEST(Linker, UnknownImport) {
  Store store;
  Linker linker;
  auto mod = importer([](ModuleBuilder& b) { b.import_func("env", "f", b.type({I32}, {})); });
  auto err = expect_error(linker.instantiate(store, mod));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Link);
  EXPECT_EQ(err.message, "unknown import: env.f (expected func [i32] -> [])");
}

TEST(Linker, FuncTypeMustMatch) {
  Store store;
  Linker linker;
  linker.define("env", "f", ExternVal::of(store.create_host_func(FuncType{{I64}, {}}, {})));
  auto mod = importer([](ModuleBuilder& b) { b.import_func("env", "f", b.type({I32}, {})); });
  auto err = expect_error(linker.instantiate(store, mod));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Link);
  EXPECT_EQ(err.message,
            "incompatible import type: env.f (expected func [i32] -> [], got func [i64] -> [])");

  // A different kind under the right name is incompatible too.
  linker.define("env", "f",
                ExternVal::of(store.create_global(GlobalType{I32, false}, Value::i32(0))));
  err = expect_error(linker.instantiate(store, mod));
  EXPECT_EQ(err.message,
            "incompatible import type: env.f (expected func [i32] -> [], got global i32)");

  linker.define("env", "f", ExternVal::of(store.create_host_func(FuncType{{I32}, {}}, {})));
  EXPECT_TRUE(expect_instance(linker.instantiate(store, mod)));
}

TEST(Linker, TableLimitsUseCurrentSize) {
  Store store;
  Linker linker;
  TableInstance* t = store.create_table(TableType{ValType::FuncRef, Limits{1, 10}});
  linker.define("env", "t", ExternVal::of(t));
  auto needs3 = importer([](ModuleBuilder& b) {
    b.import_table("env", "t", Limits{3, std::nullopt});
  });
  auto err = expect_error(linker.instantiate(store, needs3));
  EXPECT_EQ(err.message,
            "incompatible import type: env.t (expected table 3 funcref, got table 1 10 funcref)");
  ASSERT_TRUE(grow_table(*t, 2, 0));
  EXPECT_TRUE(expect_instance(linker.instantiate(store, needs3)));

  auto max5 = importer([](ModuleBuilder& b) { b.import_table("env", "t", Limits{0, 5}); });
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(linker.instantiate(store, max5)));  // 10 > 5
  auto max10 = importer([](ModuleBuilder& b) { b.import_table("env", "t", Limits{0, 10}); });
  EXPECT_TRUE(expect_instance(linker.instantiate(store, max10)));

  Import imp;
  imp.kind = ExternKind::Table;
  imp.table = TableType{ValType::ExternRef, Limits{0, std::nullopt}};
  auto externref = importer([&](ModuleBuilder& b) { b.import("env", "t", imp); });
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(linker.instantiate(store, externref)));
}

TEST(Linker, MemoryLimits) {
  Store store;
  Linker linker;
  auto mem = store.create_memory(MemoryType{Limits{1, std::nullopt}});
  ASSERT_TRUE(mem);
  linker.define("env", "m", ExternVal::of(*mem));
  auto needs2 = importer([](ModuleBuilder& b) {
    b.import_memory("env", "m", Limits{2, std::nullopt});
  });
  auto err = expect_error(linker.instantiate(store, needs2));
  EXPECT_EQ(err.message, "incompatible import type: env.m (expected memory 2, got memory 1)");
  ASSERT_TRUE(grow_memory(store, **mem, 1));
  EXPECT_TRUE(expect_instance(linker.instantiate(store, needs2)));
  // No max on the actual memory cannot satisfy an expected max.
  auto bounded = importer([](ModuleBuilder& b) { b.import_memory("env", "m", Limits{0, 100}); });
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(linker.instantiate(store, bounded)));
}

TEST(Linker, GlobalMutabilityAndType) {
  Store store;
  Linker linker;
  linker.define("env", "g",
                ExternVal::of(store.create_global(GlobalType{I32, true}, Value::i32(0))));
  auto immut = importer([](ModuleBuilder& b) {
    b.import_global("env", "g", GlobalType{I32, false});
  });
  auto err = expect_error(linker.instantiate(store, immut));
  EXPECT_EQ(err.message,
            "incompatible import type: env.g (expected global i32, got global mut i32)");
  auto mut64 = importer([](ModuleBuilder& b) {
    b.import_global("env", "g", GlobalType{I64, true});
  });
  EXPECT_TRUE(std::holds_alternative<InstantiateError>(linker.instantiate(store, mut64)));
  auto mut32 = importer([](ModuleBuilder& b) {
    b.import_global("env", "g", GlobalType{I32, true});
  });
  EXPECT_TRUE(expect_instance(linker.instantiate(store, mut32)));
}

TEST(Store, InstantiateChecksImportsDefensively) {
  Store store;
  auto mod = importer([](ModuleBuilder& b) { b.import_func("env", "f", b.type({}, {})); });
  auto err = expect_error(store.instantiate(mod, {}));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Link);
  auto g = ExternVal::of(store.create_global(GlobalType{I32, false}, Value::i32(0)));
  err = expect_error(store.instantiate(mod, {g}));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Link);
  EXPECT_NE(err.message.find("incompatible import type"), std::string::npos);
}

// --- Instantiation ----------------------------------------------------------------------------

TEST(Instantiate, BuildsInstance) {
  Store store;
  Linker linker;
  GlobalInstance* base = store.create_global(GlobalType{I32, false}, Value::i32(8));
  FuncInstance* host = store.create_host_func(FuncType{{}, {I32}}, {}, "env.h");
  linker.define("env", "base", ExternVal::of(base));
  linker.define("env", "h", ExternVal::of(host));

  ModuleBuilder b;
  uint32_t t0 = b.type({}, {I32});
  b.import_func("env", "h", t0);                           // func 0
  b.import_global("env", "base", GlobalType{I32, false});  // global 0
  uint32_t f1 = b.func(t0, {0x41, 0x2A, 0x0B});            // (i32.const 42)
  uint32_t f2 = b.func(t0, {0x41, 0x07, 0x0B});
  uint32_t f3 = b.func(t0, {0x41, 0x00, 0x0B});
  b.m.names.functions[f2] = "named";
  b.table(Limits{4, std::nullopt});
  b.memory(Limits{1, 2});
  b.global(GlobalType{I32, true}, global_get(0));  // global 1 = base
  b.global(GlobalType{ValType::FuncRef, false}, ref_func(f1));
  b.active_elem(0, i32c(1), {f1, 0});
  ElemSegment passive;
  passive.init = {ref_func(f2), ref_null()};
  b.m.elems.push_back(passive);
  ElemSegment declarative;
  declarative.mode = SegmentMode::Declarative;
  declarative.init = {ref_func(f3)};
  b.m.elems.push_back(declarative);
  b.active_data(global_get(0), "hello");
  DataSegment pdata;
  b.set_data_bytes(pdata, "\x09\x09");
  b.m.datas.push_back(pdata);
  b.exp("one", ExternKind::Func, f1);
  b.exp("also_one", ExternKind::Func, f1);
  b.exp("mem", ExternKind::Memory, 0);
  b.exp("tab", ExternKind::Table, 0);
  b.exp("g", ExternKind::Global, 1);
  b.exp("h", ExternKind::Func, 0);
  auto mod = b.build();

  Instance* inst = expect_instance(linker.instantiate(store, mod));
  ASSERT_TRUE(inst);
  EXPECT_EQ(&inst->module(), mod.get());
  ASSERT_EQ(inst->funcs_.size(), 4u);
  EXPECT_EQ(inst->funcs_[0], host);
  FuncInstance* one = inst->funcs_[f1];
  EXPECT_EQ(one->instance, inst);
  EXPECT_EQ(one->index, f1);
  EXPECT_NE(one->code, nullptr);
  EXPECT_EQ(one->type, &mod->types[t0]);
  EXPECT_EQ(one->type_id, host->type_id);
  EXPECT_EQ(one->name, "one");  // first export name
  EXPECT_EQ(inst->funcs_[f2]->name, "named");
  EXPECT_EQ(inst->funcs_[f3]->name, "func[3]");
  EXPECT_EQ(inst->compiled_.size(), 3u);

  EXPECT_EQ(inst->get_func("one"), one);
  EXPECT_EQ(inst->get_func("h"), host);
  EXPECT_EQ(inst->get_func("mem"), nullptr);
  EXPECT_FALSE(inst->get_export("nope"));
  auto g = inst->get_export("g");
  ASSERT_TRUE(g);
  ASSERT_EQ(g->kind, ExternKind::Global);
  EXPECT_EQ(g->global->value().as_u32(), 8u);
  EXPECT_EQ(g->global->type.is_mutable, true);
  EXPECT_EQ(inst->globals_[2]->bits, reinterpret_cast<uint64_t>(one));
  EXPECT_EQ(inst->globals_[0], base);

  TableInstance* tab = inst->get_export("tab")->table;
  EXPECT_EQ(tab->elems, (std::vector<uint64_t>{0, reinterpret_cast<uint64_t>(one),
                                               reinterpret_cast<uint64_t>(host), 0}));
  ASSERT_EQ(inst->elems_.size(), 3u);
  EXPECT_TRUE(inst->elems_[0].empty());  // active: dropped after init
  EXPECT_EQ(inst->elems_[1],
            (std::vector<uint64_t>{reinterpret_cast<uint64_t>(inst->funcs_[f2]), 0}));
  EXPECT_TRUE(inst->elems_[2].empty());  // declarative: dropped

  MemoryInstance* mem = inst->memory0();
  ASSERT_TRUE(mem);
  EXPECT_EQ(inst->mem0_base, mem->memory.base());
  EXPECT_EQ(std::memcmp(mem->memory.base() + 8, "hello", 5), 0);
  EXPECT_EQ(inst->data_dropped_, (std::vector<bool>{true, false}));
  EXPECT_EQ(store.committed_memory_bytes(), uint64_t{kPageSize});
}

// As linking.wast checks: segments before the failing one have written to shared objects, and
// the failed instance's functions stay alive in the store.
TEST(Instantiate, SegmentFailureKeepsEarlierWrites) {
  Store store;
  Linker linker;
  TableInstance* tab = store.create_table(TableType{ValType::FuncRef, Limits{10, std::nullopt}});
  auto mem = store.create_memory(MemoryType{Limits{1, std::nullopt}});
  ASSERT_TRUE(mem);
  linker.define("M", "tab", ExternVal::of(tab));
  linker.define("M", "mem", ExternVal::of(*mem));

  ModuleBuilder b;
  uint32_t t = b.type({}, {I32});
  b.import_table("M", "tab", Limits{0, std::nullopt});
  b.import_memory("M", "mem", Limits{0, std::nullopt});
  uint32_t f = b.func(t, {0x41, 0x00, 0x0B});
  b.active_elem(0, i32c(7), {f});
  b.active_elem(0, i32c(9), {f, f});  // 9 + 2 > 10
  b.active_data(i32c(0), "a");
  auto err = expect_error(linker.instantiate(store, b.build()));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Trap);
  EXPECT_EQ(err.message, "out of bounds table access");
  ASSERT_TRUE(err.trap);
  EXPECT_EQ(err.trap->kind, TrapKind::TableOutOfBounds);
  ASSERT_NE(tab->elems[7], 0u);
  EXPECT_EQ(tab->elems[9], 0u);  // the failing segment wrote nothing
  EXPECT_EQ(reinterpret_cast<FuncInstance*>(tab->elems[7])->name, "func[0]");
  EXPECT_EQ((*mem)->memory.base()[0], 0);  // data segments never ran

  ModuleBuilder d;
  d.import_memory("M", "mem", Limits{0, std::nullopt});
  d.active_data(i32c(10), "xy");
  d.active_data(i32c(static_cast<int32_t>(kPageSize - 1)), "zz");
  err = expect_error(linker.instantiate(store, d.build()));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Trap);
  EXPECT_EQ(err.message, "out of bounds memory access");
  EXPECT_EQ(std::memcmp((*mem)->memory.base() + 10, "xy", 2), 0);
  EXPECT_EQ((*mem)->memory.base()[kPageSize - 1], 0);

  // An empty segment just past the end is out of bounds too (bulk-memory semantics).
  ModuleBuilder e;
  e.import_memory("M", "mem", Limits{0, std::nullopt});
  e.active_data(i32c(static_cast<int32_t>(kPageSize + 1)), "");
  EXPECT_EQ(expect_error(linker.instantiate(store, e.build())).kind, InstantiateError::Kind::Trap);
  ModuleBuilder ok;
  ok.import_memory("M", "mem", Limits{0, std::nullopt});
  ok.active_data(i32c(static_cast<int32_t>(kPageSize)), "");
  EXPECT_TRUE(expect_instance(linker.instantiate(store, ok.build())));
}

// The same path a real embedder takes: bytes -> decode -> link -> instantiate.
std::vector<uint8_t> section(uint8_t id, std::vector<uint8_t> payload) {
  // Sizes are all < 128 here, so one LEB128 byte. (Prepending, rather than inserting the
  // payload after two bytes, sidesteps a g++-12 -O3 -Warray-bounds false positive.)
  payload.insert(payload.begin(), static_cast<uint8_t>(payload.size()));
  payload.insert(payload.begin(), id);
  return payload;
}

TEST(Instantiate, DecodedModule) {
  std::vector<uint8_t> bytes{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  auto add = [&](std::vector<uint8_t> sec) { bytes.insert(bytes.end(), sec.begin(), sec.end()); };
  add(section(1, {0x01, 0x60, 0x00, 0x01, 0x7F}));                            // type 0: [] -> [i32]
  add(section(2, {0x01, 0x03, 'e', 'n', 'v', 0x01, 'g', 0x03, 0x7F, 0x00}));  // env.g: global i32
  add(section(3, {0x01, 0x00}));                                              // func 0: type 0
  add(section(4, {0x01, 0x70, 0x00, 0x02}));                                  // table 2 funcref
  add(section(5, {0x01, 0x00, 0x01}));                                        // memory 1
  add(section(6, {0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B}));                      // global 1 = env.g
  add(section(7, {0x02, 0x01, 'f', 0x00, 0x00, 0x01, 'm', 0x02, 0x00}));      // exports f, m
  add(section(9, {0x01, 0x00, 0x41, 0x01, 0x0B, 0x01, 0x00}));                // elem at 1: func 0
  add(section(10, {0x01, 0x04, 0x00, 0x41, 0x2A, 0x0B}));                     // (i32.const 42)
  add(section(11, {0x01, 0x00, 0x23, 0x00, 0x0B, 0x02, 'h', 'i'}));           // data at env.g
  auto decoded = decode_module(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;

  Store store;
  Linker linker;
  linker.define("env", "g",
                ExternVal::of(store.create_global(GlobalType{I32, false}, Value::i32(5))));
  Instance* inst = expect_instance(linker.instantiate(store, *decoded));
  ASSERT_TRUE(inst);
  FuncInstance* f = inst->get_func("f");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->name, "f");
  EXPECT_EQ(inst->tables_[0]->elems, (std::vector<uint64_t>{0, reinterpret_cast<uint64_t>(f)}));
  EXPECT_EQ(inst->globals_[1]->value().as_u32(), 5u);
  MemoryInstance* mem = inst->get_export("m")->memory;
  EXPECT_EQ(std::memcmp(mem->memory.base() + 5, "hi", 2), 0);
  auto r = store.invoke(f, {});
  ASSERT_TRUE(r.ok()) << r.trap->message;
  EXPECT_EQ(r.results.at(0).as_u32(), 42u);
}

TEST(Instantiate, PassiveSegmentsAndDrops) {
  Store store;
  ModuleBuilder b;
  uint32_t f = b.func(b.type({}, {}), {0x0B});
  b.table(Limits{4, std::nullopt});
  b.memory(Limits{1, std::nullopt});
  ElemSegment elem;
  elem.init = {ref_func(f), ref_null(), ref_func(f)};
  b.m.elems.push_back(elem);
  DataSegment data;
  b.set_data_bytes(data, "abc");
  b.m.datas.push_back(data);
  Instance* inst = expect_instance(store.instantiate(b.build(), {}));
  ASSERT_TRUE(inst);
  uint64_t h = reinterpret_cast<uint64_t>(inst->funcs_[f]);
  TableInstance& t = *inst->tables_[0];
  uint8_t* mem = inst->mem0_base;

  EXPECT_TRUE(table_init(*inst, 0, 0, 2, 1, 2));
  EXPECT_EQ(t.elems, (std::vector<uint64_t>{0, 0, 0, h}));
  EXPECT_FALSE(table_init(*inst, 0, 0, 0, 2, 2));  // src past the segment
  EXPECT_FALSE(table_init(*inst, 0, 0, 3, 0, 2));  // dst past the table
  EXPECT_TRUE(table_init(*inst, 0, 0, 0, 3, 0));
  elem_drop(*inst, 0);
  EXPECT_TRUE(inst->elems_[0].empty());
  EXPECT_TRUE(table_init(*inst, 0, 0, 0, 0, 0));  // a dropped segment has length 0
  EXPECT_FALSE(table_init(*inst, 0, 0, 0, 0, 1));

  EXPECT_TRUE(memory_init(*inst, 0, kPageSize - 2, 1, 2));
  EXPECT_EQ(std::memcmp(mem + kPageSize - 2, "bc", 2), 0);
  EXPECT_FALSE(memory_init(*inst, 0, kPageSize - 1, 0, 2));
  EXPECT_FALSE(memory_init(*inst, 0, 0, 2, 2));
  data_drop(*inst, 0);
  EXPECT_TRUE(memory_init(*inst, 0, 0, 0, 0));
  EXPECT_FALSE(memory_init(*inst, 0, 0, 0, 1));
}

TEST(Instantiate, MemoryBudgetFailure) {
  Store store(StoreConfig{.max_memory_bytes = uint64_t{kPageSize}});
  ModuleBuilder b;
  b.memory(Limits{2, std::nullopt});
  auto err = expect_error(store.instantiate(b.build(), {}));
  EXPECT_NE(err.message.find("memory limit exceeded"), std::string::npos) << err.message;
  EXPECT_EQ(store.committed_memory_bytes(), 0u);
}

TEST(Instantiate, StartFunctionTrap) {
  Store store;
  ModuleBuilder b;
  uint32_t t = b.type({}, {});
  b.memory(Limits{1, std::nullopt});
  b.active_data(i32c(0), "s");
  b.m.start = b.func(t, {0x00, 0x0B});  // unreachable
  auto err = expect_error(store.instantiate(b.build(), {}));
  EXPECT_EQ(err.kind, InstantiateError::Kind::Trap);
  EXPECT_EQ(err.message, "unreachable");
  ASSERT_TRUE(err.trap);
  EXPECT_EQ(err.trap->kind, TrapKind::Unreachable);
}

TEST(Instantiate, StartFunctionRunsAfterSegments) {
  Store store;
  ModuleBuilder b;
  uint32_t t = b.type({}, {});
  b.memory(Limits{1, std::nullopt});
  b.active_data(i32c(0), "\x05");
  // (i32.store8 offset=1 (i32.const 0) (i32.load8_u (i32.const 0)))
  b.m.start = b.func(t, {0x41, 0x00, 0x41, 0x00, 0x2D, 0x00, 0x00, 0x3A, 0x00, 0x01, 0x0B});
  b.exp("f", ExternKind::Func, *b.m.start);
  Instance* inst = expect_instance(store.instantiate(b.build(), {}));
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->memory0()->memory.base()[1], 5);
}

TEST(Instantiate, InvokeWasmFunction) {
  Store store;
  ModuleBuilder b;
  uint32_t t = b.type({I32, I32}, {I32});
  b.exp("add", ExternKind::Func, b.func(t, {0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B}));
  Instance* inst = expect_instance(store.instantiate(b.build(), {}));
  ASSERT_TRUE(inst);
  Value args[] = {Value::i32(40), Value::i32(2)};
  auto r = store.invoke(inst->get_func("add"), args);
  ASSERT_TRUE(r.ok()) << r.trap->message;
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].as_u32(), 42u);
}

}  // namespace
}  // namespace wc::engine
