#include "engine/runtime/prepared_module.h"

#include <cstring>
#include <new>

#include "engine/interp/compiled_function.h"
#include "engine/interp/interpreter.h"
#include "engine/jit/x64_compiler.h"
#include "engine/runtime/const_eval.h"

namespace wc::engine {

namespace {

// A bigger initial memory is left to the store: the zygote would hold address space (and,
// under strict overcommit, commit charge) for a container whose limit may refuse it anyway.
constexpr uint64_t kMaxImageBytes = uint64_t{1} << 30;

std::unique_ptr<MemoryInstance> memory_image(const Module& m) {
  if (m.memories.size() != 1) return nullptr;
  for (const Import& imp : m.imports)
    if (imp.kind == ExternKind::Memory) return nullptr;
  const MemoryType& type = m.memories[0];
  if (uint64_t{type.limits.min} * kPageSize > kMaxImageBytes) return nullptr;
  auto mem = std::make_unique<MemoryInstance>();
  mem->type = type;
  if (!mem->memory.init(type.limits.min, type.limits.max)) return nullptr;
  for (uint32_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    // No globals and no functions: an offset that reads an (imported) global is not the
    // module's alone, and that memory is left to the store.
    std::optional<Value> off = eval_const_expr(seg.offset, {}, {});
    if (!off || seg.memory != 0) return nullptr;
    uint64_t at = off->as_u32();
    // Out of bounds traps at instantiation; the store reproduces that, in order, itself.
    const std::span<const uint8_t> bytes = m.data_bytes(i);
    if (at + bytes.size() > mem->memory.size_bytes()) return nullptr;
    if (!bytes.empty()) std::memcpy(mem->memory.base() + at, bytes.data(), bytes.size());
  }
  return mem;
}

}  // namespace

PreparedModule::PreparedModule() = default;
PreparedModule::~PreparedModule() = default;

std::unique_ptr<PreparedModule> prepare_module(std::shared_ptr<const Module> module) {
  const Module& m = *module;
  if (m.code.size() != m.functions.size()) return nullptr;
  auto p = std::make_unique<PreparedModule>();
  p->module = module;
  try {
    for (const FuncType& t : m.types) {  // as Store::intern_type numbers them in an empty store
      uint32_t id = 0;
      while (id < p->types.size() && !(p->types[id] == t)) id++;
      if (id == p->types.size()) p->types.push_back(t);
      p->type_ids.push_back(id);
    }
    p->functions.reserve(m.functions.size());
    for (uint32_t i = 0; i < m.functions.size(); ++i) {
      if (m.functions[i] >= m.types.size()) return nullptr;
      p->functions.push_back(compile_function(m, i, p->type_ids));
      // The budget `--engine auto` starts each function with (Store::instantiate sets it only
      // when it differs, so an adopting store of the usual config leaves these pages shared).
      p->functions.back()->tier_up_budget =
          static_cast<int32_t>(StoreConfig::default_tier_up_after());
    }
    p->memory = memory_image(m);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return p;
}

bool compile_prepared(PreparedModule& p, std::chrono::steady_clock::time_point deadline,
                      size_t max_code_bytes) {
  const size_t n = p.functions.size();
  if (p.next_to_compile >= n) return true;
  const size_t first = p.next_to_compile;
  std::vector<std::optional<wc::jit::MachineCode>> batch;
  try {
    const uint32_t min_run = wc::jit::default_min_run();
    while (p.next_to_compile < n) {
      CompiledFunction& cf = *p.functions[p.next_to_compile++];
      batch.push_back(cf.native ? std::nullopt : wc::jit::compile_x64(cf, min_run));
      if (batch.back()) p.machine_code_bytes += batch.back()->bytes.size();
      if (p.machine_code_bytes >= max_code_bytes) {
        p.next_to_compile = n;  // enough: the rest stays with the children's own tier-up
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
  } catch (const std::bad_alloc&) {
    p.next_to_compile = n;  // the zygote's memory limit: stop here, keep what was placed
    return true;
  }
  size_t compiled = 0;
  for (const auto& code : batch) compiled += code ? 1 : 0;
  std::vector<std::unique_ptr<wc::jit::NativeCode>> placed = wc::jit::place_code(std::move(batch));
  size_t attached = 0;
  for (size_t i = 0; i < placed.size(); ++i)
    if (placed[i]) {
      p.functions[first + i]->native = std::move(placed[i]);
      attached++;
    }
  // Code made but none placed: the kernel refused executable memory; no point going on.
  if (compiled > 0 && attached == 0) p.next_to_compile = n;
  return p.next_to_compile >= n;
}

}  // namespace wc::engine
