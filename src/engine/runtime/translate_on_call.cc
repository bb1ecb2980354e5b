// Translation of a function on its first call (interp and auto engines; see
// untranslated_function() in interp/compiled_function.h for how the call path finds it).
#include <new>
#include <stdexcept>

#include "engine/interp/compiled_function.h"
#include "engine/interp/interpreter.h"
#include "engine/runtime/store.h"

namespace wc::engine {

namespace {
// Never written, so one object serves every store and thread; constant-initialized, so it is
// ready before any other file's static initializers could instantiate a module.
constinit const CompiledFunction kUntranslated{.code = {},
                                               .constants = {},
                                               .frame_template = {},
                                               .frame_slots = kUntranslatedFrameSlots,
                                               .native = {}};
}  // namespace

const CompiledFunction* untranslated_function() { return &kUntranslated; }

bool Store::is_translated(const FuncInstance* func) const {
  return func->code && func->code != &kUntranslated;
}

const CompiledFunction* Store::translate(FuncInstance* func) {
  // Once only: the code may be running (a caller outside the interpreter may ask again).
  if (is_translated(func)) return func->code;
  Instance& inst = *func->instance;
  // Defined functions follow the imported ones in the instance's function space.
  const size_t defined = func->index - (inst.funcs_.size() - inst.compiled_.size());
  std::unique_ptr<CompiledFunction> cf;
  try {
    cf = compile_function(*inst.module_, static_cast<uint32_t>(defined), inst.type_ids_);
  } catch (const std::bad_alloc&) {
    return nullptr;
  } catch (const std::length_error&) {  // a vector asked for more than it can hold
    return nullptr;
  }
  if (config_.engine == wc::jit::EngineMode::Auto)
    cf->tier_up_budget = static_cast<int32_t>(config_.tier_up_after);
  func->code = cf.get();
  inst.compiled_[defined] = std::move(cf);
  return func->code;
}

}  // namespace wc::engine
