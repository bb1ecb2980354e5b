// Machine code compiled from one function's slot form (x64_compiler.cc), and the contract
// between it and the interpreter.
//
// The compiled code keeps every value in its frame slot, exactly where the interpreter keeps
// it, so control can pass between the two at any instruction boundary: the interpreter enters
// the code at a function's entry, at loop headers (backward-branch targets) and where a call
// returns; the code runs until it meets an instruction it does not compile (a call, a return, a
// trap it leaves to the interpreter, an op not yet emitted) and returns that instruction's
// index, which the interpreter then executes. A fault in the guard region inside the code
// reaches the interpreter's trap scope like one of its own accesses.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace wc::engine {
class Store;
struct GlobalInstance;
struct FuncInstance;
struct TableInstance;
}  // namespace wc::engine

namespace wc::jit {

// What compiled code needs to call a function natively, kept in each FuncInstance (`jit`).
// `entry` is null when the function has no machine code (imports, host functions, functions
// left to the interpreter or not compiled yet); callers then call it through
// JitContext::call_host or call_cold.
struct JitCallee {
  const uint8_t* entry = nullptr;       // NativeCode::function_entry()
  const uint32_t* code_base = nullptr;  // the function's slot-form code (return addresses)
  const void* instance = nullptr;       // the owning Instance: calls stay within one instance
  uint64_t type_id = 0;                 // interned signature, for call_indirect
  uint64_t is_host = 0;                 // 1 for host functions: JitContext::call_host calls them
};

// Globals whose value compiled code reaches through JitContext::global_bits (one load fewer
// than through `globals`): the first ones, where Go keeps its stack pointer (global 0) and the
// other registers of its ABI.
constexpr uint32_t kDirectGlobals = 8;

// Functions whose frame is larger get no native entry (their native callers call them through
// the interpreter), so a native call checks the value stack against one limit computed once
// per run (JitContext::native_frame_limit) instead of loading the callee's frame size.
constexpr uint32_t kMaxNativeFrameSlots = 4096;

// JitContext::table_grow's answer when compiled code must leave table.grow to the interpreter.
constexpr uint64_t kTableGrowRefused = UINT64_MAX;

// What compiled code may reach besides its frame and linear memory. Passed by pointer, so the
// code holds no absolute address of this process. The interpreter fills it before entering
// the code; the code updates `*depth` and the frame stack as it calls and returns natively
// and reports the frame it left in through `exit_fp`.
struct JitContext {
  const std::atomic<bool>* interrupt = nullptr;          // polled at backward branches, calls
  wc::engine::GlobalInstance* const* globals = nullptr;  // the running instance's globals
  // &globals[i]->bits for i < kDirectGlobals (null past the instance's globals), set with
  // `globals`.
  uint64_t* global_bits[kDirectGlobals] = {};
  wc::engine::FuncInstance* const* funcs = nullptr;    // the running instance's functions
  wc::engine::TableInstance* const* tables = nullptr;  // the running instance's tables
  const void* instance = nullptr;                      // the running Instance
  uint32_t* depth = nullptr;                           // &ExecState::depth
  uint64_t max_depth = 0;                              // the call-depth limit
  // The value stack's end - kMaxNativeFrameSlots (its start if it is smaller): a frame of a
  // natively callable function fits if it starts at or below this.
  const uint64_t* native_frame_limit = nullptr;
  void* frames = nullptr;  // ExecState::frames (CallFrame[])
  // call_indirect's lookup (table bounds, null, signature): the callee, or null when the
  // interpreter must make the call (and raise its trap). A plain function the code calls.
  wc::engine::FuncInstance* (*resolve_indirect)(const JitContext* ctx, uint32_t table,
                                                uint32_t index, uint32_t type_id) = nullptr;
  // memory.fill / memory.copy / memory.init / data.drop on the running instance's memory 0,
  // with the interpreter's checks (runtime/memory_ops.h). False: out of bounds, nothing
  // written; the code then leaves the instruction to the interpreter, which raises the trap.
  bool (*memory_fill)(const JitContext* ctx, uint32_t dst, uint32_t value, uint32_t n) = nullptr;
  bool (*memory_copy)(const JitContext* ctx, uint32_t dst, uint32_t src, uint32_t n) = nullptr;
  bool (*memory_init)(const JitContext* ctx, uint32_t data, uint32_t dst, uint32_t src,
                      uint32_t n) = nullptr;
  void (*data_drop)(const JitContext* ctx, uint32_t data) = nullptr;
  // A call to a host function (an import the store defines in C++), made as the interpreter
  // makes it; `args` is the callee's frame (arguments in, results out). Never throws. False
  // when the call failed (a trap, an exit, an exception): `host_failed` is then set and the
  // code leaves at the call instruction; the interpreter sees the flag and raises what the
  // call raised, without making the call again.
  bool (*call_host)(JitContext* ctx, wc::engine::FuncInstance* callee, uint64_t* args) = nullptr;
  // A return from the outermost compiled frame of this run (no native caller to return to):
  // what the interpreter's return does (pop the frame record, back to the caller's frame),
  // when the caller is in this run and instance and has an entry at its return point. Then
  // the code jumps to the returned entry with `resume_fp` and `resume_code_base` (the
  // caller's), without leaving; null when the interpreter must make the return.
  const uint8_t* (*return_to_caller)(JitContext* ctx) = nullptr;
  // A call to a wasm function the code cannot call natively (no machine code yet, or one of
  // another instance): the interpreter runs it to completion as a nested run (counting it
  // towards its tier-up, as its own call would), with `args` as the callee's frame (arguments
  // in, results out), and the code goes on after the call without leaving. False when the
  // callee did not return: with `host_failed` set it failed (a trap, an exit, an exception,
  // kept for the interpreter to raise as host_failed describes); without, the helper refused
  // (too little native stack for one more nested run) and the code leaves the call to the
  // interpreter, which makes it.
  bool (*call_cold)(JitContext* ctx, wc::engine::FuncInstance* callee, uint64_t* args) = nullptr;
  // memory.size and memory.grow on the running instance's memory 0, as the interpreter's.
  // Growing never moves the memory (a fixed reservation), so the code's base stays valid.
  uint32_t (*memory_size)(const JitContext* ctx) = nullptr;
  uint32_t (*memory_grow)(JitContext* ctx, uint32_t delta) = nullptr;
  uint64_t* resume_fp = nullptr;               // out: see return_to_caller
  const uint32_t* resume_code_base = nullptr;  // out: see return_to_caller
  uint64_t entry_depth = 0;  // the interpreter run's entry depth (its return leaves the run)
  wc::engine::Store* store = nullptr;  // the running store (for call_host)
  bool host_failed = false;            // out: see call_host and call_cold
  uint64_t* exit_fp = nullptr;         // out: the frame of the function the code left in
  uint64_t saved_rsp = 0;              // the code's own: the native stack at entry
  uint64_t run_depth = 0;              // the code's own: the call depth entered at (or returned to)
  uint64_t native_limit = 0;           // the code's own: native calls go on below this depth
  // The lowest call depth this run of the code reached (set by the interpreter on entry,
  // lowered by return_to_caller): every frame above it when the code leaves was entered by a
  // native call in this run, so its call record lacks the caller's instance and the frame may
  // lack its lazy constants (NativeCode::lazy_from); complete_native_frames supplies both.
  uint64_t low_depth = 0;
  // table.grow / table.fill / table.copy / table.init / elem.drop on the running instance's
  // tables, the interpreter's own operations (runtime/memory_ops.h). table_grow returns the
  // old size or 0xFFFFFFFF (failure is a result, not a trap), or kTableGrowRefused when the
  // allocation threw (no exception may unwind through compiled code): the interpreter then
  // grows the table itself. The others return false when out of bounds, nothing written: the
  // code then leaves the instruction to the interpreter, which raises the trap. Last, so that
  // the fields above keep their offsets (and code without table operations its bytes).
  uint64_t (*table_grow)(const JitContext* ctx, uint32_t table, uint64_t init,
                         uint32_t delta) = nullptr;
  bool (*table_fill)(const JitContext* ctx, uint32_t table, uint32_t dst, uint64_t value,
                     uint32_t n) = nullptr;
  bool (*table_copy)(const JitContext* ctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                     uint32_t src, uint32_t n) = nullptr;
  bool (*table_init)(const JitContext* ctx, uint32_t elem, uint32_t table, uint32_t dst,
                     uint32_t src, uint32_t n) = nullptr;
  void (*elem_drop)(const JitContext* ctx, uint32_t elem) = nullptr;
};

// Byte offset of FuncInstance::jit, which compiled code reads through a FuncInstance pointer
// (FuncInstance is not standard-layout, so offsetof cannot be used; runtime/store.cc defines
// it from a probe object).
int32_t func_instance_jit_offset();

// Where compiled code finds a table's elements for call_indirect: the byte offsets, inside
// TableInstance, of the first-element and past-the-end pointers of `elems`. std::vector's
// layout belongs to the C++ library, so it is probed once (runtime/store.cc); when the probe
// does not find both pointers, `ok` is false and compiled code calls
// JitContext::resolve_indirect instead.
struct TableElemsLayout {
  bool ok = false;
  int32_t begin = 0;
  int32_t end = 0;
};
const TableElemsLayout& table_elems_layout();

class CodeRegion;

class NativeCode {
 public:
  // `size` bytes at `offset` in `region`, which this code keeps mapped.
  NativeCode(std::shared_ptr<const CodeRegion> region, size_t offset, size_t size,
             std::vector<uint32_t> entries, uint32_t function_entry, uint32_t lazy_from = 0);
  ~NativeCode();
  NativeCode(const NativeCode&) = delete;
  NativeCode& operator=(const NativeCode&) = delete;

  // The native entry for the instruction at code word `word`, or null when there is none.
  const uint8_t* entry_at(uint32_t word) const {
    uint32_t e = word < entries_.size() ? entries_[word] : 0;
    return e ? base_ + (e - 1) : nullptr;
  }

  // Where a native caller enters the function: initialises the declared locals and constants
  // of the new frame, then runs from the first instruction. Null when there is none (a frame
  // template too large to emit inline).
  const uint8_t* function_entry() const {
    return function_entry_ ? base_ + (function_entry_ - 1) : nullptr;
  }

  // Runs from `target` (an entry_at() address) with the frame at `fp`; `code_base` is this
  // function's slot-form code. Returns the code word index of the instruction the interpreter
  // must execute next, in the function whose frame is `ctx->exit_fp` (a callee, when the code
  // called natively and the callee left: `*ctx->depth` tells).
  uint32_t run(uint64_t* fp, uint8_t* mem, JitContext* ctx, const uint8_t* target,
               const uint32_t* code_base) const {
    using Fn = uint32_t (*)(uint64_t*, uint8_t*, JitContext*, const uint8_t*, const uint32_t*);
    return reinterpret_cast<Fn>(const_cast<uint8_t*>(base_))(fp, mem, ctx, target, code_base);
  }

  // The first frame slot function_entry() leaves unset (0: none): from there to the end of the
  // frame template, constants the code reads from its own copy of the template. A frame
  // entered there has them only once complete_native_frames (interpreter.cc) stored them,
  // which it does before the interpreter may run the frame.
  uint32_t lazy_from() const { return lazy_from_; }

  size_t code_bytes() const { return size_; }
  const uint8_t* code_start() const { return base_; }

 private:
  std::shared_ptr<const CodeRegion> region_;
  const uint8_t* base_;
  size_t size_;
  std::vector<uint32_t> entries_;  // per code word: entry offset + 1, or 0
  uint32_t function_entry_;        // offset + 1, or 0
  uint32_t lazy_from_;
};

}  // namespace wc::jit
