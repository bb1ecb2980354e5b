// Validator tests on modules assembled as bytes by a small builder, decoded by decode_module.
#include "engine/validate/validator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/binary/decoder.h"

namespace wc::engine {
namespace {

using Bytes = std::vector<uint8_t>;

// Value type and opcode bytes used below.
constexpr uint8_t I32 = 0x7F, I64 = 0x7E, F32 = 0x7D, FUNCREF = 0x70, EXTERNREF = 0x6F;
constexpr uint8_t UNREACHABLE = 0x00, NOP = 0x01, BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05,
                  END = 0x0B, BR = 0x0C, BR_IF = 0x0D, BR_TABLE = 0x0E, RETURN = 0x0F, CALL = 0x10,
                  CALL_INDIRECT = 0x11, DROP = 0x1A, SELECT = 0x1B, SELECT_T = 0x1C,
                  LOCAL_GET = 0x20, LOCAL_SET = 0x21, GLOBAL_GET = 0x23, GLOBAL_SET = 0x24,
                  I32_LOAD = 0x28, I64_LOAD = 0x29, I32_STORE = 0x36, MEMORY_GROW = 0x40,
                  I32_CONST = 0x41, I64_CONST = 0x42, F32_CONST = 0x43, I32_ADD = 0x6A,
                  REF_NULL = 0xD0, REF_IS_NULL = 0xD1, REF_FUNC = 0xD2, FC = 0xFC;
constexpr uint8_t EMPTY = 0x40;  // empty block type

void leb(Bytes& b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7F;
    v >>= 7;
    b.push_back(byte | (v ? 0x80 : 0));
  } while (v);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes vec(const Bytes& elems, uint32_t count) {
  Bytes out;
  leb(out, count);
  out.insert(out.end(), elems.begin(), elems.end());
  return out;
}

Bytes name(const std::string& s) { return vec(Bytes(s.begin(), s.end()), uint32_t(s.size())); }

Bytes limits(uint32_t min, std::optional<uint32_t> max) {
  Bytes b{uint8_t(max ? 1 : 0)};
  leb(b, min);
  if (max) leb(b, *max);
  return b;
}

// Collects section entries and writes them in the binary's section order.
class ModuleBuilder {
 public:
  uint32_t type(Bytes params, Bytes results) {
    add(1, cat({{0x60},
                vec(params, uint32_t(params.size())),
                vec(results, uint32_t(results.size()))}));
    return count_[1] - 1;
  }
  // `body` without the final end, which is appended. `locals` are (count, type) groups.
  uint32_t func(uint32_t type_index, Bytes body,
                std::vector<std::pair<uint32_t, uint8_t>> locals = {}) {
    Bytes f;
    leb(f, type_index);
    add(3, f);
    Bytes code;
    leb(code, locals.size());
    for (auto [n, t] : locals) {
      leb(code, n);
      code.push_back(t);
    }
    code.insert(code.end(), body.begin(), body.end());
    code.push_back(END);
    Bytes entry;
    leb(entry, code.size());
    entry.insert(entry.end(), code.begin(), code.end());
    add(10, entry);
    return num_imported_funcs_ + count_[3] - 1;
  }
  void import_func(uint32_t type_index) {
    Bytes b = cat({name("m"), name("f"), {0x00}});
    leb(b, type_index);
    add(2, b);
    ++num_imported_funcs_;
  }
  void import_global(uint8_t t, bool mut) {
    add(2, cat({name("m"), name("g"), {0x03, t, uint8_t(mut)}}));
  }
  void import_memory(uint32_t min) {
    add(2, cat({name("m"), name("mem"), {0x02}, limits(min, {})}));
  }
  void table(uint8_t elem, uint32_t min, std::optional<uint32_t> max = {}) {
    add(4, cat({{elem}, limits(min, max)}));
  }
  void memory(uint32_t min, std::optional<uint32_t> max = {}) { add(5, limits(min, max)); }
  // `init` without its end.
  void global(uint8_t t, bool mut, Bytes init) { add(6, cat({{t, uint8_t(mut)}, init, {END}})); }
  void export_(const std::string& n, uint8_t kind, uint32_t index) {
    Bytes b = cat({name(n), {kind}});
    leb(b, index);
    add(7, b);
  }
  void start(uint32_t f) { start_ = f; }
  void elem_raw(Bytes entry) { add(9, entry); }
  void data_count(uint32_t n) { data_count_ = n; }
  void data_passive(Bytes bytes) { add(11, cat({{0x01}, vec(bytes, uint32_t(bytes.size()))})); }

  Bytes build() const {
    Bytes out{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    for (uint8_t id : {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11}) {
      Bytes payload;
      if (id == 8 && start_) {
        leb(payload, *start_);
      } else if (id == 12 && data_count_) {
        leb(payload, *data_count_);
      } else if (auto it = entries_.find(id); it != entries_.end()) {
        payload = vec(it->second, count_.at(id));
      } else {
        continue;
      }
      out.push_back(id);
      leb(out, payload.size());
      out.insert(out.end(), payload.begin(), payload.end());
    }
    return out;
  }

 private:
  void add(uint8_t id, const Bytes& entry) {
    Bytes& e = entries_[id];
    e.insert(e.end(), entry.begin(), entry.end());
    ++count_[id];
  }

  std::map<uint8_t, Bytes> entries_;
  std::map<uint8_t, uint32_t> count_;
  uint32_t num_imported_funcs_ = 0;
  std::optional<uint32_t> start_, data_count_;
};

std::shared_ptr<const Module> decode(const Bytes& bytes) {
  auto r = decode_module(bytes);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? r.value() : nullptr;
}

// "" when valid, else the validation error message.
std::string check(const ModuleBuilder& b) {
  auto m = decode(b.build());
  if (!m) return "(decode failed)";
  auto err = validate_module(*m);
  return err ? err->message : "";
}

#define EXPECT_VALID(b) EXPECT_EQ(check(b), "")
#define EXPECT_INVALID(b, prefix)                                \
  do {                                                           \
    std::string msg_ = check(b);                                 \
    EXPECT_EQ(msg_.rfind(prefix, 0), 0u) << "message: " << msg_; \
  } while (0)

// A module with one function of type params -> results and the given body.
ModuleBuilder one_func(Bytes params, Bytes results, Bytes body,
                       std::vector<std::pair<uint32_t, uint8_t>> locals = {}) {
  ModuleBuilder b;
  b.func(b.type(std::move(params), std::move(results)), std::move(body), std::move(locals));
  return b;
}

TEST(Validator, ResultTypesAtFinalEnd) {
  EXPECT_VALID(one_func({}, {}, {}));
  EXPECT_VALID(one_func({}, {I32}, {I32_CONST, 1}));
  EXPECT_INVALID(one_func({}, {I32}, {I64_CONST, 1}), "type mismatch");
  EXPECT_INVALID(one_func({}, {I32}, {}), "type mismatch");
  EXPECT_INVALID(one_func({}, {}, {I32_CONST, 1}), "type mismatch");
  EXPECT_INVALID(one_func({}, {I32}, {I32_CONST, 1, I32_CONST, 1}), "type mismatch");
  EXPECT_INVALID(one_func({}, {I32}, {I32_CONST, 1, I64_CONST, 1, I32_ADD}), "type mismatch");
}

TEST(Validator, ErrorNamesFunctionAndOffset) {
  std::string msg = check(one_func({}, {I32}, {F32_CONST, 0, 0, 0, 0}));
  EXPECT_NE(msg.find("function 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("offset 0x"), std::string::npos) << msg;
}

// Module-level errors name the item being checked; the validator keeps that in parts and
// formats it only on failure.
TEST(Validator, ErrorNamesModuleItem) {
  ModuleBuilder import_type;
  import_type.import_func(3);
  EXPECT_EQ(check(import_type), "unknown type 3 (import 0 \"m\" \"f\")");

  ModuleBuilder bad_export = one_func({}, {}, {});
  bad_export.export_("ok", 0x00, 0);
  bad_export.export_("e", 0x00, 7);
  EXPECT_EQ(check(bad_export), "unknown function 7 (export 1 \"e\")");

  ModuleBuilder dup = one_func({}, {}, {});
  dup.export_("x", 0x00, 0);
  dup.export_("x", 0x00, 0);
  EXPECT_EQ(check(dup), "duplicate export name \"x\" (export section)");

  ModuleBuilder bad_type;
  bad_type.type({}, {});
  bad_type.func(0, {});
  bad_type.func(5, {});
  EXPECT_EQ(check(bad_type), "unknown type 5 (function 1)");

  ModuleBuilder bad_global;
  bad_global.global(I32, false, {I64_CONST, 0});
  const std::string msg = check(bad_global);
  EXPECT_EQ(msg.rfind("type mismatch: constant expression must produce i32 but produces [i64] "
                      "(global 0, offset 0x",
                      0),
            0u)
      << msg;
}

// The function-level messages are built out of line from their parts (FunctionValidator::failf):
// they must read as before, numbers and type names included.
TEST(Validator, FunctionErrorTexts) {
  auto text = [](const ModuleBuilder& b) {
    std::string msg = check(b);
    return msg.substr(0, msg.find(" (function"));
  };
  EXPECT_EQ(text(one_func({}, {}, {LOCAL_GET, 4, DROP})), "unknown local 4");
  EXPECT_EQ(text(one_func({}, {}, {BR, 3})), "unknown label 3");
  EXPECT_EQ(text(one_func({}, {}, {GLOBAL_GET, 2, DROP})), "unknown global 2");
  EXPECT_EQ(text(one_func({}, {}, {I32_CONST, 1, I32_CONST, 1})),
            "type mismatch: 2 value(s) left on the stack at the end of the block");
  EXPECT_EQ(text(one_func({}, {}, {DROP})),
            "type mismatch: drop expected a value but the stack is empty");
  EXPECT_EQ(text(one_func({}, {}, {I32_CONST, 1, I64_CONST, 1, I32_CONST, 0, SELECT, DROP})),
            "type mismatch: select operands i32 and i64");
  EXPECT_EQ(
      text(one_func({}, {}, {REF_NULL, FUNCREF, REF_NULL, FUNCREF, I32_CONST, 0, SELECT, DROP})),
      "type mismatch: select without type on funcref and funcref");
  EXPECT_EQ(text(one_func({}, {}, {I32_CONST, 0, REF_IS_NULL, DROP})),
            "type mismatch: ref.is_null on i32");
  EXPECT_EQ(text(one_func({}, {}, {REF_FUNC, 0, DROP})),
            "undeclared function reference: function 0 appears in no element segment, export "
            "or global initializer");
}

TEST(Validator, UnreachableMakesStackPolymorphic) {
  EXPECT_VALID(one_func({}, {I32}, {UNREACHABLE, I32_ADD}));
  EXPECT_VALID(one_func({}, {I32}, {UNREACHABLE, SELECT}));
  EXPECT_VALID(one_func({}, {I32}, {UNREACHABLE, REF_IS_NULL}));
  EXPECT_VALID(one_func({}, {}, {BLOCK, I32, RETURN, END, DROP}));
  EXPECT_VALID(one_func({}, {I64}, {BLOCK, EMPTY, BR, 0, I32_ADD, DROP, END, I64_CONST, 0}));
  // Concrete values pushed after `unreachable` are still checked.
  EXPECT_INVALID(one_func({}, {I32}, {UNREACHABLE, I64_CONST, 0, I32_ADD}), "type mismatch");
  // Polymorphism ends with the block: the outer stack is not polymorphic.
  EXPECT_INVALID(one_func({}, {I32}, {BLOCK, EMPTY, UNREACHABLE, END}), "type mismatch");
}

TEST(Validator, Select) {
  EXPECT_VALID(one_func({}, {I64}, {I64_CONST, 1, I64_CONST, 2, I32_CONST, 0, SELECT}));
  EXPECT_INVALID(one_func({}, {I64}, {I64_CONST, 1, I32_CONST, 2, I32_CONST, 0, SELECT}),
                 "type mismatch");
  // Untyped select is for numeric types only, even when one operand is unknown.
  EXPECT_INVALID(
      one_func({}, {}, {REF_NULL, FUNCREF, REF_NULL, FUNCREF, I32_CONST, 0, SELECT, DROP}),
      "type mismatch");
  EXPECT_INVALID(one_func({}, {}, {UNREACHABLE, REF_NULL, FUNCREF, I32_CONST, 0, SELECT, DROP}),
                 "type mismatch");
  EXPECT_VALID(one_func(
      {}, {FUNCREF}, {REF_NULL, FUNCREF, REF_NULL, FUNCREF, I32_CONST, 0, SELECT_T, 1, FUNCREF}));
}

TEST(Validator, MultiValueBlocksWithTypeIndex) {
  ModuleBuilder b;
  uint32_t sig = b.type({I32, I32}, {I32});
  b.func(b.type({}, {I32}), {I32_CONST, 1, I32_CONST, 2, BLOCK, uint8_t(sig), I32_ADD, END});
  EXPECT_VALID(b);

  ModuleBuilder loop;
  uint32_t lsig = loop.type({I32}, {I32});
  // br 0 in a loop targets the loop's start, so it needs the *params*.
  loop.func(loop.type({}, {I32}), {I32_CONST, 1, LOOP, uint8_t(lsig), BR, 0, END});
  EXPECT_VALID(loop);

  ModuleBuilder bad;
  uint32_t bsig = bad.type({I32, I32}, {I32});
  bad.func(bad.type({}, {I32}), {I32_CONST, 1, BLOCK, uint8_t(bsig), I32_ADD, END});
  EXPECT_INVALID(bad, "type mismatch");

  EXPECT_INVALID(one_func({}, {}, {BLOCK, 5, END}), "unknown type");
}

TEST(Validator, IfElse) {
  EXPECT_VALID(one_func({}, {I32}, {I32_CONST, 0, IF, I32, I32_CONST, 1, ELSE, I32_CONST, 2, END}));
  // An if without else must have identical params and results.
  EXPECT_INVALID(one_func({}, {I32}, {I32_CONST, 0, IF, I32, I32_CONST, 1, END}), "type mismatch");
  ModuleBuilder b;
  uint32_t sig = b.type({I32}, {I32});
  b.func(b.type({}, {I32}), {I32_CONST, 5, I32_CONST, 0, IF, uint8_t(sig), END});
  EXPECT_VALID(b);
  EXPECT_INVALID(one_func({}, {}, {I64_CONST, 0, IF, EMPTY, END}), "type mismatch");
  EXPECT_INVALID(one_func({}, {}, {I32_CONST, 0, IF, EMPTY, I32_CONST, 1, ELSE, END}),
                 "type mismatch");
}

TEST(Validator, Branches) {
  EXPECT_INVALID(one_func({}, {}, {BR, 1}), "unknown label");
  EXPECT_VALID(one_func({}, {I32}, {I32_CONST, 1, BR, 0}));
  EXPECT_VALID(one_func({}, {I32}, {I32_CONST, 1, I32_CONST, 0, BR_IF, 0}));
  EXPECT_INVALID(one_func({}, {I32}, {I64_CONST, 1, I32_CONST, 0, BR_IF, 0}), "type mismatch");
  // br_table: all labels must have the same arity...
  EXPECT_INVALID(one_func({}, {},
                          {BLOCK, I32, BLOCK, EMPTY, I32_CONST, 0, I32_CONST, 0, BR_TABLE, 1, 0, 1,
                           END, I32_CONST, 0, END, DROP}),
                 "type mismatch");
  // ...and each label's types are checked against the stack.
  EXPECT_INVALID(
      one_func({}, {}, {BLOCK,    I32, BLOCK, I64, F32_CONST, 0,    0,         0, 0,   I32_CONST, 0,
                        BR_TABLE, 1,   0,     1,   END,       DROP, I32_CONST, 0, END, DROP}),
      "type mismatch");
  // With an unknown operand, labels of different types (same arity) are fine.
  EXPECT_VALID(one_func({}, {},
                        {BLOCK, I32, BLOCK, I64, UNREACHABLE, I32_CONST, 0, BR_TABLE, 1, 0, 1, END,
                         DROP, I32_CONST, 0, END, DROP}));
  EXPECT_INVALID(one_func({}, {}, {I32_CONST, 0, BR_TABLE, 1, 0, 2}), "unknown label");
}

TEST(Validator, OperatorsAfterFinalEnd) {
  auto m = decode(one_func({}, {}, {NOP}).build());
  ASSERT_TRUE(m);
  Module copy = *m;
  copy.bytes[copy.code[0].code_begin] = END;  // `end end`: the second is past the final end
  auto err = validate_module(copy);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("after end of function"), std::string::npos) << err->message;
}

TEST(Validator, DecodeErrorInBodyBecomesError) {
  auto m = decode(one_func({}, {}, {NOP}).build());
  ASSERT_TRUE(m);
  Module copy = *m;
  copy.bytes[copy.code[0].code_begin] = 0xFF;
  auto err = validate_module(copy);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("illegal opcode"), std::string::npos) << err->message;
}

TEST(Validator, CallsAndLocals) {
  ModuleBuilder b;
  uint32_t t = b.type({I32}, {I64});
  b.func(t, {I64_CONST, 0});
  b.func(b.type({}, {I64}), {I32_CONST, 3, CALL, 0});
  EXPECT_VALID(b);
  EXPECT_INVALID(one_func({}, {}, {CALL, 3}), "unknown function");

  ModuleBuilder ci;
  ci.table(EXTERNREF, 1);
  ci.func(ci.type({}, {}), {I32_CONST, 0, CALL_INDIRECT, 0, 0});
  EXPECT_INVALID(ci, "type mismatch");
  EXPECT_INVALID(one_func({}, {}, {I32_CONST, 0, CALL_INDIRECT, 0, 0}), "unknown table");
  ModuleBuilder ok;
  ok.table(FUNCREF, 1);
  ok.func(ok.type({}, {}), {I32_CONST, 0, CALL_INDIRECT, 0, 0});
  EXPECT_VALID(ok);

  // Locals are the params followed by the declared groups.
  auto locals = std::vector<std::pair<uint32_t, uint8_t>>{{2, I64}, {0, I32}, {1, F32}};
  EXPECT_VALID(
      one_func({I32}, {F32}, {LOCAL_GET, 0, DROP, LOCAL_GET, 2, DROP, LOCAL_GET, 3}, locals));
  EXPECT_INVALID(one_func({I32}, {I64}, {LOCAL_GET, 3}, locals), "type mismatch");
  EXPECT_INVALID(one_func({I32}, {}, {LOCAL_GET, 4, DROP}, locals), "unknown local");
  EXPECT_INVALID(one_func({I32}, {}, {I64_CONST, 0, LOCAL_SET, 0}, locals), "type mismatch");
}

TEST(Validator, Globals) {
  ModuleBuilder b;
  b.global(I32, false, {I32_CONST, 0});
  b.func(b.type({}, {}), {I32_CONST, 1, GLOBAL_SET, 0});
  EXPECT_INVALID(b, "global is immutable");
  EXPECT_INVALID(one_func({}, {}, {GLOBAL_GET, 0, DROP}), "unknown global");

  ModuleBuilder ok;
  ok.global(I32, true, {I32_CONST, 0});
  ok.func(ok.type({}, {}), {I32_CONST, 1, GLOBAL_SET, 0});
  EXPECT_VALID(ok);
}

TEST(Validator, ConstantExpressions) {
  ModuleBuilder imported;
  imported.import_global(I32, false);
  imported.global(I32, false, {GLOBAL_GET, 0});
  EXPECT_VALID(imported);

  // 2.0: only imported globals may be read, and only immutable ones.
  ModuleBuilder defined;
  defined.global(I32, false, {I32_CONST, 0});
  defined.global(I32, false, {GLOBAL_GET, 0});
  EXPECT_INVALID(defined, "unknown global");
  ModuleBuilder mut;
  mut.import_global(I32, true);
  mut.global(I32, false, {GLOBAL_GET, 0});
  EXPECT_INVALID(mut, "constant expression required");

  ModuleBuilder op;
  op.global(I32, false, {I32_CONST, 1, I32_CONST, 2, I32_ADD});
  EXPECT_INVALID(op, "constant expression required");
  ModuleBuilder type;
  type.global(I32, false, {I64_CONST, 0});
  EXPECT_INVALID(type, "type mismatch");
  ModuleBuilder two;
  two.global(I32, false, {I32_CONST, 0, I32_CONST, 0});
  EXPECT_INVALID(two, "type mismatch");
  ModuleBuilder none;
  none.global(I32, false, {});
  EXPECT_INVALID(none, "type mismatch");
  ModuleBuilder ref;
  ref.global(FUNCREF, false, {REF_NULL, EXTERNREF});
  EXPECT_INVALID(ref, "type mismatch");
}

TEST(Validator, Memory) {
  EXPECT_INVALID(one_func({}, {}, {I32_CONST, 0, I32_LOAD, 2, 0, DROP}), "unknown memory");
  ModuleBuilder b;
  b.memory(1);
  b.func(b.type({}, {}), {I32_CONST, 0, I64_LOAD, 3, 0, DROP, I32_CONST, 0, I32_CONST, 0, I32_STORE,
                          2, 0, I32_CONST, 1, MEMORY_GROW, 0, DROP});
  EXPECT_VALID(b);
  ModuleBuilder align;
  align.memory(1);
  align.func(align.type({}, {}), {I32_CONST, 0, I32_LOAD, 3, 0, DROP});
  EXPECT_INVALID(align, "alignment must not be larger than natural");

  ModuleBuilder two;
  two.import_memory(1);
  two.memory(1);
  EXPECT_INVALID(two, "multiple memories");
  ModuleBuilder big;
  big.memory(65537);
  EXPECT_INVALID(big, "memory size must be at most 65536 pages (4GiB)");
  ModuleBuilder big_max;
  big_max.memory(0, 65537);
  EXPECT_INVALID(big_max, "memory size must be at most 65536 pages (4GiB)");
  ModuleBuilder minmax;
  minmax.memory(2, 1);
  EXPECT_INVALID(minmax, "size minimum must not be greater than maximum");
  ModuleBuilder table;
  table.table(FUNCREF, 2, 1);
  EXPECT_INVALID(table, "size minimum must not be greater than maximum");
}

TEST(Validator, BulkMemoryAndTables) {
  ModuleBuilder data;
  data.memory(1);
  data.data_count(1);
  data.func(data.type({}, {}), {I32_CONST, 0, I32_CONST, 0, I32_CONST, 0, FC, 8, 0, 0, FC, 9, 0});
  data.data_passive({1, 2});
  EXPECT_VALID(data);
  ModuleBuilder bad_data;
  bad_data.memory(1);
  bad_data.data_count(1);
  bad_data.func(bad_data.type({}, {}), {FC, 9, 1});
  bad_data.data_passive({1});
  EXPECT_INVALID(bad_data, "unknown data segment");

  // Passive funcref segment (flags 5, elemkind-less expression form) with one ref.null.
  const Bytes funcref_seg{0x05, FUNCREF, 0x01, REF_NULL, FUNCREF, END};
  ModuleBuilder init;
  init.table(EXTERNREF, 1);
  init.elem_raw(funcref_seg);
  init.func(init.type({}, {}), {I32_CONST, 0, I32_CONST, 0, I32_CONST, 0, FC, 12, 0, 0});
  EXPECT_INVALID(init, "type mismatch");
  ModuleBuilder init_ok;
  init_ok.table(FUNCREF, 1);
  init_ok.elem_raw(funcref_seg);
  init_ok.func(init_ok.type({}, {}),
               {I32_CONST, 0, I32_CONST, 0, I32_CONST, 0, FC, 12, 0, 0, FC, 13, 0});
  EXPECT_VALID(init_ok);
  EXPECT_INVALID(one_func({}, {}, {FC, 13, 4}), "unknown elem segment");

  ModuleBuilder copy;
  copy.table(FUNCREF, 1);
  copy.table(EXTERNREF, 1);
  copy.func(copy.type({}, {}), {I32_CONST, 0, I32_CONST, 0, I32_CONST, 0, FC, 14, 0, 1});
  EXPECT_INVALID(copy, "type mismatch");

  ModuleBuilder grow;
  grow.table(EXTERNREF, 1);
  grow.func(grow.type({}, {I32}), {REF_NULL, EXTERNREF, I32_CONST, 1, FC, 15, 0});
  EXPECT_VALID(grow);
  ModuleBuilder grow_bad;
  grow_bad.table(EXTERNREF, 1);
  grow_bad.func(grow_bad.type({}, {I32}), {REF_NULL, FUNCREF, I32_CONST, 1, FC, 15, 0});
  EXPECT_INVALID(grow_bad, "type mismatch");

  // Active segment into a table of another reference type.
  ModuleBuilder active;
  active.table(EXTERNREF, 1);
  active.elem_raw({0x00, I32_CONST, 0, END, 0x00});  // flags 0: funcref, offset, no functions
  EXPECT_INVALID(active, "type mismatch");
}

TEST(Validator, RefFuncNeedsDeclaration) {
  EXPECT_INVALID(one_func({}, {}, {REF_FUNC, 0, DROP}), "undeclared function reference");
  ModuleBuilder exported = one_func({}, {}, {REF_FUNC, 0, DROP});
  exported.export_("f", 0x00, 0);
  EXPECT_VALID(exported);
  ModuleBuilder global = one_func({}, {}, {REF_FUNC, 0, DROP});
  global.global(FUNCREF, false, {REF_FUNC, 0});
  EXPECT_VALID(global);
  ModuleBuilder declared = one_func({}, {}, {REF_FUNC, 0, DROP});
  declared.elem_raw({0x03, 0x00, 0x01, 0x00});  // declarative, function index 0
  EXPECT_VALID(declared);
}

TEST(Validator, ExportsAndStart) {
  ModuleBuilder dup = one_func({}, {}, {});
  dup.export_("a", 0x00, 0);
  dup.export_("a", 0x00, 0);
  EXPECT_INVALID(dup, "duplicate export name");
  ModuleBuilder unknown = one_func({}, {}, {});
  unknown.export_("g", 0x03, 0);
  EXPECT_INVALID(unknown, "unknown global");

  ModuleBuilder start = one_func({}, {}, {});
  start.start(0);
  EXPECT_VALID(start);
  ModuleBuilder start_type = one_func({I32}, {}, {});
  start_type.start(0);
  EXPECT_INVALID(start_type, "start function");
  ModuleBuilder start_unknown = one_func({}, {}, {});
  start_unknown.start(1);
  EXPECT_INVALID(start_unknown, "unknown function");

  ModuleBuilder import_type;
  import_type.import_func(3);
  EXPECT_INVALID(import_type, "unknown type");
}

TEST(Validator, DeepNesting) {
  Bytes body;
  for (int i = 0; i < 20000; ++i) body.insert(body.end(), {BLOCK, EMPTY});
  for (int i = 0; i < 20000; ++i) body.push_back(END);
  EXPECT_VALID(one_func({}, {}, body));
}

}  // namespace
}  // namespace wc::engine
