// The socket extensions binaries built for other runtimes import, so they run unchanged:
//   - WasmEdge's socket extension (module wasi_snapshot_preview1: sock_open, sock_bind, ...,
//     sock_accept with 2 parameters, sock_getaddrinfo);
//   - WASIX (module wasix_32v1: sock_open, sock_bind, sock_accept_v2, resolve, ...).
// Sockets are fds of the WasiContext: WASI's fd_read/fd_write/fd_close/poll_oneoff work on them.
//
// Call after define_wasi (definitions here replace WASI's where a module imports a dialect's
// form of sock_recv/sock_send/sock_shutdown, whose blocking waits see the interrupt flag):
//
//   define_wasi(linker, store, wasi);
//   if (!define_sockets(linker, store, wasi, *module, &error)) refuse(error);
#pragma once

#include <string>

#include "engine/module.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "host/wasi/wasi.h"

namespace wc::host::sockets {

// Defines exactly the socket imports `module` uses, each chosen by (module, name, function
// type); imports of other names are left alone. Returns false with `error` set when the
// module mixes both dialects (naming one import of each) or imports a socket function of a
// known name with a type no dialect has. Also points `wasi`'s blocking waits at the store's
// interrupt flag. The socket state lives as long as the store's host functions.
bool define_sockets(engine::Linker& linker, engine::Store& store, wasi::WasiContext& wasi,
                    const engine::Module& module, std::string* error);

}  // namespace wc::host::sockets
