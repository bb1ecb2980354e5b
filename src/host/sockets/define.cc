// Registration: which dialect a module speaks, decided from its imports at link time.
#include <memory>
#include <set>

#include "host/sockets/imports.h"
#include "host/sockets/sockets.h"

namespace wc::host::sockets {

using engine::FuncType;
using engine::ValType;

FuncType ImportImpl::type() const {
  FuncType t;
  for (char c : params) t.params.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  t.results.push_back(ValType::I32);
  return t;
}

namespace {

constexpr const char* kWasi = "wasi_snapshot_preview1";
constexpr const char* kWasix = "wasix_32v1";

wasi::GuestMemory caller_memory(engine::HostCall& call) {
  engine::Instance* inst = call.caller();
  engine::MemoryInstance* mem = inst ? inst->memory0() : nullptr;
  if (!mem) return {};
  return {mem->memory.base(), mem->memory.size_bytes()};
}

const ImportImpl* match(const std::vector<ImportImpl>& impls, const std::string& name,
                        const FuncType& type, bool* name_known) {
  *name_known = false;
  for (const ImportImpl& i : impls) {
    if (i.name != name) continue;
    *name_known = true;
    if (i.type() == type) return &i;
  }
  return nullptr;
}

// WASI preview 1's own socket functions: the same name with this type is WASI's, not a dialect's.
bool is_wasi_preview1(const std::string& name, const FuncType& type) {
  static const std::vector<ImportImpl> kWasiSock = {{"sock_accept", "iii", {}},
                                                    {"sock_recv", "iiiiii", {}},
                                                    {"sock_send", "iiiii", {}},
                                                    {"sock_shutdown", "ii", {}}};
  bool known;
  return match(kWasiSock, name, type, &known) != nullptr;
}

std::string describe(const engine::Import& imp, const FuncType& t) {
  return imp.module + "." + imp.name + " " + engine::functype_to_string(t);
}

}  // namespace

bool define_sockets(engine::Linker& linker, engine::Store& store, wasi::WasiContext& wasi,
                    const engine::Module& module, std::string* error) {
  wasi.set_interrupt_flag(&store.interrupt_flag());
  auto core = std::make_shared<SocketCore>(wasi);
  const std::vector<ImportImpl> wasmedge = wasmedge_imports(*core);
  const std::vector<ImportImpl> wasix = wasix_imports(*core);

  struct Chosen {
    const engine::Import* imp;
    const ImportImpl* impl;
  };
  std::vector<Chosen> edge_uses, wasix_uses;    // imports to define, per dialect
  const engine::Import* edge_marker = nullptr;  // an import only WasmEdge has
  const engine::Import* wasix_marker = nullptr;
  for (const engine::Import& imp : module.imports) {
    if (imp.kind != engine::ExternKind::Func || imp.func_type >= module.types.size()) continue;
    const FuncType& type = module.types[imp.func_type];
    bool known = false;
    if (imp.module == kWasi) {
      const ImportImpl* impl = match(wasmedge, imp.name, type, &known);
      if (!known) continue;
      if (impl) {
        edge_uses.push_back({&imp, impl});
        if (!is_wasi_preview1(imp.name, type) && !edge_marker) edge_marker = &imp;
      } else if (!is_wasi_preview1(imp.name, type)) {
        *error = "import " + describe(imp, type) +
                 " has a type neither WASI preview 1 nor WasmEdge's socket extension has";
        return false;
      }
    } else if (imp.module == kWasix) {
      const ImportImpl* impl = match(wasix, imp.name, type, &known);
      if (!known) continue;
      if (!impl) {
        *error = "import " + describe(imp, type) + " does not have WASIX's type for it";
        return false;
      }
      wasix_uses.push_back({&imp, impl});
      if (!wasix_marker) wasix_marker = &imp;
    }
  }
  if (edge_marker && wasix_marker) {
    *error = "the module mixes two socket dialects: it imports " +
             describe(*edge_marker, module.types[edge_marker->func_type]) +
             " (WasmEdge sockets) and " +
             describe(*wasix_marker, module.types[wasix_marker->func_type]) +
             " (WASIX sockets); a module must use one";
    return false;
  }
  // WasmEdge's sock_recv/send/shutdown have WASI's types: ours replace WASI's only in a
  // module that really speaks WasmEdge (they wait interruptibly; same semantics).
  if (!edge_marker) edge_uses.clear();
  for (const std::vector<Chosen>* uses : {&edge_uses, &wasix_uses}) {
    for (const Chosen& c : *uses) {
      auto fn = c.impl->fn;
      engine::HostFn host = [fn, core](engine::HostCall& call, uint64_t* s) {
        wasi::GuestMemory m = caller_memory(call);
        s[0] = fn(m, s);
      };
      linker.define(c.imp->module, c.imp->name,
                    engine::ExternVal::of(
                        store.create_host_func(c.impl->type(), std::move(host), c.imp->name)));
    }
  }
  return true;
}

}  // namespace wc::host::sockets
