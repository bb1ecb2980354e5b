// TEMPORARY STUB: replaced by the real interpreter (being written). Lets the rest link.
#include "engine/interp/interpreter.h"
#include "engine/interp/exec_state.h"

namespace wc::engine {

struct CompiledFunction {};

std::unique_ptr<CompiledFunction> compile_function(const Module&, uint32_t,
                                                   const std::vector<uint32_t>&) {
  return std::make_unique<CompiledFunction>();
}

InvokeResult interpret(Store&, FuncInstance*, std::span<const Value>) {
  InvokeResult r;
  r.trap = Trap{TrapKind::Host, "interpreter not implemented yet", {}, 0};
  return r;
}

std::unique_ptr<Store::ExecState> make_exec_state(const StoreConfig&) {
  return std::make_unique<Store::ExecState>();
}
void install_trap_handler() {}

}  // namespace wc::engine
