// The text format to binary (src/engine/text/wat.h): abbreviations must encode exactly like
// their expanded forms, and encoded modules must decode, validate and compute what the text
// says.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/text/wat.h"
#include "engine/validate/validator.h"

namespace wc::engine::text {
namespace {

std::vector<uint8_t> encode(std::string_view wat) {
  auto r = wat_to_wasm(wat);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n in: " << wat;
  return r.ok() ? *r : std::vector<uint8_t>{};
}

std::string error_of(std::string_view wat) {
  auto r = wat_to_wasm(wat);
  EXPECT_FALSE(r.ok()) << "accepted: " << wat;
  return r.ok() ? "" : r.error().message;
}

// Instantiates the module (no imports) and calls `name` with i32 arguments; the i32 results.
std::vector<int32_t> call(std::string_view wat, const std::string& name, std::vector<Value> args) {
  auto bytes = encode(wat);
  auto decoded = decode_module(bytes);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
  if (!decoded) return {};
  auto invalid = validate_module(**decoded);
  EXPECT_FALSE(invalid) << (invalid ? invalid->message : "");
  if (invalid) return {};
  Store store;
  Linker linker;
  auto inst = linker.instantiate(store, *decoded);
  if (!std::holds_alternative<Instance*>(inst)) {
    ADD_FAILURE() << "instantiation failed";
    return {};
  }
  FuncInstance* f = std::get<Instance*>(inst)->get_func(name);
  EXPECT_NE(f, nullptr);
  if (!f) return {};
  auto r = store.invoke(f, args);
  EXPECT_FALSE(r.trap);
  std::vector<int32_t> out;
  for (const Value& v : r.results) {
    EXPECT_EQ(v.type, ValType::I32);
    out.push_back(v.as_i32());
  }
  return out;
}

Value i32(int32_t v) { return Value{ValType::I32, static_cast<uint32_t>(v)}; }

TEST(TextWat, FoldedAndFlatInstructionsEncodeTheSame) {
  EXPECT_EQ(encode("(func (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))"),
            encode("(func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)"));
  EXPECT_EQ(encode("(func (result i32) (if (result i32) (i32.const 1) (then (i32.const 2)) "
                   "(else (i32.const 3))))"),
            encode("(func (result i32) i32.const 1 if (result i32) i32.const 2 else i32.const 3 "
                   "end)"));
  EXPECT_EQ(encode("(func (block $b (br $b)))"), encode("(func block $b br 0 end $b)"));
}

TEST(TextWat, InlineExportsAndImportsAreAbbreviations) {
  EXPECT_EQ(encode("(func $f (export \"a\") (export \"b\"))"),
            encode("(func $f) (export \"a\" (func $f)) (export \"b\" (func 0))"));
  EXPECT_EQ(encode("(func $g (import \"m\" \"g\") (param i32))"),
            encode("(import \"m\" \"g\" (func $g (param i32)))"));
  EXPECT_EQ(encode("(memory (export \"mem\") 1 2)"),
            encode("(memory 1 2) (export \"mem\" (memory 0))"));
  EXPECT_EQ(encode("(global $g (import \"m\" \"g\") (mut i32))"),
            encode("(import \"m\" \"g\" (global $g (mut i32)))"));
  // An import after a definition is malformed text.
  EXPECT_NE(error_of("(func) (import \"m\" \"f\" (func))").find("import after"), std::string::npos);
}

TEST(TextWat, TypeUsesShareTypesAndSymbolicIndicesResolve) {
  EXPECT_EQ(encode("(type $t (func (param i32))) (func (type $t) (param $x i32) (local.get $x))"
                   " (func (param i32))"),
            encode("(type (func (param i32))) (func (type 0) (local.get 0)) (func (type 0))"));
  // A function called before its definition.
  EXPECT_EQ(call("(func (export \"f\") (result i32) (call $later)) (func $later (result i32) "
                 "(i32.const 42))",
                 "f", {}),
            std::vector<int32_t>{42});
  EXPECT_NE(error_of("(func (call $nowhere))").find("unknown function $nowhere"),
            std::string::npos);
  EXPECT_NE(error_of("(func $a) (func $a)").find("duplicate function $a"), std::string::npos);
}

TEST(TextWat, DataElemAndTableAbbreviations) {
  EXPECT_EQ(encode("(memory (data \"ab\" \"c\"))"),
            encode("(memory 1 1) (data (memory 0) (offset i32.const 0) \"abc\")"));
  EXPECT_EQ(call("(type $t (func (result i32))) (table funcref (elem $f))\n"
                 "(func $f (result i32) (i32.const 7))\n"
                 "(func (export \"g\") (result i32) (call_indirect (type $t) (i32.const 0)))",
                 "g", {}),
            std::vector<int32_t>{7});
  auto r = call(
      "(memory (data \"\\2a\")) (func (export \"load\") (result i32) (i32.load8_u (i32.const 0)))",
      "load", {});
  EXPECT_EQ(r, std::vector<int32_t>{42});
}

TEST(TextWat, ComputesWhatTheTextSays) {
  const char* fac =
      "(module (func $fac (export \"fac\") (param $n i32) (result i32)\n"
      "  (if (result i32) (i32.le_s (local.get $n) (i32.const 1))\n"
      "    (then (i32.const 1))\n"
      "    (else (i32.mul (local.get $n) (call $fac (i32.sub (local.get $n) (i32.const 1))))))))";
  EXPECT_EQ(call(fac, "fac", {i32(10)}), std::vector<int32_t>{3628800});
  // Flat loop with labels and a br_if back-edge: sum 1..n.
  const char* sum =
      "(func (export \"sum\") (param $n i32) (result i32) (local $acc i32)\n"
      "  loop $again\n"
      "    local.get $acc local.get $n i32.add local.set $acc\n"
      "    local.get $n i32.const 1 i32.sub local.tee $n\n"
      "    br_if $again\n"
      "  end\n"
      "  local.get $acc)";
  EXPECT_EQ(call(sum, "sum", {i32(100)}), std::vector<int32_t>{5050});
}

TEST(TextWat, SimdSyntax) {
  const char* simd =
      "(func (export \"f\") (result i32)\n"
      "  (i32x4.extract_lane 2\n"
      "    (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i8x16 0 0 0 0 0 0 0 0 10 0 0 0 0 0 0 "
      "0))))\n"
      "(func (export \"s\") (result i32)\n"
      "  (i8x16.extract_lane_u 0 (i8x16.shuffle 31 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
      "    (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15) (v128.const i64x2 0 "
      "0x0900_0000_0000_0000))))";
  EXPECT_EQ(call(simd, "f", {}), std::vector<int32_t>{13});
  EXPECT_EQ(call(simd, "s", {}), std::vector<int32_t>{9});
  EXPECT_NE(error_of("(func (v128.const i32x4 1 2 3))").find("expected 4 lanes"),
            std::string::npos);
  EXPECT_NE(error_of("(func (v128.const i8x16 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))")
                .find("out of range v128 lane"),
            std::string::npos);
  EXPECT_NE(error_of("(func (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))")
                .find("malformed lane index"),
            std::string::npos);
}

TEST(TextWat, ErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("(module\n  (func\n    (i32.bogus)))"), "3:5: unknown operator 'i32.bogus'");
  EXPECT_EQ(error_of("(module (func (i32.const 0x1_0000_0000)))"),
            "1:26: malformed or out of range integer constant '0x1_0000_0000'");
  EXPECT_EQ(error_of("(module (export \"\\ff\" (func 0)) (func))"),
            "1:17: malformed UTF-8 encoding in an export name");
  EXPECT_EQ(error_of("(module (func)"), "1:1: unclosed '(' (missing ')')");
  EXPECT_EQ(file_error("x.wat", "3:5: unknown operator"), "x.wat:3:5: error: unknown operator");
  EXPECT_EQ(file_error("x.wat", "no position"), "x.wat: error: no position");
}

TEST(TextWat, ModuleFilesAreToldApartByNameAndMagic) {
  std::vector<uint8_t> magic = {0, 'a', 's', 'm', 1, 0, 0, 0};
  std::vector<uint8_t> text = {'(', 'm', 'o', 'd', 'u', 'l', 'e', ')'};
  EXPECT_FALSE(is_text_module("x.wat", magic));
  EXPECT_TRUE(is_text_module("x.wat", text));
  EXPECT_TRUE(is_text_module("noext", text));
  EXPECT_FALSE(is_text_module("x.wasm", text));  // a .wasm is binary, even when corrupt
}

}  // namespace
}  // namespace wc::engine::text
