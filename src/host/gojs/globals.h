// globalThis for a Go js/wasm program: exactly the JavaScript world Go's runtime and standard
// library reach (Object, Array, Uint8Array, Error, Date, crypto, performance, console, process,
// path, fs) plus `webcontainer.net` for sdk/go. `fetch` is deliberately absent, so net/http
// uses its own transport over sockets.
#pragma once

#include <string>
#include <vector>

#include "host/gojs/js_value.h"
#include "host/gojs/node_fs.h"
#include "host/gojs/realm.h"

namespace wc::host::gojs {

struct GlobalsConfig {
  std::vector<std::string> argv;     // process.argv (argv[0] is the program name)
  std::vector<std::string> env;      // process.env, "KEY=VALUE"
  int stdout_fd = 1, stderr_fd = 2;  // console.log / console.error
};

struct Globals {
  JsObjectPtr global;           // globalThis (Go's predefined id 5)
  JsObjectPtr error_ctor;       // Error (Realm::error_ctor points at it)
  JsObjectPtr uint8array_ctor;  // Uint8Array
};

// Builds globalThis. `realm.error_ctor` is set to the Error constructor created here.
Globals make_globals(Realm& realm, NodeFs& fs, const GlobalsConfig& config);

}  // namespace wc::host::gojs
