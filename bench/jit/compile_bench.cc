// wasm-jit-compile-bench: how fast the JIT tier compiles. For each module: decode, validate,
// translate every function to the interpreter's slot form, then time compile_x64 over every
// function (best of --repeat rounds). Prints wasm body MB/s and functions/s (over the
// compiling thread's CPU time, which a loaded machine skews less than wall time) and
// machine-code bytes per wasm byte. `--hash` also prints a checksum of all machine code, so two
// builds of the compiler can be checked to emit identical code. `--check` compares, for every
// function, the analysis scan with the slots the emitted templates touch (x64_compiler.h
// check_analysis).
//
//   wasm-jit-compile-bench [--repeat N] [--hash] [--check] MODULE.wasm...
#include <time.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/interp/compiled_function.h"
#include "engine/interp/interpreter.h"
#include "engine/jit/x64_compiler.h"
#include "engine/validate/validator.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// This thread's CPU time: on a loaded shared machine it counts only the time the compiler ran.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// FNV-1a, over each function's code bytes, entries and function entry in order.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
};

int bench_module(const std::string& path, int repeat, bool hash, bool check) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", path.c_str());
    return 1;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  auto decoded = wc::engine::decode_module(bytes);
  if (!decoded) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), decoded.error().message.c_str());
    return 1;
  }
  std::shared_ptr<const wc::engine::Module> module = decoded.value();
  if (auto err = wc::engine::validate_module(*module)) {
    std::fprintf(stderr, "%s: invalid module: %s\n", path.c_str(), err->message.c_str());
    return 1;
  }
  // Type ids only matter to call_indirect's signature check at run time: the type index will do.
  std::vector<uint32_t> type_ids(module->types.size());
  for (uint32_t i = 0; i < type_ids.size(); ++i) type_ids[i] = i;

  auto t0 = Clock::now();
  std::vector<std::unique_ptr<wc::engine::CompiledFunction>> fns;
  uint64_t body_bytes = 0;
  for (uint32_t i = 0; i < module->functions.size(); ++i) {
    fns.push_back(wc::engine::compile_function(*module, i, type_ids));
    body_bytes += module->code[i].code_end - module->code[i].code_begin;
  }
  const double translate_s = seconds_since(t0);

  if (check) {
    size_t bad = 0;
    for (size_t i = 0; i < fns.size(); ++i) {
      if (auto diff = wc::jit::check_analysis(*fns[i])) {
        if (++bad <= 10)
          std::fprintf(stderr, "%s: function %zu: %s\n", path.c_str(), i, diff->c_str());
      }
    }
    if (bad) {
      std::fprintf(stderr, "%s: the analysis differs from the templates in %zu functions\n",
                   path.c_str(), bad);
      return 1;
    }
  }

  double best = 0, best_cpu = 0;
  uint64_t machine_bytes = 0;
  size_t compiled = 0;
  Fnv fnv;
  const uint32_t min_run = wc::jit::default_min_run();
  for (int r = 0; r < repeat; ++r) {
    machine_bytes = 0;
    compiled = 0;
    Fnv round;
    auto t = Clock::now();
    double cpu0 = thread_cpu_seconds();
    for (const auto& f : fns) {
      std::optional<wc::jit::MachineCode> code = wc::jit::compile_x64(*f, min_run);
      if (!code) {
        round.add("-", 1);
        continue;
      }
      ++compiled;
      machine_bytes += code->bytes.size();
      if (hash) {
        round.add(code->bytes.data(), code->bytes.size());
        round.add(code->entries.data(), code->entries.size() * sizeof(uint32_t));
        round.add(&code->function_entry, sizeof code->function_entry);
      }
    }
    double s = seconds_since(t), cpu = thread_cpu_seconds() - cpu0;
    if (r == 0 || s < best) best = s;
    if (r == 0 || cpu < best_cpu) best_cpu = cpu;
    fnv = round;
  }
  std::printf(
      "%s: %zu functions (%zu compiled), %.1f KB wasm code; translate %.1f ms; compile %.1f ms "
      "wall, %.1f ms CPU = %.2f MB/s, %.0f functions/s (CPU), %.2f machine bytes per wasm byte",
      path.c_str(), fns.size(), compiled, body_bytes / 1e3, translate_s * 1e3, best * 1e3,
      best_cpu * 1e3, body_bytes / 1e6 / best_cpu, fns.size() / best_cpu,
      body_bytes ? double(machine_bytes) / double(body_bytes) : 0.0);
  if (hash) std::printf("; code hash %016" PRIx64, fnv.h);
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  bool hash = false, check = false;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--hash")) {
      hash = true;
    } else if (!std::strcmp(argv[i], "--check")) {
      check = true;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: %s [--repeat N] [--hash] [--check] MODULE.wasm...\n", argv[0]);
      return 2;
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.empty() || repeat < 1) {
    std::fprintf(stderr, "usage: %s [--repeat N] [--hash] [--check] MODULE.wasm...\n", argv[0]);
    return 2;
  }
  int status = 0;
  for (const std::string& p : paths) status |= bench_module(p, repeat, hash, check);
  return status;
}
