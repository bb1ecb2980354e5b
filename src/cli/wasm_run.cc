// wasm-run: decode, validate, instantiate (no imports) and invoke one export of a module.
//   wasm-run MODULE.wasm [--invoke EXPORT] [ARG...]
// Exit codes: 0 success, 1 load/link/usage error, 2 trap. Diagnostics go to stderr, results
// (one per line) to stdout so scripts can compare them.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/interp/dump.h"
#include "engine/jit/engine_mode.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/runtime/trap.h"
#include "engine/runtime/value.h"
#include "engine/text/wat.h"
#include "engine/validate/validator.h"

using namespace wc::engine;

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "wasm-run: %s\n", message.c_str());
  return 1;
}

int report_trap(const Trap& trap) {
  std::fprintf(stderr, "trap: %s\n", trap.message.c_str());
  for (const std::string& frame : trap.backtrace) std::fprintf(stderr, "  at %s\n", frame.c_str());
  return 2;
}

template <typename T>
std::optional<T> parse_int(const std::string& s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Integers accept the signed and the unsigned range (both spellings of the same bits);
// floats accept whatever strtod does (decimal, hex, inf, nan).
std::optional<Value> parse_arg(ValType type, const std::string& s) {
  switch (type) {
    case ValType::I32:
      if (auto v = parse_int<int64_t>(s); v && *v >= INT32_MIN && *v <= int64_t{UINT32_MAX})
        return Value::i32(static_cast<uint32_t>(*v));
      return std::nullopt;
    case ValType::I64:
      if (auto v = parse_int<int64_t>(s)) return Value::i64(static_cast<uint64_t>(*v));
      if (auto v = parse_int<uint64_t>(s)) return Value::i64(*v);
      return std::nullopt;
    case ValType::F32:
    case ValType::F64: {
      if (s.empty()) return std::nullopt;
      char* end = nullptr;
      errno = 0;
      double d = std::strtod(s.c_str(), &end);
      if (*end != '\0') return std::nullopt;
      return type == ValType::F32 ? Value::f32(static_cast<float>(d)) : Value::f64(d);
    }
    default: return std::nullopt;  // v128 and references cannot be written on a command line
  }
}

void print_result(const Value& v) {
  switch (v.type) {
    case ValType::I32: std::printf("%" PRId32 "\n", v.as_i32()); break;
    case ValType::I64: std::printf("%" PRId64 "\n", v.as_i64()); break;
    // Enough digits to round-trip, so results compare exactly across engines.
    case ValType::F32: std::printf("%.9g\n", static_cast<double>(v.as_f32())); break;
    case ValType::F64: std::printf("%.17g\n", v.as_f64()); break;
    default: std::printf("%s\n", value_to_string(v).c_str()); break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run an export of a WebAssembly module (no imports are provided)."};
  std::string path, export_name;
  std::vector<std::string> args;
  app.add_option("module", path, "The module: binary (.wasm) or text (.wat)")->required();
  app.add_option("--invoke", export_name, "Export to call (default: _start)");
  app.add_option("args", args, "Arguments, parsed as the export's parameter types");
  bool dump_code = false;
  app.add_flag("--dump-code", dump_code, "Print each function's translated code to stderr");
  std::string engine = "auto";
  app.add_option("--engine", engine,
                 "Execution tier: auto compiles hot functions, jit compiles all before running")
      ->type_name(wc::jit::kEngineModeNames)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto mode = wc::jit::parse_engine_mode(engine);
  if (!mode) return fail("--engine " + engine + ": expected " + wc::jit::kEngineModeNames);
  wc::engine::StoreConfig::set_process_engine(*mode);

  // The file is mapped, not read: a text module is parsed straight from the page cache, so a
  // huge hostile file costs no copy (the parser stops at its first error).
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail(path + ": not a regular file");
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* map = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  close(fd);
  if (map == MAP_FAILED) return fail(path + ": mmap: " + std::strerror(errno));
  std::span<const uint8_t> file(static_cast<const uint8_t*>(map), size);
  std::vector<uint8_t> bytes;
  // A text module (see is_text_module) is encoded to binary first.
  if (wc::engine::text::is_text_module(path, file)) {
    auto encoded = wc::engine::text::wat_to_wasm(
        std::string_view(reinterpret_cast<const char*>(file.data()), file.size()));
    if (!encoded) {
      std::fprintf(stderr, "%s\n",
                   wc::engine::text::file_error(path, encoded.error().message).c_str());
      return 1;
    }
    bytes = std::move(*encoded);
  } else {
    bytes.assign(file.begin(), file.end());
  }
  if (map) munmap(map, size);
  auto decoded = decode_module(bytes);
  if (!decoded) return fail(path + ": " + decoded.error().message);
  std::shared_ptr<const Module> module = decoded.value();
  if (auto err = validate_module(*module)) return fail(path + ": invalid module: " + err->message);

  Store store;
  Linker linker;  // empty: any import fails with the linker's message naming it
  auto inst = linker.instantiate(store, module);
  if (auto* err = std::get_if<InstantiateError>(&inst)) {
    if (err->trap) return report_trap(*err->trap);
    return fail(err->message);
  }
  Instance* instance = std::get<Instance*>(inst);
  if (dump_code) {
    for (FuncInstance* f : instance->funcs_) {
      if (!f->code) continue;
      // Functions are translated on their first call; the dump wants them all now.
      if (!store.is_translated(f) && !store.translate(f)) return fail("out of memory");
      std::fprintf(stderr, "function %u %s\n", f->index, f->name.c_str());
      dump_compiled(*f->code, stderr);
    }
  }

  bool implicit = export_name.empty();
  if (implicit) export_name = "_start";
  FuncInstance* func = instance->get_func(export_name);
  if (!func) {
    return fail(implicit ? "no --invoke given and the module exports no _start function"
                         : "no exported function '" + export_name + "'");
  }

  const FuncType& type = *func->type;
  if (args.size() != type.params.size()) {
    return fail("'" + export_name + "' has type " + functype_to_string(type) + " but " +
                std::to_string(args.size()) + " argument(s) were given");
  }
  std::vector<Value> values;
  for (size_t i = 0; i < args.size(); ++i) {
    auto v = parse_arg(type.params[i], args[i]);
    if (!v) {
      return fail("argument " + std::to_string(i + 1) + " '" + args[i] + "' is not a valid " +
                  valtype_name(type.params[i]));
    }
    values.push_back(*v);
  }

  InvokeResult result = store.invoke(func, values);
  if (result.trap) {
    if (result.trap->kind == TrapKind::Exit) return result.trap->exit_code;
    return report_trap(*result.trap);
  }
  for (const Value& v : result.results) print_result(v);
  return 0;
}
