// The JS value model behind Go's syscall/js: String()/Number() conversions, arrays, typed
// array views, functions as constructors, and Node-style errors.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <limits>
#include <set>

#include "gojs_test_util.h"
#include "host/gojs/js_value.h"

namespace wc::host::gojs {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(GojsValue, NumberFormattingFollowsEcmaScript) {
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1.5, "-1.5"},
      {0.1, "0.1"},
      {0.1 + 0.2, "0.30000000000000004"},
      {100, "100"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {1.5e21, "1.5e+21"},
      {1e-6, "0.000001"},
      {1.5e-6, "0.0000015"},
      {1e-7, "1e-7"},
      {1.25e-7, "1.25e-7"},
      {123456789012345680000.0, "123456789012345680000"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {4294967295.0, "4294967295"},
      {123.456, "123.456"},
      {-1e-7, "-1e-7"},
      {kNaN, "NaN"},
      {kInf, "Infinity"},
      {-kInf, "-Infinity"},
  };
  for (const Case& c : cases) EXPECT_EQ(format_js_number(c.value), c.text) << c.text;
}

TEST(GojsValue, StringOfEachKind) {
  EXPECT_EQ(JsValue().to_string(), "undefined");
  EXPECT_EQ(JsValue::null().to_string(), "null");
  EXPECT_EQ(JsValue(true).to_string(), "true");
  EXPECT_EQ(JsValue(false).to_string(), "false");
  EXPECT_EQ(JsValue(2.5).to_string(), "2.5");
  EXPECT_EQ(JsValue("raw \"text\"").to_string(), "raw \"text\"");
  EXPECT_EQ(JsValue(make_object()).to_string(), "[object Object]");
  EXPECT_EQ(JsValue(make_array({1, JsValue(), "a", JsValue::null(), 0.5})).to_string(),
            "1,,a,,0.5");
  EXPECT_EQ(JsValue(make_function("f", nullptr)).to_string(), "function f() { [native code] }");
  EXPECT_EQ(
      JsValue(
          make_error({.message = "boom", .code = "", .errno_value = 0, .syscall = "", .path = ""}))
          .to_string(),
      "Error: boom");
  EXPECT_EQ(JsValue(type_error("bad").value).to_string(), "TypeError: bad");
  auto bytes = std::make_shared<JsUint8Array>(3);
  bytes->set_index(0, 7);
  bytes->set_index(2, 255);
  EXPECT_EQ(JsValue(JsObjectPtr(bytes)).to_string(), "7,0,255");
}

TEST(GojsValue, TruthinessAndNumberConversion) {
  EXPECT_FALSE(JsValue().truthy());
  EXPECT_FALSE(JsValue::null().truthy());
  EXPECT_FALSE(JsValue(0).truthy());
  EXPECT_FALSE(JsValue(-0.0).truthy());
  EXPECT_FALSE(JsValue(kNaN).truthy());
  EXPECT_FALSE(JsValue("").truthy());
  EXPECT_TRUE(JsValue("0").truthy());
  EXPECT_TRUE(JsValue(make_object()).truthy());

  EXPECT_EQ(JsValue("  42\n").to_number(), 42);
  EXPECT_EQ(JsValue("").to_number(), 0);
  EXPECT_EQ(JsValue("0x1f").to_number(), 31);
  EXPECT_EQ(JsValue("-1.5e3").to_number(), -1500);
  EXPECT_EQ(JsValue(".5").to_number(), 0.5);
  EXPECT_EQ(JsValue("-Infinity").to_number(), -kInf);
  EXPECT_TRUE(std::isnan(JsValue("inf").to_number()));
  EXPECT_TRUE(std::isnan(JsValue("12px").to_number()));
  EXPECT_TRUE(std::isnan(JsValue("1e").to_number()));
  EXPECT_TRUE(std::isnan(JsValue().to_number()));
  EXPECT_EQ(JsValue::null().to_number(), 0);
  EXPECT_EQ(JsValue(true).to_number(), 1);
  EXPECT_EQ(JsValue(make_array({5})).to_number(), 5);
  EXPECT_TRUE(std::isnan(JsValue(make_object()).to_number()));
}

TEST(GojsValue, SameValueZero) {
  EXPECT_TRUE(JsValue(kNaN).same(JsValue(kNaN)));
  EXPECT_TRUE(JsValue(0.0).same(JsValue(-0.0)));
  EXPECT_FALSE(JsValue(1).same(JsValue("1")));
  EXPECT_TRUE(JsValue().same(JsValue()));
  EXPECT_FALSE(JsValue().same(JsValue::null()));
  auto a = make_object(), b = make_object();
  EXPECT_TRUE(JsValue(a).same(JsValue(a)));
  EXPECT_FALSE(JsValue(a).same(JsValue(b)));
}

TEST(GojsValue, ObjectPropertiesKeepInsertionOrder) {
  auto o = make_object({{"b", 1}, {"a", 2}});
  o->set("c", 3);
  o->set("b", 4);  // replacing keeps the original position
  ASSERT_EQ(o->properties().size(), 3u);
  EXPECT_EQ(o->properties()[0].first, "b");
  EXPECT_EQ(o->get("b").as_number(), 4);
  o->remove("a");
  EXPECT_TRUE(o->get("a").is_undefined());
  EXPECT_EQ(o->properties().size(), 2u);
  o->set_index(3, "x");
  EXPECT_EQ(o->get("3").as_string(), "x");
  EXPECT_TRUE(JsValue(5).get("x").is_undefined());
}

TEST(GojsValue, ArrayGrowsOnSetIndex) {
  auto array = std::make_shared<JsArray>();
  array->set_index(2, "c");
  EXPECT_EQ(array->get("length").as_number(), 3);
  EXPECT_TRUE(array->get_index(0).is_undefined());
  EXPECT_EQ(array->get("2").as_string(), "c");
  EXPECT_TRUE(array->get("02").is_undefined());  // not a canonical index: a property
  array->set("length", 1);
  EXPECT_EQ(array->items().size(), 1u);
  EXPECT_THROW(array->set("length", -1), JsThrow);
  array->set("4", true);
  EXPECT_EQ(array->get("length").as_number(), 5);
  array->set("name", "n");
  EXPECT_EQ(array->get("name").as_string(), "n");
  EXPECT_EQ(array->get("length").as_number(), 5);
  array->set_index(-1, "minus");  // a property, not an element
  EXPECT_EQ(array->get("-1").as_string(), "minus");
  EXPECT_EQ(array->get("length").as_number(), 5);
}

TEST(GojsValue, Uint8ArrayWrapsLikeToUint8) {
  JsUint8Array bytes(8);
  const std::pair<JsValue, int> cases[] = {
      {256, 0},           {257, 1},           {-1, 255},   {-1.5, 255}, {1.9, 1},
      {JsValue(kNaN), 0}, {JsValue(kInf), 0}, {"300", 44}, {true, 1},   {-256.5, 0},
  };
  int64_t i = 0;
  for (const auto& [value, expected] : cases) {
    bytes.set_index(i % 8, value);
    EXPECT_EQ(bytes.get_index(i % 8).as_number(), expected) << value.to_string();
    ++i;
  }
  bytes.set_index(8, 9);  // out of bounds: ignored
  EXPECT_TRUE(bytes.get_index(8).is_undefined());
  EXPECT_EQ(bytes.get("length").as_number(), 8);
  EXPECT_EQ(bytes.get("byteLength").as_number(), 8);
  EXPECT_EQ(bytes.get("byteOffset").as_number(), 0);
}

TEST(GojsValue, Uint8ArrayViewsShareTheirBuffer) {
  auto buffer = std::make_shared<std::vector<uint8_t>>(16);
  JsUint8Array whole(buffer, 0, 16);
  JsUint8Array part(buffer, 4, 8);
  part.set_index(0, 0xab);
  EXPECT_EQ(whole.get_index(4).as_number(), 0xab);
  whole.set_index(11, 7);
  EXPECT_EQ(part.get_index(7).as_number(), 7);
  EXPECT_TRUE(part.get_index(8).is_undefined());
  EXPECT_EQ(part.get("byteOffset").as_number(), 4);
  EXPECT_EQ(part.bytes().size(), 8u);
  EXPECT_EQ(part.data(), buffer->data() + 4);
  EXPECT_THROW(JsUint8Array(buffer, 10, 7), JsThrow);  // past the end of the buffer
}

TEST(GojsValue, FunctionsCallConstructAndInstanceOf) {
  auto ctor = std::make_shared<JsFunction>(
      "Thing", [](const JsValue& self, JsArgs args) { return JsValue(args.size() + 0.0); },
      [](JsArgs args) {
        return JsValue(make_object({{"n", args.empty() ? 0 : args[0]}}));
      });
  ctor->add_prototype_method(
      "twice", [](const JsValue& self, JsArgs) { return JsValue(self.get("n").as_number() * 2); });
  JsValue args[] = {21};
  EXPECT_EQ(ctor->call(JsValue(), args).as_number(), 1);
  JsValue thing = ctor->construct(args);
  ASSERT_TRUE(thing.is_object());
  EXPECT_TRUE(thing.as_object()->instance_of(ctor.get()));
  EXPECT_FALSE(make_object()->instance_of(ctor.get()));
  JsValue twice = thing.get("twice");
  ASSERT_TRUE(twice.is_callable());
  EXPECT_EQ(twice.as_object()->call(thing, {}).as_number(), 42);
  EXPECT_TRUE(ctor->prototype_method("missing").is_undefined());

  // An object the constructor already classed keeps its constructor.
  auto other = std::make_shared<JsFunction>("Other", nullptr);
  auto preset = std::make_shared<JsFunction>("Preset", nullptr, [&](JsArgs) {
    auto o = make_object();
    o->set_constructor(other.get());
    return JsValue(o);
  });
  EXPECT_TRUE(preset->construct({}).as_object()->instance_of(other.get()));
}

using testing::thrown_by;

TEST(GojsValue, CallingNonFunctionsThrowsTypeError) {
  auto object = make_object();
  JsValue e = thrown_by([&] { object->call(JsValue(), {}); });
  EXPECT_EQ(e.get("name").as_string(), "TypeError");
  EXPECT_NE(e.get("message").as_string().find("not a function"), std::string::npos);
  e = thrown_by([&] { object->construct({}); });
  EXPECT_NE(e.get("message").as_string().find("not a constructor"), std::string::npos);

  auto plain = make_function("plain", [](const JsValue&, JsArgs) { return JsValue(1); });
  EXPECT_TRUE(plain->is_callable());
  e = thrown_by([&] { plain->construct({}); });
  EXPECT_EQ(e.to_string(), "TypeError: plain is not a constructor");
  auto uncallable = std::make_shared<JsFunction>("C", nullptr, [](JsArgs) { return JsValue(); });
  EXPECT_FALSE(JsValue(JsObjectPtr(uncallable)).is_callable());
  e = thrown_by([&] { uncallable->call(JsValue(), {}); });
  EXPECT_EQ(e.get("name").as_string(), "TypeError");
}

TEST(GojsValue, ErrnoErrorsLookLikeNodes) {
  auto error_ctor = make_function("Error", nullptr);
  JsObjectPtr e = make_errno_error(ENOENT, "open", "/x", error_ctor.get());
  EXPECT_EQ(e->get("message").as_string(), "ENOENT: no such file or directory, open '/x'");
  EXPECT_EQ(e->get("code").as_string(), "ENOENT");
  EXPECT_EQ(e->get("errno").as_number(), -ENOENT);
  EXPECT_EQ(e->get("syscall").as_string(), "open");
  EXPECT_EQ(e->get("path").as_string(), "/x");
  EXPECT_TRUE(e->instance_of(error_ctor.get()));
  EXPECT_EQ(JsValue(e).to_string(), "Error: ENOENT: no such file or directory, open '/x'");

  e = make_errno_error(EACCES, "mkdir", "");
  EXPECT_EQ(e->get("message").as_string(), "EACCES: permission denied, mkdir");
  EXPECT_TRUE(e->get("path").is_undefined());
  EXPECT_EQ(make_errno_error(EISDIR, "read", "")->get("message").as_string(),
            "EISDIR: illegal operation on a directory, read");
  // A code without a libuv description falls back to strerror, lowercased.
  EXPECT_EQ(make_errno_error(ECHILD, "wait", "")->get("message").as_string(),
            "ECHILD: no child processes, wait");
}

TEST(GojsValue, ErrnoCodes) {
  EXPECT_EQ(errno_code(ENOENT), "ENOENT");
  EXPECT_EQ(errno_code(EEXIST), "EEXIST");
  EXPECT_EQ(errno_code(ENOTEMPTY), "ENOTEMPTY");
  EXPECT_EQ(errno_code(EWOULDBLOCK), "EAGAIN");
  EXPECT_EQ(errno_code(EOPNOTSUPP), "ENOTSUP");
  EXPECT_EQ(errno_code(ECONNREFUSED), "ECONNREFUSED");
  EXPECT_EQ(errno_code(EDQUOT), "EDQUOT");
  EXPECT_EQ(errno_code(0), "EIO");
  EXPECT_EQ(errno_code(100000), "EIO");

  // Every code Go's syscall.errnoByCode knows (syscall/tables_js.go) that Linux has: each
  // errno below must come back under its own name (aliases under the name Node uses).
  const std::pair<int, const char*> go_codes[] = {
      {EPERM, "EPERM"},
      {ENOENT, "ENOENT"},
      {ESRCH, "ESRCH"},
      {EINTR, "EINTR"},
      {EIO, "EIO"},
      {ENXIO, "ENXIO"},
      {E2BIG, "E2BIG"},
      {ENOEXEC, "ENOEXEC"},
      {EBADF, "EBADF"},
      {ECHILD, "ECHILD"},
      {EAGAIN, "EAGAIN"},
      {ENOMEM, "ENOMEM"},
      {EACCES, "EACCES"},
      {EFAULT, "EFAULT"},
      {EBUSY, "EBUSY"},
      {EEXIST, "EEXIST"},
      {EXDEV, "EXDEV"},
      {ENODEV, "ENODEV"},
      {ENOTDIR, "ENOTDIR"},
      {EISDIR, "EISDIR"},
      {EINVAL, "EINVAL"},
      {ENFILE, "ENFILE"},
      {EMFILE, "EMFILE"},
      {ENOTTY, "ENOTTY"},
      {EFBIG, "EFBIG"},
      {ENOSPC, "ENOSPC"},
      {ESPIPE, "ESPIPE"},
      {EROFS, "EROFS"},
      {EMLINK, "EMLINK"},
      {EPIPE, "EPIPE"},
      {ENAMETOOLONG, "ENAMETOOLONG"},
      {ENOSYS, "ENOSYS"},
      {EDQUOT, "EDQUOT"},
      {EDOM, "EDOM"},
      {ERANGE, "ERANGE"},
      {EDEADLK, "EDEADLK"},
      {ENOLCK, "ENOLCK"},
      {ENOTEMPTY, "ENOTEMPTY"},
      {ELOOP, "ELOOP"},
      {ENOMSG, "ENOMSG"},
      {EIDRM, "EIDRM"},
      {ECHRNG, "ECHRNG"},
      {EL2NSYNC, "EL2NSYNC"},
      {EL3HLT, "EL3HLT"},
      {EL3RST, "EL3RST"},
      {ELNRNG, "ELNRNG"},
      {EUNATCH, "EUNATCH"},
      {ENOCSI, "ENOCSI"},
      {EL2HLT, "EL2HLT"},
      {EBADE, "EBADE"},
      {EBADR, "EBADR"},
      {EXFULL, "EXFULL"},
      {ENOANO, "ENOANO"},
      {EBADRQC, "EBADRQC"},
      {EBADSLT, "EBADSLT"},
      {EBFONT, "EBFONT"},
      {ENOSTR, "ENOSTR"},
      {ENODATA, "ENODATA"},
      {ETIME, "ETIME"},
      {ENOSR, "ENOSR"},
      {ENONET, "ENONET"},
      {ENOPKG, "ENOPKG"},
      {EREMOTE, "EREMOTE"},
      {ENOLINK, "ENOLINK"},
      {EADV, "EADV"},
      {ESRMNT, "ESRMNT"},
      {ECOMM, "ECOMM"},
      {EPROTO, "EPROTO"},
      {EMULTIHOP, "EMULTIHOP"},
      {EDOTDOT, "EDOTDOT"},
      {EBADMSG, "EBADMSG"},
      {EOVERFLOW, "EOVERFLOW"},
      {ENOTUNIQ, "ENOTUNIQ"},
      {EBADFD, "EBADFD"},
      {EREMCHG, "EREMCHG"},
      {ELIBACC, "ELIBACC"},
      {ELIBBAD, "ELIBBAD"},
      {ELIBSCN, "ELIBSCN"},
      {ELIBMAX, "ELIBMAX"},
      {ELIBEXEC, "ELIBEXEC"},
      {EILSEQ, "EILSEQ"},
      {EUSERS, "EUSERS"},
      {ENOTSOCK, "ENOTSOCK"},
      {EDESTADDRREQ, "EDESTADDRREQ"},
      {EMSGSIZE, "EMSGSIZE"},
      {EPROTOTYPE, "EPROTOTYPE"},
      {ENOPROTOOPT, "ENOPROTOOPT"},
      {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
      {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
      {ENOTSUP, "ENOTSUP"},
      {EPFNOSUPPORT, "EPFNOSUPPORT"},
      {EAFNOSUPPORT, "EAFNOSUPPORT"},
      {EADDRINUSE, "EADDRINUSE"},
      {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
      {ENETDOWN, "ENETDOWN"},
      {ENETUNREACH, "ENETUNREACH"},
      {ENETRESET, "ENETRESET"},
      {ECONNABORTED, "ECONNABORTED"},
      {ECONNRESET, "ECONNRESET"},
      {ENOBUFS, "ENOBUFS"},
      {EISCONN, "EISCONN"},
      {ENOTCONN, "ENOTCONN"},
      {ESHUTDOWN, "ESHUTDOWN"},
      {ETOOMANYREFS, "ETOOMANYREFS"},
      {ETIMEDOUT, "ETIMEDOUT"},
      {ECONNREFUSED, "ECONNREFUSED"},
      {EHOSTDOWN, "EHOSTDOWN"},
      {EHOSTUNREACH, "EHOSTUNREACH"},
      {EALREADY, "EALREADY"},
      {EINPROGRESS, "EINPROGRESS"},
      {ESTALE, "ESTALE"},
      {ENOMEDIUM, "ENOMEDIUM"},
      {ECANCELED, "ECANCELED"},
  };
  for (const auto& [number, code] : go_codes) EXPECT_EQ(errno_code(number), code) << number;
}

}  // namespace
}  // namespace wc::host::gojs
