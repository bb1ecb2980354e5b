// The driver of a Go js/wasm program: what wasm_exec.js's Go class (run, _resume,
// _makeFuncWrapper, the timeout map) and wasm_exec_node.js (argv/env, exit, the deadlock
// event on an empty loop) do under node.
#include <cstring>
#include <map>

#include "engine/runtime/linker.h"
#include "host/gojs/go_program.h"

namespace wc::host::gojs {

namespace {

// Go's linker keeps [4096, 4096 + 8192) free for argv and env (wasmMinDataAddr).
constexpr uint32_t kArgsStart = 4096;
constexpr uint32_t kArgsEnd = 4096 + 8192;

// A JS function made by go._makeFuncWrapper: calling it runs the Go function with that id.
class GoFunction : public JsObject {
 public:
  GoFunction(GoProgram& program, uint32_t id) : program_(program), id_(id) {}
  bool is_callable() const override { return true; }
  JsValue call(const JsValue& self, JsArgs args) override {
    return program_.call_go_function(id_, self, args);
  }
  std::string to_display_string() const override { return "function () { [go code] }"; }

 private:
  GoProgram& program_;
  uint32_t id_;
};
}  // namespace

std::optional<GoAbi> detect_go_abi(const engine::Module& module) {
  for (const auto& imp : module.imports) {
    if (imp.module == "gojs") return GoAbi::GoJs;
    if (imp.module == "go") return GoAbi::Go;
  }
  return std::nullopt;
}

const char* go_abi_module_name(GoAbi abi) { return abi == GoAbi::Go ? "go" : "gojs"; }

GoProgram::GoProgram(engine::Store& store, const GoRunConfig& config)
    : store_(store), config_(config), realm_{loop_, config.broker, nullptr, nullptr} {
  realm_.interrupt = &store.interrupt_flag();
  NodeFsConfig fs_cfg;
  fs_cfg.stdin_fd = config.stdin_fd;
  fs_cfg.stdout_fd = config.stdout_fd;
  fs_cfg.stderr_fd = config.stderr_fd;
  fs_cfg.max_fds = config.max_fds;
  fs_ = std::make_unique<NodeFs>(realm_, fs_cfg);
  GlobalsConfig g;
  g.argv = config.args;
  g.env = config.env;
  g.stdout_fd = config.stdout_fd;
  g.stderr_fd = config.stderr_fd;
  globals_ = make_globals(realm_, *fs_, g);

  // The Go object (wasm_exec.js's `this`, id 6): Go reads and clears _pendingEvent and makes
  // function wrappers through it.
  go_object_ = make_object({{"_pendingEvent", JsValue::null()}});
  go_object_->set("_makeFuncWrapper",
                  make_function("_makeFuncWrapper", [this](const JsValue&, JsArgs args) {
                    double id = args.empty() ? 0 : args[0].to_number();
                    if (!(id >= 0 && id <= 0xFFFFFFFF))
                      throw type_error("_makeFuncWrapper: bad id");
                    return JsValue(make_func_wrapper(static_cast<uint32_t>(id)));
                  }));
  refs_ = std::make_unique<RefTable>(globals_.global, go_object_);
}

bool GoProgram::attach(engine::Instance* instance, std::string* error) {
  instance_ = instance;
  auto func = [&](const char* name, size_t params, size_t results) -> engine::FuncInstance* {
    engine::FuncInstance* f = instance->get_func(name);
    if (!f || f->type->params.size() != params || f->type->results.size() != results) {
      *error = std::string("not a Go js/wasm program: export `") + name +
               "` missing or of the wrong type";
      return nullptr;
    }
    return f;
  };
  if (!(run_ = func("run", 2, 0)) || !(resume_ = func("resume", 0, 0)) ||
      !(getsp_ = func("getsp", 0, 1)))
    return false;
  auto mem = instance->get_export("mem");
  if (!mem || mem->kind != engine::ExternKind::Memory) {
    *error = "not a Go js/wasm program: no exported memory `mem`";
    return false;
  }
  mem_ = mem->memory;
  return true;
}

uint8_t* GoProgram::mem_base() const { return mem_->memory.base(); }
uint64_t GoProgram::mem_size() const { return mem_->memory.size_bytes(); }

uint32_t GoProgram::current_sp() {
  engine::InvokeResult r = store_.invoke(getsp_, {});
  if (!r.ok() || r.results.empty()) return 0;
  return static_cast<uint32_t>(r.results[0].bits);
}

void GoProgram::exit(int code) {
  if (!ended()) exit_code_ = code;
}

void GoProgram::fail(engine::Trap trap) {
  if (!ended()) trap_ = std::move(trap);
}

void GoProgram::start(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  // As wasm_exec.js: NUL-terminated strings from 4096, each 8-byte aligned, then the argv
  // pointer array (8 bytes per entry: pointer, 0), a 0, the env pointers sorted by key, a 0.
  uint64_t offset = kArgsStart;
  bool overflow = false;
  auto put_string = [&](const std::string& s) -> uint32_t {
    uint64_t at = offset;
    uint64_t size = s.size() + 1;
    if (at + size > kArgsEnd || at + size > mem_size()) {
      overflow = true;
      return 0;
    }
    std::memcpy(mem_base() + at, s.data(), s.size());
    mem_base()[at + s.size()] = 0;
    offset = (at + size + 7) & ~uint64_t{7};
    return static_cast<uint32_t>(at);
  };
  std::vector<uint32_t> ptrs;
  for (const auto& a : args) ptrs.push_back(put_string(a));
  ptrs.push_back(0);
  // wasm_exec.js passes Object.keys(env).sort(): one entry per key (the last one given wins,
  // as in an object), in key order.
  std::map<std::string, std::string> sorted_env;
  for (const auto& kv : env) sorted_env[kv.substr(0, kv.find('='))] = kv;
  for (const auto& [key, kv] : sorted_env) ptrs.push_back(put_string(kv));
  ptrs.push_back(0);
  uint64_t argv = offset;
  if (argv + ptrs.size() * 8 >= kArgsEnd) overflow = true;
  if (overflow) {
    fail(engine::Trap{engine::TrapKind::Host,
                      "total length of command line and environment variables exceeds limit",
                      {},
                      0});
    return;
  }
  for (uint32_t p : ptrs) {
    std::memcpy(mem_base() + offset, &p, 4);
    std::memset(mem_base() + offset + 4, 0, 4);
    offset += 8;
  }
  engine::Value run_args[2] = {engine::Value::i32(static_cast<uint32_t>(args.size())),
                               engine::Value::i32(static_cast<uint32_t>(argv))};
  engine::InvokeResult r = store_.invoke(run_, run_args);
  if (r.trap) {
    if (r.trap->kind == engine::TrapKind::Exit)
      exit(r.trap->exit_code);
    else
      fail(std::move(*r.trap));
  }
}

void GoProgram::resume() {
  if (ended()) return;
  ++resumes_;
  engine::InvokeResult r = store_.invoke(resume_, {});
  if (r.trap) {
    if (r.trap->kind == engine::TrapKind::Exit)
      exit(r.trap->exit_code);
    else
      fail(std::move(*r.trap));
  }
}

JsValue GoProgram::call_go_function(uint32_t id, const JsValue& self, JsArgs args) {
  if (ended()) return JsValue();
  JsObjectPtr event = make_object({{"id", JsValue(id)},
                                   {"this", self},
                                   {"args", JsValue(make_array({args.begin(), args.end()}))}});
  go_object_->set("_pendingEvent", JsValue(event));
  resume();
  return event->get("result");
}

JsObjectPtr GoProgram::make_func_wrapper(uint32_t id) {
  return std::make_shared<GoFunction>(*this, id);
}

int32_t GoProgram::schedule_timeout(double delay_ms) {
  int32_t id = next_timeout_id_++;
  uint32_t timer = loop_.add_timer(delay_ms, [this, id] {
    resume();
    // Go clears the timeout while handling it; if it did not, it missed the event: tell it
    // again (wasm_exec.js's workaround for golang/go#28975), at most a few times.
    for (int tries = 0; tries < 8 && timeouts_.count(id) && !ended(); ++tries) {
      const char msg[] = "scheduleTimeoutEvent: missed timeout event\n";
      fs_->write_sync(2, reinterpret_cast<const uint8_t*>(msg), sizeof msg - 1);
      resume();
    }
  });
  timeouts_[id] = timer;
  return id;
}

void GoProgram::clear_timeout(int32_t id) {
  auto it = timeouts_.find(id);
  if (it == timeouts_.end()) return;
  loop_.cancel_timer(it->second);
  timeouts_.erase(it);
}

void GoProgram::run_loop() {
  while (!ended()) {
    if (store_.interrupt_flag().load(std::memory_order_relaxed)) {
      fail(engine::Trap{engine::TrapKind::Interrupted, "interrupted", {}, 0});
      return;
    }
    if (loop_.run_once(&store_.interrupt_flag())) continue;
    // Nothing can ever wake Go again: node exits with code 0 here, and wasm_exec_node.js's
    // exit handler makes Go report the deadlock ("all goroutines are asleep").
    go_object_->set("_pendingEvent", JsValue(make_object({{"id", JsValue(0)}})));
    resume();
    if (!ended()) exit(0);
  }
}

wasi::CommandResult run_go_program(engine::Store& store,
                                   std::shared_ptr<const engine::Module> module, GoAbi abi,
                                   const GoRunConfig& config) {
  wasi::CommandResult result;
  GoProgram program(store, config);
  engine::Linker linker;
  define_go_imports(linker, store, program, go_abi_module_name(abi));
  auto inst = linker.instantiate(store, std::move(module));
  if (auto* e = std::get_if<engine::InstantiateError>(&inst)) {
    result.exit_code = e->trap ? 134 : 1;
    result.trap = e->trap;
    result.error = e->message;
    return result;
  }
  if (!program.attach(std::get<engine::Instance*>(inst), &result.error)) {
    result.exit_code = 1;
    return result;
  }
  program.start(config.args, config.env);
  program.run_loop();
  if (program.trap()) {
    result.trap = program.trap();
    result.exit_code = 134;
    if (result.trap->kind == engine::TrapKind::Host) result.error = result.trap->message;
  } else {
    result.exit_code = program.exit_code().value_or(0);
  }
  return result;
}

}  // namespace wc::host::gojs
