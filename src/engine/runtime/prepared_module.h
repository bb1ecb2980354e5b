// Per-module work done once so that many stores can start from it: the slot translation of
// every defined function and the image of the module's own linear memory with its active data
// segments written. A zygote (docs/zygote.md) prepares its module before it forks, and each
// child's Store adopts the copy the fork gave it, so siblings share those pages copy-on-write
// until one of them writes a page.
//
// Everything in it is a function of the module's bytes alone: no guest code runs to make it
// (no start function, no host call), so nothing of one container can be in it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/module.h"
#include "engine/runtime/store.h"

namespace wc::engine {

struct PreparedModule {
  PreparedModule();
  ~PreparedModule();  // out of line: CompiledFunction is complete only in the engine

  std::shared_ptr<const Module> module;
  // The distinct function types in first-seen order, and each module type's index among them:
  // the ids call_indirect checks in `functions`. Store::adopt makes them the adopting store's
  // first interned ids, so they mean the same there.
  std::vector<FuncType> types;
  std::vector<uint32_t> type_ids;                            // per module type index
  std::vector<std::unique_ptr<CompiledFunction>> functions;  // per defined function
  // The module's memory 0 at instantiation (its minimum size, every active data segment
  // written), when that depends on the module alone: it defines exactly one memory, imports no
  // memory, and every segment offset is a constant. Null otherwise; the store then makes and
  // fills the memory as usual.
  std::unique_ptr<MemoryInstance> memory;

  // compile_prepared(): the next function to compile, and the machine code made so far.
  size_t next_to_compile = 0;
  size_t machine_code_bytes = 0;
};

// Null if the module cannot be prepared (too big to translate here); a store then instantiates
// the module as usual. `module` must be validated.
std::unique_ptr<PreparedModule> prepare_module(std::shared_ptr<const Module> module);

// Compiles the prepared functions to x86-64 (the JIT tier) in index order, from where the last
// call stopped, until `deadline` passes (checked after each function) or every function was
// tried; each batch is placed in one read+exec mapping and attached to its functions
// (CompiledFunction::native). A store adopting the preparation enters that code as is, so a
// zygote that calls this while it waits for fork requests gives every later child its code,
// shared read+exec with its siblings, instead of each child interpreting until its functions
// get hot and compiling them alone. Like the translation, the code is a function of the
// module's bytes only. Stops for good once `max_code_bytes` of code is made (64 MiB: Go's
// code is about 5 bytes per byte of wasm, so a 12 MB module; a zygote per module hash is kept,
// and what a tenant's huge module costs here must stay bounded) or the kernel refuses
// executable memory. True when there is nothing left to compile.
bool compile_prepared(PreparedModule& prepared, std::chrono::steady_clock::time_point deadline,
                      size_t max_code_bytes = size_t{64} << 20);

}  // namespace wc::engine
