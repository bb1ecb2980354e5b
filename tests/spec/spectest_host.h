// The "spectest" module every spec script may import from (see the spec's interpreter/host).
#pragma once

#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"

namespace wc::spec {

// Creates spectest's functions, globals, table and memory in `store` and defines them in
// `linker` under the module name "spectest". With `verbose`, the print functions print their
// arguments to stdout; otherwise they do nothing.
void define_spectest(engine::Store& store, engine::Linker& linker, bool verbose);

}  // namespace wc::spec
