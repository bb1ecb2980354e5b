// Modules made to blow up the JIT (src/engine/jit/x64_compiler.cc): the most locals the decoder
// accepts and more, a 50 MB function, 20,000 nested blocks and loops, br_tables of a million
// entries. Each is built in memory here (no assembler: wat2wasm itself chokes on some), then
// instantiated with every function compiled to x86-64, and must give the interpreter's result
// (or the value computed independently below) in bounded time, with machine code in proportion
// to the function, or be left to the interpreter when over the compiler's caps.
//
// WC_HOSTILE_WASM_DIR=DIR writes each module to DIR/NAME.wasm, for running them through
// `wasm-run --engine jit` by hand (under a memory ulimit, say).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/interp/compiled_function.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/validate/validator.h"

namespace wc::engine {
namespace {

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
using Bytes = std::vector<uint8_t>;

// The compiler's own caps (x64_compiler.cc): functions longer than this many slot-form code
// words stay interpreted; frames whose template (declared locals + constants) is longer have
// no inline native entry (the interpreter sets them up).
constexpr size_t kCompilerMaxCodeWords = size_t{4} << 20;
constexpr size_t kCompilerMaxInlineTemplate = 512;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
// Generous bounds, in CPU seconds of the loading thread (wall time on a 2-core machine shared
// with other builds says little); the sanitizers slow everything down about 4-5 times.
constexpr double kMaxSeconds = kSanitized ? 20.0 : 5.0;
// How close to the word cap the long compiled function comes: 95%, or 25% under the
// sanitizers, where the full size would cost some 10 s of the test run (the sanitizer run is
// there for memory errors; the release run checks time at the cap).
constexpr double kUnderCapFraction = kSanitized ? 0.25 : 0.95;
// Machine code per slot-form code word, at most. Measured: 1 to 10 bytes per word on these
// modules; a compiler that blew up per instruction or per branch target would exceed it.
constexpr size_t kMaxCodeBytesPerWord = 32;

// --- A minimal binary-module writer ------------------------------------------------------------

void uleb(Bytes& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}
void sleb(Bytes& out, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7F;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : b | 0x80);
    if (done) return;
  }
}
// `v` in exactly five bytes (a valid, non-minimal LEB128): 50 MB of code in fewer instructions.
void uleb5(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 7) out.push_back((v & 0x7F) | 0x80);
  out.push_back(v & 0x7F);
}

constexpr uint8_t kI32 = 0x7F;
namespace op {
constexpr uint8_t Block = 0x02, Loop = 0x03, End = 0x0B, BrIf = 0x0D, BrTable = 0x0E, Return = 0x0F,
                  Call = 0x10, LocalGet = 0x20, LocalSet = 0x21, LocalTee = 0x22, I32Const = 0x41,
                  I32GeU = 0x4F, I32Add = 0x6A, I32Sub = 0x6B, I32Mul = 0x6C, I32RemU = 0x70,
                  I32Shl = 0x74, I32Xor = 0x73, Void = 0x40;
}

struct Func {
  std::string export_name;  // empty: not exported
  std::vector<uint8_t> params, results;
  std::vector<std::pair<uint32_t, uint8_t>> locals;  // (count, type) runs, as encoded
  Bytes body;                                        // without the final `end`
};

void section(Bytes& out, uint8_t id, const Bytes& content) {
  out.push_back(id);
  uleb(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
}

Bytes module(std::vector<Func>& funcs) {
  Bytes out = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  Bytes types, fsec, exports, code;
  uleb(types, funcs.size());
  uleb(fsec, funcs.size());
  size_t n_exports = 0;
  for (const Func& f : funcs) n_exports += !f.export_name.empty();
  uleb(exports, n_exports);
  uleb(code, funcs.size());
  size_t body_bytes = 0;
  for (const Func& f : funcs) body_bytes += f.body.size() + 16 + 6 * f.locals.size();
  code.reserve(body_bytes);  // the big bodies are copied once here and once into `out`
  for (uint32_t i = 0; i < funcs.size(); ++i) {
    Func& f = funcs[i];
    types.push_back(0x60);
    uleb(types, f.params.size());
    types.insert(types.end(), f.params.begin(), f.params.end());
    uleb(types, f.results.size());
    types.insert(types.end(), f.results.begin(), f.results.end());
    uleb(fsec, i);  // one type per function
    if (!f.export_name.empty()) {
      uleb(exports, f.export_name.size());
      exports.insert(exports.end(), f.export_name.begin(), f.export_name.end());
      exports.push_back(0x00);
      uleb(exports, i);
    }
    Bytes head;
    uleb(head, f.locals.size());
    for (auto [count, type] : f.locals) {
      uleb(head, count);
      head.push_back(type);
    }
    uleb(code, head.size() + f.body.size() + 1);
    code.insert(code.end(), head.begin(), head.end());
    code.insert(code.end(), f.body.begin(), f.body.end());
    code.push_back(op::End);
    Bytes().swap(f.body);  // the 50 MB body is not kept twice
  }
  out.reserve(out.size() + types.size() + fsec.size() + exports.size() + code.size() + 32);
  section(out, 1, types);
  section(out, 3, fsec);
  section(out, 7, exports);
  section(out, 10, code);
  return out;
}

void emit(Bytes& b, std::initializer_list<uint8_t> ops) { b.insert(b.end(), ops); }
void local_get(Bytes& b, uint32_t i) {
  b.push_back(op::LocalGet);
  uleb(b, i);
}
void local_set(Bytes& b, uint32_t i) {
  b.push_back(op::LocalSet);
  uleb(b, i);
}
void i32_const(Bytes& b, int32_t v) {
  b.push_back(op::I32Const);
  sleb(b, v);
}

// --- Loading, running, measuring ---------------------------------------------------------------

struct Loaded {
  std::unique_ptr<Store> store;
  Instance* inst = nullptr;
  std::string error;
  double seconds = 0;  // CPU time to decode, validate, instantiate (translate, compile if on)

  FuncInstance* func(const std::string& name) const { return inst->get_func(name); }
  // The single i32 result, or a test failure.
  uint32_t call(const std::string& name, std::vector<Value> args) {
    FuncInstance* f = inst ? inst->get_func(name) : nullptr;
    if (!f) {
      ADD_FAILURE() << "no export " << name;
      return 0xBAD0BAD0;
    }
    InvokeResult r = store->invoke(f, args);
    if (!r.ok() || r.results.size() != 1) {
      ADD_FAILURE() << name << ": " << (r.ok() ? "wrong result count" : r.trap->message);
      return 0xBAD0BAD0;
    }
    return static_cast<uint32_t>(r.results[0].bits);
  }
};

Loaded load(const Bytes& bytes, bool native) {
  Loaded l;
  StoreConfig config;
  config.engine = native ? jit::EngineMode::Jit : jit::EngineMode::Interp;
  config.jit_min_run = 1;  // every compiled instruction enterable: the most code, the most entries
  l.store = std::make_unique<Store>(config);
  const double start = thread_cpu_seconds();
  auto decoded = decode_module(bytes);
  if (!decoded) {
    l.error = "decode: " + decoded.error().message;
    return l;
  }
  if (auto e = validate_module(**decoded)) {
    l.error = "validate: " + e->message;
    return l;
  }
  auto r = Linker{}.instantiate(*l.store, *decoded);
  if (auto* err = std::get_if<InstantiateError>(&r)) {
    l.error = "instantiate: " + err->message;
    return l;
  }
  l.inst = std::get<Instance*>(r);
  l.seconds = thread_cpu_seconds() - start;
  return l;
}

void save_if_asked(const std::string& name, const Bytes& bytes) {
  const char* dir = std::getenv("WC_HOSTILE_WASM_DIR");
  if (!dir || !*dir) return;
  std::ofstream(std::string(dir) + "/" + name + ".wasm", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// What the compiler did with one function (the store compiled it at instantiation).
struct CompileFigures {
  size_t code_words = 0;
  bool compiled = false;  // the store placed machine code for it
  size_t code_bytes = 0;
};

CompileFigures compile_figures(const FuncInstance* f) {
  CompileFigures c;
  c.code_words = f->code->code.size();
  c.compiled = f->code->native != nullptr;
  c.code_bytes = c.compiled ? f->code->native->code_bytes() : 0;
  return c;
}

// The bounds every hostile function must meet: compiled within time and in proportion to its
// size, or left to the interpreter because it is over the word cap. The time bound covers
// decoding, translation and compilation together.
void expect_bounded(const char* what, const Loaded& jit, const CompileFigures& c) {
  std::printf(
      "  %s: %zu code words, %s, %zu bytes of machine code, instantiated in %.3f s of CPU\n", what,
      c.code_words, c.compiled ? "compiled" : "left to the interpreter", c.code_bytes, jit.seconds);
  EXPECT_LT(jit.seconds, kMaxSeconds) << what;
  if (c.code_words > kCompilerMaxCodeWords) {
    EXPECT_FALSE(c.compiled) << what << " is over the cap";
  }
  if (c.compiled) {
    EXPECT_LE(c.code_bytes, kMaxCodeBytesPerWord * c.code_words + 4096) << what;
  }
}

// --- Locals ------------------------------------------------------------------------------------

// A function with `declared` i32 locals (after one i32 parameter) that reads and writes the
// last and a middle one: f(p) = (p + 1) * 3 + the untouched local 1 (zero).
Func many_locals(const std::string& name, uint32_t declared) {
  Func f{name, {kI32}, {kI32}, {{declared, kI32}}, {}};
  uint32_t last = declared, middle = declared / 2 + 1;
  local_get(f.body, 0);
  i32_const(f.body, 1);
  emit(f.body, {op::I32Add});
  local_set(f.body, last);
  local_get(f.body, last);
  i32_const(f.body, 3);
  emit(f.body, {op::I32Mul});
  local_set(f.body, middle);
  local_get(f.body, middle);
  local_get(f.body, 1);
  emit(f.body, {op::I32Add});
  return f;
}

// g(n) = sum of f(i) for i in n..1, f called from a compiled loop.
Func sum_of_calls(const std::string& name, uint32_t callee) {
  Func g{name, {kI32}, {kI32}, {{1, kI32}}, {}};
  Bytes& b = g.body;
  emit(b, {op::Loop, op::Void});
  local_get(b, 1);
  local_get(b, 0);
  emit(b, {op::Call});
  uleb(b, callee);
  emit(b, {op::I32Add});
  local_set(b, 1);
  local_get(b, 0);
  i32_const(b, 1);
  emit(b, {op::I32Sub, op::LocalTee, 0, op::BrIf, 0, op::End});
  local_get(b, 1);
  return g;
}

uint32_t expected_sum_of_calls(uint32_t n) {
  uint32_t s = 0;
  for (uint32_t i = n; i >= 1; --i) s += (i + 1) * 3;
  return s;
}

TEST(HostileModuleJit, AHundredThousandLocalsIsAClearDecodeError) {
  std::vector<Func> funcs = {many_locals("f", 100000)};
  Bytes bytes = module(funcs);
  save_if_asked("locals-100000", bytes);
  Loaded jit = load(bytes, true);
  EXPECT_EQ(jit.inst, nullptr);
  EXPECT_NE(jit.error.find("too many locals (implementation limit is 50000 per function)"),
            std::string::npos)
      << jit.error;
}

TEST(HostileModuleJit, FiftyThousandLocalsRunNativelyWithoutAnInlineEntry) {
  std::vector<Func> funcs = {many_locals("f", 50000), sum_of_calls("g", 0)};
  Bytes bytes = module(funcs);
  save_if_asked("locals-50000", bytes);
  Loaded jit = load(bytes, true), interp = load(bytes, false);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  ASSERT_NE(interp.inst, nullptr) << interp.error;
  CompileFigures c = compile_figures(jit.func("f"));
  expect_bounded("50000 locals", jit, c);
  ASSERT_TRUE(c.compiled);
  // The frame template (50,000 zeros and the constants) is too long to set up inline: native
  // callers leave the call to the interpreter, which still runs the callee's compiled body.
  EXPECT_EQ(jit.func("f")->code->native->function_entry(), nullptr);
  for (uint32_t p : {0u, 41u, 0xFFFFFFFFu})
    EXPECT_EQ(jit.call("f", {Value::i32(p)}), interp.call("f", {Value::i32(p)})) << p;
  EXPECT_EQ(jit.call("f", {Value::i32(41)}), 126u);
  EXPECT_EQ(jit.call("g", {Value::i32(200)}), expected_sum_of_calls(200));
  EXPECT_EQ(jit.call("g", {Value::i32(200)}), interp.call("g", {Value::i32(200)}));
}

TEST(HostileModuleJit, TheInlineFrameTemplateCapIsExact) {
  // No constants in the body: the template is exactly the declared locals.
  auto copy_through = [](const std::string& name, uint32_t declared) {
    Func f{name, {kI32}, {kI32}, {{declared, kI32}}, {}};
    local_get(f.body, 0);
    local_set(f.body, declared);
    local_get(f.body, declared);
    return f;
  };
  std::vector<Func> funcs = {copy_through("at", kCompilerMaxInlineTemplate),
                             copy_through("over", kCompilerMaxInlineTemplate + 1)};
  Bytes bytes = module(funcs);
  Loaded jit = load(bytes, true);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  for (const char* name : {"at", "over"}) {
    ASSERT_NE(jit.func(name)->code->native, nullptr) << name;
    EXPECT_EQ(jit.call(name, {Value::i32(77)}), 77u) << name;
  }
  EXPECT_EQ(jit.func("at")->code->frame_template.size(), kCompilerMaxInlineTemplate);
  EXPECT_NE(jit.func("at")->code->native->function_entry(), nullptr);
  EXPECT_EQ(jit.func("over")->code->native->function_entry(), nullptr);
}

// --- A 50 MB function --------------------------------------------------------------------------

// f(p) = p + `adds`, as `adds` copies of local.get 0 / i32.const 1 / i32.add / local.set 0 with
// every immediate padded to five bytes (19 bytes each).
Func long_function(const std::string& name, size_t adds) {
  Bytes add;
  add.push_back(op::LocalGet);
  uleb5(add, 0);
  add.push_back(op::I32Const);
  uleb5(add, 1);  // 1 as a five-byte signed LEB: the top byte's bit 6 is clear
  add.push_back(op::I32Add);
  add.push_back(op::LocalSet);
  uleb5(add, 0);
  Func f{name, {kI32}, {kI32}, {}, {}};
  f.body.resize(adds * add.size());
  for (size_t i = 0; i < adds; ++i) std::memcpy(&f.body[i * add.size()], add.data(), add.size());
  local_get(f.body, 0);
  return f;
}

TEST(HostileModuleJit, AFiftyMegabyteFunctionIsLeftToTheInterpreter) {
  const size_t adds = (size_t{50} << 20) / 19 + 1;
  std::vector<Func> funcs = {long_function("f", adds)};
  Bytes bytes = module(funcs);
  ASSERT_GT(bytes.size(), size_t{50} << 20);
  save_if_asked("function-50MB", bytes);
  Loaded jit = load(bytes, true);
  Bytes().swap(bytes);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  CompileFigures c = compile_figures(jit.func("f"));
  expect_bounded("50 MB function", jit, c);
  EXPECT_GT(c.code_words, kCompilerMaxCodeWords);
  EXPECT_FALSE(c.compiled);
  EXPECT_EQ(jit.call("f", {Value::i32(5)}), static_cast<uint32_t>(5 + adds));
}

// Virtual memory of this process now, from /proc/self/status (VmSize, in bytes).
uint64_t vm_size_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmSize:", 0) == 0) return std::strtoull(line.c_str() + 7, nullptr, 10) << 10;
  return 0;
}

// A tenant's address-space limit smaller than what translating the module takes: a clear error
// instead of the worker dying of std::bad_alloc. `--engine jit` translates at instantiation,
// so the module fails to instantiate; the interpreter translates on the first call, which traps.
TEST(HostileModuleJit, AModuleTooBigForTheAddressSpaceLimitIsAClearError) {
  if (kSanitized) GTEST_SKIP() << "the sanitizers' shadow memory makes RLIMIT_AS meaningless";
  std::vector<Func> funcs = {long_function("f", (size_t{50} << 20) / 19 + 1)};
  Bytes bytes = module(funcs);
  auto decoded = decode_module(bytes);
  ASSERT_TRUE(static_cast<bool>(decoded));
  Bytes().swap(bytes);
  ASSERT_FALSE(validate_module(**decoded).has_value());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // 64 MiB more than now: translation needs some 170 MB for this function.
    struct rlimit lim = {vm_size_bytes() + (uint64_t{64} << 20), RLIM_INFINITY};
    if (lim.rlim_cur <= (uint64_t{64} << 20) || setrlimit(RLIMIT_AS, &lim) != 0) _exit(3);
    for (bool native : {false, true}) {
      StoreConfig config;
      config.engine = native ? jit::EngineMode::Jit : jit::EngineMode::Interp;
      Store store(config);
      auto r = Linker{}.instantiate(store, *decoded);
      auto* err = std::get_if<InstantiateError>(&r);
      if (!native) {
        if (err) _exit(4);
        FuncInstance* f = std::get<Instance*>(r)->get_func("f");
        InvokeResult call = store.invoke(f, std::vector<Value>{Value::i32(5)});
        if (!call.trap || call.trap->kind != TrapKind::Host) _exit(5);
        if (call.trap->message.find("out of memory while translating") == std::string::npos)
          _exit(1);
        if (store.is_translated(f)) _exit(6);
        continue;
      }
      if (!err) _exit(2);
      if (err->message.find("out of memory") == std::string::npos) _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: another error than out of memory, 2: it instantiated, 3: setrlimit failed, "
         "4: the interpreter's instantiation failed, 5: its first call did not trap, "
         "6: a function was left half-translated";
}

TEST(HostileModuleJit, AFunctionUnderTheWordCapIsCompiled) {
  // Sized from the translation of a small sample, to land just under kUnderCapFraction.
  std::vector<Func> sample = {long_function("f", 1000)};
  Loaded probe = load(module(sample), false);
  ASSERT_NE(probe.inst, nullptr) << probe.error;
  const CompiledFunction* sample_code = probe.store->translate(probe.func("f"));  // not called yet
  ASSERT_NE(sample_code, nullptr);
  const double words_per_add = sample_code->code.size() / 1000.0;
  const size_t adds =
      static_cast<size_t>(kCompilerMaxCodeWords * kUnderCapFraction / words_per_add);
  std::vector<Func> funcs = {long_function("f", adds)};
  Bytes bytes = module(funcs);
  save_if_asked("function-under-cap", bytes);
  Loaded jit = load(bytes, true);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  CompileFigures c = compile_figures(jit.func("f"));
  expect_bounded("function under the word cap", jit, c);
  ASSERT_LE(c.code_words, kCompilerMaxCodeWords);
  EXPECT_GT(c.code_words, kCompilerMaxCodeWords * kUnderCapFraction * 0.95);
  EXPECT_TRUE(c.compiled);
  EXPECT_EQ(jit.call("f", {Value::i32(5)}), static_cast<uint32_t>(5 + adds));
  EXPECT_EQ(jit.call("f", {Value::i32(0xFFFFFFFF)}), static_cast<uint32_t>(adds - 1));
}

// --- Deep nesting ------------------------------------------------------------------------------

constexpr uint32_t kDepth = 20000;

// f(p): kDepth nested `block (result i32)`; the innermost pushes 0 and, when p != 0, branches
// out of all of them carrying p; every `end` is followed by +1. So f(0) = kDepth, f(p) = p + 1.
Func nested_blocks(const std::string& name) {
  Func f{name, {kI32}, {kI32}, {}, {}};
  Bytes& b = f.body;
  for (uint32_t i = 0; i < kDepth; ++i) emit(b, {op::Block, kI32});
  local_get(b, 0);
  local_get(b, 0);
  b.push_back(op::BrIf);
  uleb(b, kDepth - 1);
  for (uint32_t i = 0; i < kDepth; ++i) {
    b.push_back(op::End);
    i32_const(b, 1);
    b.push_back(op::I32Add);
  }
  return f;
}

// f(n): kDepth nested loops, each header adding 1 to $s; the innermost counts $c up to n and
// otherwise jumps back to loop number (c * 7919 mod kDepth) through a br_table of `entries`
// entries (entry i names loop depth i mod kDepth). Result: s xor (c << 20).
Func nested_loops(const std::string& name, uint32_t entries) {
  Func f{name, {kI32}, {kI32}, {{2, kI32}}, {}};  // locals: 1 = $c, 2 = $s
  Bytes& b = f.body;
  emit(b, {op::Block, op::Void});
  for (uint32_t i = 0; i < kDepth; ++i) {
    emit(b, {op::Loop, op::Void});
    local_get(b, 2);
    i32_const(b, 1);
    b.push_back(op::I32Add);
    local_set(b, 2);
  }
  // c += 1; if c >= n: leave all loops.
  local_get(b, 1);
  i32_const(b, 1);
  b.push_back(op::I32Add);
  b.push_back(op::LocalTee);
  uleb(b, 1);
  local_get(b, 0);
  b.push_back(op::I32GeU);
  b.push_back(op::BrIf);
  uleb(b, kDepth);
  // br_table on c * 7919 mod kDepth.
  local_get(b, 1);
  i32_const(b, 7919);
  b.push_back(op::I32Mul);
  i32_const(b, kDepth);
  b.push_back(op::I32RemU);
  b.push_back(op::BrTable);
  uleb(b, entries);
  for (uint32_t i = 0; i < entries; ++i) uleb(b, i % kDepth);
  uleb(b, 0);
  for (uint32_t i = 0; i < kDepth; ++i) b.push_back(op::End);
  b.push_back(op::End);
  local_get(b, 2);
  local_get(b, 1);
  i32_const(b, 20);
  emit(b, {op::I32Shl, op::I32Xor});
  return f;
}

uint32_t expected_nested_loops(uint32_t n) {
  // Entering loop d (0 = innermost) runs its header and those of the d loops inside it.
  uint32_t c = 0, s = kDepth;  // the first pass runs every header
  for (;;) {
    ++c;
    if (c >= n) break;
    uint32_t d = c * 7919u % kDepth;
    s += d + 1;
  }
  return s ^ (c << 20);
}

TEST(HostileModuleJit, TwentyThousandNestedBlocks) {
  std::vector<Func> funcs = {nested_blocks("f")};
  Bytes bytes = module(funcs);
  save_if_asked("blocks-20000", bytes);
  Loaded jit = load(bytes, true), interp = load(bytes, false);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  ASSERT_NE(interp.inst, nullptr) << interp.error;
  expect_bounded("20000 nested blocks", jit, compile_figures(jit.func("f")));
  EXPECT_EQ(jit.call("f", {Value::i32(0)}), kDepth);
  EXPECT_EQ(jit.call("f", {Value::i32(9)}), 10u);
  for (uint32_t p : {0u, 9u, 0xFFFFFFFFu})
    EXPECT_EQ(jit.call("f", {Value::i32(p)}), interp.call("f", {Value::i32(p)})) << p;
}

TEST(HostileModuleJit, TwentyThousandNestedLoopsAndABranchToEach) {
  std::vector<Func> funcs = {nested_loops("f", kDepth)};
  Bytes bytes = module(funcs);
  save_if_asked("loops-20000", bytes);
  Loaded jit = load(bytes, true), interp = load(bytes, false);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  ASSERT_NE(interp.inst, nullptr) << interp.error;
  expect_bounded("20000 nested loops", jit, compile_figures(jit.func("f")));
  for (uint32_t n : {1u, 2u, 300u}) {
    EXPECT_EQ(jit.call("f", {Value::i32(n)}), expected_nested_loops(n)) << n;
    EXPECT_EQ(jit.call("f", {Value::i32(n)}), interp.call("f", {Value::i32(n)})) << n;
  }
}

// --- br_table with a million entries -----------------------------------------------------------

constexpr uint32_t kMillion = 1000000;

// f(p) = 10, 20, 30 or 40 as entry p of a br_table of kMillion entries (entry i names block
// i mod 4; the default names block 3).
Func big_br_table(const std::string& name) {
  Func f{name, {kI32}, {kI32}, {}, {}};
  Bytes& b = f.body;
  for (int i = 0; i < 4; ++i) emit(b, {op::Block, op::Void});
  local_get(b, 0);
  b.push_back(op::BrTable);
  uleb(b, kMillion);
  for (uint32_t i = 0; i < kMillion; ++i) uleb(b, i % 4);
  uleb(b, 3);
  for (int i = 1; i <= 4; ++i) {
    b.push_back(op::End);
    i32_const(b, 10 * i);
    b.push_back(op::Return);
  }
  i32_const(b, 0);
  return f;
}

// The same, each block yielding an i32: the value travels with every branch (the translator may
// give each entry its own stub to move it). f(p) = 1000 * (target + 1) + 7.
Func big_br_table_with_values(const std::string& name) {
  Func f{name, {kI32}, {kI32}, {}, {}};
  Bytes& b = f.body;
  for (int i = 0; i < 4; ++i) emit(b, {op::Block, kI32});
  i32_const(b, 7);
  local_get(b, 0);
  b.push_back(op::BrTable);
  uleb(b, kMillion);
  for (uint32_t i = 0; i < kMillion; ++i) uleb(b, i % 4);
  uleb(b, 3);
  for (int i = 1; i <= 4; ++i) {
    b.push_back(op::End);
    i32_const(b, 1000 * i);
    b.push_back(op::I32Add);
    if (i < 4) b.push_back(op::Return);
  }
  return f;
}

uint32_t br_table_target(uint32_t p) { return p < kMillion ? p % 4 : 3; }

TEST(HostileModuleJit, ABrTableOfAMillionEntries) {
  std::vector<Func> funcs = {big_br_table("plain"), big_br_table_with_values("values")};
  Bytes bytes = module(funcs);
  save_if_asked("br_table-1M", bytes);
  Loaded jit = load(bytes, true);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  expect_bounded("br_table of 1M entries", jit, compile_figures(jit.func("plain")));
  expect_bounded("br_table of 1M entries with values", jit, compile_figures(jit.func("values")));
  for (uint32_t p : {0u, 1u, 2u, 3u, 4u, 999999u, kMillion, 0xFFFFFFFFu}) {
    uint32_t t = br_table_target(p);
    EXPECT_EQ(jit.call("plain", {Value::i32(p)}), 10 * (t + 1)) << p;
    EXPECT_EQ(jit.call("values", {Value::i32(p)}), 1000 * (t + 1) + 7) << p;
  }
}

TEST(HostileModuleJit, AMillionEntryBrTableOverTwentyThousandLoops) {
  std::vector<Func> funcs = {nested_loops("f", kMillion)};
  Bytes bytes = module(funcs);
  save_if_asked("loops-20000-br_table-1M", bytes);
  Loaded jit = load(bytes, true);
  ASSERT_NE(jit.inst, nullptr) << jit.error;
  expect_bounded("1M-entry br_table over 20000 loops", jit, compile_figures(jit.func("f")));
  for (uint32_t n : {1u, 300u})
    EXPECT_EQ(jit.call("f", {Value::i32(n)}), expected_nested_loops(n)) << n;
}

}  // namespace
}  // namespace wc::engine
