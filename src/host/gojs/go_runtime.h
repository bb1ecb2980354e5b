// Runs a Go `GOOS=js GOARCH=wasm` program with no JavaScript engine: the imports of module
// `go` (Go <= 1.20) or `gojs` (Go >= 1.21), the JS value model behind syscall/js, the globals
// Go reaches, and an event loop that resumes Go for timers, callbacks and socket readiness, as
// wasm_exec.js + wasm_exec_node.js do under node.
//
//   if (auto abi = detect_go_abi(*module)) {
//     GoRunConfig cfg{.args = ..., .env = ..., .broker = &broker};
//     wasi::CommandResult r = run_go_program(store, module, *abi, cfg);
//   }
//
// Exit status as under node: the code passed to runtime.wasmExit (0 after main returns, 2 for
// a panic or a deadlock, os.Exit's code); a wasm trap is reported with exit code 134 like a
// WASI trap (node prints the RuntimeError and exits 1 there).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/module.h"
#include "engine/runtime/store.h"
#include "host/broker_client.h"
#include "host/wasi/wasi.h"

namespace wc::host::gojs {

enum class GoAbi {
  Go,    // import module "go": Go 1.12 .. 1.20
  GoJs,  // import module "gojs": Go 1.21 and later
};

// The js/wasm ABI a module was built for, from its imports; nullopt for anything else (a WASI
// program, including Go's GOOS=wasip1).
std::optional<GoAbi> detect_go_abi(const engine::Module& module);
const char* go_abi_module_name(GoAbi abi);

struct GoRunConfig {
  std::vector<std::string> args;   // argv, argv[0] included (Go's os.Args)
  std::vector<std::string> env;    // "KEY=VALUE", given to Go sorted by key as wasm_exec.js does
  BrokerClient* broker = nullptr;  // files and network; null: neither
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  uint32_t max_fds = 1024;
};

wasi::CommandResult run_go_program(engine::Store& store,
                                   std::shared_ptr<const engine::Module> module, GoAbi abi,
                                   const GoRunConfig& config);

}  // namespace wc::host::gojs
