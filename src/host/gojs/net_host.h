// globalThis.webcontainer.net: the host object sdk/go's js/wasm build uses for real networking
// through the broker (listen, dial, accept, read, write, close, addresses). Every address is
// checked by the broker against --allow-listen / --allow-connect; sockets are non-blocking
// and their readiness is waited for on the event loop, so one blocked goroutine never blocks
// the others. Results are delivered through Node-style `(err, result)` callbacks.
// The object's methods are documented in net_host.cc next to their implementation and in
// sdk/go/host_js.go, which is their only caller.
#pragma once

#include "host/gojs/js_value.h"
#include "host/gojs/realm.h"

namespace wc::host::gojs {

JsObjectPtr make_net_object(Realm& realm);

}  // namespace wc::host::gojs
