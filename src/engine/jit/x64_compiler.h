// The baseline JIT: x86-64 code from the interpreter's slot form, one function at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/jit/native_code.h"

namespace wc::engine {
struct CompiledFunction;
}

namespace wc::jit {

// One function's machine code before it is placed in executable memory. The code is
// position-independent (no absolute address inside), so it can be placed anywhere.
struct MachineCode {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> entries;  // per code word: offset + 1 in `bytes`, or 0
  uint32_t function_entry = 0;    // offset + 1, or 0
  uint32_t lazy_from = 0;         // NativeCode::lazy_from
};

// Nothing when the function cannot be compiled (too large for this tier, an encoder limit)
// or there is nothing to enter; the interpreter then runs it as before.
// `min_run`: interpreter entries are offered only where at least this many compiled
// instructions follow in a row (1: everywhere, the stress setting tests use).
std::optional<MachineCode> compile_x64(const wc::engine::CompiledFunction& function,
                                       uint32_t min_run);

// A self-check for tests and the compile benchmark: emits `function` while noting which slots
// each template touches, and compares that with the analysis scan (x64_analysis.h) that the
// register plan is made from. The difference, or nothing when they agree (or the function is
// not compiled at all).
std::optional<std::string> check_analysis(const wc::engine::CompiledFunction& function);

// Places the code of many functions in one read+exec mapping. Returns one NativeCode per
// element of `code` (null where the element is empty), or all null if the kernel refused
// executable memory.
std::vector<std::unique_ptr<NativeCode>> place_code(std::vector<std::optional<MachineCode>> code);

// 4, or $WC_JIT_MIN_RUN (tests set 1 so that every compiled instruction gets run).
uint32_t default_min_run();

}  // namespace wc::jit
