#include "differential.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "arg_patterns.h"
#include "engine/binary/decoder.h"
#include "engine/interp/compiled_function.h"
#include "engine/runtime/store.h"
#include "engine/runtime/trap.h"
#include "engine/validate/validator.h"
#include "import_stubs.h"

namespace wc::jitdiff {

using namespace engine;

namespace {

// binaryen's -ttf modules export this to reset the counter that bounds their loops and
// recursion; its harness calls it before every export, and so do we.
constexpr const char* kHangLimitInitializer = "hangLimitInitializer";

// One tier: a store and the instance in it. Not movable: the import stubs point at `log`.
struct Side {
  explicit Side(const StoreConfig& config) : store(config) {}
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;
  Store store;
  CallLog log;
  Instance* instance = nullptr;
};

struct Outcome {
  std::optional<Trap> trap;
  std::vector<Value> results;
  std::vector<LogEntry> log;
  uint64_t log_dropped = 0;
  bool interrupted() const { return trap && trap->kind == TrapKind::Interrupted; }
};

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

// A funcref is the address of a FuncInstance, which differs between stores; its index in the
// instance's function space does not.
uint64_t canonical_bits(const Side& side, const Value& v) {
  if (v.type != ValType::FuncRef || v.bits == 0) return v.bits;
  const auto* f = reinterpret_cast<const FuncInstance*>(v.bits);
  const auto& funcs = side.instance->funcs_;
  for (size_t i = 0; i < funcs.size(); ++i)
    if (funcs[i] == f) return i + 1;
  return ~uint64_t{0};  // not this instance's: cannot happen with the stubs we link
}

bool is_nan(const Value& v) {
  if (v.type == ValType::F32) return std::isnan(v.as_f32());
  if (v.type == ValType::F64) return std::isnan(v.as_f64());
  return false;
}

// Bitwise, except that two NaNs agree whatever their payloads (wasm leaves NaN results'
// payloads nondeterministic; we report a payload difference only through memory).
bool same_value(const Side& a, const Value& x, const Side& b, const Value& y) {
  if (x.type != y.type) return false;
  if (is_nan(x) && is_nan(y)) return true;
  return canonical_bits(a, x) == canonical_bits(b, y) && x.hi == y.hi;
}

std::string show(const Side& side, const Value& v) {
  char buf[96];
  switch (v.type) {
    case ValType::I32:
      std::snprintf(buf, sizeof buf, "i32:%" PRId32 " (0x%" PRIx32 ")", v.as_i32(), v.as_u32());
      break;
    case ValType::I64:
      std::snprintf(buf, sizeof buf, "i64:%" PRId64 " (0x%" PRIx64 ")", v.as_i64(), v.as_u64());
      break;
    case ValType::F32:
      std::snprintf(buf, sizeof buf, "f32:%.9g (0x%08" PRIx32 ")", static_cast<double>(v.as_f32()),
                    v.as_u32());
      break;
    case ValType::F64:
      std::snprintf(buf, sizeof buf, "f64:%.17g (0x%016" PRIx64 ")", v.as_f64(), v.as_u64());
      break;
    case ValType::V128:
      std::snprintf(buf, sizeof buf, "v128:0x%016" PRIx64 "%016" PRIx64, v.hi, v.bits);
      break;
    case ValType::FuncRef:
      if (v.bits == 0) return "funcref:null";
      return "funcref:func " + std::to_string(canonical_bits(side, v) - 1);
    case ValType::ExternRef: return v.bits ? "externref:" + hex(v.bits) : "externref:null";
  }
  return buf;
}

std::string show_values(const Side& side, const std::vector<Value>& vs) {
  std::string s = "(";
  for (size_t i = 0; i < vs.size(); ++i) s += (i ? ", " : "") + show(side, vs[i]);
  return s + ")";
}

std::string show_trap(const Trap& t) {
  std::string s =
      "trap \"" + t.message + "\" (kind " + std::to_string(static_cast<int>(t.kind)) + ")";
  for (size_t i = 0; i < t.backtrace.size(); ++i) s += (i ? " < " : " at ") + t.backtrace[i];
  return s;
}

std::string show_outcome(const Side& side, const Outcome& o) {
  return o.trap ? show_trap(*o.trap) : "returns " + show_values(side, o.results);
}

// Empty when the two agree, else what differs.
std::string compare_traps(const Trap& a, const Trap& b) {
  if (a.kind != b.kind) return "trap kinds differ";
  if (a.message != b.message) return "trap messages differ";
  if (a.backtrace != b.backtrace) return "trap backtraces differ";
  return {};
}

std::string compare_outcomes(const Side& a, const Outcome& x, const Side& b, const Outcome& y,
                             const Module& module) {
  if (x.trap.has_value() != y.trap.has_value()) return "one traps, the other does not";
  if (x.trap) {
    if (std::string why = compare_traps(*x.trap, *y.trap); !why.empty()) return why;
  } else {
    if (x.results.size() != y.results.size()) return "result counts differ";
    for (size_t i = 0; i < x.results.size(); ++i)
      if (!same_value(a, x.results[i], b, y.results[i]))
        return "result " + std::to_string(i) + " differs";
  }
  // The host-call logs: which imports were called, in order, with which arguments.
  size_t n = std::min(x.log.size(), y.log.size());
  for (size_t i = 0; i < n; ++i) {
    const LogEntry& p = x.log[i];
    const LogEntry& q = y.log[i];
    bool same = p.import == q.import && p.args.size() == q.args.size();
    for (size_t k = 0; same && k < p.args.size(); ++k)
      same = same_value(a, p.args[k], b, q.args[k]);
    if (!same) {
      const Import& ip = module.imports[p.import];
      const Import& iq = module.imports[q.import];
      return "host call " + std::to_string(i) + " differs: interpreter " + ip.module + "." +
             ip.name + show_values(a, p.args) + ", jit " + iq.module + "." + iq.name +
             show_values(b, q.args);
    }
  }
  if (x.log.size() != y.log.size() || x.log_dropped != y.log_dropped)
    return "host call counts differ: interpreter " + std::to_string(x.log.size() + x.log_dropped) +
           ", jit " + std::to_string(y.log.size() + y.log_dropped);
  return {};
}

// Memories byte for byte, globals (NaN rule as for results) and tables.
std::string compare_state(const Side& a, const Side& b) {
  const Instance& x = *a.instance;
  const Instance& y = *b.instance;
  for (size_t m = 0; m < x.memories_.size(); ++m) {
    const LinearMemory& p = x.memories_[m]->memory;
    const LinearMemory& q = y.memories_[m]->memory;
    if (p.pages() != q.pages())
      return "memory " + std::to_string(m) + " size differs: interpreter " +
             std::to_string(p.pages()) + " pages, jit " + std::to_string(q.pages());
    if (p.size_bytes() == 0 || std::memcmp(p.base(), q.base(), p.size_bytes()) == 0) continue;
    uint64_t at = 0;
    while (p.base()[at] == q.base()[at]) ++at;
    uint64_t from = at & ~uint64_t{7};
    std::string pi, qj;
    char buf[4];
    for (uint64_t i = from; i < from + 16 && i < p.size_bytes(); ++i) {
      std::snprintf(buf, sizeof buf, "%02x", p.base()[i]);
      pi += buf;
      std::snprintf(buf, sizeof buf, "%02x", q.base()[i]);
      qj += buf;
    }
    return "memory " + std::to_string(m) + " differs first at byte " + std::to_string(at) +
           "; bytes from " + std::to_string(from) + ": interpreter " + pi + ", jit " + qj;
  }
  for (size_t g = 0; g < x.globals_.size(); ++g) {
    Value p = x.globals_[g]->value();
    Value q = y.globals_[g]->value();
    if (!same_value(a, p, b, q))
      return "global " + std::to_string(g) + " differs: interpreter " + show(a, p) + ", jit " +
             show(b, q);
  }
  for (size_t t = 0; t < x.tables_.size(); ++t) {
    const auto& p = x.tables_[t]->elems;
    const auto& q = y.tables_[t]->elems;
    if (p.size() != q.size())
      return "table " + std::to_string(t) + " size differs: interpreter " +
             std::to_string(p.size()) + ", jit " + std::to_string(q.size());
    ValType et = x.tables_[t]->type.elem;
    for (size_t i = 0; i < p.size(); ++i) {
      Value u{et, p[i]}, v{et, q[i]};
      if (!same_value(a, u, b, v))
        return "table " + std::to_string(t) + " element " + std::to_string(i) +
               " differs: interpreter " + show(a, u) + ", jit " + show(b, v);
    }
  }
  return {};
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Same: return "same";
    case Verdict::Differ: return "DIFFER";
    case Verdict::Invalid: return "invalid";
  }
  return "?";
}

DiffReport DiffChecker::check(std::span<const uint8_t> wasm) {
  DiffReport report;
  auto decoded = decode_module(wasm);
  if (!decoded) {
    report.verdict = Verdict::Invalid;
    report.detail = "decode: " + decoded.error().message;
    return report;
  }
  std::shared_ptr<const Module> module = decoded.value();
  if (auto err = validate_module(*module)) {
    report.verdict = Verdict::Invalid;
    report.detail = "validate: " + err->message;
    return report;
  }
  report.functions = module->functions.size();

  StoreConfig config;
  config.max_memory_bytes = options_.max_memory_bytes;
  config.value_stack_bytes = options_.value_stack_bytes;
  config.engine = wc::jit::EngineMode::Interp;
  Side interp(config);
  config.engine = wc::jit::EngineMode::Jit;
  config.jit_min_run = options_.jit_min_run;
  Side jit(config);
  auto differ = [&](std::string what) {
    report.verdict = Verdict::Differ;
    report.detail = std::move(what);
    return report;
  };

  // Instantiation, including the start function.
  std::string link_errors[2];
  std::optional<Trap> start_traps[2];
  Side* sides[2] = {&interp, &jit};
  for (int s = 0; s < 2; ++s) {
    Side& side = *sides[s];
    auto imports = make_import_stubs(side.store, *module, side.log);
    if (!imports) {
      link_errors[s] = imports.error().message;
      continue;
    }
    WatchdogScope bound(watchdog_, side.store, options_.call_budget);
    auto inst = side.store.instantiate(module, *imports);
    if (auto* err = std::get_if<InstantiateError>(&inst)) {
      link_errors[s] = err->message;
      start_traps[s] = err->trap;
    } else {
      side.instance = std::get<Instance*>(inst);
    }
  }
  for (int s = 0; s < 2; ++s) {
    if (start_traps[s] && start_traps[s]->kind == TrapKind::Interrupted) {
      report.stopped = "instantiation interrupted";
      return report;
    }
  }
  if (!interp.instance || !jit.instance) {
    if (interp.instance || jit.instance || link_errors[0] != link_errors[1])
      return differ("instantiation: interpreter " +
                    (interp.instance ? std::string("succeeds") : "fails: " + link_errors[0]) +
                    "; jit " +
                    (jit.instance ? std::string("succeeds") : "fails: " + link_errors[1]));
    if (start_traps[0].has_value() != start_traps[1].has_value() ||
        (start_traps[0] && !compare_traps(*start_traps[0], *start_traps[1]).empty()))
      return differ("start function: interpreter " +
                    (start_traps[0] ? show_trap(*start_traps[0]) : "no trap") + "; jit " +
                    (start_traps[1] ? show_trap(*start_traps[1]) : "no trap"));
    report.detail = "instantiation fails in both: " + link_errors[0];
    return report;
  }
  for (uint32_t i = module->num_imported_funcs; i < jit.instance->funcs_.size(); ++i) {
    const FuncInstance* f = jit.instance->funcs_[i];
    if (f->code && f->code->native) ++report.native_functions;
  }
  if (std::string why = compare_state(interp, jit); !why.empty())
    return differ("after instantiation: " + why);

  auto call = [&](Side& side, FuncInstance* f, const std::vector<Value>& args) {
    side.log.entries.clear();
    side.log.dropped = 0;
    Outcome o;
    {
      WatchdogScope bound(watchdog_, side.store, options_.call_budget);
      InvokeResult r = side.store.invoke(f, args);
      o.trap = std::move(r.trap);
      o.results = std::move(r.results);
    }
    o.log = std::move(side.log.entries);
    o.log_dropped = side.log.dropped;
    side.log.entries.clear();
    return o;
  };

  std::optional<uint32_t> hang_init;
  std::vector<const Export*> exports;
  for (const Export& e : module->exports) {
    if (e.kind != ExternKind::Func) continue;
    const FuncType& t = module->func_type(e.index);
    if (e.name == kHangLimitInitializer && t.params.empty() && t.results.empty())
      hang_init = e.index;
    else
      exports.push_back(&e);
  }
  uint32_t patterns = std::min(options_.patterns, kNumArgPatterns);
  for (uint32_t p = 0; p < patterns; ++p) {
    for (const Export* e : exports) {
      if (report.calls >= options_.max_calls) return report;
      if (hang_init) {
        Outcome hi = call(interp, interp.instance->funcs_[*hang_init], {});
        Outcome hj = call(jit, jit.instance->funcs_[*hang_init], {});
        if (hi.interrupted() || hj.interrupted()) {
          report.stopped = std::string(kHangLimitInitializer) + " interrupted";
          return report;
        }
      }
      FuncInstance* fi = interp.instance->funcs_[e->index];
      FuncInstance* fj = jit.instance->funcs_[e->index];
      std::vector<Value> args = make_args(fi->type->params, p);
      Outcome oi = call(interp, fi, args);
      Outcome oj = call(jit, fj, args);
      ++report.calls;
      std::string what = "call " + std::to_string(report.calls) + ": \"" + e->name + "\"" +
                         show_values(interp, args);
      if (oi.interrupted() || oj.interrupted()) {
        report.stopped = what + " interrupted (" +
                         (oi.interrupted() && oj.interrupted() ? "both tiers"
                          : oi.interrupted()                   ? "interpreter only"
                                                               : "jit only") +
                         ")";
        return report;
      }
      if (std::string why = compare_outcomes(interp, oi, jit, oj, *module); !why.empty())
        return differ(what + ": " + why + "\n  interpreter: " + show_outcome(interp, oi) +
                      "\n  jit:         " + show_outcome(jit, oj));
      if (oi.trap) ++report.traps;
      if (std::string why = compare_state(interp, jit); !why.empty())
        return differ(what + " (" + show_outcome(interp, oi) + " in both): " + why);
    }
  }
  return report;
}

}  // namespace wc::jitdiff
