// What the host objects of a Go js/wasm program (globals, fs, the network object) share: the
// event loop that delivers their callbacks, the broker behind every name, and the realm's
// Error constructor. Owned by GoRuntime; host objects keep a reference.
#pragma once

#include <atomic>
#include <vector>

#include "host/broker_client.h"
#include "host/gojs/event_loop.h"
#include "host/gojs/js_value.h"

namespace wc::host::gojs {

struct Realm {
  EventLoop& loop;
  BrokerClient* broker = nullptr;                // null: no filesystem and no network at all
  const JsObject* error_ctor = nullptr;          // globalThis.Error, for make_error()
  const std::atomic<bool>* interrupt = nullptr;  // the store's interrupt flag

  // Node's callback convention: `callback(args...)` runs on a later turn of the loop, never
  // inside the call that asked for it. A callback that is not a function is ignored.
  void callback_later(JsValue callback, std::vector<JsValue> args) {
    if (!callback.is_callable()) return;
    loop.post([callback = std::move(callback), args = std::move(args)]() {
      callback.as_object()->call(JsValue(), args);
    });
  }
};

}  // namespace wc::host::gojs
