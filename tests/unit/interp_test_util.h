// Helpers for the interpreter tests (interp_*_test.cc): modules are written in WebAssembly text,
// assembled at test time by wabt's wat2wasm, then decoded, validated, instantiated and invoked
// through the public engine API. A missing wat2wasm is a test failure, never a skip.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/runtime/trap.h"
#include "engine/runtime/value.h"
#include "engine/validate/validator.h"

namespace wc::engine::itest {

// A store on `mode` with every compiled instruction enterable (jit_min_run 1), so the JIT's
// tests run the compiled code itself rather than the interpreter around it.
inline StoreConfig engine_config(jit::EngineMode mode) {
  StoreConfig c;
  c.engine = mode;
  c.jit_min_run = 1;
  return c;
}

inline constexpr const char* kWat2Wasm = "/usr/bin/wat2wasm";

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Assembles `wat`; on failure returns nullopt and fills `error`.
inline std::optional<std::vector<uint8_t>> wat_to_wasm(const std::string& wat, std::string& error) {
  if (access(kWat2Wasm, X_OK) != 0) {
    error = std::string(kWat2Wasm) + " not found or not executable: install Debian's wabt";
    return std::nullopt;
  }
  char dir_template[] = "/tmp/wc_interp_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (!dir) {
    error = "mkdtemp failed";
    return std::nullopt;
  }
  std::string d = dir, in = d + "/m.wat", out = d + "/m.wasm", err = d + "/err.txt";
  {
    std::ofstream f(in);
    f << wat;
  }
  std::string cmd = std::string(kWat2Wasm) + " " + in + " -o " + out + " 2> " + err;
  int rc = std::system(cmd.c_str());
  std::optional<std::vector<uint8_t>> result;
  if (rc != 0) {
    error = "wat2wasm failed (status " + std::to_string(rc) + "): " + read_text(err);
  } else {
    std::ifstream f(out, std::ios::binary);
    result.emplace(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return result;
}

// `wat` assembled, decoded, validated and instantiated in `store` with `linker`'s imports (host
// functions the caller made in that same store); null with *error saying which step failed.
inline Instance* instantiate_wat(Store& store, const Linker& linker, const std::string& wat,
                                 std::string* error) {
  auto bytes = wat_to_wasm(wat, *error);
  if (!bytes) return nullptr;
  auto decoded = decode_module(*bytes);
  if (!decoded) {
    *error = "decode: " + decoded.error().message;
    return nullptr;
  }
  if (auto e = validate_module(**decoded)) {
    *error = "validate: " + e->message;
    return nullptr;
  }
  auto r = linker.instantiate(store, *decoded);
  if (auto* err = std::get_if<InstantiateError>(&r)) {
    *error = "instantiate: " + err->message;
    return nullptr;
  }
  return std::get<Instance*>(r);
}

// One instantiated module in its own store.
class Wasm {
 public:
  explicit Wasm(const std::string& wat, StoreConfig config = {}, Linker linker = {})
      : store_(std::make_unique<Store>(config)) {
    inst_ = instantiate_wat(*store_, linker, wat, &error_);  // in the body: error_ is built last
  }

  bool ok() const { return inst_ != nullptr; }
  const std::string& error() const { return error_; }
  Store& store() { return *store_; }
  Instance* instance() { return inst_; }
  uint8_t* mem() { return inst_->memory0()->memory.base(); }
  uint64_t mem_size() { return inst_->memory0()->memory.size_bytes(); }

  InvokeResult run(const std::string& name, std::vector<Value> args = {}) {
    FuncInstance* f = inst_ ? inst_->get_func(name) : nullptr;
    if (!f) {
      InvokeResult r;
      r.trap = Trap{TrapKind::Host, "no export " + name, {}, 0};
      return r;
    }
    return store_->invoke(f, args);
  }

  // The single result's bits; a trap or a wrong result count is a test failure.
  uint64_t bits(const std::string& name, std::vector<Value> args = {}) {
    InvokeResult r = run(name, std::move(args));
    if (!r.ok()) {
      ADD_FAILURE() << name << " trapped: " << r.trap->message;
      return 0xBAD0BAD0BAD0BAD0ull;
    }
    if (r.results.size() != 1) {
      ADD_FAILURE() << name << " returned " << r.results.size() << " values";
      return 0xBAD0BAD0BAD0BAD0ull;
    }
    return r.results[0].bits;
  }
  uint32_t u32(const std::string& name, std::vector<Value> args = {}) {
    uint64_t b = bits(name, std::move(args));
    if (b >> 32 && b != 0xBAD0BAD0BAD0BAD0ull)
      ADD_FAILURE() << name << ": i32 result has upper bits set: " << std::hex << b;
    return static_cast<uint32_t>(b);
  }
  int32_t i32(const std::string& name, std::vector<Value> args = {}) {
    return static_cast<int32_t>(u32(name, std::move(args)));
  }
  uint64_t u64(const std::string& name, std::vector<Value> args = {}) {
    return bits(name, std::move(args));
  }
  // All results' bits (empty on trap, with a test failure).
  std::vector<uint64_t> multi(const std::string& name, std::vector<Value> args = {}) {
    InvokeResult r = run(name, std::move(args));
    std::vector<uint64_t> out;
    if (!r.ok()) {
      ADD_FAILURE() << name << " trapped: " << r.trap->message;
      return out;
    }
    for (const Value& v : r.results) out.push_back(v.bits);
    return out;
  }
  // The trap kind, or nullopt if the call returned.
  std::optional<TrapKind> trap(const std::string& name, std::vector<Value> args = {}) {
    InvokeResult r = run(name, std::move(args));
    if (r.ok()) return std::nullopt;
    return r.trap->kind;
  }
  // Runs `name` while another thread sets the store's interrupt flag after 50 ms: for
  // functions that would run for years, to test that (compiled) code polls the flag.
  InvokeResult run_interrupted(const std::string& name, std::vector<Value> args = {}) {
    std::thread stopper([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      store_->interrupt();
    });
    InvokeResult r = run(name, std::move(args));
    stopper.join();
    return r;
  }

 private:
  std::unique_ptr<Store> store_;
  Instance* inst_ = nullptr;
  std::string error_;
};

inline Value I32(uint32_t v) { return Value::i32(v); }
inline Value I32s(int32_t v) { return Value::i32(static_cast<uint32_t>(v)); }
inline Value I64(uint64_t v) { return Value::i64(v); }

// Edge values for i32 inputs.
inline const std::vector<uint32_t>& edge_u32() {
  static const std::vector<uint32_t> v = {
      0u,          1u,          2u,          3u,          5u,          7u,          31u,
      32u,         33u,         63u,         64u,         100u,        0x7Fu,       0x80u,
      0xFFu,       0x100u,      0x7FFFu,     0x8000u,     0xFFFFu,     0x10000u,    0x12345678u,
      0x7FFFFFFEu, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFEu, 0xFFFFFFFFu, 0xDEADBEEFu,
      0xFFFFFFE0u, 0x55555555u, 0xAAAAAAAAu};
  return v;
}

inline const char* trap_name(std::optional<TrapKind> k) {
  if (!k) return "(no trap)";
  return trap_message(*k);
}

}  // namespace wc::engine::itest

// Loads a module into `var`, failing the test (fatally) with the assembler/decoder message.
#define ITEST_LOAD(var, ...)                  \
  ::wc::engine::itest::Wasm var(__VA_ARGS__); \
  ASSERT_TRUE(var.ok()) << "module failed to load: " << var.error()
