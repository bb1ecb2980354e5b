// The baseline JIT: x86-64 code from the interpreter's slot form, one function at a time.
#pragma once

#include <memory>

#include "engine/jit/native_code.h"

namespace wc::engine {
struct CompiledFunction;
}

namespace wc::jit {

// Null when the function is not worth compiling (nothing compilable), too large for this tier,
// or the kernel refused executable memory; the interpreter then runs it as before.
// `min_run`: entries are offered only where at least this many compiled instructions follow
// in a row (1: everywhere, the stress setting tests use).
std::unique_ptr<NativeCode> compile_x64(const wc::engine::CompiledFunction& function,
                                        uint32_t min_run);

// 4, or $WC_JIT_MIN_RUN (tests set 1 so that every compiled instruction gets run).
uint32_t default_min_run();

}  // namespace wc::jit
