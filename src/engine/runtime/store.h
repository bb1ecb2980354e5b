// The runtime's object graph: a Store owns every function, table, memory, global and instance
// created in it. Instances of one store may share (import) each other's objects.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/jit/engine_mode.h"
#include "engine/jit/native_code.h"
#include "engine/module.h"
#include "engine/result.h"
#include "engine/runtime/linear_memory.h"
#include "engine/runtime/trap.h"
#include "engine/runtime/value.h"

namespace wc::engine {

class Instance;
class Store;
struct PreparedModule;    // per-module work done before (runtime/prepared_module.h)
struct CompiledFunction;  // the interpreter's translated form (interp/compiled_function.h)

struct StoreConfig {
  // Sum of committed linear-memory bytes allowed across the store (tenant limit).
  uint64_t max_memory_bytes = uint64_t{4} << 30;
  // Bytes of the interpreter's value stack (frames of locals + operands).
  size_t value_stack_bytes = size_t{8} << 20;
  // Nested wasm calls before "call stack exhausted".
  uint32_t max_call_depth = 20000;
  // Which tier runs the code (jit/engine_mode.h): Interp never compiles; Auto compiles a
  // function once its calls plus loop back-edges reach `tier_up_after` (the interpreter
  // counts); Jit compiles every function at instantiation. The interpreter runs whatever the
  // compiler leaves to it. Defaults to the process-wide choice below.
  wc::jit::EngineMode engine = process_engine();
  uint32_t tier_up_after = default_tier_up_after();
  // See jit::compile_x64; 0 = jit::default_min_run().
  uint32_t jit_min_run = 0;

  // The process-wide default for `engine`, set once from `--engine` by a front end.
  static wc::jit::EngineMode process_engine();
  static void set_process_engine(wc::jit::EngineMode mode);
  // 100, or $WC_JIT_TIER_UP_AFTER (tests set 1 or 2 to move between tiers as often as
  // possible).
  static uint32_t default_tier_up_after();
};

// Passed to a host function: the calling instance (for its memory) and a way to trap.
class HostCall {
 public:
  HostCall(Store& store, Instance* caller) : store_(store), caller_(caller) {}
  Store& store() { return store_; }
  Instance* caller() { return caller_; }
  // Makes the call trap once the host function returns.
  void trap(TrapKind kind, std::string message);
  void exit(int code);
  std::optional<Trap>& pending_trap() { return trap_; }

 private:
  Store& store_;
  Instance* caller_;
  std::optional<Trap> trap_;
};

// Arguments arrive in slots[0..params), results are written to slots[0..results).
// Each slot holds one value's bits as in Value::bits; a v128 takes two (Value::bits, then hi).
using HostFn = std::function<void(HostCall&, uint64_t* slots)>;

struct FuncInstance {
  const FuncType* type = nullptr;  // owned by the module or by the host function
  uint32_t type_id = 0;            // interned: equal ids <=> equal signatures (call_indirect)
  Instance* instance = nullptr;    // null for host functions
  uint32_t index = 0;              // index in the owning instance's function space
  const CompiledFunction* code = nullptr;  // null for host functions
  HostFn host;
  std::unique_ptr<FuncType> owned_type;  // host functions own their type
  std::string name;                      // for backtraces
  wc::jit::JitCallee jit;                // how compiled code calls this function natively
};

struct TableInstance {
  TableType type;
  std::vector<uint64_t> elems;  // reference handles, 0 = null
};

struct MemoryInstance {
  MemoryType type;
  LinearMemory memory;
};

struct GlobalInstance {
  GlobalType type;
  uint64_t bits = 0;
  uint64_t hi = 0;  // a v128 global's high half (right after `bits`: the interpreter copies both)
  Value value() const { return Value{type.type, bits, hi}; }
};

struct ExternVal {
  ExternKind kind = ExternKind::Func;
  union {
    FuncInstance* func;
    TableInstance* table;
    MemoryInstance* memory;
    GlobalInstance* global;
  };
  ExternVal() : func(nullptr) {}
  static ExternVal of(FuncInstance* f) {
    ExternVal e;
    e.kind = ExternKind::Func;
    e.func = f;
    return e;
  }
  static ExternVal of(TableInstance* t) {
    ExternVal e;
    e.kind = ExternKind::Table;
    e.table = t;
    return e;
  }
  static ExternVal of(MemoryInstance* m) {
    ExternVal e;
    e.kind = ExternKind::Memory;
    e.memory = m;
    return e;
  }
  static ExternVal of(GlobalInstance* g) {
    ExternVal e;
    e.kind = ExternKind::Global;
    e.global = g;
    return e;
  }
};

class Instance {
 public:
  const Module& module() const { return *module_; }
  std::optional<ExternVal> get_export(std::string_view name) const;
  FuncInstance* get_func(std::string_view export_name) const;
  MemoryInstance* memory0() const { return memories_.empty() ? nullptr : memories_[0]; }

  // Everything below is for the runtime and the interpreter.
  std::shared_ptr<const Module> module_;
  std::vector<FuncInstance*> funcs_;
  std::vector<TableInstance*> tables_;
  std::vector<MemoryInstance*> memories_;
  std::vector<GlobalInstance*> globals_;
  std::vector<std::vector<uint64_t>> elems_;  // element segments' references; cleared on drop
  std::vector<bool> data_dropped_;
  // Per defined function; null until translated (see untranslated_function()).
  std::vector<std::unique_ptr<CompiledFunction>> compiled_;
  std::vector<uint32_t> type_ids_;  // the module's type indices -> this store's interned ids
  std::unordered_map<std::string, ExternVal> exports_;
  // Cached for the interpreter's hot path.
  uint8_t* mem0_base = nullptr;
};

struct InvokeResult {
  std::vector<Value> results;
  std::optional<Trap> trap;
  bool ok() const { return !trap.has_value(); }
};

// Why instantiation failed: a link error (unknown import or wrong type) or a trap while
// initializing (segment out of bounds, start function trapped).
struct InstantiateError {
  enum class Kind { Link, Trap } kind = Kind::Link;
  std::string message;
  std::optional<Trap> trap;
};

class Store {
 public:
  explicit Store(StoreConfig config = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreConfig& config() const { return config_; }

  // Host objects.
  FuncInstance* create_host_func(FuncType type, HostFn fn, std::string name = "host");
  TableInstance* create_table(TableType type, uint64_t init = 0);
  Result<MemoryInstance*> create_memory(MemoryType type);
  GlobalInstance* create_global(GlobalType type, Value init);

  // Takes per-module work done before, possibly in another process (a zygote's, before its
  // fork): the next instantiation of prepared->module uses its translated functions and memory
  // image instead of making them; every other step (imports, limits, tables, globals, element
  // segments, start function) is as without it. Only on a fresh store, before anything interns
  // a type (host functions do), so the prepared call_indirect type ids are this store's; false
  // and nothing taken otherwise.
  bool adopt(std::unique_ptr<PreparedModule> prepared);

  // Imports are given in the module's import order, already resolved (see Linker).
  // Module must be validated. On success runs the start function.
  std::variant<Instance*, InstantiateError> instantiate(std::shared_ptr<const Module> module,
                                                        const std::vector<ExternVal>& imports);

  InvokeResult invoke(FuncInstance* func, std::span<const Value> args);

  // Asks running guest code in this store to trap with TrapKind::Interrupted at the next loop
  // back-edge or call. Safe from another thread or a signal handler.
  void interrupt() { interrupt_flag_.store(true, std::memory_order_relaxed); }
  void clear_interrupt() { interrupt_flag_.store(false, std::memory_order_relaxed); }
  std::atomic<bool>& interrupt_flag() { return interrupt_flag_; }

  // Bytes of linear memory committed in this store (checked against max_memory_bytes).
  uint64_t committed_memory_bytes() const { return committed_memory_; }
  bool reserve_memory_bytes(uint64_t delta);
  void release_memory_bytes(uint64_t delta) { committed_memory_ -= delta; }
  // Called each time reserve_memory_bytes refuses (memory.grow about to return -1, or a memory
  // too big to create) with the bytes asked for: an embedder reports its memory limit with it.
  void set_on_memory_refused(std::function<void(uint64_t requested)> f) {
    on_memory_refused_ = std::move(f);
  }

  uint32_t intern_type(const FuncType& type);

  struct ExecState;  // the interpreter's stacks (interp/)
  ExecState& exec_state() { return *exec_; }

  // `--engine auto`: compiles `func` (a hot function of an instance of this store) and makes
  // it callable natively. Returns its code, or null when the compiler leaves it to the
  // interpreter (then the interpreter stops counting it). Called by the interpreter.
  const wc::jit::NativeCode* tier_up(FuncInstance* func);

  // Translates `func` (a defined function) unless done before, and makes it callable. Null when
  // translation fails (it can run out of memory: a tenant's RLIMIT_AS may be small); the caller
  // traps. Called by the interpreter on a first call.
  const CompiledFunction* translate(FuncInstance* func);
  bool is_translated(const FuncInstance* func) const;

 private:
  std::variant<Instance*, InstantiateError> instantiate_module(
      std::shared_ptr<const Module> module, const std::vector<ExternVal>& imports);
  // create_memory's checks and accounting for a memory made before (a prepared image).
  Result<MemoryInstance*> add_memory(std::unique_ptr<MemoryInstance> m);

  StoreConfig config_;
  std::atomic<bool> interrupt_flag_{false};
  uint64_t committed_memory_ = 0;
  std::function<void(uint64_t)> on_memory_refused_;
  std::vector<std::unique_ptr<FuncInstance>> funcs_;
  std::vector<std::unique_ptr<TableInstance>> tables_;
  std::vector<std::unique_ptr<MemoryInstance>> memories_;
  std::vector<std::unique_ptr<GlobalInstance>> globals_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<FuncType> interned_types_;
  std::unique_ptr<ExecState> exec_;
  std::unique_ptr<PreparedModule> prepared_;  // adopt(): used by one instantiation, then gone
};

}  // namespace wc::engine
