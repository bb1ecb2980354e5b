// The Go js/wasm driver (host/gojs/go_runtime.cc, go_imports.cc) against small hand-written
// modules shaped like Go's: the stack-pointer argument layout, argv/env placement at 4096,
// both import module names, a function imported twice, exit codes, the deadlock event when
// nothing is left to wait for, and hostile pointers from a compromised guest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "engine/binary/decoder.h"
#include "engine/validate/validator.h"
#include "host/gojs/go_runtime.h"
#include "interp_test_util.h"

namespace wc::host::gojs {
namespace {

// A fake Go program. SP is fixed at 1024. `run` writes argv[1] (whose length the test passes
// as the module's $len global) and then each env string's first byte, through the second of
// two identical wasmWrite imports, then exits with $code; with $code = -1 it returns without
// exiting, and `resume` (the deadlock delivery) exits with 42 after checking _pendingEvent
// is an object whose `id` is 0.
std::string fake_go(const char* mod, int code, int len, const char* bad_write = "") {
  return std::string(R"((module
  (import ")") +
         mod + R"(" "runtime.wasmWrite" (func $write1 (param i32)))
  (import ")" +
         mod + R"(" "runtime.wasmExit" (func $exit (param i32)))
  (import ")" +
         mod + R"(" "runtime.wasmWrite" (func $write2 (param i32)))
  (import ")" +
         mod + R"(" "syscall/js.valueGet" (func $get (param i32)))
  (import ")" +
         mod + R"(" "syscall/js.valueLoadString" (func $load (param i32)))
  (import ")" +
         mod + R"(" "syscall/js.valuePrepareString" (func $prep (param i32)))
  (import ")" +
         mod + R"(" "syscall/js.stringVal" (func $sval (param i32)))
  (memory (export "mem") 2)
  (global $len i32 (i32.const )" +
         std::to_string(len) + R"())
  (func (export "getsp") (result i32) (i32.const 1024))
  (func $out (param $p i64) (param $n i32)
    (i64.store (i32.const 1032) (i64.const 1))
    (i64.store (i32.const 1040) (local.get $p))
    (i32.store (i32.const 1048) (local.get $n))
    (call $write2 (i32.const 1024)))
  (func $quit (param $code i32)
    (i32.store (i32.const 1032) (local.get $code))
    (call $exit (i32.const 1024)))
  (func (export "run") (param $argc i32) (param $argv i32)
    (local $i i32) (local $p i64)
    )" + bad_write +
         R"(
    ;; argv[1]
    (call $out (i64.load offset=8 (local.get $argv)) (global.get $len))
    ;; env pointers follow argv's terminating 0: first byte of each
    (local.set $i (i32.add (local.get $argv) (i32.mul (i32.add (local.get $argc) (i32.const 1)) (i32.const 8))))
    (block $done (loop $next
      (local.set $p (i64.load (local.get $i)))
      (br_if $done (i64.eqz (local.get $p)))
      (call $out (local.get $p) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $next)))
    (if (i32.ge_s (i32.const )" +
         std::to_string(code) + R"() (i32.const 0))
      (then (call $quit (i32.const )" +
         std::to_string(code) + R"()))))
  ;; deadlock delivery: exit 42 when go._pendingEvent.id is 0 (read with valueGet on the Go
  ;; object, id 6, then on the event, then String(id) through prepare/load)
  (func (export "resume")
    ;; _pendingEvent of the Go object (ref 0x7FF80001_00000006)
    (i64.store (i32.const 1032) (i64.const 0x7FF8000100000006))
    (i64.store (i32.const 1040) (i64.const 2000))
    (i64.store (i32.const 1048) (i64.const 13))
    (call $get (i32.const 1024))
    ;; .id of it
    (i64.store (i32.const 1032) (i64.load (i32.const 1056)))
    (i64.store (i32.const 1040) (i64.const 2016))
    (i64.store (i32.const 1048) (i64.const 2))
    (call $get (i32.const 1024))
    ;; String(id) -> 1 byte at 3000
    (i64.store (i32.const 1032) (i64.load (i32.const 1056)))
    (call $prep (i32.const 1024))
    (i64.store (i32.const 1032) (i64.load (i32.const 1040)))
    (i64.store (i32.const 1040) (i64.const 3000))
    (i64.store (i32.const 1048) (i64.const 1))
    (call $load (i32.const 1024))
    (if (i32.eq (i32.load8_u (i32.const 3000)) (i32.const 48))  ;; "0"
      (then (call $quit (i32.const 42))))
    (call $quit (i32.const 99)))
  (data (i32.const 2000) "_pendingEvent")
  (data (i32.const 2016) "id"))
)";
}

struct Ran {
  wasi::CommandResult result;
  std::string out;
};

Ran run_fake(const std::string& wat, std::vector<std::string> args, std::vector<std::string> env) {
  Ran ran;
  std::string error;
  auto bytes = engine::itest::wat_to_wasm(wat, error);
  EXPECT_TRUE(bytes) << error;
  if (!bytes) return ran;
  auto decoded = engine::decode_module(*bytes);
  EXPECT_TRUE(decoded);
  if (!decoded) return ran;
  EXPECT_FALSE(engine::validate_module(**decoded));
  auto abi = detect_go_abi(**decoded);
  EXPECT_TRUE(abi);
  if (!abi) return ran;
  int p[2];
  EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
  engine::Store store;
  GoRunConfig cfg;
  cfg.args = std::move(args);
  cfg.env = std::move(env);
  cfg.stdout_fd = p[1];
  ran.result = run_go_program(store, *decoded, *abi, cfg);
  close(p[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) ran.out.append(buf, static_cast<size_t>(n));
  close(p[0]);
  return ran;
}

TEST(GojsRuntime, ArgvEnvAndExitThroughDuplicateImports) {
  for (const char* mod : {"gojs", "go"}) {
    // Env is handed over sorted by key, one entry per key (the last given wins).
    Ran r = run_fake(fake_go(mod, 7, 5), {"prog", "hello"}, {"Z=1", "B=2", "M=3", "B=4"});
    EXPECT_EQ(r.result.exit_code, 7) << mod << " " << r.result.error;
    EXPECT_FALSE(r.result.trap) << mod;
    EXPECT_EQ(r.out, "helloBMZ") << mod;
  }
}

TEST(GojsRuntime, AbiDetectedFromImportsOnly) {
  std::string error;
  auto wasi = engine::itest::wat_to_wasm(
      R"((module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))))", error);
  ASSERT_TRUE(wasi) << error;
  auto m = engine::decode_module(*wasi);
  ASSERT_TRUE(m);
  EXPECT_FALSE(detect_go_abi(**m));
  auto go = engine::itest::wat_to_wasm(fake_go("go", 0, 1), error);
  ASSERT_TRUE(go) << error;
  auto g = engine::decode_module(*go);
  ASSERT_TRUE(g);
  EXPECT_EQ(detect_go_abi(**g), GoAbi::Go);
}

TEST(GojsRuntime, NothingLeftToWaitForDeliversTheDeadlockEvent) {
  Ran r = run_fake(fake_go("gojs", -1, 2), {"prog", "ok"}, {});
  EXPECT_EQ(r.out, "ok");
  EXPECT_EQ(r.result.exit_code, 42) << r.result.error;  // resume saw _pendingEvent = {id: 0}
}

TEST(GojsRuntime, HostilePointersTrapTheGuestOnly) {
  // A write whose buffer runs past the end of memory, and a stack pointer past it.
  const char* huge_len =
      "(i64.store (i32.const 1032) (i64.const 1)) (i64.store (i32.const 1040) (i64.const 131000))"
      " (i32.store (i32.const 1048) (i32.const 100000)) (call $write1 (i32.const 1024))";
  Ran r = run_fake(fake_go("gojs", 0, 1, huge_len), {"prog", "x"}, {});
  ASSERT_TRUE(r.result.trap);
  EXPECT_EQ(r.result.trap->kind, engine::TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(r.result.exit_code, 134);
  EXPECT_EQ(r.out, "");
  Ran s = run_fake(fake_go("gojs", 0, 1, "(call $write1 (i32.const -8))"), {"prog", "x"}, {});
  ASSERT_TRUE(s.result.trap);
  EXPECT_EQ(s.result.trap->kind, engine::TrapKind::MemoryOutOfBounds);
}

TEST(GojsRuntime, PropertyOfUndefinedTrapsWithAClearMessage) {
  // valueGet on undefined (all-zero bits), as only a compromised guest would ask (Go's own
  // Value.Get panics before calling the host): a trap naming the import, nothing written.
  const char* get_of_undefined =
      "(i64.store (i32.const 1032) (i64.const 0)) (i64.store (i32.const 1040) (i64.const 2016))"
      " (i64.store (i32.const 1048) (i64.const 2)) (call $get (i32.const 1024))";
  Ran r = run_fake(fake_go("gojs", 0, 1, get_of_undefined), {"prog", "x"}, {});
  ASSERT_TRUE(r.result.trap);
  EXPECT_EQ(r.result.trap->kind, engine::TrapKind::Host);
  EXPECT_NE(r.result.trap->message.find("syscall/js.valueGet"), std::string::npos)
      << r.result.trap->message;
  EXPECT_NE(r.result.trap->message.find("Cannot read properties of undefined"), std::string::npos)
      << r.result.trap->message;
  EXPECT_EQ(r.result.exit_code, 134);
  EXPECT_EQ(r.out, "");
}

TEST(GojsRuntime, ArgumentsTooLongForGosAreaAreRefused) {
  Ran r = run_fake(fake_go("gojs", 0, 1), {"prog", std::string(9000, 'a')}, {});
  EXPECT_EQ(r.result.exit_code, 134);
  EXPECT_NE(r.result.error.find("exceeds limit"), std::string::npos) << r.result.error;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace wc::host::gojs
