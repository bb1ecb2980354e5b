// libFuzzer target: the JIT tier against the interpreter (tests/jit/diff/differential.h). Any
// difference in results, traps, host-call logs, memory, globals or tables aborts with the
// report, so libFuzzer keeps the input; so does any crash or sanitizer report.
//
// Two kinds of input, told apart by the wasm magic:
//  - "\0asm...": a module as is. Seeds are binaryen-generated modules and spec-suite modules;
//    most mutations make them invalid (rejected at once, cheaply), but those that only change
//    an immediate or a constant stay valid and probe the compiler's immediate and constant
//    handling, where a baseline compiler goes wrong most easily.
//  - anything else: the bytes drive binaryen's generator (`wasm-opt -ttf`, run as a child
//    process), which turns any bytes into a valid module using every 2.0 feature; libFuzzer's
//    coverage of our decoder, translator and x86-64 compiler then steers which generator inputs
//    are kept. Slower per input (a process per run) but every input is a real test.
// $WC_WASM_OPT overrides /usr/bin/wasm-opt; a missing wasm-opt stops the run with an error.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../jit/diff/differential.h"

extern char** environ;

namespace {

using wc::jitdiff::DiffChecker;
using wc::jitdiff::DiffOptions;
using wc::jitdiff::DiffReport;
using wc::jitdiff::Verdict;

DiffChecker& checker() {
  static DiffChecker* c = [] {
    DiffOptions o;
    o.call_budget = std::chrono::milliseconds(250);
    o.max_memory_bytes = uint64_t{64} << 20;  // per store; two stores per input
    o.value_stack_bytes = size_t{1} << 20;
    o.max_calls = 300;
    return new DiffChecker(o);
  }();
  return *c;
}

// The 2.0 features binaryen 108 generates as 2.0 (its reference-types mode emits a
// funcref/externref subtyping 2.0 does not have). Unlike tests/jit/differential.sh, no SIMD
// here for now: in this clang build the interpreter's v128.store (src/engine/interp/
// simd_ops.cc, the aligned(1) vector store) is reported by UBSan as a misaligned store on
// every unaligned address, which would stop every run. The JIT leaves SIMD to the
// interpreter anyway; the release-build script covers SIMD modules.
const char* const kTtfFeatures[] = {"--enable-sign-ext", "--enable-nontrapping-float-to-int",
                                    "--enable-bulk-memory", "--enable-mutable-globals",
                                    "--enable-multivalue"};

std::optional<std::vector<uint8_t>> generate_module(std::span<const uint8_t> seed) {
  static const std::string wasm_opt = [] {
    const char* e = std::getenv("WC_WASM_OPT");
    std::string p = e ? e : "/usr/bin/wasm-opt";
    if (access(p.c_str(), X_OK) != 0) {
      std::fprintf(stderr, "fuzz_jit_diff: %s not found: install Debian's binaryen\n", p.c_str());
      std::exit(2);
    }
    return p;
  }();
  static char dir_buf[] = "/tmp/fuzz_jit_diff_XXXXXX";
  static const std::string dir = [] {
    if (!mkdtemp(dir_buf)) {
      std::perror("fuzz_jit_diff: mkdtemp");
      std::exit(2);
    }
    // libFuzzer ends a timed run with exit(): the scratch files go with it.
    std::atexit([] {
      std::string d = dir_buf;
      std::remove((d + "/seed.bin").c_str());
      std::remove((d + "/module.wasm").c_str());
      rmdir(dir_buf);
    });
    return std::string(dir_buf);
  }();
  std::string in = dir + "/seed.bin", out = dir + "/module.wasm";
  {
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
  }
  std::remove(out.c_str());
  std::vector<std::string> args = {wasm_opt, "-ttf", in, "-o", out, "--quiet"};
  for (const char* f : kTtfFeatures) args.emplace_back(f);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, wasm_opt.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::nullopt;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  std::ifstream f(out, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
  std::vector<uint8_t> generated;
  std::span<const uint8_t> module(data, size);
  if (size < 4 || std::memcmp(data, kMagic, 4) != 0) {
    auto m = generate_module(module);
    if (!m) return 0;  // binaryen refused the input (rare): nothing to compare
    generated = std::move(*m);
    module = generated;
  }
  DiffReport r = checker().check(module);
  if (r.verdict == Verdict::Differ) {
    std::fprintf(stderr, "fuzz_jit_diff: the JIT differs from the interpreter: %s\n",
                 r.detail.c_str());
    std::abort();
  }
  return 0;
}
