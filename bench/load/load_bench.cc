// wasm-load-bench: how fast a module is decoded and validated (the part of every start that
// runs before any code). For each module, best and median of --repeat rounds of decode_module
// and validate_module, timed separately, in ms and module MB/s (wall time).
//
//   wasm-load-bench [--repeat N] MODULE.wasm...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/validate/validator.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double best = 0, median = 0;
};

Stats stats(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[ms.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 10;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = std::max(1, std::atoi(argv[++i]));
    else
      paths.push_back(argv[i]);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "usage: wasm-load-bench [--repeat N] MODULE.wasm...\n");
    return 1;
  }
  for (const std::string& path : paths) {
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
    if (bytes.empty()) {
      std::fprintf(stderr, "%s: cannot read\n", path.c_str());
      return 1;
    }
    std::vector<double> dec_ms, val_ms;
    // Every round's module stays alive until the end, as in a process that loads it once:
    // freeing one round's 200000 small blocks would otherwise cost the next round's mallocs.
    std::vector<std::shared_ptr<const wc::engine::Module>> keep;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = Clock::now();
      auto decoded = wc::engine::decode_module(bytes);
      const auto t1 = Clock::now();
      if (!decoded) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), decoded.error().message.c_str());
        return 1;
      }
      auto err = wc::engine::validate_module(**decoded);
      const auto t2 = Clock::now();
      if (err) {
        std::fprintf(stderr, "%s: invalid: %s\n", path.c_str(), err->message.c_str());
        return 1;
      }
      keep.push_back(*decoded);
      dec_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      val_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    const Stats d = stats(dec_ms), v = stats(val_ms);
    std::vector<double> total;
    for (int r = 0; r < repeat; ++r) total.push_back(dec_ms[r] + val_ms[r]);
    const Stats t = stats(total);
    const double mb = double(bytes.size()) / 1e6;
    std::printf("%s: %.2f MB, %d rounds (best / median)\n", path.c_str(), mb, repeat);
    std::printf("  decode   %7.2f / %7.2f ms\n", d.best, d.median);
    std::printf("  validate %7.2f / %7.2f ms\n", v.best, v.median);
    std::printf("  total    %7.2f / %7.2f ms  %6.1f MB/s (best)\n", t.best, t.median,
                mb / (t.best / 1e3));
  }
  return 0;
}
