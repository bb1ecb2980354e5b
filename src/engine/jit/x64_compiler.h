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
std::unique_ptr<NativeCode> compile_x64(const wc::engine::CompiledFunction& function);

}  // namespace wc::jit
