#include "spectest_host.h"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "spec_values.h"

namespace wc::spec {

using namespace wc::engine;

void define_spectest(Store& store, Linker& linker, bool verbose) {
  struct Print {
    const char* name;
    std::vector<ValType> params;
  };
  const Print prints[] = {
      {"print", {}},
      {"print_i32", {ValType::I32}},
      {"print_i64", {ValType::I64}},
      {"print_f32", {ValType::F32}},
      {"print_f64", {ValType::F64}},
      {"print_i32_f32", {ValType::I32, ValType::F32}},
      {"print_f64_f64", {ValType::F64, ValType::F64}},
  };
  for (const Print& p : prints) {
    HostFn fn = [verbose, name = std::string(p.name), params = p.params](HostCall&,
                                                                         uint64_t* slots) {
      if (!verbose) return;
      std::string line = "spectest." + name + "(";
      for (size_t i = 0; i < params.size(); ++i)
        line += (i ? ", " : "") + format_value(Value{params[i], slots[i]});
      std::printf("%s)\n", line.c_str());
      std::fflush(stdout);
    };
    FuncInstance* f = store.create_host_func(FuncType{p.params, {}}, std::move(fn),
                                             std::string("spectest.") + p.name);
    linker.define("spectest", p.name, ExternVal::of(f));
  }

  auto global = [&](const char* name, Value v) {
    linker.define("spectest", name,
                  ExternVal::of(store.create_global(GlobalType{v.type, false}, v)));
  };
  global("global_i32", Value::i32(666));
  global("global_i64", Value::i64(666));
  global("global_f32", Value::f32(666.6f));
  global("global_f64", Value::f64(666.6));

  linker.define("spectest", "table",
                ExternVal::of(store.create_table(TableType{ValType::FuncRef, Limits{10, 20}})));
  auto memory = store.create_memory(MemoryType{Limits{1, 2}});
  if (!memory) throw std::runtime_error("spectest memory: " + memory.error().message);
  linker.define("spectest", "memory", ExternVal::of(*memory));
}

}  // namespace wc::spec
