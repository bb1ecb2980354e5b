// The slice of JavaScript's value model that Go's js/wasm runtime and standard library reach
// through syscall/js: undefined, null, booleans, numbers, strings and objects (plain objects,
// arrays, Uint8Array views, functions, errors). There is no JS engine: host objects are C++
// classes whose properties and methods are looked up by name, as Reflect.get/apply would.
//
// Ownership: objects are shared_ptr-owned. A JS value graph with cycles would leak; the
// objects Go builds are trees (events, option objects, arrays of arguments), and the worker
// runs one program and exits, so reference counting stands in for a garbage collector.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wc::host::gojs {

class JsObject;
using JsObjectPtr = std::shared_ptr<JsObject>;

struct JsUndefined {
  bool operator==(const JsUndefined&) const = default;
};
struct JsNull {
  bool operator==(const JsNull&) const = default;
};

class JsValue {
 public:
  JsValue() = default;  // undefined
  JsValue(JsNull) : v_(JsNull{}) {}
  JsValue(bool b) : v_(b) {}
  JsValue(double d) : v_(d) {}
  JsValue(int i) : v_(static_cast<double>(i)) {}
  JsValue(int64_t i) : v_(static_cast<double>(i)) {}
  JsValue(uint32_t i) : v_(static_cast<double>(i)) {}
  JsValue(std::string s) : v_(std::move(s)) {}
  JsValue(const char* s) : v_(std::string(s)) {}
  JsValue(JsObjectPtr o) : v_(std::move(o)) {}

  static JsValue null() { return JsValue(JsNull{}); }

  bool is_undefined() const { return std::holds_alternative<JsUndefined>(v_); }
  bool is_null() const { return std::holds_alternative<JsNull>(v_); }
  bool is_nullish() const { return is_undefined() || is_null(); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_object() const { return std::holds_alternative<JsObjectPtr>(v_); }
  bool is_callable() const;  // an object whose call() works

  bool as_bool() const { return std::get<bool>(v_); }
  double as_number() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const JsObjectPtr& as_object() const { return std::get<JsObjectPtr>(v_); }
  // The object as a T (dynamic_cast), or null when it is not an object of that class.
  template <class T>
  T* object_as() const {
    return is_object() ? dynamic_cast<T*>(as_object().get()) : nullptr;
  }

  // JS truthiness (ToBoolean).
  bool truthy() const;
  // Number(v) for the cases host code needs: numbers, booleans, numeric strings, null -> 0,
  // undefined -> NaN.
  double to_number() const;
  // String(v): JS's formatting of numbers (1, 0.5, 1e+21, NaN), "undefined", "null",
  // "[object Object]", arrays joined with ",", errors as "Error: message".
  std::string to_string() const;

  // Property access that tolerates non-objects (like Reflect on a primitive would throw, but
  // host code only uses these on values it checked): undefined for non-objects.
  JsValue get(std::string_view key) const;

  // SameValueZero for primitives, identity for objects.
  bool same(const JsValue& other) const;

 private:
  std::variant<JsUndefined, JsNull, bool, double, std::string, JsObjectPtr> v_;
};

// A JavaScript exception: what a native function throws, and what valueCall/valueInvoke/
// valueNew hand back to Go with ok=false.
struct JsThrow {
  JsValue value;
};

using JsArgs = std::span<const JsValue>;

class JsObject : public std::enable_shared_from_this<JsObject> {
 public:
  virtual ~JsObject() = default;

  // Reflect.get / Reflect.set / Reflect.deleteProperty on a string key. The default looks in
  // the object's own properties, then in its constructor's `prototype_methods`.
  virtual JsValue get(std::string_view key);
  virtual void set(std::string_view key, JsValue value);
  virtual void remove(std::string_view key);
  // Integer keys (valueIndex / valueSetIndex); the default uses the decimal string key.
  virtual JsValue get_index(int64_t index);
  virtual void set_index(int64_t index, JsValue value);

  virtual bool is_callable() const { return false; }
  // Reflect.apply(this_object, self, args). Throws JsThrow (a TypeError) when not callable.
  virtual JsValue call(const JsValue& self, JsArgs args);
  // Reflect.construct(this_object, args). Throws JsThrow (a TypeError) when not a constructor.
  virtual JsValue construct(JsArgs args);

  // String(object) (the default is "[object Object]").
  virtual std::string to_display_string() const;

  // `v instanceof C`: true when `constructor` is in this object's chain of constructors.
  bool instance_of(const JsObject* constructor) const;
  // Set by constructors (and by host code building objects of a class, e.g. errors).
  void set_constructor(const JsObject* constructor) { constructor_ = constructor; }
  const JsObject* constructor() const { return constructor_; }

  // Own properties in insertion order (Object.keys order for string keys).
  const std::vector<std::pair<std::string, JsValue>>& properties() const { return props_; }

 protected:
  std::vector<std::pair<std::string, JsValue>> props_;
  const JsObject* constructor_ = nullptr;
};

// A plain `{}`.
class JsPlainObject : public JsObject {};

// A JS Array: indices 0..length-1 plus `length`.
class JsArray : public JsObject {
 public:
  JsArray() = default;
  explicit JsArray(std::vector<JsValue> items) : items_(std::move(items)) {}
  JsValue get(std::string_view key) override;  // "length", numeric keys, then own props
  void set(std::string_view key, JsValue value) override;
  JsValue get_index(int64_t index) override;
  void set_index(int64_t index, JsValue value) override;  // grows the array like JS
  std::string to_display_string() const override;         // elements joined with ","
  std::vector<JsValue>& items() { return items_; }

 private:
  std::vector<JsValue> items_;
};

// A Uint8Array: a view of `length` bytes at `offset` of a shared buffer (an ArrayBuffer).
class JsUint8Array : public JsObject {
 public:
  explicit JsUint8Array(size_t length);
  JsUint8Array(std::shared_ptr<std::vector<uint8_t>> buffer, size_t offset, size_t length);
  JsValue get(std::string_view key) override;  // length, byteLength, byteOffset, numeric keys
  JsValue get_index(int64_t index) override;
  void set_index(int64_t index, JsValue value) override;  // ToUint8 (wraps modulo 256)
  std::string to_display_string() const override;         // bytes joined with ","

  uint8_t* data() { return buffer_->data() + offset_; }
  size_t size() const { return length_; }
  std::span<uint8_t> bytes() { return {data(), length_}; }

 private:
  std::shared_ptr<std::vector<uint8_t>> buffer_;
  size_t offset_ = 0, length_ = 0;
};

// A function implemented in C++. `self` is the receiver (`this`), undefined for plain
// invocation. Throw JsThrow to raise a JS exception. A function made with a `construct`
// handler is also a constructor (`new F(...)`); objects it returns get it as constructor.
class JsFunction : public JsObject {
 public:
  using Call = std::function<JsValue(const JsValue& self, JsArgs args)>;
  using Construct = std::function<JsValue(JsArgs args)>;

  JsFunction(std::string name, Call call, Construct construct = nullptr)
      : name_(std::move(name)), call_(std::move(call)), construct_(std::move(construct)) {}

  bool is_callable() const override { return static_cast<bool>(call_); }
  JsValue call(const JsValue& self, JsArgs args) override;
  JsValue construct(JsArgs args) override;
  std::string to_display_string() const override;  // "function NAME() { [native code] }"
  const std::string& name() const { return name_; }

  // Methods every instance of this constructor answers (e.g. Date.prototype.getTimezoneOffset,
  // Stats.prototype.isDirectory); looked up after an object's own properties.
  void add_prototype_method(std::string name, Call method);
  JsValue prototype_method(std::string_view name) const;

 private:
  std::string name_;
  Call call_;
  Construct construct_;
  std::map<std::string, JsValue, std::less<>> prototype_;
};

// ---- Building values

// A plain object with the given properties, in order.
JsObjectPtr make_object(std::vector<std::pair<std::string, JsValue>> props = {});
JsObjectPtr make_array(std::vector<JsValue> items = {});
JsObjectPtr make_function(std::string name, JsFunction::Call call);
// An Error (instanceof the realm's Error constructor when `error_ctor` is given) with
// `message`, and Node's `code` / `errno` (negative) / `syscall` / `path` when given.
struct ErrorInfo {
  std::string message;
  std::string code;     // "ENOENT"; empty for a plain Error
  int errno_value = 0;  // positive Linux errno; exported as Node's negative `errno`
  std::string syscall;  // "open"
  std::string path;     // the path the call named, if any
};
JsObjectPtr make_error(const ErrorInfo& info, const JsObject* error_ctor = nullptr);
// Node's error for a failed fs call: code from the Linux errno (ENOENT, EACCES, ...) and a
// message like "ENOENT: no such file or directory, open '/x'".
JsObjectPtr make_errno_error(int linux_errno, std::string_view syscall, std::string_view path,
                             const JsObject* error_ctor = nullptr);
// A TypeError to throw: `throw type_error("x is not a function")`.
JsThrow type_error(std::string message);

// Node's code string for a Linux errno ("ENOENT"); "EIO" for one without a name.
std::string_view errno_code(int linux_errno);

// JS Number::toString(10): shortest round-trip digits, exponent form outside [1e-7, 1e21).
std::string format_js_number(double d);

}  // namespace wc::host::gojs
