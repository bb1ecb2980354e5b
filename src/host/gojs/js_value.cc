#include "host/gojs/js_value.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>

namespace wc::host::gojs {

namespace {

// JS arrays hold at most 2^32 - 1 elements; an index at or above that is an ordinary property.
constexpr int64_t kMaxArrayLength = 4294967295LL;

// A canonical array index ("0", "17"; not "01", "-1", "1.0"), as JS distinguishes element
// keys from property names. Returns -1 for any other key.
int64_t parse_index(std::string_view key) {
  if (key.empty() || key.size() > 10) return -1;
  if (key.size() > 1 && key[0] == '0') return -1;
  int64_t value = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value < kMaxArrayLength ? value : -1;
}

std::string join_values(const std::vector<JsValue>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    // Array.prototype.join renders undefined and null as empty strings.
    if (!items[i].is_nullish()) out += items[i].to_string();
  }
  return out;
}

bool is_js_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// StringToNumber for the ASCII grammar: decimal literals, Infinity, 0x/0o/0b integers.
// Anything else (including strtod extras like "inf", "nan", hex floats) is NaN.
double string_to_number(std::string_view s) {
  while (!s.empty() && is_js_whitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_js_whitespace(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  if (s.size() > 2 && s[0] == '0') {
    int base = 0;
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    if (p == 'x') base = 16;
    if (p == 'o') base = 8;
    if (p == 'b') base = 2;
    if (base) {
      double value = 0;
      for (char c : s.substr(2)) {
        int digit = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                    : std::isalpha(static_cast<unsigned char>(c))
                        ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                        : 99;
        if (digit >= base) return nan;
        value = value * base + digit;
      }
      return value;
    }
  }

  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "Infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  // Validate digits [. digits] [e [sign] digits] before handing the text to from_chars.
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return nan;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return nan;
  }
  if (i != s.size()) return nan;

  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves `value` untouched on range errors; JS rounds to Infinity or 0.
    value = strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc() || end != s.data() + s.size()) {
    return nan;
  }
  return negative ? -value : value;
}

// An Error instance. `name` lives on Error.prototype in JS, so it is answered here rather than
// stored as an own property (own properties are what Object.keys would list).
class JsErrorObject : public JsObject {
 public:
  explicit JsErrorObject(std::string name) : name_(std::move(name)) {}

  JsValue get(std::string_view key) override {
    JsValue own = JsObject::get(key);
    if (own.is_undefined() && key == "name") return JsValue(name_);
    return own;
  }

  // Error.prototype.toString: "Name: message", or just the name when the message is empty.
  std::string to_display_string() const override {
    std::string name = name_, message;
    for (const auto& [key, value] : props_) {
      if (key == "name") name = value.to_string();
      if (key == "message") message = value.to_string();
    }
    if (message.empty()) return name;
    if (name.empty()) return message;
    return name + ": " + message;
  }

 private:
  std::string name_;
};

struct ErrnoName {
  int number;
  const char* code;
  // libuv's description (what Node puts in the message); null: strerror() lowercased.
  const char* description;
};

// Every code in Go's errnoByCode (syscall/tables_js.go) that Linux has, and nothing else:
// syscall.mapJSError panics on a code missing from that table, so an errno without an entry
// here is reported as EIO instead. Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK,
// EOPNOTSUPP = ENOTSUP) have one entry, under the name Node reports.
constexpr ErrnoName kErrnoNames[] = {
    {EPERM, "EPERM", "operation not permitted"},
    {ENOENT, "ENOENT", "no such file or directory"},
    {ESRCH, "ESRCH", "no such process"},
    {EINTR, "EINTR", "interrupted system call"},
    {EIO, "EIO", "i/o error"},
    {ENXIO, "ENXIO", "no such device or address"},
    {E2BIG, "E2BIG", "argument list too long"},
    {ENOEXEC, "ENOEXEC", nullptr},
    {EBADF, "EBADF", "bad file descriptor"},
    {ECHILD, "ECHILD", nullptr},
    {EAGAIN, "EAGAIN", "resource temporarily unavailable"},
    {ENOMEM, "ENOMEM", "not enough memory"},
    {EACCES, "EACCES", "permission denied"},
    {EFAULT, "EFAULT", "bad address in system call argument"},
    {EBUSY, "EBUSY", "resource busy or locked"},
    {EEXIST, "EEXIST", "file already exists"},
    {EXDEV, "EXDEV", "cross-device link not permitted"},
    {ENODEV, "ENODEV", "no such device"},
    {ENOTDIR, "ENOTDIR", "not a directory"},
    {EISDIR, "EISDIR", "illegal operation on a directory"},
    {EINVAL, "EINVAL", "invalid argument"},
    {ENFILE, "ENFILE", "file table overflow"},
    {EMFILE, "EMFILE", "too many open files"},
    {ENOTTY, "ENOTTY", "inappropriate ioctl for device"},
    {EFBIG, "EFBIG", "file too large"},
    {ENOSPC, "ENOSPC", "no space left on device"},
    {ESPIPE, "ESPIPE", "invalid seek"},
    {EROFS, "EROFS", "read-only file system"},
    {EMLINK, "EMLINK", "too many links"},
    {EPIPE, "EPIPE", "broken pipe"},
    {EDOM, "EDOM", nullptr},
    {ERANGE, "ERANGE", "result too large"},
    {EDEADLK, "EDEADLK", nullptr},
    {ENAMETOOLONG, "ENAMETOOLONG", "name too long"},
    {ENOLCK, "ENOLCK", nullptr},
    {ENOSYS, "ENOSYS", "function not implemented"},
    {ENOTEMPTY, "ENOTEMPTY", "directory not empty"},
    {ELOOP, "ELOOP", "too many symbolic links encountered"},
    {ENOMSG, "ENOMSG", nullptr},
    {EIDRM, "EIDRM", nullptr},
    {ECHRNG, "ECHRNG", nullptr},
    {EL2NSYNC, "EL2NSYNC", nullptr},
    {EL3HLT, "EL3HLT", nullptr},
    {EL3RST, "EL3RST", nullptr},
    {ELNRNG, "ELNRNG", nullptr},
    {EUNATCH, "EUNATCH", "protocol driver not attached"},
    {ENOCSI, "ENOCSI", nullptr},
    {EL2HLT, "EL2HLT", nullptr},
    {EBADE, "EBADE", nullptr},
    {EBADR, "EBADR", nullptr},
    {EXFULL, "EXFULL", nullptr},
    {ENOANO, "ENOANO", nullptr},
    {EBADRQC, "EBADRQC", nullptr},
    {EBADSLT, "EBADSLT", nullptr},
    {EBFONT, "EBFONT", nullptr},
    {ENOSTR, "ENOSTR", nullptr},
    {ENODATA, "ENODATA", "no data available"},
    {ETIME, "ETIME", nullptr},
    {ENOSR, "ENOSR", nullptr},
    {ENONET, "ENONET", "machine is not on the network"},
    {ENOPKG, "ENOPKG", nullptr},
    {EREMOTE, "EREMOTE", nullptr},
    {ENOLINK, "ENOLINK", nullptr},
    {EADV, "EADV", nullptr},
    {ESRMNT, "ESRMNT", nullptr},
    {ECOMM, "ECOMM", nullptr},
    {EPROTO, "EPROTO", "protocol error"},
    {EMULTIHOP, "EMULTIHOP", nullptr},
    {EDOTDOT, "EDOTDOT", nullptr},
    {EBADMSG, "EBADMSG", nullptr},
    {EOVERFLOW, "EOVERFLOW", "value too large for defined data type"},
    {ENOTUNIQ, "ENOTUNIQ", nullptr},
    {EBADFD, "EBADFD", nullptr},
    {EREMCHG, "EREMCHG", nullptr},
    {ELIBACC, "ELIBACC", nullptr},
    {ELIBBAD, "ELIBBAD", nullptr},
    {ELIBSCN, "ELIBSCN", nullptr},
    {ELIBMAX, "ELIBMAX", nullptr},
    {ELIBEXEC, "ELIBEXEC", nullptr},
    {EILSEQ, "EILSEQ", "illegal byte sequence"},
    {EUSERS, "EUSERS", nullptr},
    {ENOTSOCK, "ENOTSOCK", "socket operation on non-socket"},
    {EDESTADDRREQ, "EDESTADDRREQ", "destination address required"},
    {EMSGSIZE, "EMSGSIZE", "message too long"},
    {EPROTOTYPE, "EPROTOTYPE", "protocol wrong type for socket"},
    {ENOPROTOOPT, "ENOPROTOOPT", "protocol not available"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT", "protocol not supported"},
    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "socket type not supported"},
    {ENOTSUP, "ENOTSUP", "operation not supported on socket"},
    {EPFNOSUPPORT, "EPFNOSUPPORT", nullptr},
    {EAFNOSUPPORT, "EAFNOSUPPORT", "address family not supported"},
    {EADDRINUSE, "EADDRINUSE", "address already in use"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL", "address not available"},
    {ENETDOWN, "ENETDOWN", "network is down"},
    {ENETUNREACH, "ENETUNREACH", "network is unreachable"},
    {ENETRESET, "ENETRESET", nullptr},
    {ECONNABORTED, "ECONNABORTED", "software caused connection abort"},
    {ECONNRESET, "ECONNRESET", "connection reset by peer"},
    {ENOBUFS, "ENOBUFS", "no buffer space available"},
    {EISCONN, "EISCONN", "socket is already connected"},
    {ENOTCONN, "ENOTCONN", "socket is not connected"},
    {ESHUTDOWN, "ESHUTDOWN", "cannot send after transport endpoint shutdown"},
    {ETOOMANYREFS, "ETOOMANYREFS", nullptr},
    {ETIMEDOUT, "ETIMEDOUT", "connection timed out"},
    {ECONNREFUSED, "ECONNREFUSED", "connection refused"},
    {EHOSTDOWN, "EHOSTDOWN", "host is down"},
    {EHOSTUNREACH, "EHOSTUNREACH", "host is unreachable"},
    {EALREADY, "EALREADY", "connection already in progress"},
    {EINPROGRESS, "EINPROGRESS", "operation in progress"},
    {ESTALE, "ESTALE", nullptr},
    {EDQUOT, "EDQUOT", nullptr},
    {ENOMEDIUM, "ENOMEDIUM", nullptr},
    {ECANCELED, "ECANCELED", "operation canceled"},
};

const ErrnoName* find_errno(int linux_errno) {
  for (const auto& entry : kErrnoNames) {
    if (entry.number == linux_errno) return &entry;
  }
  return nullptr;
}

std::string errno_description(int linux_errno) {
  const ErrnoName* entry = find_errno(linux_errno);
  if (entry && entry->description) return entry->description;
  std::string text = strerror(linux_errno);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

JsObjectPtr new_error_object(std::string name, std::string message) {
  auto error = std::make_shared<JsErrorObject>(std::move(name));
  error->set("message", JsValue(std::move(message)));
  return error;
}

}  // namespace

// ---- JsValue

bool JsValue::is_callable() const { return is_object() && as_object()->is_callable(); }

bool JsValue::truthy() const {
  if (is_nullish()) return false;
  if (is_bool()) return as_bool();
  if (is_number()) return as_number() != 0 && !std::isnan(as_number());
  if (is_string()) return !as_string().empty();
  return true;
}

double JsValue::to_number() const {
  if (is_number()) return as_number();
  if (is_bool()) return as_bool() ? 1 : 0;
  if (is_null()) return 0;
  if (is_undefined()) return std::numeric_limits<double>::quiet_NaN();
  if (is_string()) return string_to_number(as_string());
  // ToPrimitive of a host object is its string form ([5] -> "5" -> 5, {} -> NaN).
  return string_to_number(as_object()->to_display_string());
}

std::string JsValue::to_string() const {
  if (is_undefined()) return "undefined";
  if (is_null()) return "null";
  if (is_bool()) return as_bool() ? "true" : "false";
  if (is_number()) return format_js_number(as_number());
  if (is_string()) return as_string();
  return as_object()->to_display_string();
}

JsValue JsValue::get(std::string_view key) const {
  return is_object() ? as_object()->get(key) : JsValue();
}

bool JsValue::same(const JsValue& other) const {
  if (v_.index() != other.v_.index()) return false;
  if (is_number()) {
    double a = as_number(), b = other.as_number();
    return a == b || (std::isnan(a) && std::isnan(b));
  }
  if (is_bool()) return as_bool() == other.as_bool();
  if (is_string()) return as_string() == other.as_string();
  if (is_object()) return as_object() == other.as_object();
  return true;  // undefined, null
}

// ---- JsObject

JsValue JsObject::get(std::string_view key) {
  for (const auto& [name, value] : props_) {
    if (name == key) return value;
  }
  if (auto* ctor = dynamic_cast<const JsFunction*>(constructor_)) {
    return ctor->prototype_method(key);
  }
  return JsValue();
}

void JsObject::set(std::string_view key, JsValue value) {
  for (auto& [name, slot] : props_) {
    if (name == key) {
      slot = std::move(value);
      return;
    }
  }
  props_.emplace_back(std::string(key), std::move(value));
}

void JsObject::remove(std::string_view key) {
  std::erase_if(props_, [&](const auto& prop) { return prop.first == key; });
}

JsValue JsObject::get_index(int64_t index) { return get(std::to_string(index)); }

void JsObject::set_index(int64_t index, JsValue value) {
  set(std::to_string(index), std::move(value));
}

JsValue JsObject::call(const JsValue& self, JsArgs args) {
  // Not to_display_string(): that could be the contents of a megabyte array.
  throw type_error("object is not a function");
}

JsValue JsObject::construct(JsArgs args) { throw type_error("object is not a constructor"); }

std::string JsObject::to_display_string() const { return "[object Object]"; }

bool JsObject::instance_of(const JsObject* constructor) const {
  return constructor != nullptr && constructor_ == constructor;
}

// ---- JsArray

JsValue JsArray::get(std::string_view key) {
  if (key == "length") return JsValue(static_cast<double>(items_.size()));
  int64_t index = parse_index(key);
  if (index >= 0) return get_index(index);
  return JsObject::get(key);
}

void JsArray::set(std::string_view key, JsValue value) {
  if (key == "length") {
    // Assigning length truncates or extends with holes (undefined here).
    double n = value.to_number();
    if (n < 0 || n >= static_cast<double>(kMaxArrayLength) + 1 || n != std::floor(n)) {
      throw JsThrow{new_error_object("RangeError", "Invalid array length")};
    }
    try {
      items_.resize(static_cast<size_t>(n));
    } catch (const std::bad_alloc&) {
      throw JsThrow{new_error_object("RangeError", "Invalid array length")};
    }
    return;
  }
  int64_t index = parse_index(key);
  if (index >= 0) return set_index(index, std::move(value));
  JsObject::set(key, std::move(value));
}

JsValue JsArray::get_index(int64_t index) {
  if (index >= 0 && static_cast<uint64_t>(index) < items_.size()) return items_[index];
  if (index < 0 || index >= kMaxArrayLength) return JsObject::get(std::to_string(index));
  return JsValue();
}

void JsArray::set_index(int64_t index, JsValue value) {
  // Indices outside [0, 2^32-1) are plain properties in JS, not elements.
  if (index < 0 || index >= kMaxArrayLength) {
    return JsObject::set(std::to_string(index), std::move(value));
  }
  if (static_cast<uint64_t>(index) >= items_.size()) {
    // JS makes a sparse array; ours is dense, so a wild index can exhaust memory: report it
    // as a JS RangeError rather than letting bad_alloc escape into the runtime.
    try {
      items_.resize(static_cast<size_t>(index) + 1);
    } catch (const std::bad_alloc&) {
      throw JsThrow{new_error_object("RangeError", "Invalid array length")};
    }
  }
  items_[index] = std::move(value);
}

std::string JsArray::to_display_string() const { return join_values(items_); }

// ---- JsUint8Array

JsUint8Array::JsUint8Array(size_t length) : length_(length) {
  try {
    buffer_ = std::make_shared<std::vector<uint8_t>>(length);
  } catch (const std::bad_alloc&) {
    throw JsThrow{new_error_object("RangeError", "Array buffer allocation failed")};
  }
}

JsUint8Array::JsUint8Array(std::shared_ptr<std::vector<uint8_t>> buffer, size_t offset,
                           size_t length)
    : buffer_(std::move(buffer)), offset_(offset), length_(length) {
  // A view never reaches past its buffer (JS throws a RangeError at construction).
  if (offset_ > buffer_->size() || length_ > buffer_->size() - offset_) {
    throw JsThrow{
        new_error_object("RangeError", "Invalid typed array length: " + std::to_string(length))};
  }
}

JsValue JsUint8Array::get(std::string_view key) {
  if (key == "length" || key == "byteLength") return JsValue(static_cast<double>(length_));
  if (key == "byteOffset") return JsValue(static_cast<double>(offset_));
  int64_t index = parse_index(key);
  if (index >= 0) return get_index(index);
  return JsObject::get(key);
}

JsValue JsUint8Array::get_index(int64_t index) {
  if (index < 0 || static_cast<uint64_t>(index) >= length_) return JsValue();
  return JsValue(static_cast<double>(data()[index]));
}

void JsUint8Array::set_index(int64_t index, JsValue value) {
  // Typed arrays silently ignore writes outside their bounds.
  if (index < 0 || static_cast<uint64_t>(index) >= length_) return;
  // ToUint8: truncate toward zero, then wrap modulo 2^8; NaN and infinities become 0.
  double n = value.to_number();
  uint8_t byte = 0;
  if (std::isfinite(n)) {
    double wrapped = std::fmod(std::trunc(n), 256.0);
    if (wrapped < 0) wrapped += 256.0;
    byte = static_cast<uint8_t>(wrapped);
  }
  data()[index] = byte;
}

std::string JsUint8Array::to_display_string() const {
  std::string out;
  const uint8_t* bytes = buffer_->data() + offset_;
  for (size_t i = 0; i < length_; ++i) {
    if (i) out += ',';
    out += std::to_string(bytes[i]);
  }
  return out;
}

// ---- JsFunction

JsValue JsFunction::call(const JsValue& self, JsArgs args) {
  if (!call_) throw type_error(name_ + " is not a function");
  return call_(self, args);
}

JsValue JsFunction::construct(JsArgs args) {
  if (!construct_) throw type_error(name_ + " is not a constructor");
  JsValue result = construct_(args);
  if (result.is_object() && result.as_object()->constructor() == nullptr) {
    result.as_object()->set_constructor(this);
  }
  return result;
}

std::string JsFunction::to_display_string() const {
  return "function " + name_ + "() { [native code] }";
}

void JsFunction::add_prototype_method(std::string name, Call method) {
  JsObjectPtr fn = make_function(name, std::move(method));
  prototype_.insert_or_assign(std::move(name), JsValue(std::move(fn)));
}

JsValue JsFunction::prototype_method(std::string_view name) const {
  auto it = prototype_.find(name);
  return it == prototype_.end() ? JsValue() : it->second;
}

// ---- Building values

JsObjectPtr make_object(std::vector<std::pair<std::string, JsValue>> props) {
  auto object = std::make_shared<JsPlainObject>();
  for (auto& [key, value] : props) object->set(key, std::move(value));
  return object;
}

JsObjectPtr make_array(std::vector<JsValue> items) {
  return std::make_shared<JsArray>(std::move(items));
}

JsObjectPtr make_function(std::string name, JsFunction::Call call) {
  return std::make_shared<JsFunction>(std::move(name), std::move(call));
}

JsObjectPtr make_error(const ErrorInfo& info, const JsObject* error_ctor) {
  JsObjectPtr error = new_error_object("Error", info.message);
  // Node's own-property order on system errors: errno, code, syscall, path.
  if (info.errno_value != 0) error->set("errno", JsValue(-info.errno_value));
  if (!info.code.empty()) error->set("code", JsValue(info.code));
  if (!info.syscall.empty()) error->set("syscall", JsValue(info.syscall));
  if (!info.path.empty()) error->set("path", JsValue(info.path));
  if (error_ctor) error->set_constructor(error_ctor);
  return error;
}

JsObjectPtr make_errno_error(int linux_errno, std::string_view syscall, std::string_view path,
                             const JsObject* error_ctor) {
  ErrorInfo info;
  info.code = std::string(errno_code(linux_errno));
  info.errno_value = linux_errno;
  info.syscall = std::string(syscall);
  info.path = std::string(path);
  info.message = info.code + ": " + errno_description(linux_errno);
  if (!syscall.empty()) info.message += ", " + info.syscall;
  if (!path.empty()) info.message += " '" + info.path + "'";
  return make_error(info, error_ctor);
}

JsThrow type_error(std::string message) {
  return JsThrow{new_error_object("TypeError", std::move(message))};
}

std::string_view errno_code(int linux_errno) {
  const ErrnoName* entry = find_errno(linux_errno);
  return entry ? entry->code : "EIO";
}

std::string format_js_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (d == 0) return "0";  // both +0 and -0
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d < 0) return "-" + format_js_number(-d);

  // Shortest round-trip digits in scientific form: "d.ddde+XX".
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);

  // ECMAScript Number::toString with k digits and the decimal point after n digits.
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;
  if (k <= n && n <= 21) return digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return "0." + std::string(-n, '0') + digits;
  std::string exp_part = (n - 1 >= 0 ? "e+" : "e-") + std::to_string(std::abs(n - 1));
  if (k == 1) return digits + exp_part;
  return digits.substr(0, 1) + "." + digits.substr(1) + exp_part;
}

}  // namespace wc::host::gojs
