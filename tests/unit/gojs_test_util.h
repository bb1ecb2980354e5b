// Helpers shared by the Go js/wasm host tests (gojs_*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "host/gojs/js_value.h"

namespace wc::host::gojs::testing {

// The JS value a callable throws (JsThrow), or undefined after a test failure.
inline JsValue thrown_by(const std::function<void()>& f) {
  try {
    f();
  } catch (const JsThrow& t) {
    return t.value;
  }
  ADD_FAILURE() << "nothing was thrown";
  return JsValue();
}

}  // namespace wc::host::gojs::testing
