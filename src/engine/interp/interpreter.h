// The interpreter's entry points used by the runtime: translate a validated function into the
// internal slot form, and run a function (wasm or host) to completion or trap.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "engine/module.h"
#include "engine/runtime/store.h"

namespace wc::engine {

// `type_ids` maps the module's type indices to the store's interned ids (for call_indirect).
std::unique_ptr<CompiledFunction> compile_function(const Module& module, uint32_t defined_index,
                                                   const std::vector<uint32_t>& type_ids);

InvokeResult interpret(Store& store, FuncInstance* func, std::span<const Value> args);

// Creates the per-store execution state (value stack, call stack).
std::unique_ptr<Store::ExecState> make_exec_state(const StoreConfig& config);

// Installs the SIGSEGV/SIGBUS handler that turns guard-page faults into traps (idempotent).
void install_trap_handler();

}  // namespace wc::engine
