#include "host/gojs/globals.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <new>

#include "host/gojs/net_host.h"

namespace wc::host::gojs {

namespace {

// crypto.getRandomValues refuses more than this many bytes per call (Web Crypto's quota).
constexpr size_t kMaxRandomBytes = 65536;
// ECMAScript TimeClip: a Date holds at most 8.64e15 ms either side of the epoch.
constexpr double kMaxDateMs = 8.64e15;

JsValue arg(JsArgs args, size_t i) { return i < args.size() ? args[i] : JsValue(); }

// An Error whose `name` is not "Error" (RangeError, QuotaExceededError): String(e) and Go's
// js.Error show the name.
JsObjectPtr named_error(const char* name, std::string message) {
  ErrorInfo info;
  info.message = std::move(message);
  JsObjectPtr error = make_error(info);
  error->set("name", JsValue(name));
  return error;
}

JsObjectPtr range_error(std::string message) {
  return named_error("RangeError", std::move(message));
}

// new Array(n): n must be an exact array length (ToUint32(n) == n), else a RangeError.
size_t array_length_arg(const JsValue& value) {
  double n = value.as_number();
  if (!(n >= 0) || n != std::floor(n) || n > 4294967295.0) {
    throw JsThrow{range_error("Invalid array length")};
  }
  return static_cast<size_t>(n);
}

// new Uint8Array(n): ToIndex(n), which truncates and maps NaN/undefined to 0; negative or
// huge lengths are a RangeError.
size_t typed_length_arg(const JsValue& value) {
  double n = value.to_number();
  n = std::isnan(n) ? 0 : std::trunc(n);
  if (n < 0 || n > 4294967296.0) {
    throw JsThrow{range_error("Invalid typed array length: " + value.to_string())};
  }
  return static_cast<size_t>(n);
}

// A function that is also a constructor. `build` makes the object for both `F(...)` and
// `new F(...)`; a plain call gets the constructor set explicitly since only construct() does
// that automatically, and the function does not exist yet when its lambdas are made.
JsObjectPtr make_class(std::string name, std::function<JsValue(JsArgs)> build) {
  auto self = std::make_shared<const JsObject*>(nullptr);
  auto fn = std::make_shared<JsFunction>(
      std::move(name),
      [build, self](const JsValue&, JsArgs args) {
        JsValue result = build(args);
        if (result.is_object() && !result.as_object()->constructor()) {
          result.as_object()->set_constructor(*self);
        }
        return result;
      },
      build);
  *self = fn.get();
  return fn;
}

// ---- Object, Array, Uint8Array, Error

JsObjectPtr make_object_ctor() {
  return make_class("Object", [](JsArgs args) {
    // Object(o) returns o itself; Object() and Object(primitive) make a fresh object (JS
    // would box primitives; Go never asks for that).
    JsValue first = arg(args, 0);
    return first.is_object() ? first : JsValue(make_object());
  });
}

JsObjectPtr make_array_ctor() {
  return make_class("Array", [](JsArgs args) -> JsValue {
    if (args.size() == 1 && args[0].is_number()) {
      size_t n = array_length_arg(args[0]);
      try {
        return make_array(std::vector<JsValue>(n));
      } catch (const std::bad_alloc&) {
        throw JsThrow{range_error("Invalid array length")};
      }
    }
    return make_array(std::vector<JsValue>(args.begin(), args.end()));
  });
}

// new Uint8Array(length | Uint8Array | Array): a fresh buffer, zero-filled or copied.
JsValue build_uint8array(JsArgs args) {
  JsValue first = arg(args, 0);
  if (auto* source = first.object_as<JsUint8Array>()) {
    auto copy = std::make_shared<JsUint8Array>(source->size());
    std::copy(source->bytes().begin(), source->bytes().end(), copy->data());
    return JsValue(JsObjectPtr(copy));
  }
  if (auto* source = first.object_as<JsArray>()) {
    auto copy = std::make_shared<JsUint8Array>(source->items().size());
    for (size_t i = 0; i < source->items().size(); ++i) copy->set_index(i, source->items()[i]);
    return JsValue(JsObjectPtr(copy));
  }
  if (first.is_object()) throw type_error("Uint8Array: unsupported constructor argument");
  size_t n = typed_length_arg(first);
  return JsValue(JsObjectPtr(std::make_shared<JsUint8Array>(n)));
}

JsObjectPtr make_uint8array_ctor() {
  return std::make_shared<JsFunction>(
      "Uint8Array",
      [](const JsValue&, JsArgs) -> JsValue {
        throw type_error("Constructor Uint8Array requires 'new'");
      },
      build_uint8array);
}

JsObjectPtr make_error_ctor() {
  return make_class("Error", [](JsArgs args) {
    JsValue message = arg(args, 0);
    ErrorInfo info;
    if (!message.is_undefined()) info.message = message.to_string();
    return JsValue(make_error(info));
  });
}

// ---- Date

class JsDate : public JsObject {
 public:
  explicit JsDate(double time_ms) : time_ms_(time_ms) {}
  double time_ms() const { return time_ms_; }

  // Date.prototype.toString: "Tue Mar 05 2024 13:04:05 GMT+0100 (CET)".
  std::string to_display_string() const override {
    if (std::isnan(time_ms_)) return "Invalid Date";
    time_t seconds = static_cast<time_t>(std::floor(time_ms_ / 1000));
    struct tm local {};
    if (!localtime_r(&seconds, &local)) return "Invalid Date";
    char buf[128];
    size_t n = strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT%z (%Z)", &local);
    return std::string(buf, n);
  }

 private:
  double time_ms_;
};

double now_ms() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  // Date has millisecond resolution.
  return std::floor(static_cast<double>(ts.tv_sec) * 1000 + static_cast<double>(ts.tv_nsec) / 1e6);
}

// ECMAScript TimeClip.
double time_clip(double ms) {
  if (!std::isfinite(ms) || std::fabs(ms) > kMaxDateMs) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return std::trunc(ms) + 0.0;  // + 0.0 turns -0 into +0
}

const JsDate& this_date(const JsValue& self) {
  const JsDate* date = self.object_as<JsDate>();
  if (!date) throw type_error("this is not a Date object.");
  return *date;
}

// Minutes to add to local time to get UTC: UTC+2 is -120, as in JS.
JsValue timezone_offset(double time_ms) {
  if (std::isnan(time_ms)) return JsValue(std::numeric_limits<double>::quiet_NaN());
  time_t seconds = static_cast<time_t>(std::floor(time_ms / 1000));
  struct tm local {};
  if (!localtime_r(&seconds, &local)) return JsValue(0);
  return JsValue(static_cast<double>(-local.tm_gmtoff / 60));
}

// Date.prototype.toISOString: "2024-03-05T12:04:05.123Z".
JsValue iso_string(double time_ms) {
  if (std::isnan(time_ms)) throw JsThrow{range_error("Invalid time value")};
  double seconds_floor = std::floor(time_ms / 1000);
  time_t seconds = static_cast<time_t>(seconds_floor);
  int millis = static_cast<int>(time_ms - seconds_floor * 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  // Years outside 0..9999 take the expanded form: a sign and six digits ("+275760", "-000001").
  long year = static_cast<long>(utc.tm_year) + 1900;
  char year_text[16];
  if (year >= 0 && year <= 9999) {
    snprintf(year_text, sizeof year_text, "%04ld", year);
  } else {
    snprintf(year_text, sizeof year_text, "%c%06ld", year < 0 ? '-' : '+', std::labs(year));
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%s-%02d-%02dT%02d:%02d:%02d.%03dZ", year_text, utc.tm_mon + 1,
           utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return JsValue(buf);
}

JsObjectPtr make_date_ctor() {
  auto date = std::make_shared<JsFunction>(
      "Date",
      // Date() without `new` is the current time as a string.
      [](const JsValue&, JsArgs) { return JsValue(JsDate(now_ms()).to_display_string()); },
      [](JsArgs args) {
        double ms = args.empty() ? now_ms() : time_clip(args[0].to_number());
        return JsValue(JsObjectPtr(std::make_shared<JsDate>(ms)));
      });
  auto get_time = [](const JsValue& self, JsArgs) { return JsValue(this_date(self).time_ms()); };
  date->add_prototype_method("getTime", get_time);
  date->add_prototype_method("valueOf", get_time);
  date->add_prototype_method("getTimezoneOffset", [](const JsValue& self, JsArgs) {
    return timezone_offset(this_date(self).time_ms());
  });
  date->add_prototype_method("toISOString", [](const JsValue& self, JsArgs) {
    return iso_string(this_date(self).time_ms());
  });
  date->add_prototype_method("toString", [](const JsValue& self, JsArgs) {
    return JsValue(this_date(self).to_display_string());
  });
  date->set("now", JsValue(make_function(
                       "now", [](const JsValue&, JsArgs) { return JsValue(now_ms()); })));
  return date;
}

// ---- crypto, performance, console

void fill_random(std::span<uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + done, bytes.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw JsThrow{make_errno_error(errno, "getrandom", "")};
    }
    done += static_cast<size_t>(n);
  }
}

JsObjectPtr make_crypto() {
  auto get_random_values = [](const JsValue&, JsArgs args) {
    JsValue target = arg(args, 0);
    auto* array = target.object_as<JsUint8Array>();
    if (!array) throw type_error("crypto.getRandomValues: argument is not a Uint8Array");
    if (array->size() > kMaxRandomBytes) {
      JsObjectPtr error = named_error(
          "QuotaExceededError",
          "The ArrayBufferView's byte length (" + std::to_string(array->size()) +
              ") exceeds the number of bytes of entropy available via this API (65536)");
      throw JsThrow{error};
    }
    fill_random(array->bytes());
    return target;
  };
  return make_object({{"getRandomValues", make_function("getRandomValues", get_random_values)}});
}

JsObjectPtr make_performance() {
  auto origin = std::chrono::steady_clock::now();
  return make_object({{"now", make_function("now", [origin](const JsValue&, JsArgs) {
                         std::chrono::duration<double, std::milli> elapsed =
                             std::chrono::steady_clock::now() - origin;
                         return JsValue(elapsed.count());
                       })}});
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // console output is best effort, as in Node
    done += static_cast<size_t>(n);
  }
}

JsObjectPtr make_console_method(const char* name, int fd) {
  return make_function(name, [fd](const JsValue&, JsArgs args) {
    std::string line;
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) line += ' ';
      line += args[i].to_string();
    }
    line += '\n';
    write_all(fd, line);
    return JsValue();
  });
}

JsObjectPtr make_console(const GlobalsConfig& config) {
  return make_object({
      {"log", make_console_method("log", config.stdout_fd)},
      {"info", make_console_method("info", config.stdout_fd)},
      {"debug", make_console_method("debug", config.stdout_fd)},
      {"error", make_console_method("error", config.stderr_fd)},
      {"warn", make_console_method("warn", config.stderr_fd)},
  });
}

// ---- process

JsObjectPtr make_env(const std::vector<std::string>& env) {
  auto object = make_object();
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      object->set(entry, JsValue(""));
    } else {
      object->set(entry.substr(0, eq), JsValue(entry.substr(eq + 1)));
    }
  }
  return object;
}

// The process's identity, read once before main(). The worker's seccomp filter, installed when
// it confines itself (before any module is loaded), does not allow getuid, getppid, getgroups
// and friends: called later they fail with EPERM and glibc would report uid 4294967295. The
// identity never changes afterwards (no set*id is allowed either), so a snapshot is exact.
struct Identity {
  uid_t uid, euid;
  gid_t gid, egid;
  pid_t ppid;
  std::vector<gid_t> groups;
};

Identity read_identity() {
  Identity id{getuid(), geteuid(), getgid(), getegid(), getppid(), {}};
  int count = getgroups(0, nullptr);
  if (count > 0) {
    id.groups.resize(count);
    count = getgroups(count, id.groups.data());
    id.groups.resize(count > 0 ? count : 0);
  }
  // The time zone is loaded by the worker before it confines itself (webcontainerc.cc, which
  // also applies a TZ from the policy's environment).
  return id;
}

const Identity& identity() {
  static const Identity id = read_identity();
  return id;
}
// Forces the snapshot during static initialisation, i.e. before the worker confines itself.
[[maybe_unused]] const Identity& kIdentityAtStartup = identity();

JsObjectPtr number_function(const char* name, double value) {
  return make_function(name, [value](const JsValue&, JsArgs) { return JsValue(value); });
}

JsValue get_groups(const JsValue&, JsArgs) {
  std::vector<JsValue> items;
  for (gid_t gid : identity().groups) items.emplace_back(static_cast<double>(gid));
  return JsValue(make_array(std::move(items)));
}

// process.umask([mask]): the old mask; without an argument, the mask is left unchanged.
// Node accepts the mask as a number or an octal string.
JsValue umask_call(NodeFs& fs, JsArgs args) {
  JsValue mask = arg(args, 0);
  if (mask.is_undefined()) {
    uint32_t old = fs.umask(0);
    fs.umask(old);
    return JsValue(old);
  }
  double value;
  if (mask.is_string()) {
    char* end = nullptr;
    value = static_cast<double>(strtoul(mask.as_string().c_str(), &end, 8));
    if (mask.as_string().empty() || *end != '\0') value = std::nan("");
  } else {
    value = mask.to_number();
  }
  if (!std::isfinite(value) || value < 0 || value != std::floor(value)) {
    throw type_error("The \"mask\" argument must be a 32-bit unsigned integer or an octal string");
  }
  return JsValue(fs.umask(static_cast<uint32_t>(static_cast<uint64_t>(value) & 0777)));
}

JsObjectPtr make_process(Realm& realm, NodeFs& fs, const GlobalsConfig& config) {
  std::vector<JsValue> argv(config.argv.begin(), config.argv.end());
  auto process = make_object({
      {"argv", make_array(std::move(argv))},
      // Not "node...": Go's net/http checks argv0 to decide whether fetch is Node's.
      {"argv0", "webcontainer"},
      {"env", make_env(config.env)},
      {"pid", static_cast<double>(getpid())},
      {"ppid", static_cast<double>(identity().ppid)},
      {"platform", "linux"},
      {"version", "webcontainer"},
  });
  const Identity& id = identity();
  process->set("getuid", number_function("getuid", id.uid));
  process->set("getgid", number_function("getgid", id.gid));
  process->set("geteuid", number_function("geteuid", id.euid));
  process->set("getegid", number_function("getegid", id.egid));
  process->set("getgroups", make_function("getgroups", get_groups));
  process->set("umask", make_function("umask", [&fs](const JsValue&, JsArgs args) {
                 return umask_call(fs, args);
               }));
  process->set("cwd",
               make_function("cwd", [&fs](const JsValue&, JsArgs) { return JsValue(fs.cwd()); }));
  process->set(
      "chdir", make_function("chdir", [&fs, &realm](const JsValue&, JsArgs args) {
        JsValue path = arg(args, 0);
        if (!path.is_string()) throw type_error("The \"directory\" argument must be a string");
        int result = fs.chdir(path.as_string());
        if (result < 0) {
          throw JsThrow{make_errno_error(-result, "chdir", path.as_string(), realm.error_ctor)};
        }
        return JsValue();
      }));
  return process;
}

// ---- path

// POSIX path.resolve: the rightmost absolute argument (else the cwd) joined with what follows
// it, normalised lexically: no ".", no "..", no empty segments, no trailing slash.
std::string resolve_path(const std::string& cwd, JsArgs args) {
  std::string joined;
  bool absolute = false;
  for (size_t i = args.size(); i-- > 0 && !absolute;) {
    if (!args[i].is_string())
      throw type_error("The \"paths[" + std::to_string(i) + "]\" argument must be of type string");
    const std::string& part = args[i].as_string();
    if (part.empty()) continue;
    joined = joined.empty() ? part : part + "/" + joined;
    absolute = part[0] == '/';
  }
  if (!absolute) joined = joined.empty() ? cwd : cwd + "/" + joined;

  std::vector<std::string_view> segments;
  std::string_view rest = joined;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();  // ".." at the root stays at the root
      continue;
    }
    segments.push_back(segment);
  }
  std::string out;
  for (std::string_view segment : segments) {
    out += '/';
    out += segment;
  }
  return out.empty() ? "/" : out;
}

JsObjectPtr make_path(NodeFs& fs) {
  return make_object({{"resolve", make_function("resolve", [&fs](const JsValue&, JsArgs args) {
                         return JsValue(resolve_path(fs.cwd(), args));
                       })}});
}

}  // namespace

Globals make_globals(Realm& realm, NodeFs& fs, const GlobalsConfig& config) {
  Globals globals;
  globals.error_ctor = make_error_ctor();
  globals.uint8array_ctor = make_uint8array_ctor();
  realm.error_ctor = globals.error_ctor.get();

  // `fetch` is deliberately not defined: Go's net/http then uses its own transport (and
  // sdk/go's RoundTripper over webcontainer.net) instead of the Fetch API.
  globals.global = make_object({
      {"Object", make_object_ctor()},
      {"Array", make_array_ctor()},
      {"Uint8Array", globals.uint8array_ctor},
      {"Error", globals.error_ctor},
      {"Date", make_date_ctor()},
      {"crypto", make_crypto()},
      {"performance", make_performance()},
      {"console", make_console(config)},
      {"process", make_process(realm, fs, config)},
      {"path", make_path(fs)},
      {"fs", fs.make_fs_object()},
      {"webcontainer", make_object({{"net", make_net_object(realm)}})},
  });
  return globals;
}

}  // namespace wc::host::gojs
