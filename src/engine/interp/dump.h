// Prints a translated function as text, one internal instruction a line (for `wasm-run
// --dump-code` and for reading what the translator produced).
#pragma once

#include <cstdio>

#include "engine/interp/compiled_function.h"

namespace wc::engine {

void dump_compiled(const CompiledFunction& f, std::FILE* out);

}  // namespace wc::engine
