// Go's references to JS values (wasm_exec.js's _values / _goRefCounts / _ids / _idPool): the
// 8-byte encoding syscall/js keeps in linear memory for a js.Value.
//
//   - a number other than 0 and NaN is its own float64 bits;
//   - everything else is NaN-boxed: high word 0x7FF80000 | type flag (1 object, 2 string,
//     3 symbol, 4 function), low word an id into the table;
//   - all-zero bits are undefined.
// Ids 0..6 are fixed (NaN, 0, null, true, false, globalThis, the Go object) and never freed.
// Every store of a value counts one reference; Go's finalizer (finalizeRef) gives one back,
// and an id whose count reaches zero is reused. The same object (or equal string) always gets
// the same id, so Go's Value.Equal (comparing refs) works as `===` does.
//
// Ids come back from guest memory, so they are untrusted: an unknown or freed id loads as
// undefined and finalizing it does nothing.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "host/gojs/js_value.h"

namespace wc::host::gojs {

class RefTable {
 public:
  static constexpr uint32_t kNaN = 0, kZero = 1, kNull = 2, kTrue = 3, kFalse = 4, kGlobal = 5,
                            kGo = 6;
  static constexpr uint32_t kNanHead = 0x7FF80000;

  RefTable(JsObjectPtr global, JsObjectPtr go);

  // The encoding of `v`, counting one reference to its id.
  uint64_t store(const JsValue& v);
  JsValue load(uint64_t bits) const;
  // finalizeRef(id).
  void release(uint32_t id);

  // Ids in use beyond the fixed ones (for tests and leak checks).
  size_t live_count() const;

 private:
  uint32_t id_for(const JsValue& v);

  std::vector<JsValue> values_;
  std::vector<uint64_t> counts_;  // kPinned for the fixed ids
  std::unordered_map<const JsObject*, uint32_t> object_ids_;
  std::unordered_map<std::string, uint32_t> string_ids_;
  std::vector<uint32_t> free_ids_;
  static constexpr uint64_t kPinned = ~uint64_t{0};
};

}  // namespace wc::host::gojs
