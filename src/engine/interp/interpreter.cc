// The interpreter loop: direct-threaded code (computed goto) over the slot form produced by
// translator.cc. Wasm-to-wasm calls do not recurse in C++: frames live on the store's value
// stack and return addresses on its call stack, so deep guest recursion is a trap, not a crash.
// Out-of-bounds memory accesses fault in the guard region; the fault handler (trap_handler.cc)
// longjmps back to interpret(), which turns the fault into a trap.
#include "engine/interp/interpreter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <utility>
#ifdef WC_PROFILE_DISPATCH
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <vector>
#endif

#include "engine/interp/compiled_function.h"
#include "engine/interp/exec_state.h"
#include "engine/interp/iops.h"
#include "engine/interp/numeric.h"
#include "engine/interp/simd_ops.h"
#include "engine/interp/trap_handler.h"
#include "engine/jit/executable_memory.h"
#include "engine/jit/exit_stats.h"
#include "engine/runtime/memory_ops.h"

namespace wc::engine {
namespace {

using u32 = uint32_t;
using u64 = uint64_t;
using i32 = int32_t;
using i64 = int64_t;

template <typename T>
inline T ld(const u64* slot) {
  T v;
  std::memcpy(&v, slot, sizeof(T));
  return v;
}
// WC_JIT_STATS: the instruction compiled code just left to the interpreter (its handler).
[[gnu::noinline, gnu::cold]] void record_jit_exit(const u32* ip) {
  const void* handler;
  std::memcpy(&handler, ip, sizeof(handler));
  wc::jit::record_exit(handler);
}
// 32-bit values are stored zero-extended, so every slot holds exactly its value's bits.
inline void st(u64* slot, u32 v) { *slot = v; }
inline void st(u64* slot, u64 v) { *slot = v; }
inline void st(u64* slot, i32 v) { *slot = static_cast<u32>(v); }
inline void st(u64* slot, i64 v) { *slot = static_cast<u64>(v); }
inline void st(u64* slot, float v) { *slot = std::bit_cast<u32>(v); }
inline void st(u64* slot, double v) { *slot = std::bit_cast<u64>(v); }
inline void st(u64* slot, bool v) { *slot = v ? 1 : 0; }

template <typename T>
inline T load_mem(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
inline void store_mem(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// Frame slots taken by values of these types: a v128 takes two.
size_t slot_count(const std::vector<ValType>& types) {
  size_t n = types.size();
  for (ValType t : types) n += t == ValType::V128;
  return n;
}

constexpr int kOk = 0;
constexpr int kHostTrap = 1;
constexpr int kTrapBase = 2;  // kTrapBase + TrapKind

__attribute__((noinline)) bool call_host(Store& store, Store::ExecState& ex, FuncInstance* callee,
                                         Instance* caller, u64* args, u64* frame_top) {
  u64* saved = ex.sp;
  ex.sp = frame_top;
  HostCall hc(store, caller);
  try {
    callee->host(hc, args);
  } catch (const std::exception& e) {
    hc.trap(TrapKind::Host, std::string("host function ") + callee->name + " threw: " + e.what());
  }
  ex.sp = saved;
  if (hc.pending_trap()) {
    ex.host_trap = std::move(hc.pending_trap());
    return false;
  }
  return true;
}

// call_indirect's checks for compiled code (jit/native_code.h): the callee when the element
// exists, is not null and has the expected signature; otherwise null, and the interpreter
// makes the call and raises the trap with its message.
FuncInstance* jit_resolve_indirect(const wc::jit::JitContext* ctx, uint32_t table, uint32_t index,
                                   uint32_t type_id) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  const TableInstance* t = inst->tables_[table];
  if (index >= t->elems.size()) return nullptr;
  auto* f = reinterpret_cast<FuncInstance*>(t->elems[index]);
  return f && f->type_id == type_id ? f : nullptr;
}

// Bulk memory for compiled code (jit/native_code.h): the interpreter's own operations on the
// running instance, so bounds and semantics are the same; on false the code leaves the
// instruction to the interpreter, which finds the same bounds failure and traps.
bool jit_memory_fill(const wc::jit::JitContext* ctx, uint32_t dst, uint32_t value, uint32_t n) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  return memory_fill(*inst->memories_[0], dst, static_cast<uint8_t>(value), n);
}
bool jit_memory_copy(const wc::jit::JitContext* ctx, uint32_t dst, uint32_t src, uint32_t n) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  return memory_copy(*inst->memories_[0], dst, src, n);
}
bool jit_memory_init(const wc::jit::JitContext* ctx, uint32_t data, uint32_t dst, uint32_t src,
                     uint32_t n) {
  Instance* inst = const_cast<Instance*>(static_cast<const Instance*>(ctx->instance));
  return memory_init(*inst, data, dst, src, n);
}
void jit_data_drop(const wc::jit::JitContext* ctx, uint32_t data) {
  data_drop(*const_cast<Instance*>(static_cast<const Instance*>(ctx->instance)), data);
}

// A host call from compiled code: exactly the interpreter's (do_call's host branch), but no
// exception leaves it, because the caller is machine code that cannot be unwound. A trap
// stays in ex.host_trap as call_host left it; anything call_host lets through is kept in
// ex.host_exception. Either way `host_failed` tells the interpreter, once the code has left,
// to finish the call as its own failed call would have (see ENTER_NATIVE).
bool jit_call_host(wc::jit::JitContext* ctx, FuncInstance* callee, uint64_t* args) {
  Store& store = *ctx->store;
  Store::ExecState& ex = store.exec_state();
  Instance* caller = const_cast<Instance*>(static_cast<const Instance*>(ctx->instance));
  u64* top = args + std::max(slot_count(callee->type->params), slot_count(callee->type->results));
  bool ok = false;
  try {
    ok = call_host(store, ex, callee, caller, args, top);
  } catch (...) {
    ex.host_exception = std::current_exception();
  }
  if (!ok) ctx->host_failed = true;
  return ok;
}

// The interpreter's return (L_Return) for compiled code whose frame has no native caller:
// the same frame pop, made only when the caller runs on in compiled code (same run, same
// instance, an entry at the return address); otherwise null and nothing changed, and the
// code leaves the return to the interpreter. Inside compiled code the running frame's depth
// is D0 + the native nesting (0 here), with D0 kept at saved_rsp (x64_compiler.cc), so D0
// becomes the caller's depth.
// After compiled code left: the frames it entered natively in this run (above low_depth, see
// JitContext) get what their native callers left out, before the interpreter may run any of
// them (it runs the top one next and returns into the others): the caller's instance in the
// call record (always the running instance: native calls stay in one), and the constants
// (NativeCode::lazy_from). The record of the call from depth d (frames[d]) holds the frame
// at depth d; the top frame is exit_fp. Each frame is done once: the next run starts at or
// below the current depth. Not after a failed host or cold call (host_failed): the
// interpreter then raises what the call raised, ending every frame of the run (a trap's
// backtrace reads only the records' functions), and the depth may still count the failed
// nested run's frames.
void complete_native_frames(CallFrame* frames, const wc::jit::JitContext& ctx, Instance* inst,
                            u32 depth) {
  for (u32 d = depth; d > ctx.low_depth; --d) {
    frames[d - 1].ret_instance = inst;
    const CompiledFunction* cf = frames[d - 1].func->code;
    const wc::jit::NativeCode* native = cf ? cf->native.get() : nullptr;
    const u32 from = native ? native->lazy_from() : 0;
    if (!from) continue;
    u64* fp = d == depth ? ctx.exit_fp : frames[d].ret_fp;
    const size_t skip = from - cf->num_params;
    std::memcpy(fp + from, cf->frame_template.data() + skip,
                (cf->frame_template.size() - skip) * sizeof(u64));
  }
}

const uint8_t* jit_return_to_caller(wc::jit::JitContext* ctx) {
  const u32 depth = *ctx->depth - 1;              // after the return
  if (depth <= ctx->entry_depth) return nullptr;  // the run's own return
  CallFrame* frames = static_cast<CallFrame*>(ctx->frames);
  const CallFrame& f = frames[depth];
  if (f.ret_instance != ctx->instance) return nullptr;
  const CompiledFunction* caller = frames[depth - 1].func->code;
  const wc::jit::NativeCode* native = caller->native.get();
  if (!native) return nullptr;
  const uint8_t* at = native->entry_at(static_cast<u32>(f.ret_ip - caller->code.data()));
  if (!at) return nullptr;
  *ctx->depth = depth;
  *reinterpret_cast<u64*>(ctx->saved_rsp) = depth;
  if (depth < ctx->low_depth) ctx->low_depth = depth;
  ctx->resume_fp = f.ret_fp;
  ctx->resume_code_base = caller->code.data();
  return at;
}

#ifdef WC_PROFILE_DISPATCH
// Developer build only (-DWC_PROFILE_DISPATCH=ON): counts executed instruction pairs and
// prints the most frequent at exit, to choose superinstructions from data.
void profile_dispatch(const uint32_t* ip);
#endif

int run(Store* store, FuncInstance* entry, u64* base, const void* const** handlers);

// Native stack the nested runs of call_cold may take below the outermost interpret() of a
// store (each costs a few hundred bytes: the helper, run() and the code's entry frame).
// Beyond it compiled code leaves such calls to the interpreter, which needs no native stack
// for them, so a deep alternation of compiled and cold functions cannot overflow the thread's
// stack; threads get 8 MiB by default.
constexpr uintptr_t kNestedRunStack = uintptr_t{1} << 20;

// A call from compiled code to a function it cannot call natively (jit/native_code.h): made
// by a nested run of the interpreter, which makes the interpreter's own checks (depth, value
// stack, interrupt), counts the call towards compiling the callee, and enters the callee's
// code if it has some (a function of another instance). The run's frames go on the store's
// frame stack above the caller's, so a trap's backtrace, read from that stack after the run
// ended, is the one the interpreter's own call would give, and so is its status, which the
// outer run returns at the call (jit_host_failed) with the frame depth the nested run left.
// A fault in the guard region longjmps past this helper and the code to interpret()'s trap
// scope, as a fault in the code itself does. Exceptions cannot pass through compiled code:
// kept in ex.host_exception and rethrown by the outer run.
bool jit_call_cold(wc::jit::JitContext* ctx, FuncInstance* callee, uint64_t* args) {
  Store& store = *ctx->store;
  Store::ExecState& ex = store.exec_state();
  if (reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < ex.native_stack_limit)
    return false;  // the interpreter makes the call: it takes no native stack
  Instance* caller = const_cast<Instance*>(static_cast<const Instance*>(ctx->instance));
  int status;
  try {
    status = run(&store, callee, args, nullptr);
  } catch (...) {
    ex.host_exception = std::current_exception();
    status = kHostTrap;  // not used: the outer run rethrows the exception
  }
  // The nested run made the callee's instance the one whose memory faults are traps.
  if (callee->instance != caller) set_trap_instance(caller);
  if (status == kOk) return true;
  ex.jit_failed_status = status;
  ctx->host_failed = true;
  return false;
}

// memory.size and memory.grow for compiled code: the interpreter's own (L_MemorySize,
// L_MemoryGrow) on the running instance's memory 0.
uint32_t jit_memory_size(const wc::jit::JitContext* ctx) {
  return static_cast<const Instance*>(ctx->instance)->memories_[0]->memory.pages();
}
uint32_t jit_memory_grow(wc::jit::JitContext* ctx, uint32_t delta) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  std::optional<u32> old = grow_memory(*ctx->store, *inst->memories_[0], delta);
  return old ? *old : 0xFFFFFFFFu;
}

// Table operations for compiled code (jit/native_code.h): the interpreter's own (L_TableGrow,
// L_TableFill, L_TableCopy, L_TableInit, L_ElemDrop) on the running instance; false leaves
// the instruction to the interpreter, which finds the same bounds failure and traps.
uint64_t jit_table_grow(const wc::jit::JitContext* ctx, uint32_t table, uint64_t init,
                        uint32_t delta) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  try {
    std::optional<u32> old = grow_table(*inst->tables_[table], delta, init);
    return old ? *old : 0xFFFFFFFFu;
  } catch (const std::bad_alloc&) {
    return wc::jit::kTableGrowRefused;  // the interpreter's own grow fails as it always has
  }
}
bool jit_table_fill(const wc::jit::JitContext* ctx, uint32_t table, uint32_t dst, uint64_t value,
                    uint32_t n) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  return table_fill(*inst->tables_[table], dst, value, n);
}
bool jit_table_copy(const wc::jit::JitContext* ctx, uint32_t dst_table, uint32_t src_table,
                    uint32_t dst, uint32_t src, uint32_t n) {
  const Instance* inst = static_cast<const Instance*>(ctx->instance);
  return table_copy(*inst->tables_[dst_table], *inst->tables_[src_table], dst, src, n);
}
bool jit_table_init(const wc::jit::JitContext* ctx, uint32_t elem, uint32_t table, uint32_t dst,
                    uint32_t src, uint32_t n) {
  Instance* inst = const_cast<Instance*>(static_cast<const Instance*>(ctx->instance));
  return table_init(*inst, elem, table, dst, src, n);
}
void jit_elem_drop(const wc::jit::JitContext* ctx, uint32_t elem) {
  elem_drop(*const_cast<Instance*>(static_cast<const Instance*>(ctx->instance)), elem);
}

// Runs `entry` with its frame at `base` until it returns (kOk) or traps. With `handlers` set,
// only publishes the handler addresses.
int run(Store* store, FuncInstance* entry, u64* base, const void* const** handlers) {
  static const void* const kLabels[] = {
#define WC_LABEL(name, n) &&L_##name,
#define X_NUM(name, a, b) &&L_##name,
      WC_IOPS(WC_LABEL) WC_NUMERIC_OPS(WC_IOP_NUMERIC_ENTRY)
#undef X_NUM
#undef WC_LABEL
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == static_cast<size_t>(IOp::Count));
  if (handlers) {
    *handlers = kLabels;
    return kOk;
  }

  Store::ExecState& ex = store->exec_state();
  const std::atomic<bool>& interrupt = store->interrupt_flag();
  CallFrame* const frames = ex.frames.get();
  const u32 max_depth = ex.max_depth;
  u64* const stack_end = ex.stack_end;
  const u32 entry_depth = ex.depth;
  // `--engine auto`: count calls and back-edges of interpreted functions (see COUNT_BACK_EDGE).
  const bool tier_up = store->config().engine == wc::jit::EngineMode::Auto;
  u32 depth = entry_depth;

  const u32* ip = nullptr;
  u64* fp = nullptr;
  Instance* inst = nullptr;
  uint8_t* mem = nullptr;
  int trap_kind = 0;

  // Operands of the current instruction.
#define OP(k) ip[2 + (k)]
#define S(k) (fp + OP(k))
#ifdef WC_PROFILE_DISPATCH
#define WC_PROFILE_HOOK() profile_dispatch(ip)
#else
#define WC_PROFILE_HOOK() (void)0
#endif
#define DISPATCH()                              \
  do {                                          \
    const void* target_;                        \
    std::memcpy(&target_, ip, sizeof(target_)); \
    WC_PROFILE_HOOK();                          \
    goto* target_;                              \
  } while (0)
#define NEXT(n)    \
  do {             \
    ip += 2 + (n); \
    DISPATCH();    \
  } while (0)
#define TRAP(kind)                      \
  do {                                  \
    trap_kind = static_cast<int>(kind); \
    goto trap;                          \
  } while (0)
  // Backward jumps (and a jump to itself: `loop br 0`) are loop back-edges: the place to
  // notice an interrupt request.
// A loop header is also where compiled code (the JIT tier) takes over, if the function has it.
#define JUMP(offset)                                                              \
  do {                                                                            \
    i32 off_ = static_cast<i32>(offset);                                          \
    if (off_ <= 0) {                                                              \
      if (interrupt.load(std::memory_order_relaxed)) TRAP(TrapKind::Interrupted); \
      ip += off_;                                                                 \
      if (!native && tier_up) COUNT_BACK_EDGE();                                  \
      ENTER_NATIVE();                                                             \
      DISPATCH();                                                                 \
    }                                                                             \
    ip += off_;                                                                   \
    DISPATCH();                                                                   \
  } while (0)
  // `--engine auto`: a back-edge in an interpreted function counts towards compiling it; once
  // compiled, the loop header just jumped to is where its code takes over.
#define COUNT_BACK_EDGE()                                                         \
  do {                                                                            \
    FuncInstance* running_ = frames[depth - 1].func;                              \
    if (--running_->code->tier_up_budget <= 0) native = store->tier_up(running_); \
  } while (0)
  // What compiled code reaches of the running instance (jit/native_code.h), set when the
  // instance changes: compiled code calls natively only within one instance.
#define SET_JIT_INSTANCE()                                                                     \
  do {                                                                                         \
    jctx.globals = inst->globals_.data();                                                      \
    for (size_t g_ = 0; g_ < wc::jit::kDirectGlobals; ++g_)                                    \
      jctx.global_bits[g_] = g_ < inst->globals_.size() ? &inst->globals_[g_]->bits : nullptr; \
    jctx.funcs = inst->funcs_.data();                                                          \
    jctx.tables = inst->tables_.data();                                                        \
    jctx.instance = inst;                                                                      \
  } while (0)
  // Runs the current function's machine code from `ip` when it has an entry there; the code
  // returns the instruction it leaves to the interpreter (see jit/native_code.h), in the frame
  // it reports: a callee it called natively, or a caller it returned to without leaving
  // (return_to_caller), possibly followed by further calls. Neither depth nor frame alone
  // tells which function that is, so the frame, function and depth are always reloaded.
#define ENTER_NATIVE()                                                                 \
  do {                                                                                 \
    if (native) {                                                                      \
      if (const uint8_t* at_ = native->entry_at(static_cast<u32>(ip - code_base))) {   \
        jctx.low_depth = ex.depth;                                                     \
        u32 word_ = native->run(fp, mem, &jctx, at_, code_base);                       \
        depth = ex.depth;                                                              \
        if (jctx.host_failed) [[unlikely]]                                             \
          goto jit_host_failed;                                                        \
        if (depth > jctx.low_depth) complete_native_frames(frames, jctx, inst, depth); \
        fp = jctx.exit_fp;                                                             \
        const CompiledFunction* in_ = frames[depth - 1].func->code;                    \
        native = in_->native.get();                                                    \
        code_base = in_->code.data();                                                  \
        ip = code_base + word_;                                                        \
        if (jit_stats) record_jit_exit(ip);                                            \
      }                                                                                \
    }                                                                                  \
  } while (0)

  FuncInstance* callee = entry;
  u64* new_fp = base;
  const u32* ret_ip = nullptr;
  // The running function's compiled code (null when interpreted) and its slot-form start.
  const wc::jit::NativeCode* native = nullptr;
  const u32* code_base = nullptr;
  wc::jit::JitContext jctx;
  const bool jit_stats = wc::jit::exit_stats_enabled();  // WC_JIT_STATS
  jctx.interrupt = &interrupt;
  jctx.depth = &ex.depth;
  jctx.max_depth = max_depth;
  jctx.native_frame_limit =
      stack_end - std::min<size_t>(wc::jit::kMaxNativeFrameSlots, stack_end - ex.stack.get());
  jctx.frames = frames;
  jctx.resolve_indirect = &jit_resolve_indirect;
  jctx.memory_fill = &jit_memory_fill;
  jctx.memory_copy = &jit_memory_copy;
  jctx.memory_init = &jit_memory_init;
  jctx.data_drop = &jit_data_drop;
  jctx.call_host = &jit_call_host;
  jctx.store = store;
  jctx.return_to_caller = &jit_return_to_caller;
  jctx.call_cold = &jit_call_cold;
  jctx.memory_size = &jit_memory_size;
  jctx.memory_grow = &jit_memory_grow;
  jctx.table_grow = &jit_table_grow;
  jctx.table_fill = &jit_table_fill;
  jctx.table_copy = &jit_table_copy;
  jctx.table_init = &jit_table_init;
  jctx.elem_drop = &jit_elem_drop;
  jctx.entry_depth = entry_depth;

do_call : {
  if (!callee->code) {
    // Nested invokes from the host function start above its arguments and results.
    u64* top =
        new_fp + std::max(slot_count(callee->type->params), slot_count(callee->type->results));
    if (!call_host(*store, ex, callee, inst, new_fp, top)) {
      ex.depth = depth;
      return kHostTrap;
    }
    ip = ret_ip;
    ENTER_NATIVE();
    DISPATCH();
  }
  const CompiledFunction* cf = callee->code;
  if (depth >= max_depth || new_fp + cf->frame_slots > stack_end) [[unlikely]] {
    // Also the first call of a function not translated yet: its stand-in's frame never fits
    // (untranslated_function()). Translated now, the call is made again from the top.
    if (cf != untranslated_function()) TRAP(TrapKind::StackExhausted);
    if (!store->translate(callee)) {
      ex.host_trap =
          Trap{TrapKind::Host, "out of memory while translating function " + callee->name, {}, 0};
      ex.depth = depth;
      return kHostTrap;
    }
    goto do_call;
  }
  if (interrupt.load(std::memory_order_relaxed)) TRAP(TrapKind::Interrupted);
  frames[depth] = CallFrame{ret_ip, fp, inst, callee};
  ex.depth = ++depth;
  // Declared locals (zero) and constants come from one template. A plain loop: frames are
  // small, and the empty asm keeps compilers from turning it into a memcpy call.
  {
    u64* slot = new_fp + cf->num_params;
    const u64* from = cf->frame_template.data();
    size_t n = cf->frame_template.size();
    // Most frames need a handful of words: straight-line stores, no loop.
    switch (n) {
      case 8: slot[7] = from[7]; [[fallthrough]];
      case 7: slot[6] = from[6]; [[fallthrough]];
      case 6: slot[5] = from[5]; [[fallthrough]];
      case 5: slot[4] = from[4]; [[fallthrough]];
      case 4: slot[3] = from[3]; [[fallthrough]];
      case 3: slot[2] = from[2]; [[fallthrough]];
      case 2: slot[1] = from[1]; [[fallthrough]];
      case 1: slot[0] = from[0]; [[fallthrough]];
      case 0: break;
      default:
        for (const u64* end = from + n; from != end;) {
          *slot++ = *from++;
          asm volatile("" : "+r"(slot));
        }
    }
  }
  fp = new_fp;
  ip = cf->code.data();
  if (callee->instance != inst) {
    inst = callee->instance;
    mem = inst->mem0_base;
    set_trap_instance(inst);
    SET_JIT_INSTANCE();
  }
  native = cf->native.get();
  if (!native && tier_up && --cf->tier_up_budget <= 0) native = store->tier_up(callee);
  code_base = ip;
  ENTER_NATIVE();
  DISPATCH();
}

  // A call compiled code made failed (jit_call_host, jit_call_cold): the code left at the
  // call; end the run as the interpreter's own failed call would have (do_call), or rethrow
  // what a host function threw, without calling again. `depth` is where the failure left the
  // frame stack (a trap deep in a nested run: its backtrace).
jit_host_failed : {
  jctx.host_failed = false;
  const int status = std::exchange(ex.jit_failed_status, 0);
  if (ex.host_exception) {
    std::exception_ptr e = std::exchange(ex.host_exception, nullptr);
    std::rethrow_exception(e);
  }
  ex.depth = depth;
  return status ? status : kHostTrap;
}

L_Return : {
  ex.depth = --depth;
  if (depth == entry_depth) return kOk;
  const CallFrame& f = frames[depth];
  ip = f.ret_ip;
  fp = f.ret_fp;
  if (f.ret_instance != inst) {
    inst = f.ret_instance;
    mem = inst->mem0_base;
    set_trap_instance(inst);
    SET_JIT_INSTANCE();
  }
  {
    // Back in the caller, which was entered in this run (depth > entry_depth here).
    const CompiledFunction* caller = frames[depth - 1].func->code;
    native = caller->native.get();
    code_base = caller->code.data();
  }
  ENTER_NATIVE();
  DISPATCH();
}

L_Call : {
  callee = inst->funcs_[OP(0)];
  new_fp = fp + OP(1);
  ret_ip = ip + 4;
  goto do_call;
}

L_CallIndirect : {
  const TableInstance* table = inst->tables_[OP(1)];
  u32 index = ld<u32>(S(3));
  ex.trap_detail = index;
  if (index >= table->elems.size()) TRAP(TrapKind::UndefinedElement);
  u64 ref = table->elems[index];
  if (ref == 0) TRAP(TrapKind::UninitializedElement);
  callee = reinterpret_cast<FuncInstance*>(ref);
  if (callee->type_id != OP(0)) TRAP(TrapKind::IndirectCallTypeMismatch);
  new_fp = fp + OP(2);
  ret_ip = ip + 6;
  goto do_call;
}

L_Copy:
  *S(0) = *S(1);
  NEXT(2);
L_Copy2:
  *S(0) = *S(1);
  *S(2) = *S(3);
  NEXT(4);
  // Multiply then add/subtract, each rounded as the two wasm instructions would be.
#define WC_MULADD(name, T, expr)    \
  L_##name : {                      \
    T a = ld<T>(S(1));              \
    T b = ld<T>(S(2));              \
    T c = ld<T>(S(3));              \
    T product = a * b;              \
    st(S(0), static_cast<T>(expr)); \
    NEXT(4);                        \
  }
  WC_MULADD(F64MulAdd, double, product + c)
  WC_MULADD(F64MulSub, double, product - c)
  WC_MULADD(F64SubMul, double, c - product)
  WC_MULADD(F32MulAdd, float, product + c)
  WC_MULADD(F32MulSub, float, product - c)
  WC_MULADD(F32SubMul, float, c - product)
#undef WC_MULADD
L_Const32:
  *S(0) = OP(1);
  NEXT(2);
L_Const64:
  *S(0) = OP(1) | (u64{OP(2)} << 32);
  NEXT(3);
L_Jump:
  JUMP(OP(0));
L_CopyJump:
  *S(0) = *S(1);
  JUMP(OP(2));
L_BrIfNez:
  if (ld<u32>(S(0)) != 0) JUMP(OP(1));
  NEXT(2);
L_BrIfEqz:
  if (ld<u32>(S(0)) == 0) JUMP(OP(1));
  NEXT(2);
L_BrIfI64Nez:
  if (ld<u64>(S(0)) != 0) JUMP(OP(1));
  NEXT(2);
L_BrIfI64Eqz:
  if (ld<u64>(S(0)) == 0) JUMP(OP(1));
  NEXT(2);
#define WC_FUSED(name, T, cmp)                             \
  L_##name : if (ld<T>(S(0)) cmp ld<T>(S(1))) JUMP(OP(2)); \
  NEXT(3);
  WC_FUSED(BrIfI32Eq, u32, ==)
  WC_FUSED(BrIfI32Ne, u32, !=)
  WC_FUSED(BrIfI32LtS, i32, <)
  WC_FUSED(BrIfI32LtU, u32, <)
  WC_FUSED(BrIfI32GtS, i32, >)
  WC_FUSED(BrIfI32GtU, u32, >)
  WC_FUSED(BrIfI32LeS, i32, <=)
  WC_FUSED(BrIfI32LeU, u32, <=)
  WC_FUSED(BrIfI32GeS, i32, >=)
  WC_FUSED(BrIfI32GeU, u32, >=)
  WC_FUSED(BrIfF64Eq, double, ==)
  WC_FUSED(BrIfF64Ne, double, !=)
  WC_FUSED(BrIfF64Lt, double, <)
  WC_FUSED(BrIfF64Gt, double, >)
  WC_FUSED(BrIfF64Le, double, <=)
  WC_FUSED(BrIfF64Ge, double, >=)
#undef WC_FUSED
#define WC_FUSED_NOT(name, T, cmp)                            \
  L_##name : if (!(ld<T>(S(0)) cmp ld<T>(S(1)))) JUMP(OP(2)); \
  NEXT(3);
  WC_FUSED_NOT(BrUnlessF64Eq, double, ==)
  WC_FUSED_NOT(BrUnlessF64Ne, double, !=)
  WC_FUSED_NOT(BrUnlessF64Lt, double, <)
  WC_FUSED_NOT(BrUnlessF64Gt, double, >)
  WC_FUSED_NOT(BrUnlessF64Le, double, <=)
  WC_FUSED_NOT(BrUnlessF64Ge, double, >=)
#undef WC_FUSED_NOT
  // A loop counter's update and its exit test, in one dispatch.
#define WC_ADD_FUSED(name, T, cmp)                        \
  L_Add##name : {                                         \
    u32 sum = ld<u32>(S(1)) + ld<u32>(S(2));              \
    st(S(0), sum);                                        \
    if (static_cast<T>(sum) cmp ld<T>(S(3))) JUMP(OP(4)); \
    NEXT(5);                                              \
  }
  WC_ADD_FUSED(BrIfI32Eq, u32, ==)
  WC_ADD_FUSED(BrIfI32Ne, u32, !=)
  WC_ADD_FUSED(BrIfI32LtS, i32, <)
  WC_ADD_FUSED(BrIfI32LtU, u32, <)
  WC_ADD_FUSED(BrIfI32GtS, i32, >)
  WC_ADD_FUSED(BrIfI32GtU, u32, >)
  WC_ADD_FUSED(BrIfI32LeS, i32, <=)
  WC_ADD_FUSED(BrIfI32LeU, u32, <=)
  WC_ADD_FUSED(BrIfI32GeS, i32, >=)
  WC_ADD_FUSED(BrIfI32GeU, u32, >=)
#undef WC_ADD_FUSED
L_BrTable : {
  u32 index = ld<u32>(S(0));
  u32 count = OP(1);
  if (index > count) index = count;
  JUMP(OP(2 + index));
}
L_Trap:
  TRAP(static_cast<TrapKind>(OP(0)));
L_Select:
  *S(0) = ld<u32>(S(3)) ? *S(1) : *S(2);
  NEXT(4);
L_Select128 : {
  const u64* from = ld<u32>(S(3)) ? S(1) : S(2);
  u64 lo = from[0], hi = from[1];
  S(0)[0] = lo;
  S(0)[1] = hi;
  NEXT(4);
}
L_Simd : {
  SimdFn fn;
  std::memcpy(&fn, ip + 7, sizeof fn);
  fn(fp, ip + 2, mem);
  NEXT(7);
}
L_GlobalGet128 : {
  const GlobalInstance* g = inst->globals_[OP(1)];
  S(0)[0] = g->bits;
  S(0)[1] = g->hi;
  NEXT(2);
}
L_GlobalSet128 : {
  GlobalInstance* g = inst->globals_[OP(0)];
  g->bits = S(1)[0];
  g->hi = S(1)[1];
  NEXT(2);
}
L_GlobalGet:
  *S(0) = inst->globals_[OP(1)]->bits;
  NEXT(2);
L_GlobalSet:
  inst->globals_[OP(0)]->bits = *S(1);
  NEXT(2);
L_I32AddGlobalSet:
  inst->globals_[OP(0)]->bits = u64{static_cast<u32>(ld<u32>(S(1)) + ld<u32>(S(2)))};
  NEXT(3);
L_I32AddTeeGlobalSet : {
  u32 v = ld<u32>(S(2)) + ld<u32>(S(3));
  st(S(1), v);
  inst->globals_[OP(0)]->bits = u64{v};
  NEXT(4);
}
L_I32SubTeeGlobalSet : {
  u32 v = ld<u32>(S(2)) - ld<u32>(S(3));
  st(S(1), v);
  inst->globals_[OP(0)]->bits = u64{v};
  NEXT(4);
}
L_I32SubGlobalSet:
  inst->globals_[OP(0)]->bits = u64{static_cast<u32>(ld<u32>(S(1)) - ld<u32>(S(2)))};
  NEXT(3);

L_MemorySize:
  st(S(0), inst->memories_[0]->memory.pages());
  NEXT(1);
L_MemoryGrow : {
  std::optional<u32> old = grow_memory(*store, *inst->memories_[0], ld<u32>(S(1)));
  st(S(0), old ? *old : 0xFFFFFFFFu);
  NEXT(2);
}
L_MemoryFill:
  if (!memory_fill(*inst->memories_[0], ld<u32>(S(0)), static_cast<uint8_t>(ld<u32>(S(1))),
                   ld<u32>(S(2))))
    TRAP(TrapKind::MemoryOutOfBounds);
  NEXT(3);
L_MemoryCopy:
  if (!memory_copy(*inst->memories_[0], ld<u32>(S(0)), ld<u32>(S(1)), ld<u32>(S(2))))
    TRAP(TrapKind::MemoryOutOfBounds);
  NEXT(3);
L_MemoryInit:
  if (!memory_init(*inst, OP(0), ld<u32>(S(1)), ld<u32>(S(2)), ld<u32>(S(3))))
    TRAP(TrapKind::MemoryOutOfBounds);
  NEXT(4);
L_DataDrop:
  data_drop(*inst, OP(0));
  NEXT(1);
L_TableGet : {
  const TableInstance* t = inst->tables_[OP(1)];
  u32 i = ld<u32>(S(2));
  if (i >= t->elems.size()) TRAP(TrapKind::TableOutOfBounds);
  *S(0) = t->elems[i];
  NEXT(3);
}
L_TableSet : {
  TableInstance* t = inst->tables_[OP(0)];
  u32 i = ld<u32>(S(1));
  if (i >= t->elems.size()) TRAP(TrapKind::TableOutOfBounds);
  t->elems[i] = *S(2);
  NEXT(3);
}
L_TableSize:
  st(S(0), static_cast<u32>(inst->tables_[OP(1)]->elems.size()));
  NEXT(2);
L_TableGrow : {
  std::optional<u32> old = grow_table(*inst->tables_[OP(1)], ld<u32>(S(3)), *S(2));
  st(S(0), old ? *old : 0xFFFFFFFFu);
  NEXT(4);
}
L_TableFill:
  if (!table_fill(*inst->tables_[OP(0)], ld<u32>(S(1)), *S(2), ld<u32>(S(3))))
    TRAP(TrapKind::TableOutOfBounds);
  NEXT(4);
L_TableCopy:
  if (!table_copy(*inst->tables_[OP(0)], *inst->tables_[OP(1)], ld<u32>(S(2)), ld<u32>(S(3)),
                  ld<u32>(S(4))))
    TRAP(TrapKind::TableOutOfBounds);
  NEXT(5);
L_TableInit:
  if (!table_init(*inst, OP(0), OP(1), ld<u32>(S(2)), ld<u32>(S(3)), ld<u32>(S(4))))
    TRAP(TrapKind::TableOutOfBounds);
  NEXT(5);
L_ElemDrop:
  elem_drop(*inst, OP(0));
  NEXT(1);
L_RefIsNull:
  st(S(0), *S(1) == 0);
  NEXT(2);
L_RefFunc:
  *S(0) = reinterpret_cast<u64>(inst->funcs_[OP(1)]);
  NEXT(2);

  // Loads and stores: the effective address is base + u32 index + u32 offset, at most
  // 2^33 bytes past base, which the guard reservation covers; no bounds check here.
#define ADDR(k) (mem + u64{ld<u32>(S(k))} + OP(2))
#define WC_LOAD(name, R, T)                                  \
  L_##name : st(S(0), static_cast<R>(load_mem<T>(ADDR(1)))); \
  NEXT(3);
  WC_LOAD(I32Load, u32, u32)
  WC_LOAD(I64Load, u64, u64)
  WC_LOAD(F32Load, u32, u32)
  WC_LOAD(F64Load, u64, u64)
  WC_LOAD(I32Load8S, i32, int8_t)
  WC_LOAD(I32Load8U, u32, uint8_t)
  WC_LOAD(I32Load16S, i32, int16_t)
  WC_LOAD(I32Load16U, u32, uint16_t)
  WC_LOAD(I64Load8S, i64, int8_t)
  WC_LOAD(I64Load8U, u64, uint8_t)
  WC_LOAD(I64Load16S, i64, int16_t)
  WC_LOAD(I64Load16U, u64, uint16_t)
  WC_LOAD(I64Load32S, i64, int32_t)
  WC_LOAD(I64Load32U, u64, uint32_t)
#undef WC_LOAD
  // The same with the address computed by a folded i32.add (base + index).
#define WC_LOAD_ADD(name, R, T)                                                             \
  L_##name##Add                                                                             \
      : st(S(0), static_cast<R>(load_mem<T>(                                                \
                     mem + u64{static_cast<u32>(ld<u32>(S(1)) + ld<u32>(S(2)))} + OP(3)))); \
  NEXT(4);
  WC_LOAD_ADD(I32Load, u32, u32)
  WC_LOAD_ADD(I64Load, u64, u64)
  WC_LOAD_ADD(F32Load, u32, u32)
  WC_LOAD_ADD(F64Load, u64, u64)
  WC_LOAD_ADD(I32Load8S, i32, int8_t)
  WC_LOAD_ADD(I32Load8U, u32, uint8_t)
  WC_LOAD_ADD(I32Load16S, i32, int16_t)
  WC_LOAD_ADD(I32Load16U, u32, uint16_t)
  WC_LOAD_ADD(I64Load8S, i64, int8_t)
  WC_LOAD_ADD(I64Load8U, u64, uint8_t)
  WC_LOAD_ADD(I64Load16S, i64, int16_t)
  WC_LOAD_ADD(I64Load16U, u64, uint16_t)
  WC_LOAD_ADD(I64Load32S, i64, int32_t)
  WC_LOAD_ADD(I64Load32U, u64, uint32_t)
#undef WC_LOAD_ADD
  // And with a scaled index: base + (index << shift), an array access in one dispatch.
#define WC_LOAD_SCALED(name, T)                                                                \
  L_##name##Scaled                                                                             \
      : st(S(0),                                                                               \
           load_mem<T>(mem + u64{static_cast<u32>(ld<u32>(S(1)) + (ld<u32>(S(2)) << OP(3)))} + \
                       OP(4)));                                                                \
  NEXT(5);
  WC_LOAD_SCALED(I32Load, u32)
  WC_LOAD_SCALED(I64Load, u64)
  WC_LOAD_SCALED(F32Load, u32)
  WC_LOAD_SCALED(F64Load, u64)
#undef WC_LOAD_SCALED
#define ADDR_ST (mem + u64{ld<u32>(S(0))} + OP(2))
#define WC_STORE(name, T)                                  \
  L_##name : store_mem<T>(ADDR_ST, static_cast<T>(*S(1))); \
  NEXT(3);
  WC_STORE(I32Store, u32)
  WC_STORE(I64Store, u64)
  WC_STORE(F32Store, u32)
  WC_STORE(F64Store, u64)
  WC_STORE(I32Store8, uint8_t)
  WC_STORE(I32Store16, uint16_t)
  WC_STORE(I64Store8, uint8_t)
  WC_STORE(I64Store16, uint16_t)
  WC_STORE(I64Store32, uint32_t)
#undef WC_STORE
#define WC_STORE_ADD(name, T)                                                                      \
  L_##name##Add : store_mem<T>(mem + u64{static_cast<u32>(ld<u32>(S(0)) + ld<u32>(S(1)))} + OP(3), \
                               static_cast<T>(*S(2)));                                             \
  NEXT(4);
  WC_STORE_ADD(I32Store, u32)
  WC_STORE_ADD(I64Store, u64)
  WC_STORE_ADD(F32Store, u32)
  WC_STORE_ADD(F64Store, u64)
  WC_STORE_ADD(I32Store8, uint8_t)
  WC_STORE_ADD(I32Store16, uint16_t)
  WC_STORE_ADD(I64Store8, uint8_t)
  WC_STORE_ADD(I64Store16, uint16_t)
  WC_STORE_ADD(I64Store32, uint32_t)
#undef WC_STORE_ADD
#undef ADDR_ST
#undef ADDR

  // ---- numeric ----
#define UN(name, T, expr) \
  L_##name : {            \
    T a = ld<T>(S(1));    \
    st(S(0), (expr));     \
    NEXT(2);              \
  }
#define BIN(name, T, expr) \
  L_##name : {             \
    T a = ld<T>(S(1));     \
    T b = ld<T>(S(2));     \
    st(S(0), (expr));      \
    NEXT(3);               \
  }
  UN(I32Eqz, u32, a == 0)
  BIN(I32Eq, u32, a == b)
  BIN(I32Ne, u32, a != b)
  BIN(I32LtS, i32, a < b)
  BIN(I32LtU, u32, a < b)
  BIN(I32GtS, i32, a > b)
  BIN(I32GtU, u32, a > b)
  BIN(I32LeS, i32, a <= b)
  BIN(I32LeU, u32, a <= b)
  BIN(I32GeS, i32, a >= b)
  BIN(I32GeU, u32, a >= b)
  UN(I64Eqz, u64, a == 0)
  BIN(I64Eq, u64, a == b)
  BIN(I64Ne, u64, a != b)
  BIN(I64LtS, i64, a < b)
  BIN(I64LtU, u64, a < b)
  BIN(I64GtS, i64, a > b)
  BIN(I64GtU, u64, a > b)
  BIN(I64LeS, i64, a <= b)
  BIN(I64LeU, u64, a <= b)
  BIN(I64GeS, i64, a >= b)
  BIN(I64GeU, u64, a >= b)
  BIN(F32Eq, float, a == b)
  BIN(F32Ne, float, a != b)
  BIN(F32Lt, float, a < b)
  BIN(F32Gt, float, a > b)
  BIN(F32Le, float, a <= b)
  BIN(F32Ge, float, a >= b)
  BIN(F64Eq, double, a == b)
  BIN(F64Ne, double, a != b)
  BIN(F64Lt, double, a < b)
  BIN(F64Gt, double, a > b)
  BIN(F64Le, double, a <= b)
  BIN(F64Ge, double, a >= b)

// Integer division: the zero check, and for signed division the MIN / -1 overflow (a trap for
// div, 0 for rem) that C++ leaves undefined.
#define WC_DIV_S(name, T, MIN)                                \
  L_##name : {                                                \
    T a = ld<T>(S(1)), b = ld<T>(S(2));                       \
    if (b == 0) TRAP(TrapKind::IntegerDivideByZero);          \
    if (a == MIN && b == -1) TRAP(TrapKind::IntegerOverflow); \
    st(S(0), a / b);                                          \
    NEXT(3);                                                  \
  }
#define WC_REM_S(name, T)                             \
  L_##name : {                                        \
    T a = ld<T>(S(1)), b = ld<T>(S(2));               \
    if (b == 0) TRAP(TrapKind::IntegerDivideByZero);  \
    st(S(0), b == -1 ? T{0} : static_cast<T>(a % b)); \
    NEXT(3);                                          \
  }
#define WC_DIV_U(name, T, op)                        \
  L_##name : {                                       \
    T a = ld<T>(S(1)), b = ld<T>(S(2));              \
    if (b == 0) TRAP(TrapKind::IntegerDivideByZero); \
    st(S(0), static_cast<T>(a op b));                \
    NEXT(3);                                         \
  }
  UN(I32Clz, u32, static_cast<u32>(std::countl_zero(a)))
  UN(I32Ctz, u32, static_cast<u32>(std::countr_zero(a)))
  UN(I32Popcnt, u32, static_cast<u32>(std::popcount(a)))
  BIN(I32Add, u32, a + b)
  BIN(I32Sub, u32, a - b)
  BIN(I32Mul, u32, a * b)
  WC_DIV_S(I32DivS, i32, INT32_MIN)
  WC_DIV_U(I32DivU, u32, /)
  WC_REM_S(I32RemS, i32)
  WC_DIV_U(I32RemU, u32, %)
  BIN(I32And, u32, a & b)
  BIN(I32Or, u32, a | b)
  BIN(I32Xor, u32, a ^ b)
  BIN(I32Shl, u32, a << (b & 31))
  BIN(I32ShrS, i32, a >> (b & 31))
  BIN(I32ShrU, u32, a >> (b & 31))
  BIN(I32Rotl, u32, std::rotl(a, static_cast<int>(b & 31)))
  BIN(I32Rotr, u32, std::rotr(a, static_cast<int>(b & 31)))

  UN(I64Clz, u64, static_cast<u64>(std::countl_zero(a)))
  UN(I64Ctz, u64, static_cast<u64>(std::countr_zero(a)))
  UN(I64Popcnt, u64, static_cast<u64>(std::popcount(a)))
  BIN(I64Add, u64, a + b)
  BIN(I64Sub, u64, a - b)
  BIN(I64Mul, u64, a * b)
  WC_DIV_S(I64DivS, i64, INT64_MIN)
  WC_DIV_U(I64DivU, u64, /)
  WC_REM_S(I64RemS, i64)
  WC_DIV_U(I64RemU, u64, %)
  BIN(I64And, u64, a & b)
  BIN(I64Or, u64, a | b)
  BIN(I64Xor, u64, a ^ b)
  BIN(I64Shl, u64, a << (b & 63))
  BIN(I64ShrS, i64, a >> (b & 63))
  BIN(I64ShrU, u64, a >> (b & 63))
  BIN(I64Rotl, u64, std::rotl(a, static_cast<int>(b & 63)))
  BIN(I64Rotr, u64, std::rotr(a, static_cast<int>(b & 63)))

  // abs, neg and copysign are bit operations in wasm: NaN payloads pass through unchanged.
  UN(F32Abs, u32, a & 0x7FFFFFFFu)
  UN(F32Neg, u32, a ^ 0x80000000u)
  UN(F32Ceil, float, numeric::ceil(a))
  UN(F32Floor, float, numeric::floor(a))
  UN(F32Trunc, float, numeric::trunc(a))
  UN(F32Nearest, float, numeric::nearest(a))
  UN(F32Sqrt, float, std::sqrt(a))
  BIN(F32Add, float, a + b)
  BIN(F32Sub, float, a - b)
  BIN(F32Mul, float, a* b)
  BIN(F32Div, float, a / b)
  BIN(F32Min, float, numeric::wasm_min(a, b))
  BIN(F32Max, float, numeric::wasm_max(a, b))
  BIN(F32Copysign, u32, (a & 0x7FFFFFFFu) | (b & 0x80000000u))
  UN(F64Abs, u64, a & u64{0x7FFFFFFFFFFFFFFF})
  UN(F64Neg, u64, a ^ u64{0x8000000000000000})
  UN(F64Ceil, double, numeric::ceil(a))
  UN(F64Floor, double, numeric::floor(a))
  UN(F64Trunc, double, numeric::trunc(a))
  UN(F64Nearest, double, numeric::nearest(a))
  UN(F64Sqrt, double, std::sqrt(a))
  BIN(F64Add, double, a + b)
  BIN(F64Sub, double, a - b)
  BIN(F64Mul, double, a* b)
  BIN(F64Div, double, a / b)
  BIN(F64Min, double, numeric::wasm_min(a, b))
  BIN(F64Max, double, numeric::wasm_max(a, b))
  BIN(F64Copysign, u64, (a & u64{0x7FFFFFFFFFFFFFFF}) | (b & u64{0x8000000000000000}))

  UN(I32WrapI64, u64, static_cast<u32>(a))
#define TRUNC(name, I, F)                                                   \
  L_##name : {                                                              \
    F a = ld<F>(S(1));                                                      \
    switch (numeric::trunc_check<I>(a)) {                                   \
      case numeric::TruncResult::NaN: TRAP(TrapKind::InvalidConversion);    \
      case numeric::TruncResult::Overflow: TRAP(TrapKind::IntegerOverflow); \
      case numeric::TruncResult::Ok: break;                                 \
    }                                                                       \
    st(S(0), static_cast<I>(a));                                            \
    NEXT(2);                                                                \
  }
  TRUNC(I32TruncF32S, i32, float)
  TRUNC(I32TruncF32U, u32, float)
  TRUNC(I32TruncF64S, i32, double)
  TRUNC(I32TruncF64U, u32, double)
  TRUNC(I64TruncF32S, i64, float)
  TRUNC(I64TruncF32U, u64, float)
  TRUNC(I64TruncF64S, i64, double)
  TRUNC(I64TruncF64U, u64, double)
#undef TRUNC
  UN(I64ExtendI32S, i32, static_cast<i64>(a))
  UN(I64ExtendI32U, u32, static_cast<u64>(a))
  UN(F32ConvertI32S, i32, static_cast<float>(a))
  UN(F32ConvertI32U, u32, static_cast<float>(a))
  UN(F32ConvertI64S, i64, static_cast<float>(a))
  UN(F32ConvertI64U, u64, static_cast<float>(a))
  UN(F32DemoteF64, double, static_cast<float>(a))
  UN(F64ConvertI32S, i32, static_cast<double>(a))
  UN(F64ConvertI32U, u32, static_cast<double>(a))
  UN(F64ConvertI64S, i64, static_cast<double>(a))
  UN(F64ConvertI64U, u64, static_cast<double>(a))
  UN(F64PromoteF32, float, static_cast<double>(a))
  UN(I32ReinterpretF32, u32, a)
  UN(I64ReinterpretF64, u64, a)
  UN(F32ReinterpretI32, u32, a)
  UN(F64ReinterpretI64, u64, a)
  UN(I32Extend8S, u32, static_cast<i32>(static_cast<int8_t>(a)))
  UN(I32Extend16S, u32, static_cast<i32>(static_cast<int16_t>(a)))
  UN(I64Extend8S, u64, static_cast<i64>(static_cast<int8_t>(a)))
  UN(I64Extend16S, u64, static_cast<i64>(static_cast<int16_t>(a)))
  UN(I64Extend32S, u64, static_cast<i64>(static_cast<int32_t>(a)))
  UN(I32TruncSatF32S, float, numeric::trunc_sat<i32>(a))
  UN(I32TruncSatF32U, float, numeric::trunc_sat<u32>(a))
  UN(I32TruncSatF64S, double, numeric::trunc_sat<i32>(a))
  UN(I32TruncSatF64U, double, numeric::trunc_sat<u32>(a))
  UN(I64TruncSatF32S, float, numeric::trunc_sat<i64>(a))
  UN(I64TruncSatF32U, float, numeric::trunc_sat<u64>(a))
  UN(I64TruncSatF64S, double, numeric::trunc_sat<i64>(a))
  UN(I64TruncSatF64U, double, numeric::trunc_sat<u64>(a))
#undef UN
#undef BIN
#undef WC_DIV_S
#undef WC_REM_S
#undef WC_DIV_U

trap:
  ex.depth = depth;
  return kTrapBase + trap_kind;

#undef OP
#undef S
#undef DISPATCH
#undef NEXT
#undef TRAP
#undef JUMP
#undef ENTER_NATIVE
#undef COUNT_BACK_EDGE
#undef SET_JIT_INSTANCE
}

Trap make_trap(Store::ExecState& ex, int status, uint32_t entry_depth) {
  Trap trap;
  if (status == kHostTrap && ex.host_trap) {
    trap = std::move(*ex.host_trap);
    ex.host_trap.reset();
  } else {
    trap.kind = static_cast<TrapKind>(status - kTrapBase);
    trap.message = trap_message(trap.kind);
    if (trap.kind == TrapKind::UndefinedElement || trap.kind == TrapKind::UninitializedElement)
      trap.message += " " + std::to_string(ex.trap_detail);
  }
  for (uint32_t d = ex.depth; d > entry_depth; --d) {
    const FuncInstance* f = ex.frames[d - 1].func;
    trap.backtrace.push_back(f ? f->name : "?");
  }
  return trap;
}

#ifdef WC_PROFILE_DISPATCH
const char* profile_name(int op);
void profile_dispatch(const uint32_t* ip) {
  static std::unordered_map<const void*, int> ids;
  static std::vector<uint64_t> pairs(size_t(IOp::Count) * size_t(IOp::Count));
  static std::vector<uint64_t> singles(size_t(IOp::Count));
  static int prev = 0;
  static bool registered = false;
  if (!registered) {
    registered = true;
    const void* const* h = iop_handlers();
    for (int i = 0; i < int(IOp::Count); ++i) ids[h[i]] = i;
    std::atexit([] {
      std::vector<std::pair<uint64_t, int>> order;
      for (size_t i = 0; i < pairs.size(); ++i)
        if (pairs[i]) order.push_back({pairs[i], int(i)});
      std::sort(order.rbegin(), order.rend());
      uint64_t total = 0;
      for (uint64_t c : singles) total += c;
      std::fprintf(stderr, "dispatches: %llu\n", (unsigned long long)total);
      std::vector<std::pair<uint64_t, int>> ops;
      for (size_t i = 0; i < singles.size(); ++i)
        if (singles[i]) ops.push_back({singles[i], int(i)});
      std::sort(ops.rbegin(), ops.rend());
      for (size_t i = 0; i < ops.size() && i < 25; ++i)
        std::fprintf(stderr, "op %5.1f%% %s\n", 100.0 * ops[i].first / total,
                     profile_name(ops[i].second));
      for (size_t i = 0; i < order.size() && i < 30; ++i)
        std::fprintf(stderr, "pair %5.1f%% %s -> %s\n", 100.0 * order[i].first / total,
                     profile_name(order[i].second / int(IOp::Count)),
                     profile_name(order[i].second % int(IOp::Count)));
    });
  }
  const void* h;
  std::memcpy(&h, ip, sizeof h);
  int op = ids[h];
  ++singles[op];
  ++pairs[size_t(prev) * size_t(IOp::Count) + op];
  prev = op;
}
const char* profile_name(int op) { return iop_name(static_cast<IOp>(op)); }
#endif

}  // namespace

const void* const* iop_handlers() {
  static const void* const* table = [] {
    const void* const* t = nullptr;
    run(nullptr, nullptr, nullptr, &t);
    return t;
  }();
  return table;
}

std::unique_ptr<Store::ExecState> make_exec_state(const StoreConfig& config) {
  auto ex = std::make_unique<Store::ExecState>();
  size_t slots = config.value_stack_bytes / sizeof(uint64_t);
  ex->stack.reset(new uint64_t[slots]);
  ex->stack_end = ex->stack.get() + slots;
  ex->sp = ex->stack.get();
  ex->max_depth = config.max_call_depth;
  ex->frames.reset(new CallFrame[config.max_call_depth + 1]);
  return ex;
}

InvokeResult interpret(Store& store, FuncInstance* func, std::span<const Value> args) {
  Store::ExecState& ex = store.exec_state();
  InvokeResult result;
  const FuncType& type = *func->type;
  uint64_t* base = ex.sp;
  size_t need = std::max(slot_count(type.params), slot_count(type.results));
  if (base + need + 1 > ex.stack_end) {
    result.trap = Trap{TrapKind::StackExhausted, trap_message(TrapKind::StackExhausted), {}, 0};
    return result;
  }
  for (size_t i = 0, slot = 0; i < args.size(); ++i) {
    base[slot++] = args[i].bits;
    if (args[i].type == ValType::V128) base[slot++] = args[i].hi;
  }

  if (!func->code) {
    HostCall hc(store, nullptr);
    func->host(hc, base);
    if (hc.pending_trap()) {
      result.trap = std::move(hc.pending_trap());
      return result;
    }
  } else {
    const uint32_t entry_depth = ex.depth;
    // The outermost run on this store sets the native stack nested runs may use (see
    // jit_call_cold); a run nested in a host function keeps it.
    struct StackLimit {
      Store::ExecState& ex;
      bool owner;
      explicit StackLimit(Store::ExecState& e) : ex(e), owner(e.native_stack_limit == 0) {
        if (owner)
          ex.native_stack_limit =
              reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) - kNestedRunStack;
      }
      ~StackLimit() {
        if (owner) ex.native_stack_limit = 0;
      }
    } stack_limit(ex);
    TrapScope scope;
    trap_scope_push(scope);
    int status;
    if (sigsetjmp(scope.buf, 0) == 0) {
      status = run(&store, func, base, nullptr);
    } else {
      status = kTrapBase + static_cast<int>(TrapKind::MemoryOutOfBounds);
      // Compiled code keeps the call depth in r15 and stores it only where it leaves or
      // calls C code; a fault in the code itself is at r15's depth.
      if (wc::jit::in_compiled_code(scope.fault_pc)) ex.depth = static_cast<u32>(scope.fault_r15);
    }
    trap_scope_pop(scope);
    ex.sp = base;
    if (status != kOk) {
      result.trap = make_trap(ex, status, entry_depth);
      ex.depth = entry_depth;
      return result;
    }
  }
  result.results.reserve(type.results.size());
  for (size_t i = 0, slot = 0; i < type.results.size(); ++i) {
    Value v{type.results[i], base[slot++]};
    if (v.type == ValType::V128) v.hi = base[slot++];
    result.results.push_back(v);
  }
  return result;
}

}  // namespace wc::engine
