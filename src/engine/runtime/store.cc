#include "engine/runtime/store.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_map>

#include "engine/interp/compiled_function.h"  // complete type: Instance owns compiled code
#include "engine/interp/exec_state.h"
#include "engine/interp/interpreter.h"
#include "engine/jit/x64_compiler.h"
#include "engine/runtime/const_eval.h"
#include "engine/runtime/extern_match.h"
#include "engine/runtime/memory_ops.h"
#include "engine/runtime/prepared_module.h"

namespace wc::engine {

namespace {
std::atomic<wc::jit::EngineMode> g_engine{wc::jit::EngineMode::Interp};

// WC_JIT_PERF_MAP=1: name compiled functions for `perf report` (/tmp/perf-PID.map, the format
// perf reads for JIT code). WC_JIT_PERF_MAP=2: the same lines on stderr instead, for a sandboxed
// worker (webcontainerd), whose /tmp and pid are not the host's: keep the lines with " wasm:"
// in /tmp/perf-HOSTPID.map. A developer aid; off by default. Null when off.
FILE* open_perf_map() {
  static const char mode = [] {
    const char* e = std::getenv("WC_JIT_PERF_MAP");
    return e && (*e == '1' || *e == '2') ? *e : '\0';
  }();
  if (!mode) return nullptr;
  if (mode == '2') {
    const int fd = dup(2);  // fclose() closes this copy, never stderr
    FILE* f = fd >= 0 ? fdopen(fd, "a") : nullptr;
    if (!f && fd >= 0) close(fd);
    return f;
  }
  char path[64];
  std::snprintf(path, sizeof path, "/tmp/perf-%d.map", static_cast<int>(getpid()));
  return std::fopen(path, "a");
}

// Lets the interpreter enter `cf`'s machine code for `f` and compiled callers call it natively.
void enter_native(FuncInstance* f, const CompiledFunction& cf, FILE* perf_map) {
  if (perf_map)
    std::fprintf(perf_map, "%lx %zx wasm:%s\n",
                 reinterpret_cast<unsigned long>(cf.native->code_start()), cf.native->code_bytes(),
                 f->name.c_str());
  f->jit = wc::jit::JitCallee{cf.native->function_entry(), cf.code.data(), f->instance, f->type_id};
}

void attach_native(FuncInstance* f, CompiledFunction& cf, std::unique_ptr<wc::jit::NativeCode> code,
                   FILE* perf_map) {
  cf.native = std::move(code);
  enter_native(f, cf, perf_map);
}
}  // namespace

wc::jit::EngineMode StoreConfig::process_engine() {
  return g_engine.load(std::memory_order_relaxed);
}
void StoreConfig::set_process_engine(wc::jit::EngineMode mode) {
  g_engine.store(mode, std::memory_order_relaxed);
}
uint32_t StoreConfig::default_tier_up_after() {
  static const uint32_t after = [] {
    const char* e = std::getenv("WC_JIT_TIER_UP_AFTER");
    long v = e ? std::strtol(e, nullptr, 10) : 0;
    // 100: Go's net/http self-test (1000 requests) takes ~5% less CPU and 6-10% less wall time
    // than at 300 once compiling got about twice as fast (bench/RESULTS.md "JIT compile cost
    // and the tier-up threshold"); 50 and 30 no better; SQLite and the bench/programs kernels
    // unchanged. Earlier, 300 beat 1000 (1.46 -> 1.17 s wall): compiles are cheap, interpreted
    // calls into not-yet-compiled functions (exits from compiled code) are not.
    return v > 0 && v < INT32_MAX ? static_cast<uint32_t>(v) : 100u;
  }();
  return after;
}

const wc::jit::NativeCode* Store::tier_up(FuncInstance* func) {
  // A caller outside the interpreter may ask before the first call.
  if (!translate(func)) return nullptr;  // translates only the first time
  Instance& inst = *func->instance;
  // Defined functions follow the imported ones in the instance's function space.
  const size_t first_defined = inst.funcs_.size() - inst.compiled_.size();
  CompiledFunction& cf = *inst.compiled_[func->index - first_defined];
  // Counted once: whether or not it compiles, the interpreter does not ask again.
  cf.tier_up_budget = INT32_MAX;
  if (cf.native) return cf.native.get();
  const uint32_t min_run = config_.jit_min_run ? config_.jit_min_run : wc::jit::default_min_run();
  std::vector<std::optional<wc::jit::MachineCode>> machine;
  machine.push_back(wc::jit::compile_x64(cf, min_run));
  if (!machine.back()) return nullptr;
  std::vector<std::unique_ptr<wc::jit::NativeCode>> placed =
      wc::jit::place_code(std::move(machine));
  if (!placed[0]) return nullptr;
  FILE* perf_map = open_perf_map();
  attach_native(func, cf, std::move(placed[0]), perf_map);
  if (perf_map) std::fclose(perf_map);
  return cf.native.get();
}

void HostCall::trap(TrapKind kind, std::string message) {
  trap_ = Trap{kind, message.empty() ? std::string(trap_message(kind)) : std::move(message), {}, 0};
}

void HostCall::exit(int code) {
  trap_ = Trap{TrapKind::Exit, trap_message(TrapKind::Exit), {}, code};
}

std::optional<ExternVal> Instance::get_export(std::string_view name) const {
  auto it = exports_.find(std::string(name));
  if (it == exports_.end()) return std::nullopt;
  return it->second;
}

FuncInstance* Instance::get_func(std::string_view export_name) const {
  auto e = get_export(export_name);
  return e && e->kind == ExternKind::Func ? e->func : nullptr;
}

Store::Store(StoreConfig config) : config_(config), exec_(make_exec_state(config_)) {
  install_trap_handler();
}

Store::~Store() = default;

uint32_t Store::intern_type(const FuncType& type) {
  // Linear, but a store sees few distinct signatures and this runs only at instantiation.
  for (size_t i = 0; i < interned_types_.size(); ++i)
    if (interned_types_[i] == type) return static_cast<uint32_t>(i);
  interned_types_.push_back(type);
  return static_cast<uint32_t>(interned_types_.size() - 1);
}

bool Store::reserve_memory_bytes(uint64_t delta) {
  if (delta > config_.max_memory_bytes - committed_memory_) {
    if (on_memory_refused_) on_memory_refused_(delta);
    return false;
  }
  committed_memory_ += delta;
  return true;
}

FuncInstance* Store::create_host_func(FuncType type, HostFn fn, std::string name) {
  auto f = std::make_unique<FuncInstance>();
  f->owned_type = std::make_unique<FuncType>(std::move(type));
  f->type = f->owned_type.get();
  f->type_id = intern_type(*f->type);
  f->host = std::move(fn);
  f->name = std::move(name);
  f->jit.is_host = 1;           // compiled callers call it through JitContext::call_host
  f->jit.type_id = f->type_id;  // compiled call_indirect checks it, code or not
  funcs_.push_back(std::move(f));
  return funcs_.back().get();
}

TableInstance* Store::create_table(TableType type, uint64_t init) {
  if (type.limits.min > kMaxTableElems) return nullptr;
  auto t = std::make_unique<TableInstance>();
  t->type = type;
  t->elems.assign(type.limits.min, init);
  tables_.push_back(std::move(t));
  return tables_.back().get();
}

namespace {
Error memory_limit_error(uint64_t bytes, uint64_t committed, uint64_t max) {
  return Error{"memory limit exceeded: " + std::to_string(bytes) + " more bytes requested, " +
               std::to_string(committed) + " of " + std::to_string(max) + " in use"};
}
}  // namespace

Result<MemoryInstance*> Store::create_memory(MemoryType type) {
  uint32_t min = type.limits.min;
  if (min > kMaxPages) return Error{"memory size must be at most 65536 pages (4GiB)"};
  uint64_t bytes = uint64_t{min} * kPageSize;
  if (!reserve_memory_bytes(bytes))
    return memory_limit_error(bytes, committed_memory_, config_.max_memory_bytes);
  auto m = std::make_unique<MemoryInstance>();
  m->type = type;
  if (!m->memory.init(min, type.limits.max)) {
    release_memory_bytes(bytes);
    return Error{"cannot reserve address space for a linear memory"};
  }
  memories_.push_back(std::move(m));
  return memories_.back().get();
}

Result<MemoryInstance*> Store::add_memory(std::unique_ptr<MemoryInstance> m) {
  // The same limit, and the same words, as create_memory for a memory of this size.
  uint64_t bytes = m->memory.size_bytes();
  if (!reserve_memory_bytes(bytes))
    return memory_limit_error(bytes, committed_memory_, config_.max_memory_bytes);
  memories_.push_back(std::move(m));
  return memories_.back().get();
}

bool Store::adopt(std::unique_ptr<PreparedModule> prepared) {
  if (!prepared || !interned_types_.empty() || !instances_.empty()) return false;
  interned_types_ = prepared->types;
  prepared_ = std::move(prepared);
  return true;
}

GlobalInstance* Store::create_global(GlobalType type, Value init) {
  auto g = std::make_unique<GlobalInstance>();
  g->type = type;
  g->bits = init.bits;
  g->hi = init.hi;
  globals_.push_back(std::move(g));
  return globals_.back().get();
}

namespace {

InstantiateError link_error(std::string message) {
  return InstantiateError{InstantiateError::Kind::Link, std::move(message), std::nullopt};
}

InstantiateError trap_error(TrapKind kind, std::string message = {}) {
  if (message.empty()) message = trap_message(kind);
  return InstantiateError{InstantiateError::Kind::Trap, message, Trap{kind, message, {}, 0}};
}

std::optional<ExternVal> export_value(const Instance& inst, const Export& e) {
  switch (e.kind) {
    case ExternKind::Func:
      if (e.index < inst.funcs_.size()) return ExternVal::of(inst.funcs_[e.index]);
      break;
    case ExternKind::Table:
      if (e.index < inst.tables_.size()) return ExternVal::of(inst.tables_[e.index]);
      break;
    case ExternKind::Memory:
      if (e.index < inst.memories_.size()) return ExternVal::of(inst.memories_[e.index]);
      break;
    case ExternKind::Global:
      if (e.index < inst.globals_.size()) return ExternVal::of(inst.globals_[e.index]);
      break;
  }
  return std::nullopt;
}

}  // namespace

std::variant<Instance*, InstantiateError> Store::instantiate(
    std::shared_ptr<const Module> module, const std::vector<ExternVal>& imports) {
  // A valid module can still be too big for the memory this process may use (translation
  // makes a copy of every function's code; a tenant's RLIMIT_AS may be small). That is the
  // module's failure, reported like any other, not a crash of the worker. Whatever was built
  // so far stays owned by the store, as after any other failure part-way.
  try {
    return instantiate_module(std::move(module), imports);
  } catch (const std::bad_alloc&) {
    return trap_error(TrapKind::Host, "out of memory while instantiating the module");
  }
}

std::variant<Instance*, InstantiateError> Store::instantiate_module(
    std::shared_ptr<const Module> module, const std::vector<ExternVal>& imports) {
  const Module& m = *module;
  if (imports.size() != m.imports.size())
    return link_error("module needs " + std::to_string(m.imports.size()) + " imports, got " +
                      std::to_string(imports.size()));
  for (size_t i = 0; i < imports.size(); ++i) {
    const Import& imp = m.imports[i];
    if (auto why = import_mismatch(m, imp, imports[i]))
      return link_error("incompatible import type: " + imp.module + "." + imp.name + " (" + *why +
                        ")");
  }

  // Work done before for exactly this module (adopt()), taken once: a second instance of the
  // module in this store gets its own translation and memory, as without it.
  std::unique_ptr<PreparedModule> prepared;
  if (prepared_ && prepared_->module == module) prepared = std::move(prepared_);

  // Registered before anything can fail: once functions exist, tables of other instances may
  // come to reference them (a partially-run segment initialization), so the instance must live
  // as long as the store.
  instances_.push_back(std::make_unique<Instance>());
  Instance& inst = *instances_.back();
  inst.module_ = module;
  for (const ExternVal& v : imports) {
    switch (v.kind) {
      case ExternKind::Func: inst.funcs_.push_back(v.func); break;
      case ExternKind::Table: inst.tables_.push_back(v.table); break;
      case ExternKind::Memory: inst.memories_.push_back(v.memory); break;
      case ExternKind::Global: inst.globals_.push_back(v.global); break;
    }
  }

  // Functions. Names for backtraces: name section, else first export name, else func[N].
  std::vector<uint32_t> type_ids;
  type_ids.reserve(m.types.size());
  for (const FuncType& t : m.types) type_ids.push_back(intern_type(t));
  std::unordered_map<uint32_t, const std::string*> export_names;
  for (const Export& e : m.exports)
    if (e.kind == ExternKind::Func) export_names.emplace(e.index, &e.name);
  if (m.code.size() != m.functions.size()) return link_error("function and code counts differ");
  // The prepared translation's call_indirect ids hold if this store numbered the module's types
  // as the preparation did (adopt() put them first); else translate here.
  const bool translated = prepared && prepared->type_ids == type_ids &&
                          prepared->functions.size() == m.functions.size();
  // `--engine jit` compiles every function before the first call, so it translates them all
  // here; the other engines translate a function on its first call (Store::translate).
  const bool eager = config_.engine == wc::jit::EngineMode::Jit;
  inst.type_ids_ = type_ids;
  std::vector<std::optional<wc::jit::MachineCode>> machine;
  const uint32_t min_run = config_.jit_min_run ? config_.jit_min_run : wc::jit::default_min_run();
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    uint32_t type_index = m.functions[i];
    if (type_index >= m.types.size()) return link_error("function type index out of range");
    uint32_t index = static_cast<uint32_t>(inst.funcs_.size());
    inst.compiled_.push_back(translated ? std::move(prepared->functions[i])
                             : eager    ? compile_function(m, i, type_ids)
                                        : nullptr);
    // A prepared function may already have machine code (compile_prepared()): not again.
    if (config_.engine == wc::jit::EngineMode::Jit)
      machine.push_back(inst.compiled_.back()->native
                            ? std::nullopt
                            : wc::jit::compile_x64(*inst.compiled_.back(), min_run));
    // Written only when it differs: a prepared function already holds the usual budget, and
    // a zygote child that writes it would copy the page it shares with its siblings.
    const int32_t budget = config_.engine == wc::jit::EngineMode::Auto
                               ? static_cast<int32_t>(config_.tier_up_after)
                               : INT32_MAX;
    if (inst.compiled_.back() && inst.compiled_.back()->tier_up_budget != budget)
      inst.compiled_.back()->tier_up_budget = budget;
    auto f = std::make_unique<FuncInstance>();
    f->type = &m.types[type_index];
    f->type_id = type_ids[type_index];
    // Compiled call_indirect checks the signature here, also of functions without code
    // (which it then calls through JitContext::call_cold).
    f->jit.type_id = f->type_id;
    f->instance = &inst;
    f->index = index;
    f->code = inst.compiled_.back() ? inst.compiled_.back().get() : untranslated_function();
    if (auto it = m.names.functions.find(index); it != m.names.functions.end())
      f->name = it->second;
    else if (auto e = export_names.find(index); e != export_names.end())
      f->name = *e->second;
    else
      f->name = "func[" + std::to_string(index) + "]";
    funcs_.push_back(std::move(f));
    inst.funcs_.push_back(funcs_.back().get());
  }
  if (config_.engine == wc::jit::EngineMode::Jit) {
    // The module's code goes into one mapping; then native callers can find each function.
    std::vector<std::unique_ptr<wc::jit::NativeCode>> native =
        wc::jit::place_code(std::move(machine));
    const size_t first_defined = inst.funcs_.size() - native.size();
    FILE* perf_map = open_perf_map();
    for (size_t i = 0; i < native.size(); ++i)
      if (native[i])
        attach_native(inst.funcs_[first_defined + i], *inst.compiled_[i], std::move(native[i]),
                      perf_map);
    if (perf_map) std::fclose(perf_map);
  }
  // Machine code that came with the preparation (a zygote compiles while it waits for fork
  // requests): its pages are the zygote's, shared read+exec by every child. Entered as is;
  // the CompiledFunction is not written, so its page stays shared too.
  if (translated && config_.engine != wc::jit::EngineMode::Interp) {
    const size_t first_defined = inst.funcs_.size() - inst.compiled_.size();
    FILE* perf_map = open_perf_map();
    for (size_t i = 0; i < inst.compiled_.size(); ++i) {
      FuncInstance* f = inst.funcs_[first_defined + i];
      if (inst.compiled_[i]->native && !f->jit.entry) enter_native(f, *inst.compiled_[i], perf_map);
    }
    if (perf_map) std::fclose(perf_map);
  }

  for (const TableType& t : m.tables) {
    TableInstance* table = create_table(t, 0);
    if (!table)
      return trap_error(TrapKind::Host, "table of " + std::to_string(t.limits.min) +
                                            " elements exceeds the limit of " +
                                            std::to_string(kMaxTableElems));
    inst.tables_.push_back(table);
  }
  // A prepared image is memory 0 with the active data segments already written (it exists
  // only when that is the module's own defined memory and the offsets are constants).
  const bool data_written = prepared && prepared->memory;
  for (const MemoryType& t : m.memories) {
    auto mem = data_written && inst.memories_.empty() ? add_memory(std::move(prepared->memory))
                                                      : create_memory(t);
    if (!mem) return trap_error(TrapKind::Host, mem.error().message);
    inst.memories_.push_back(*mem);
  }
  // A global initializer sees the imported and earlier globals (2.0 allows only imported ones;
  // the validator enforces whatever the enabled features permit).
  for (const Global& g : m.globals) {
    auto v = eval_const_expr(g.init, inst.globals_, inst.funcs_);
    if (!v) return link_error("invalid constant expression in global initializer");
    inst.globals_.push_back(create_global(g.type, *v));
  }
  for (const Export& e : m.exports) {
    auto v = export_value(inst, e);
    if (!v) return link_error("export " + e.name + " refers out of range");
    inst.exports_.emplace(e.name, *v);
  }
  inst.elems_.reserve(m.elems.size());
  for (const ElemSegment& seg : m.elems) {
    std::vector<uint64_t> refs;
    refs.reserve(seg.init.size());
    for (const ConstExpr& e : seg.init) {
      auto v = eval_const_expr(e, inst.globals_, inst.funcs_);
      if (!v) return link_error("invalid constant expression in element segment");
      refs.push_back(v->bits);
    }
    inst.elems_.push_back(std::move(refs));
  }
  inst.data_dropped_.assign(m.datas.size(), false);
  if (!inst.memories_.empty()) inst.mem0_base = inst.memories_[0]->memory.base();

  // Segment initialization, in the 2.0 order: all element segments, then all data segments.
  // Each active segment is exactly table.init/memory.init followed by a drop, so writes of
  // earlier segments stay visible when a later one traps.
  for (uint32_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == SegmentMode::Active) {
      auto off = eval_const_expr(seg.offset, inst.globals_, inst.funcs_);
      if (!off || seg.table >= inst.tables_.size()) return link_error("invalid element segment");
      if (!table_init(inst, i, seg.table, off->as_u32(), 0, static_cast<uint32_t>(seg.init.size())))
        return trap_error(TrapKind::TableOutOfBounds);
    }
    if (seg.mode != SegmentMode::Passive) elem_drop(inst, i);
  }
  for (uint32_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    if (data_written) {  // in bounds, written: only the drop is left
      data_drop(inst, i);
      continue;
    }
    auto off = eval_const_expr(seg.offset, inst.globals_, inst.funcs_);
    if (!off || seg.memory != 0 || inst.memories_.empty())
      return link_error("invalid data segment");
    if (!memory_init(inst, i, off->as_u32(), 0, static_cast<uint32_t>(seg.bytes_size)))
      return trap_error(TrapKind::MemoryOutOfBounds);
    data_drop(inst, i);
  }

  if (m.start) {
    if (*m.start >= inst.funcs_.size()) return link_error("start function out of range");
    InvokeResult r = invoke(inst.funcs_[*m.start], {});
    if (r.trap)
      return InstantiateError{InstantiateError::Kind::Trap, r.trap->message, std::move(r.trap)};
  }
  return &inst;
}

InvokeResult Store::invoke(FuncInstance* func, std::span<const Value> args) {
  auto fail = [](std::string message) {
    InvokeResult r;
    r.trap = Trap{TrapKind::Host, std::move(message), {}, 0};
    return r;
  };
  if (!func) return fail("invoke: null function");
  const FuncType& t = *func->type;
  if (args.size() != t.params.size())
    return fail("invoke " + func->name + ": expected " + std::to_string(t.params.size()) +
                " arguments (" + functype_to_string(t) + "), got " + std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].type != t.params[i])
      return fail("invoke " + func->name + ": argument " + std::to_string(i) + " must be " +
                  valtype_name(t.params[i]) + ", got " + valtype_name(args[i].type));
  return interpret(*this, func, args);
}

}  // namespace wc::engine

namespace wc::jit {

int32_t func_instance_jit_offset() {
  static const int32_t offset = [] {
    wc::engine::FuncInstance probe;
    return static_cast<int32_t>(reinterpret_cast<const char*>(&probe.jit) -
                                reinterpret_cast<const char*>(&probe));
  }();
  return offset;
}

const TableElemsLayout& table_elems_layout() {
  static const TableElemsLayout layout = [] {
    TableElemsLayout l;
    wc::engine::TableInstance probe;
    probe.elems.assign(3, 0);
    const auto* bytes = reinterpret_cast<const unsigned char*>(&probe);
    bool have_begin = false, have_end = false;
    for (size_t at = 0; at + sizeof(void*) <= sizeof probe; at += alignof(void*)) {
      const uint64_t* p;
      std::memcpy(&p, bytes + at, sizeof p);
      if (p == probe.elems.data() && !have_begin) {
        l.begin = static_cast<int32_t>(at);
        have_begin = true;
      } else if (p == probe.elems.data() + 3 && !have_end) {
        l.end = static_cast<int32_t>(at);
        have_end = true;
      }
    }
    l.ok = have_begin && have_end;
    return l;
  }();
  return layout;
}

}  // namespace wc::jit
