// wasm-jit-diff: runs each module under the interpreter and under the JIT and compares them
// (diff/differential.h). Used by tests/jit/differential.sh over binaryen-generated modules.
//   wasm-jit-diff [--known-failures FILE] [--budget-ms N] [--min-run N] [--patterns N]
//                 [--time-limit SECONDS] [--value-stack-kib N] [--quiet] MODULE.wasm|MODULE.wat...
// Exit status: 0 when every module agrees (or is listed as a known failure and still
// differs), 1 when a module differs unexpectedly or a listed one no longer differs (the list
// must stay exact), 2 on usage or I/O errors. Invalid modules are counted, not failures.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "diff/differential.h"
#include "engine/text/wat.h"

namespace fs = std::filesystem;
using namespace wc::jitdiff;

namespace {

// One file name per line (its base name); '#' starts a comment.
std::set<std::string> read_list(const std::string& path, bool& ok) {
  std::set<std::string> names;
  std::ifstream in(path);
  ok = static_cast<bool>(in);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos) names.insert(line.substr(b, e - b + 1));
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compare the JIT tier with the interpreter on every export of each module."};
  std::vector<std::string> paths;
  std::string known_path;
  DiffOptions options;
  int budget_ms = static_cast<int>(options.call_budget.count());
  double time_limit = 0;
  bool quiet = false;
  app.add_option("modules", paths, "Modules to check (binary or text)")->required();
  app.add_option("--known-failures", known_path,
                 "File of module base names known to differ (reported, not failures)");
  app.add_option("--budget-ms", budget_ms, "Wall-clock bound per call and tier")
      ->capture_default_str();
  app.add_option("--min-run", options.jit_min_run, "StoreConfig::jit_min_run for the JIT side")
      ->capture_default_str();
  app.add_option("--patterns", options.patterns, "Argument patterns per export (1-5)")
      ->capture_default_str();
  app.add_option("--time-limit", time_limit,
                 "Stop starting new modules after this many seconds (0: no limit)");
  size_t stack_kib = options.value_stack_bytes >> 10;
  app.add_option("--value-stack-kib", stack_kib, "StoreConfig::value_stack_bytes / 1024")
      ->capture_default_str();
  app.add_flag("--quiet", quiet, "Print only differences and the summary");
  CLI11_PARSE(app, argc, argv);
  options.call_budget = std::chrono::milliseconds(budget_ms);
  options.value_stack_bytes = stack_kib << 10;

  std::set<std::string> known;
  if (!known_path.empty()) {
    bool ok = false;
    known = read_list(known_path, ok);
    if (!ok) {
      std::fprintf(stderr, "wasm-jit-diff: cannot read %s\n", known_path.c_str());
      return 2;
    }
  }

  DiffChecker checker(options);
  auto start = std::chrono::steady_clock::now();
  size_t same = 0, differ = 0, known_differ = 0, invalid = 0, stopped = 0, calls = 0, traps = 0;
  size_t functions = 0, native = 0, skipped = 0;
  std::vector<std::string> unexpected, fixed;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    if (time_limit > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
            time_limit) {
      skipped = paths.size() - i;
      break;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "wasm-jit-diff: cannot read %s\n", path.c_str());
      return 2;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    if (wc::engine::text::is_text_module(path, bytes)) {
      auto encoded = wc::engine::text::wat_to_wasm(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (!encoded) {
        std::fprintf(stderr, "%s\n",
                     wc::engine::text::file_error(path, encoded.error().message).c_str());
        return 2;
      }
      bytes = std::move(*encoded);
    }
    DiffReport r = checker.check(bytes);
    std::string name = fs::path(path).filename().string();
    bool listed = known.count(name) > 0;
    calls += r.calls;
    traps += r.traps;
    functions += r.functions;
    native += r.native_functions;
    if (!r.stopped.empty()) ++stopped;
    switch (r.verdict) {
      case Verdict::Invalid:
        ++invalid;
        if (!quiet) std::printf("%s: invalid (%s)\n", path.c_str(), r.detail.c_str());
        if (listed) fixed.push_back(name);
        break;
      case Verdict::Same:
        ++same;
        if (listed) fixed.push_back(name);
        if (!quiet || listed)
          std::printf(
              "%s: same%s (%zu calls, %zu trapped; JIT compiled %zu of %zu functions)%s%s\n",
              path.c_str(), listed ? " BUT LISTED AS A KNOWN FAILURE" : "", r.calls, r.traps,
              r.native_functions, r.functions,
              r.stopped.empty() ? "" : "; stopped: ", r.stopped.c_str());
        break;
      case Verdict::Differ:
        if (listed) {
          ++known_differ;
          std::printf("%s: differs (known failure): %s\n", path.c_str(), r.detail.c_str());
        } else {
          ++differ;
          unexpected.push_back(name);
          std::printf("%s: DIFFERS: %s\n", path.c_str(), r.detail.c_str());
        }
        break;
    }
    std::fflush(stdout);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "wasm-jit-diff: %zu modules in %.1f s: %zu same, %zu differ, %zu known failures, %zu "
      "invalid; %zu stopped by an interrupt; %zu calls compared (%zu trapped); JIT compiled "
      "%zu of %zu functions%s\n",
      paths.size() - skipped, secs, same, differ, known_differ, invalid, stopped, calls, traps,
      native, functions,
      skipped ? (", " + std::to_string(skipped) + " not started (time limit)").c_str() : "");
  for (const std::string& n : fixed)
    std::printf("wasm-jit-diff: %s is listed in %s but does not differ: remove it from the list\n",
                n.c_str(), known_path.c_str());
  return unexpected.empty() && fixed.empty() ? 0 : 1;
}
