// Go's js.Value encoding and reference counting (host/gojs/ref_table.h), and the event loop
// that delivers timers, callbacks and fd readiness to Go programs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>

#include "host/gojs/event_loop.h"
#include "host/gojs/ref_table.h"

namespace wc::host::gojs {
namespace {

struct Refs : ::testing::Test {
  JsObjectPtr global = make_object();
  JsObjectPtr go = make_object();
  RefTable refs{global, go};
  static uint32_t id_of(uint64_t bits) { return static_cast<uint32_t>(bits); }
  static uint32_t flag_of(uint64_t bits) { return static_cast<uint32_t>(bits >> 32) & 7; }
};

TEST_F(Refs, NumbersAreInlineExceptZeroAndNaN) {
  EXPECT_EQ(refs.store(JsValue(1.5)), std::bit_cast<uint64_t>(1.5));
  EXPECT_EQ(refs.store(JsValue(-7.0)), std::bit_cast<uint64_t>(-7.0));
  uint64_t zero = refs.store(JsValue(0.0));
  EXPECT_EQ(zero, (uint64_t{RefTable::kNanHead} << 32) | RefTable::kZero);
  EXPECT_EQ(refs.store(JsValue(-0.0)), zero);
  EXPECT_EQ(refs.store(JsValue(std::nan(""))), uint64_t{RefTable::kNanHead} << 32);
  EXPECT_EQ(refs.store(JsValue()), 0u);  // undefined
  EXPECT_TRUE(refs.load(0).is_undefined());
  EXPECT_TRUE(refs.load(std::bit_cast<uint64_t>(-0.0)).is_undefined());
  EXPECT_EQ(refs.load(zero).as_number(), 0);
  EXPECT_TRUE(std::isnan(refs.load(uint64_t{RefTable::kNanHead} << 32).as_number()));
  EXPECT_EQ(refs.load(std::bit_cast<uint64_t>(2.25)).as_number(), 2.25);
}

TEST_F(Refs, FixedIdsAndTypeFlags) {
  EXPECT_EQ(id_of(refs.store(JsValue::null())), RefTable::kNull);
  EXPECT_EQ(id_of(refs.store(JsValue(true))), RefTable::kTrue);
  EXPECT_EQ(id_of(refs.store(JsValue(false))), RefTable::kFalse);
  EXPECT_EQ(flag_of(refs.store(JsValue(true))), 0u);
  uint64_t g = refs.store(JsValue(global));
  EXPECT_EQ(id_of(g), RefTable::kGlobal);
  EXPECT_EQ(flag_of(g), 1u);
  EXPECT_EQ(id_of(refs.store(JsValue(go))), RefTable::kGo);
  EXPECT_EQ(flag_of(refs.store(JsValue("s"))), 2u);
  JsObjectPtr f = make_function("f", [](const JsValue&, JsArgs) { return JsValue(); });
  EXPECT_EQ(flag_of(refs.store(JsValue(f))), 4u);
  // Fixed ids survive any number of releases.
  for (int i = 0; i < 5; ++i) refs.release(RefTable::kGlobal);
  EXPECT_EQ(refs.load(g).as_object(), global);
}

TEST_F(Refs, SameObjectSameIdAndCountedReleases) {
  JsObjectPtr o = make_object();
  uint64_t a = refs.store(JsValue(o));
  uint64_t b = refs.store(JsValue(o));
  EXPECT_EQ(a, b);  // Value.Equal compares refs
  EXPECT_EQ(refs.live_count(), 1u);
  refs.release(id_of(a));
  EXPECT_EQ(refs.load(a).as_object(), o);  // one reference left
  refs.release(id_of(a));
  EXPECT_TRUE(refs.load(a).is_undefined());  // freed
  EXPECT_EQ(refs.live_count(), 0u);
  // The id is reused for the next value.
  uint64_t c = refs.store(JsValue("x"));
  EXPECT_EQ(id_of(c), id_of(a));
  EXPECT_EQ(refs.load(c).as_string(), "x");
  // Equal strings share an id, as in wasm_exec.js's Map.
  EXPECT_EQ(refs.store(JsValue(std::string("x"))), c);
}

TEST_F(Refs, HostileIdsAreHarmless) {
  uint64_t bogus = (uint64_t{RefTable::kNanHead | 1} << 32) | 123456;
  EXPECT_TRUE(refs.load(bogus).is_undefined());
  refs.release(123456);
  refs.release(0xFFFFFFFF);
  uint64_t s = refs.store(JsValue("y"));
  refs.release(id_of(s));
  refs.release(id_of(s));  // double release of a freed id does nothing
  EXPECT_TRUE(refs.load(s).is_undefined());
  EXPECT_EQ(refs.live_count(), 0u);
}

TEST(EventLoop, TasksRunInOrderAndNeverInline) {
  EventLoop loop;
  std::vector<int> order;
  loop.post([&] {
    order.push_back(1);
    loop.post([&] { order.push_back(3); });
  });
  loop.post([&] { order.push_back(2); });
  EXPECT_TRUE(order.empty());
  while (loop.run_once(nullptr)) {
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(loop.alive());
}

TEST(EventLoop, TimersFireInDeadlineOrderAndCancel) {
  EventLoop loop;
  std::vector<int> order;
  auto start = std::chrono::steady_clock::now();
  loop.add_timer(30, [&] { order.push_back(30); });
  uint32_t cancelled = loop.add_timer(10, [&] { order.push_back(-1); });
  loop.add_timer(5, [&] { order.push_back(5); });
  loop.cancel_timer(cancelled);
  loop.cancel_timer(999);  // unknown: ignored
  while (loop.run_once(nullptr)) {
  }
  EXPECT_EQ(order, (std::vector<int>{5, 30}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

TEST(EventLoop, FdReadinessWakesTheLoop) {
  EventLoop loop;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  short seen = 0;
  loop.watch_fd(p[0], POLLIN, [&](short revents) { seen = revents; });
  loop.add_timer(20, [&] { ASSERT_EQ(write(p[1], "x", 1), 1); });
  while (loop.run_once(nullptr)) {
  }
  EXPECT_TRUE(seen & POLLIN);
  uint64_t never = loop.watch_fd(p[0], POLLOUT | POLLIN, [&](short) { FAIL(); });
  loop.cancel_watch(never);
  EXPECT_FALSE(loop.alive());
  close(p[0]);
  close(p[1]);
}

TEST(EventLoop, InterruptStopsAWait) {
  EventLoop loop;
  std::atomic<bool> stop{true};
  bool fired = false;
  loop.add_timer(60'000, [&] { fired = true; });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(loop.run_once(&stop));  // returns at once: interrupted, timer still pending
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_FALSE(fired);
  EXPECT_TRUE(loop.alive());
}

}  // namespace
}  // namespace wc::host::gojs
