// One socket dialect's imports as data: name, wasm signature and implementation, so the
// registration (define.cc) can pick implementations by the type a module imports.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/types.h"
#include "host/sockets/socket_core.h"

namespace wc::host::sockets {

struct ImportImpl {
  std::string name;
  // Parameters: 'i' = i32, 'I' = i64; the result is always the errno (i32).
  std::string params;
  std::function<uint16_t(wasi::GuestMemory&, const uint64_t* args)> fn;

  engine::FuncType type() const;
};

// The WasmEdge socket extension (module wasi_snapshot_preview1).
std::vector<ImportImpl> wasmedge_imports(SocketCore& core);
// WASIX sockets (module wasix_32v1).
std::vector<ImportImpl> wasix_imports(SocketCore& core);

inline uint32_t u32(uint64_t slot) { return static_cast<uint32_t>(slot); }

}  // namespace wc::host::sockets
