#include "host/gojs/ref_table.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace wc::host::gojs {

namespace {
enum TypeFlag : uint32_t { kFlagNone = 0, kFlagObject = 1, kFlagString = 2, kFlagFunction = 4 };

uint64_t boxed(uint32_t flag, uint32_t id) {
  return (uint64_t{RefTable::kNanHead | flag} << 32) | id;
}
}  // namespace

RefTable::RefTable(JsObjectPtr global, JsObjectPtr go) {
  values_ = {JsValue(std::nan("")), JsValue(0.0),    JsValue::null(), JsValue(true),
             JsValue(false),        JsValue(global), JsValue(go)};
  counts_.assign(values_.size(), kPinned);
  object_ids_[global.get()] = kGlobal;
  object_ids_[go.get()] = kGo;
}

uint32_t RefTable::id_for(const JsValue& v) {
  if (v.is_null()) return kNull;
  if (v.is_bool()) return v.as_bool() ? kTrue : kFalse;
  if (v.is_number()) return kZero;  // only 0 and -0 reach here (NaN and others are inline)
  uint32_t* known = nullptr;
  if (v.is_string()) {
    auto it = string_ids_.find(v.as_string());
    if (it != string_ids_.end()) known = &it->second;
  } else {
    auto it = object_ids_.find(v.as_object().get());
    if (it != object_ids_.end()) known = &it->second;
  }
  if (known) return *known;
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
    values_[id] = v;
    counts_[id] = 0;
  } else {
    id = static_cast<uint32_t>(values_.size());
    values_.push_back(v);
    counts_.push_back(0);
  }
  if (v.is_string())
    string_ids_[v.as_string()] = id;
  else
    object_ids_[v.as_object().get()] = id;
  return id;
}

uint64_t RefTable::store(const JsValue& v) {
  if (v.is_undefined()) return 0;
  if (v.is_number()) {
    double d = v.as_number();
    if (std::isnan(d)) return boxed(kFlagNone, kNaN);
    if (d != 0) return std::bit_cast<uint64_t>(d);
  }
  uint32_t id = id_for(v);
  if (counts_[id] != kPinned) ++counts_[id];
  uint32_t flag = kFlagNone;
  if (v.is_string())
    flag = kFlagString;
  else if (v.is_object())
    flag = v.is_callable() ? kFlagFunction : kFlagObject;
  return boxed(flag, id);
}

JsValue RefTable::load(uint64_t bits) const {
  double d = std::bit_cast<double>(bits);
  if (d == 0) return JsValue();  // +0 and -0 bits both mean undefined, as in wasm_exec.js
  if (!std::isnan(d)) return JsValue(d);
  uint32_t id = static_cast<uint32_t>(bits);
  if (id >= values_.size() || counts_[id] == 0) return JsValue();
  return values_[id];
}

void RefTable::release(uint32_t id) {
  if (id >= values_.size() || counts_[id] == kPinned || counts_[id] == 0) return;
  if (--counts_[id] != 0) return;
  const JsValue& v = values_[id];
  if (v.is_string())
    string_ids_.erase(v.as_string());
  else if (v.is_object())
    object_ids_.erase(v.as_object().get());
  values_[id] = JsValue();
  free_ids_.push_back(id);
}

size_t RefTable::live_count() const {
  size_t n = 0;
  for (size_t i = kGo + 1; i < counts_.size(); ++i) n += counts_[i] != 0;
  return n;
}

}  // namespace wc::host::gojs
