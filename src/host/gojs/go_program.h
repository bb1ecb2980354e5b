// One running Go js/wasm program: the instance and its exports, the reference table, the
// realm's objects and the event loop. Internal to host/gojs (go_runtime.cc drives it,
// go_imports.cc implements the imports against it).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/runtime/store.h"
#include "host/gojs/event_loop.h"
#include "host/gojs/globals.h"
#include "host/gojs/go_runtime.h"
#include "host/gojs/js_value.h"
#include "host/gojs/node_fs.h"
#include "host/gojs/realm.h"
#include "host/gojs/ref_table.h"

namespace wc::host::gojs {

class GoProgram {
 public:
  GoProgram(engine::Store& store, const GoRunConfig& config);
  GoProgram(const GoProgram&) = delete;
  GoProgram& operator=(const GoProgram&) = delete;

  engine::Store& store() { return store_; }
  EventLoop& loop() { return loop_; }
  Realm& realm() { return realm_; }
  RefTable& refs() { return *refs_; }
  NodeFs& fs() { return *fs_; }
  const JsObjectPtr& go_object() const { return go_object_; }

  // After instantiation: the exports run / resume / getsp / mem. False with *error when one
  // is missing or has the wrong type.
  bool attach(engine::Instance* instance, std::string* error);
  engine::Instance* instance() const { return instance_; }
  // Linear memory "mem" (size re-read on every access: Go grows it).
  uint8_t* mem_base() const;
  uint64_t mem_size() const;
  // The exported getsp(): Go's stack pointer moves when Go code runs during a host call.
  uint32_t current_sp();

  // exports.run(argc, argv) after placing argv and env as wasm_exec.js does.
  void start(const std::vector<std::string>& args, const std::vector<std::string>& env);
  // exports.resume(): lets Go handle go._pendingEvent / a fired timer. A no-op once the
  // program has ended. May be called from inside a host import (Go supports re-entry).
  void resume();
  // How many times Go code has been entered through resume() (imports compare it to know
  // whether Go ran during them).
  uint64_t resume_count() const { return resumes_; }
  // Calls Go function `id` (made by js.FuncOf) the way _makeFuncWrapper's wrapper does.
  JsValue call_go_function(uint32_t id, const JsValue& self, JsArgs args);
  // A JS function that calls Go function `id` (go._makeFuncWrapper(id)).
  JsObjectPtr make_func_wrapper(uint32_t id);

  // runtime.wasmExit(code).
  void exit(int code);
  // A trap (other than exit) in a nested call: the program is over.
  void fail(engine::Trap trap);
  bool ended() const { return exit_code_.has_value() || trap_.has_value(); }
  std::optional<int> exit_code() const { return exit_code_; }
  const std::optional<engine::Trap>& trap() const { return trap_; }

  // scheduleTimeoutEvent / clearTimeoutEvent: Go's timeout ids.
  int32_t schedule_timeout(double delay_ms);
  void clear_timeout(int32_t id);

  // Runs the event loop until the program ends; delivers Go's deadlock event when nothing is
  // left to wait for, as wasm_exec_node.js does on process exit.
  void run_loop();

 private:
  engine::Store& store_;
  GoRunConfig config_;
  EventLoop loop_;
  Realm realm_;
  std::unique_ptr<NodeFs> fs_;
  Globals globals_;
  JsObjectPtr go_object_;
  std::unique_ptr<RefTable> refs_;

  engine::Instance* instance_ = nullptr;
  engine::FuncInstance* run_ = nullptr;
  engine::FuncInstance* resume_ = nullptr;
  engine::FuncInstance* getsp_ = nullptr;
  engine::MemoryInstance* mem_ = nullptr;

  uint64_t resumes_ = 0;
  std::optional<int> exit_code_;
  std::optional<engine::Trap> trap_;
  std::map<int32_t, uint32_t> timeouts_;  // Go's timeout id -> event loop timer
  int32_t next_timeout_id_ = 1;
};

// Defines every import of `module_name` ("go" or "gojs") against `program`.
void define_go_imports(engine::Linker& linker, engine::Store& store, GoProgram& program,
                       const char* module_name);

}  // namespace wc::host::gojs
