// The imports of a Go js/wasm module (module "go" or "gojs"): runtime.* and syscall/js.*.
// Every one but `debug` takes Go's stack pointer; its arguments and results live in linear
// memory at fixed offsets from it (the offsets are those of Go's ABI, as in wasm_exec.js).
// Calls that may run Go code before they return (valueCall, valueInvoke, valueNew, valueGet)
// re-read the stack pointer with getsp() before storing results: Go may have moved its stack.
//
// Everything read from memory is untrusted: a range outside linear memory traps the guest
// ("out of bounds memory access"), an unknown reference reads as undefined.
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engine/runtime/linker.h"
#include "host/gojs/go_program.h"

namespace wc::host::gojs {

namespace {

using engine::HostCall;

// A guest range outside linear memory: turned into a trap by the import wrapper.
struct GuestFault {};

// Go's stack frame of one import call.
class Frame {
 public:
  Frame(GoProgram& p, uint32_t sp) : p_(p), sp_(sp), resumes_(p.resume_count()) {}

  // If Go code ran during this import (a Go function called back), its stack may have moved:
  // ask getsp(). Most calls run no Go code, and then the nested invoke is skipped.
  void refresh_sp() {
    if (p_.resume_count() != resumes_) sp_ = p_.current_sp();
  }

  uint8_t* at(uint64_t addr, uint64_t size) const {
    if (addr > p_.mem_size() || size > p_.mem_size() - addr) throw GuestFault{};
    return p_.mem_base() + addr;
  }
  template <class T>
  T load(uint32_t off) const {
    T v;
    std::memcpy(&v, at(uint64_t{sp_} + off, sizeof(T)), sizeof(T));
    return v;
  }
  template <class T>
  void store(uint32_t off, T v) {
    std::memcpy(at(uint64_t{sp_} + off, sizeof(T)), &v, sizeof(T));
  }
  int64_t i64(uint32_t off) const { return load<int64_t>(off); }
  int32_t i32(uint32_t off) const { return load<int32_t>(off); }

  JsValue value(uint32_t off) const { return p_.refs().load(load<uint64_t>(off)); }
  void set_value(uint32_t off, const JsValue& v) { store<uint64_t>(off, p_.refs().store(v)); }

  // A Go slice or string header: (pointer, length[, capacity]) as int64s.
  std::span<uint8_t> bytes(uint32_t off) const {
    uint64_t ptr = static_cast<uint64_t>(i64(off));
    uint64_t len = static_cast<uint64_t>(i64(off + 8));
    return {at(ptr, len), len};
  }
  std::string string(uint32_t off) const {
    auto b = bytes(off);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::vector<JsValue> values(uint32_t off) const {
    uint64_t ptr = static_cast<uint64_t>(i64(off));
    uint64_t len = static_cast<uint64_t>(i64(off + 8));
    if (len > p_.mem_size() / 8) throw GuestFault{};
    at(ptr, len * 8);
    std::vector<JsValue> out;
    out.reserve(len);
    for (uint64_t i = 0; i < len; ++i) {
      uint64_t bits;
      std::memcpy(&bits, p_.mem_base() + ptr + i * 8, 8);
      out.push_back(p_.refs().load(bits));
    }
    return out;
  }

 private:
  GoProgram& p_;
  uint32_t sp_;
  uint64_t resumes_;
};

using Body = std::function<void(GoProgram&, Frame&)>;

// Wraps an import body: faults and stray exceptions become traps; if Go ended while the body
// ran Go code (exit or trap in a nested resume), this call ends the outer run the same way.
engine::HostFn sp_import(GoProgram& program, std::string name, Body body) {
  return [&program, name = std::move(name), body = std::move(body)](HostCall& hc, uint64_t* slots) {
    Frame frame(program, static_cast<uint32_t>(slots[0]));
    try {
      body(program, frame);
    } catch (const GuestFault&) {
      hc.trap(engine::TrapKind::MemoryOutOfBounds, "");
      return;
    } catch (const JsThrow& t) {
      // A JS exception escaping an import crashes the program under node, too.
      hc.trap(engine::TrapKind::Host,
              name + ": uncaught JavaScript exception: " + t.value.to_string());
      return;
    }
    if (program.trap())
      hc.trap(program.trap()->kind, program.trap()->message);
    else if (program.exit_code())
      hc.exit(*program.exit_code());
  };
}

double now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Reflect.apply / Reflect.construct results for valueCall, valueInvoke and valueNew: the
// result (or the thrown value) and whether it returned normally.
struct Outcome {
  JsValue value;
  bool ok;
};

template <class F>
Outcome attempt(F&& f) {
  try {
    return {f(), true};
  } catch (const JsThrow& t) {
    return {t.value, false};
  }
}

JsValue property_of(const JsValue& v, const std::string& name) {
  if (!v.is_object())
    throw type_error("Cannot read properties of " + v.to_string() + " (reading '" + name + "')");
  return v.as_object()->get(name);
}

// UTF-16 length of a UTF-8 string (JS's String.prototype.length).
int64_t utf16_length(const std::string& s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += c >= 0xF0 ? 2 : 1;            // 4-byte sequences are surrogate pairs
  }
  return n;
}

void define_all(engine::Linker& linker, engine::Store& store, GoProgram& program,
                const std::string& mod) {
  auto def = [&](const std::string& name, Body body) {
    engine::FuncType t;
    t.params = {engine::ValType::I32};
    engine::FuncInstance* f =
        store.create_host_func(t, sp_import(program, name, std::move(body)), mod + "." + name);
    linker.define(mod, name, engine::ExternVal::of(f));
  };

  // ---- runtime
  def("runtime.wasmExit", [](GoProgram& p, Frame& f) { p.exit(f.i32(8)); });
  def("runtime.wasmWrite", [](GoProgram& p, Frame& f) {
    int64_t fd = f.i64(8);
    uint64_t ptr = static_cast<uint64_t>(f.i64(16));
    uint32_t n = static_cast<uint32_t>(f.i32(24));
    p.fs().write_sync(static_cast<int>(fd), f.at(ptr, n), n);
  });
  def("runtime.resetMemoryDataView", [](GoProgram&, Frame&) {});
  def("runtime.nanotime1", [](GoProgram&, Frame& f) {
    f.store<int64_t>(8, static_cast<int64_t>(now_ns(CLOCK_MONOTONIC)));
  });
  def("runtime.walltime", [](GoProgram&, Frame& f) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    f.store<int64_t>(8, ts.tv_sec);
    f.store<int32_t>(16, static_cast<int32_t>(ts.tv_nsec));
  });
  def("runtime.scheduleTimeoutEvent", [](GoProgram& p, Frame& f) {
    f.store<int32_t>(16, p.schedule_timeout(static_cast<double>(f.i64(8))));
  });
  def("runtime.clearTimeoutEvent", [](GoProgram& p, Frame& f) { p.clear_timeout(f.i32(8)); });
  def("runtime.getRandomData", [](GoProgram&, Frame& f) {
    auto b = f.bytes(8);
    size_t done = 0;
    while (done < b.size()) {
      ssize_t n = getrandom(b.data() + done, b.size() - done, 0);
      if (n > 0) done += static_cast<size_t>(n);
    }
  });

  // ---- syscall/js
  def("syscall/js.finalizeRef",
      [](GoProgram& p, Frame& f) { p.refs().release(f.load<uint32_t>(8)); });
  def("syscall/js.stringVal", [](GoProgram&, Frame& f) { f.set_value(24, JsValue(f.string(8))); });
  def("syscall/js.valueGet", [](GoProgram&, Frame& f) {
    JsValue result = property_of(f.value(8), f.string(16));
    f.refresh_sp();
    f.set_value(32, result);
  });
  def("syscall/js.valueSet", [](GoProgram&, Frame& f) {
    JsValue target = f.value(8);
    if (!target.is_object()) throw type_error("Cannot set properties of " + target.to_string());
    target.as_object()->set(f.string(16), f.value(32));
  });
  def("syscall/js.valueDelete", [](GoProgram&, Frame& f) {
    JsValue target = f.value(8);
    if (target.is_object()) target.as_object()->remove(f.string(16));
  });
  def("syscall/js.valueIndex", [](GoProgram&, Frame& f) {
    JsValue target = f.value(8);
    if (!target.is_object()) throw type_error("Cannot read properties of " + target.to_string());
    f.set_value(24, target.as_object()->get_index(f.i64(16)));
  });
  def("syscall/js.valueSetIndex", [](GoProgram&, Frame& f) {
    JsValue target = f.value(8);
    if (!target.is_object()) throw type_error("Cannot set properties of " + target.to_string());
    target.as_object()->set_index(f.i64(16), f.value(24));
  });
  def("syscall/js.valueCall", [](GoProgram&, Frame& f) {
    JsValue self = f.value(8);
    std::string method = f.string(16);
    std::vector<JsValue> args = f.values(32);
    Outcome o = attempt([&] {
      JsValue m = property_of(self, method);
      if (!m.is_callable()) throw type_error(method + " is not a function");
      return m.as_object()->call(self, args);
    });
    f.refresh_sp();
    f.set_value(56, o.value);
    f.store<uint8_t>(64, o.ok);
  });
  def("syscall/js.valueInvoke", [](GoProgram&, Frame& f) {
    JsValue fn = f.value(8);
    std::vector<JsValue> args = f.values(16);
    Outcome o = attempt([&] {
      if (!fn.is_callable()) throw type_error(fn.to_string() + " is not a function");
      return fn.as_object()->call(JsValue(), args);
    });
    f.refresh_sp();
    f.set_value(40, o.value);
    f.store<uint8_t>(48, o.ok);
  });
  def("syscall/js.valueNew", [](GoProgram&, Frame& f) {
    JsValue ctor = f.value(8);
    std::vector<JsValue> args = f.values(16);
    Outcome o = attempt([&] {
      if (!ctor.is_object()) throw type_error(ctor.to_string() + " is not a constructor");
      return ctor.as_object()->construct(args);
    });
    f.refresh_sp();
    f.set_value(40, o.value);
    f.store<uint8_t>(48, o.ok);
  });
  def("syscall/js.valueLength", [](GoProgram&, Frame& f) {
    JsValue v = f.value(8);
    int64_t n = 0;
    if (v.is_string()) {
      n = utf16_length(v.as_string());
    } else if (v.is_object()) {
      double d = v.as_object()->get("length").to_number();
      if (std::isfinite(d)) n = static_cast<int64_t>(d);
    }
    f.store<int64_t>(16, n);
  });
  def("syscall/js.valuePrepareString", [](GoProgram&, Frame& f) {
    std::string s = f.value(8).to_string();
    auto bytes = std::make_shared<JsUint8Array>(s.size());
    std::memcpy(bytes->data(), s.data(), s.size());
    f.set_value(16, JsValue(JsObjectPtr(bytes)));
    f.store<int64_t>(24, static_cast<int64_t>(s.size()));
  });
  def("syscall/js.valueLoadString", [](GoProgram&, Frame& f) {
    JsValue v = f.value(8);
    auto dst = f.bytes(16);
    auto* src = v.object_as<JsUint8Array>();
    if (!src) throw type_error("valueLoadString: not a prepared string");
    std::memcpy(dst.data(), src->data(), std::min(dst.size(), src->size()));
  });
  def("syscall/js.valueInstanceOf", [](GoProgram&, Frame& f) {
    JsValue v = f.value(8), t = f.value(16);
    bool r = v.is_object() && t.is_object() && v.as_object()->instance_of(t.as_object().get());
    f.store<uint8_t>(24, r);
  });
  def("syscall/js.copyBytesToGo", [](GoProgram&, Frame& f) {
    auto dst = f.bytes(8);
    JsValue src = f.value(32);
    auto* a = src.object_as<JsUint8Array>();
    if (!a) {
      f.store<uint8_t>(48, 0);
      return;
    }
    size_t n = std::min(dst.size(), a->size());
    std::memcpy(dst.data(), a->data(), n);
    f.store<int64_t>(40, static_cast<int64_t>(n));
    f.store<uint8_t>(48, 1);
  });
  def("syscall/js.copyBytesToJS", [](GoProgram&, Frame& f) {
    JsValue dst = f.value(8);
    auto src = f.bytes(16);
    auto* a = dst.object_as<JsUint8Array>();
    if (!a) {
      f.store<uint8_t>(48, 0);
      return;
    }
    size_t n = std::min(src.size(), a->size());
    std::memcpy(a->data(), src.data(), n);
    f.store<int64_t>(40, static_cast<int64_t>(n));
    f.store<uint8_t>(48, 1);
  });

  // `debug` takes its value directly (not through the stack pointer): console.log(value).
  engine::FuncType t;
  t.params = {engine::ValType::I32};
  engine::FuncInstance* debug = store.create_host_func(
      t,
      [&program](HostCall&, uint64_t* slots) {
        std::string line = std::to_string(static_cast<int32_t>(slots[0])) + "\n";
        program.fs().write_sync(1, reinterpret_cast<const uint8_t*>(line.data()), line.size());
      },
      mod + ".debug");
  linker.define(mod, "debug", engine::ExternVal::of(debug));
}

}  // namespace

void define_go_imports(engine::Linker& linker, engine::Store& store, GoProgram& program,
                       const char* module_name) {
  define_all(linker, store, program, module_name);
}

}  // namespace wc::host::gojs
