// globalThis for Go js/wasm programs: the constructors, Date, crypto, performance, console,
// process and path as Go's runtime and standard library use them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>

#include "gojs_test_util.h"
#include "host/gojs/event_loop.h"
#include "host/gojs/globals.h"
#include "host/gojs/node_fs.h"
#include "host/gojs/realm.h"
#include "sandbox_test_support.h"

namespace wc::host::gojs {
namespace {

class GojsGlobals : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(pipe2(out_, O_NONBLOCK | O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(err_, O_NONBLOCK | O_CLOEXEC), 0);
    GlobalsConfig config;
    config.argv = {"prog.wasm", "-v", "x y"};
    config.env = {"HOME=/home/g", "EQ=a=b", "BARE"};
    config.stdout_fd = out_[1];
    config.stderr_fd = err_[1];
    globals_ = make_globals(realm_, fs_, config);
  }
  void TearDown() override {
    for (int fd : {out_[0], out_[1], err_[0], err_[1]}) close(fd);
  }

  JsValue global(std::string_view name) { return globals_.global->get(name); }
  // globalThis[object][method](args...), with the object as `this`, as Go's Call does.
  JsValue call(std::string_view object, std::string_view method, std::vector<JsValue> args = {}) {
    JsValue target = global(object);
    JsValue fn = target.get(method);
    EXPECT_TRUE(fn.is_callable()) << object << "." << method;
    return fn.as_object()->call(target, args);
  }
  JsValue construct(std::string_view ctor, std::vector<JsValue> args = {}) {
    return global(ctor).as_object()->construct(args);
  }
  JsValue method(const JsValue& self, std::string_view name, std::vector<JsValue> args = {}) {
    JsValue fn = self.get(name);
    EXPECT_TRUE(fn.is_callable()) << name;
    return fn.as_object()->call(self, args);
  }
  static std::string drain(int fd) {
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
    return out;
  }

  EventLoop loop_;
  Realm realm_{loop_};
  NodeFs fs_{realm_, NodeFsConfig{}};
  Globals globals_;
  int out_[2] = {-1, -1}, err_[2] = {-1, -1};
};

using testing::thrown_by;

TEST_F(GojsGlobals, ShapeOfGlobalThis) {
  for (const char* name : {"Object", "Array", "Uint8Array", "Error", "Date"}) {
    EXPECT_TRUE(global(name).is_callable()) << name;
  }
  for (const char* name : {"crypto", "performance", "console", "process", "path", "fs"}) {
    EXPECT_TRUE(global(name).is_object()) << name;
  }
  EXPECT_TRUE(global("webcontainer").get("net").is_object());
  // Absent on purpose: Go's net/http must not find a Fetch API.
  EXPECT_TRUE(global("fetch").is_undefined());
  EXPECT_TRUE(global("Symbol").is_undefined());
  EXPECT_TRUE(global("Reflect").is_undefined());
  EXPECT_EQ(realm_.error_ctor, globals_.error_ctor.get());
  EXPECT_TRUE(global("Uint8Array").same(JsValue(globals_.uint8array_ctor)));
}

TEST_F(GojsGlobals, ObjectAndArrayConstructors) {
  JsValue o = construct("Object");
  ASSERT_TRUE(o.object_as<JsPlainObject>());
  EXPECT_TRUE(o.as_object()->properties().empty());
  EXPECT_TRUE(o.as_object()->instance_of(global("Object").as_object().get()));
  EXPECT_FALSE(construct("Object").same(o));

  JsValue three = construct("Array", {3});
  ASSERT_TRUE(three.object_as<JsArray>());
  EXPECT_EQ(three.get("length").as_number(), 3);
  EXPECT_TRUE(three.as_object()->get_index(2).is_undefined());
  JsValue items = construct("Array", {"a", 2});
  EXPECT_EQ(items.to_string(), "a,2");
  EXPECT_EQ(construct("Array", {"3"}).get("length").as_number(), 1);  // a string is an item
  EXPECT_EQ(thrown_by([&] { construct("Array", {-1}); }).get("name").as_string(), "RangeError");
  EXPECT_EQ(thrown_by([&] { construct("Array", {1.5}); }).get("name").as_string(), "RangeError");
  EXPECT_TRUE(three.as_object()->instance_of(global("Array").as_object().get()));
}

TEST_F(GojsGlobals, Uint8ArrayConstructor) {
  JsValue zeros = construct("Uint8Array", {4});
  auto* bytes = zeros.object_as<JsUint8Array>();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 4u);
  EXPECT_EQ(zeros.to_string(), "0,0,0,0");
  EXPECT_TRUE(zeros.as_object()->instance_of(globals_.uint8array_ctor.get()));

  JsValue from_array = construct("Uint8Array", {make_array({1, 257, -1})});
  EXPECT_EQ(from_array.to_string(), "1,1,255");
  JsValue copy = construct("Uint8Array", {from_array});
  copy.as_object()->set_index(0, 9);
  EXPECT_EQ(from_array.to_string(), "1,1,255");  // a copy, not a view
  EXPECT_EQ(copy.to_string(), "9,1,255");

  EXPECT_EQ(construct("Uint8Array").object_as<JsUint8Array>()->size(), 0u);
  EXPECT_EQ(thrown_by([&] { construct("Uint8Array", {-1}); }).get("name").as_string(),
            "RangeError");
  EXPECT_EQ(thrown_by([&] { global("Uint8Array").as_object()->call(JsValue(), {}); })
                .get("name")
                .as_string(),
            "TypeError");
}

TEST_F(GojsGlobals, ErrorConstructor) {
  JsValue e = construct("Error", {"went wrong"});
  EXPECT_EQ(e.get("message").as_string(), "went wrong");
  EXPECT_EQ(e.to_string(), "Error: went wrong");
  EXPECT_TRUE(e.as_object()->instance_of(globals_.error_ctor.get()));
  JsValue called = global("Error").as_object()->call(JsValue(), std::vector<JsValue>{"x"});
  EXPECT_TRUE(called.as_object()->instance_of(globals_.error_ctor.get()));
  EXPECT_EQ(construct("Error").to_string(), "Error");
}

// Sets TZ for one test and restores it: the offset must come from the local zone, with JS's
// sign (minutes to add to local time to reach UTC).
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = getenv("TZ")) old_ = old;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~ScopedTz() {
    if (old_) {
      setenv("TZ", old_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  std::optional<std::string> old_;
};

TEST_F(GojsGlobals, DateTimezoneOffsetHasJsSign) {
  {
    ScopedTz tz("XST-2");  // POSIX: two hours east of UTC, no DST
    EXPECT_EQ(method(construct("Date"), "getTimezoneOffset").as_number(), -120);
  }
  {
    ScopedTz tz("YST+5:30");  // five and a half hours west
    EXPECT_EQ(method(construct("Date", {0}), "getTimezoneOffset").as_number(), 330);
  }
  {
    // With DST, the offset is the one in force at the date's own time.
    ScopedTz tz("CET-1CEST,M3.5.0,M10.5.0/3");
    EXPECT_EQ(method(construct("Date", {1719835200000.0}), "getTimezoneOffset").as_number(),
              -120);  // July 2024
    EXPECT_EQ(method(construct("Date", {1704067200000.0}), "getTimezoneOffset").as_number(),
              -60);  // January 2024
  }
  // Whatever the machine's zone, it agrees with localtime_r.
  time_t now = time(nullptr);
  struct tm local {};
  localtime_r(&now, &local);
  EXPECT_EQ(method(construct("Date"), "getTimezoneOffset").as_number(), -local.tm_gmtoff / 60);
}

TEST_F(GojsGlobals, DateTimes) {
  JsValue epoch = construct("Date", {0});
  EXPECT_EQ(method(epoch, "getTime").as_number(), 0);
  EXPECT_EQ(method(epoch, "toISOString").as_string(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(method(construct("Date", {1500000000123.9}), "toISOString").as_string(),
            "2017-07-14T02:40:00.123Z");
  EXPECT_EQ(method(construct("Date", {-1}), "toISOString").as_string(), "1969-12-31T23:59:59.999Z");

  JsValue invalid = construct("Date", {8.64e15 + 1});
  EXPECT_TRUE(std::isnan(method(invalid, "getTime").as_number()));
  EXPECT_EQ(invalid.to_string(), "Invalid Date");
  EXPECT_EQ(thrown_by([&] { method(invalid, "toISOString"); }).get("name").as_string(),
            "RangeError");

  double now_ms =
      std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_NEAR(method(construct("Date"), "getTime").as_number(), now_ms, 5000);
  EXPECT_NEAR(call("Date", "now").as_number(), now_ms, 5000);
  // A method called on something that is not a Date is a TypeError, as in JS.
  JsValue get_time = epoch.get("getTime");
  EXPECT_EQ(
      thrown_by([&] { get_time.as_object()->call(make_object(), {}); }).get("name").as_string(),
      "TypeError");
}

TEST_F(GojsGlobals, CryptoGetRandomValues) {
  JsValue bytes = construct("Uint8Array", {64});
  JsValue result = call("crypto", "getRandomValues", {bytes});
  EXPECT_TRUE(result.same(bytes));
  int nonzero = 0;
  for (uint8_t b : bytes.object_as<JsUint8Array>()->bytes()) nonzero += b != 0;
  EXPECT_GT(nonzero, 32);  // 64 random bytes: all but a handful are non-zero

  // The most one call may ask for, filled to its last byte.
  JsValue big = construct("Uint8Array", {65536});
  call("crypto", "getRandomValues", {big});
  auto tail = big.object_as<JsUint8Array>()->bytes().last(64);
  EXPECT_NE(std::count(tail.begin(), tail.end(), 0), 64);

  JsValue too_big = construct("Uint8Array", {65537});
  JsValue e = thrown_by([&] { call("crypto", "getRandomValues", {too_big}); });
  EXPECT_EQ(e.get("name").as_string(), "QuotaExceededError");
  EXPECT_NE(e.get("message").as_string().find("65537"), std::string::npos);
  EXPECT_EQ(
      thrown_by([&] { call("crypto", "getRandomValues", {make_array()}); }).get("name").as_string(),
      "TypeError");
}

TEST_F(GojsGlobals, PerformanceNowIsMonotonicMilliseconds) {
  double a = call("performance", "now").as_number();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double b = call("performance", "now").as_number();
  EXPECT_GE(a, 0);
  EXPECT_GE(b - a, 19.5);
  EXPECT_LT(b - a, 5000);
}

TEST_F(GojsGlobals, ConsoleWritesLinesToItsFds) {
  call("console", "log",
       {"text", 1, 0.5, true, JsValue(), JsValue::null(), make_object(), make_array({1, 2})});
  call("console", "info", {"i"});
  call("console", "log");
  EXPECT_EQ(drain(out_[0]), "text 1 0.5 true undefined null [object Object] 1,2\ni\n\n");
  call("console", "error", {"bad", 1e21});
  call("console", "warn", {"careful"});
  EXPECT_EQ(drain(err_[0]), "bad 1e+21\ncareful\n");
  EXPECT_EQ(drain(out_[0]), "");
}

TEST_F(GojsGlobals, ProcessFields) {
  JsValue process = global("process");
  EXPECT_EQ(process.get("argv").to_string(), "prog.wasm,-v,x y");
  EXPECT_EQ(process.get("argv").get("length").as_number(), 3);
  EXPECT_EQ(process.get("argv0").as_string().rfind("node", 0), std::string::npos);
  JsValue env = process.get("env");
  EXPECT_EQ(env.get("HOME").as_string(), "/home/g");
  EXPECT_EQ(env.get("EQ").as_string(), "a=b");
  EXPECT_EQ(env.get("BARE").as_string(), "");
  EXPECT_EQ(process.get("pid").as_number(), getpid());
  EXPECT_EQ(process.get("ppid").as_number(), getppid());
  EXPECT_EQ(process.get("platform").as_string(), "linux");
  EXPECT_EQ(call("process", "getuid").as_number(), getuid());
  EXPECT_EQ(call("process", "getgid").as_number(), getgid());
  EXPECT_EQ(call("process", "geteuid").as_number(), geteuid());
  EXPECT_EQ(call("process", "getegid").as_number(), getegid());
  JsValue groups = call("process", "getgroups");
  ASSERT_TRUE(groups.object_as<JsArray>());
  EXPECT_EQ(groups.get("length").as_number(), getgroups(0, nullptr));
  EXPECT_EQ(call("process", "cwd").as_string(), fs_.cwd());
}

// The confined worker's seccomp filter refuses getuid, getppid and getgroups (EPERM); the
// values Go sees must still be the real ones, read before confinement.
TEST(GojsGlobalsConfined, IdentitySurvivesASeccompFilter) {
  const uid_t uid = getuid(), euid = geteuid();
  const gid_t gid = getgid();
  const pid_t ppid = getppid();
  const int groups = getgroups(0, nullptr);
  auto r = wc::sandbox::testing::run_in_child([&](int out) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    for (int nr : {SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
                   SCMP_SYS(getppid), SCMP_SYS(getgroups)}) {
      seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    }
    if (seccomp_load(ctx) != 0) return 100;
    if (getuid() != static_cast<uid_t>(-1)) return 101;  // the filter really bites
    EventLoop loop;
    Realm realm{loop};
    NodeFs fs(realm, NodeFsConfig{});
    Globals globals = make_globals(realm, fs, GlobalsConfig{});
    JsValue process = globals.global->get("process");
    auto call = [&](const char* name) { return process.get(name).as_object()->call(process, {}); };
    wc::sandbox::testing::say(out, call("getuid").to_string() + " " + call("geteuid").to_string() +
                                       " " + call("getgid").to_string() + " " +
                                       process.get("ppid").to_string() + " " +
                                       call("getgroups").get("length").to_string());
    return 0;
  });
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  EXPECT_EQ(r.output, std::to_string(uid) + " " + std::to_string(euid) + " " + std::to_string(gid) +
                          " " + std::to_string(ppid) + " " + std::to_string(groups));
}

TEST_F(GojsGlobals, ProcessUmask) {
  uint32_t original = fs_.umask(022);
  EXPECT_EQ(call("process", "umask", {077}).as_number(), 022);
  EXPECT_EQ(call("process", "umask").as_number(), 077);  // reading leaves it unchanged
  EXPECT_EQ(call("process", "umask", {"027"}).as_number(), 077);
  EXPECT_EQ(fs_.umask(original), 027u);
}

TEST_F(GojsGlobals, ProcessChdirFailureIsANodeError) {
  std::string before = fs_.cwd();
  JsValue e = thrown_by([&] { call("process", "chdir", {"/no/such/dir/for/webcontainer/tests"}); });
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e.get("syscall").as_string(), "chdir");
  EXPECT_EQ(e.get("code").as_string().substr(0, 1), "E");
  EXPECT_LT(e.get("errno").as_number(), 0);
  EXPECT_TRUE(e.as_object()->instance_of(globals_.error_ctor.get()));
  EXPECT_EQ(fs_.cwd(), before);
  EXPECT_EQ(thrown_by([&] { call("process", "chdir", {5}); }).get("name").as_string(), "TypeError");
}

TEST_F(GojsGlobals, PathResolve) {
  ASSERT_EQ(fs_.cwd(), "/");
  auto resolve = [&](std::vector<JsValue> parts) {
    return call("path", "resolve", std::move(parts)).as_string();
  };
  EXPECT_EQ(resolve({}), "/");
  EXPECT_EQ(resolve({"a", "b"}), "/a/b");
  EXPECT_EQ(resolve({"/x/y", "..", "z/"}), "/x/z");
  EXPECT_EQ(resolve({"/a", "/b", "c"}), "/b/c");
  EXPECT_EQ(resolve({"/..//a/./b/"}), "/a/b");
  EXPECT_EQ(resolve({"a", ""}), "/a");
  EXPECT_EQ(resolve({"/a/b", "../../../c"}), "/c");
  EXPECT_EQ(resolve({"/a", "b/./.."}), "/a");
  EXPECT_EQ(thrown_by([&] { resolve({1}); }).get("name").as_string(), "TypeError");
}

}  // namespace
}  // namespace wc::host::gojs
