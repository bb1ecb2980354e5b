// W^X from the worker's side (seccomp_policy.cc, "Memory"): a confined worker never gets a page
// that is writable and executable at once, through any of the calls that set protections
// (mmap, mprotect, pkey_mprotect, a MAP_FIXED remap over code, a file mapping); an interpreter
// worker (allow_exec_memory off) gets no executable memory at all; and the JIT's code pages
// (executable_memory.cc) are only ever read+write then read+exec, so the engine compiles and
// runs modules under a filter that kills on the first refused call.
//
// What the filter does not stop, by design: with allow_exec_memory on, any read+write anonymous
// mapping may later be switched to read+exec (that is how the JIT places code), so code that
// already controls the worker's syscalls can still run bytes it wrote, in two steps; and it
// judges one mapping at a time, so two MAP_SHARED mappings of one file the worker holds (one
// read+write, one read+exec) alias writable and executable memory (checked by hand on this
// kernel with a /tmp file). With allow_exec_memory off no page becomes executable at all.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <variant>

#include "engine/binary/decoder.h"
#include "engine/interp/compiled_function.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/text/wat.h"
#include "engine/validate/validator.h"
#include "sandbox/sandbox.h"
#include "sandbox_test_support.h"

namespace wc::sandbox {
namespace {

using testing::run_in_child;
using testing::say;

constexpr int kPage = 4096;

// A scratch file with a page of x86 code (mov eax, 42; ret), open read+write, unlinked.
int code_file() {
  char path[] = "/tmp/wc_wx_test_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  unlink(path);
  unsigned char page[kPage] = {0xB8, 42, 0, 0, 0, 0xC3};
  if (write(fd, page, sizeof page) != kPage) {
    close(fd);
    return -1;
  }
  return fd;
}

// Checks one expectation in a confined child, reporting it on `out`.
struct Checker {
  int out;
  int failures = 0;
  void operator()(const std::string& what, bool ok) {
    say(out,
        std::string(ok ? "ok   " : "FAIL ") + what + " (errno: " + std::strerror(errno) + ")\n");
    failures += !ok;
  }
};

bool refused(void* mapping) { return mapping == MAP_FAILED && errno == EPERM; }
bool refused(int rc) { return rc == -1 && errno == EPERM; }

// The page holding this function's own code: the binary's text, read+exec.
void* own_text_page() {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(&own_text_page) &
                                 ~uintptr_t{kPage - 1});
}

const int kAnon = MAP_PRIVATE | MAP_ANONYMOUS;
const int kRW = PROT_READ | PROT_WRITE, kRX = PROT_READ | PROT_EXEC,
          kRWX = PROT_READ | PROT_WRITE | PROT_EXEC;

TEST(SandboxWx, AnInterpreterWorkerCannotMakeAnyMemoryExecutable) {
  int file = code_file();
  ASSERT_GE(file, 0);
  auto r = run_in_child([&](int out) {
    SandboxConfig config;
    config.keep_fds = {out, file};
    if (config.allow_exec_memory) return 101;  // the default is off: the interpreter needs none
    if (!confine(config).ok) return 100;
    Checker check{out};
    check("mmap anonymous RX refused", refused(mmap(nullptr, kPage, kRX, kAnon, -1, 0)));
    check("mmap anonymous X refused", refused(mmap(nullptr, kPage, PROT_EXEC, kAnon, -1, 0)));
    check("mmap anonymous RWX refused", refused(mmap(nullptr, kPage, kRWX, kAnon, -1, 0)));
    check("mmap file RX (private) refused",
          refused(mmap(nullptr, kPage, kRX, MAP_PRIVATE, file, 0)));
    check("mmap file RX (shared) refused", refused(mmap(nullptr, kPage, kRX, MAP_SHARED, file, 0)));
    void* data = mmap(nullptr, kPage, kRW, kAnon, -1, 0);
    check("mmap anonymous RW allowed", data != MAP_FAILED);
    if (data == MAP_FAILED) return check.failures;
    check("mprotect RW -> RX refused", refused(mprotect(data, kPage, kRX)));
    check("mprotect RW -> X refused", refused(mprotect(data, kPage, PROT_EXEC)));
    check("mprotect RW -> RWX refused", refused(mprotect(data, kPage, kRWX)));
    check("pkey_mprotect RW -> RX refused",
          refused(static_cast<int>(syscall(SYS_pkey_mprotect, data, kPage, kRX, -1))));
    check("mprotect of its own text to RWX refused",
          refused(mprotect(own_text_page(), kPage, kRWX)));
    check("MAP_FIXED RX over data refused",
          refused(mmap(data, kPage, kRX, kAnon | MAP_FIXED, -1, 0)));
    return check.failures;
  });
  close(file);
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

TEST(SandboxWx, AJitWorkerNeverGetsAPageWritableAndExecutable) {
  int file = code_file();
  ASSERT_GE(file, 0);
  auto r = run_in_child([&](int out) {
    SandboxConfig config;
    config.keep_fds = {out, file};
    config.allow_exec_memory = true;
    if (!confine(config).ok) return 100;
    Checker check{out};
    // Code placed the JIT's way: RW, written, then RX.
    void* code = mmap(nullptr, kPage, kRW, kAnon, -1, 0);
    check("mmap anonymous RW allowed", code != MAP_FAILED);
    if (code == MAP_FAILED) return check.failures;
    static const unsigned char kReturn7[] = {0xB8, 7, 0, 0, 0, 0xC3};  // mov eax, 7; ret
    std::memcpy(code, kReturn7, sizeof kReturn7);
    check("mprotect RW -> RX allowed", mprotect(code, kPage, kRX) == 0);
    // Every way back to writable while executable.
    check("mprotect RX -> RWX refused", refused(mprotect(code, kPage, kRWX)));
    check("mprotect RX -> WX refused", refused(mprotect(code, kPage, PROT_WRITE | PROT_EXEC)));
    check("pkey_mprotect RX -> RWX refused",
          refused(static_cast<int>(syscall(SYS_pkey_mprotect, code, kPage, kRWX, -1))));
    check("pkey_mprotect refused altogether (RX)",
          refused(static_cast<int>(syscall(SYS_pkey_mprotect, code, kPage, kRX, -1))));
    check("MAP_FIXED RWX over the code refused",
          refused(mmap(code, kPage, kRWX, kAnon | MAP_FIXED, -1, 0)));
    check("the code is intact and runs", reinterpret_cast<int (*)()>(code)() == 7);
    check("mprotect of its own text to RWX refused",
          refused(mprotect(own_text_page(), kPage, kRWX)));
    check("mmap file RWX (shared) refused",
          refused(mmap(nullptr, kPage, kRWX, MAP_SHARED, file, 0)));
    check("mmap file WX (private) refused",
          refused(mmap(nullptr, kPage, PROT_WRITE | PROT_EXEC, MAP_PRIVATE, file, 0)));
    check("mmap anonymous RWX refused", refused(mmap(nullptr, kPage, kRWX, kAnon, -1, 0)));
    return check.failures;
  });
  close(file);
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

// A module with enough functions, loops and calls that the JIT places real code.
const char* kJitModule = R"((module
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $sum (param $n i32) (result i32) (local $s i32)
    (block $done (loop $top
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.mul (local.get $n) (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $top)))
    (local.get $s))
  (func (export "main") (result i32)
    (i32.add (call $fib (i32.const 20)) (call $sum (i32.const 1000)))))
)";
constexpr uint32_t kJitModuleResult = 6765 + 333833500;  // fib(20) + sum of squares to 1000

struct JitRun {
  std::string error;
  uint32_t result = 0;
  const uint8_t* code = nullptr;  // the start of main's machine code
};

// Decodes, instantiates with every function compiled, and runs main. No allocation of the
// module's bytes happens here for the confined case: `bytes` is prepared by the caller.
JitRun run_jit_module(const std::vector<uint8_t>& bytes, engine::Store& store) {
  JitRun r;
  auto decoded = engine::decode_module(bytes);
  if (!decoded) return {"decode: " + decoded.error().message};
  if (auto e = engine::validate_module(**decoded)) return {"validate: " + e->message};
  auto inst = engine::Linker{}.instantiate(store, *decoded);
  if (auto* err = std::get_if<engine::InstantiateError>(&inst))
    return {"instantiate: " + err->message};
  engine::FuncInstance* main = std::get<engine::Instance*>(inst)->get_func("main");
  if (!main->code->native) return {"main was not compiled"};
  r.code = main->code->native->code_start();
  engine::InvokeResult out = store.invoke(main, {});
  if (!out.ok() || out.results.size() != 1) return {"main did not return one value"};
  r.result = static_cast<uint32_t>(out.results[0].bits);
  return r;
}

engine::StoreConfig jit_store_config() {
  engine::StoreConfig c;
  c.engine = wc::jit::EngineMode::Jit;
  c.jit_min_run = 1;
  return c;
}

TEST(SandboxWx, TheJitCompilesAndRunsUnderAFilterThatKillsOnViolation) {
  auto bytes = engine::text::wat_to_wasm(kJitModule);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  auto r = run_in_child([&](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    config.allow_exec_memory = true;
    config.kill_on_violation = true;  // a W|X request would end the child with SIGSYS
    if (!confine(config).ok) return 100;
    engine::Store store(jit_store_config());
    JitRun run = run_jit_module(*bytes, store);
    if (!run.error.empty()) {
      say(out, run.error + "\n");
      return 1;
    }
    if (run.result != kJitModuleResult) {
      say(out, "main returned " + std::to_string(run.result) + "\n");
      return 2;
    }
    return 0;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

// The permissions of every mapping in /proc/self/maps, and of the one holding `p`.
struct Maps {
  std::vector<std::string> writable_and_executable;
  std::string perms_of_p = "unmapped";
};
Maps read_maps(const void* p) {
  Maps m;
  auto a = reinterpret_cast<uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
    if (perms[1] == 'w' && perms[2] == 'x') m.writable_and_executable.push_back(line);
    if (a >= lo && a < hi) m.perms_of_p = perms;
  }
  return m;
}

TEST(SandboxWx, TheJitsCodeRegionIsReadExecAndNoMappingIsWritableAndExecutable) {
  auto bytes = engine::text::wat_to_wasm(kJitModule);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  engine::Store store(jit_store_config());
  JitRun run = run_jit_module(*bytes, store);
  ASSERT_TRUE(run.error.empty()) << run.error;
  EXPECT_EQ(run.result, kJitModuleResult);
  Maps maps = read_maps(run.code);
  EXPECT_EQ(maps.perms_of_p, "r-xp");
  EXPECT_TRUE(maps.writable_and_executable.empty())
      << "writable and executable: " << maps.writable_and_executable.front();
}

}  // namespace
}  // namespace wc::sandbox
