// globalThis.webcontainer.net (src/host/gojs/net_host.cc), driven the way sdk/go/host_js.go
// drives it: get a method from the object, call it with arguments and a callback, run the
// event loop until the callback ran, look at what it received (err, result).
//
// The broker is a fake (NetBroker below) that makes real loopback sockets in this process,
// with a small policy (which ports listen and dial may use, which addresses no grant
// covers) so that denials come back as -EACCES the way the real broker's do. Both ends of a
// connection usually go through the host object, on the one event loop, as two goroutines of
// one Go program would.
//
// Every test ends (TearDown) by checking what must hold after any sequence of calls: each
// callback ran exactly once and never inside the call that started it, the loop has nothing
// left pending, and no host fd is left open.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../sockets/network_only_broker.h"
#include "host/broker_client.h"
#include "host/gojs/event_loop.h"
#include "host/gojs/js_value.h"
#include "host/gojs/net_host.h"
#include "host/gojs/realm.h"

namespace wc::host::gojs {
namespace {

// ---- Host-side helpers

// Open fds of this process (the one opendir uses is not counted).
int open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (struct dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;
}

std::string ip_of(const struct sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

int port_of(const struct sockaddr* sa) {
  if (sa->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(sa)->sin_port);
  if (sa->sa_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_port);
  return -1;
}

struct sockaddr_storage ipv4(const char* ip, int port, socklen_t* len) {
  struct sockaddr_storage ss {};
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &in->sin_addr);
  *len = sizeof(sockaddr_in);
  return ss;
}

// A socket the test makes itself, closed however the test ends (an ASSERT included), so
// that TearDown's fd count only sees what the host object left behind.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// A TCP socket bound to 127.0.0.1 on a free port but not listening: connecting to that port
// is refused, and nobody else can take the port while the socket is held.
Fd bound_not_listening(int* port) {
  Fd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  socklen_t len = 0;
  struct sockaddr_storage ss = ipv4("127.0.0.1", 0, &len);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return Fd();
  len = sizeof ss;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  *port = port_of(reinterpret_cast<sockaddr*>(&ss));
  return s;
}

// ---- The fake broker

// BrokerClient's network half over real loopback sockets, with the real broker's shape:
// sockets are created non-blocking and close-on-exec, the policy is checked before any
// socket exists, a denial is -EACCES, a failed connect closes its socket and returns -errno.
class NetBroker : public testing::NetworkOnlyBroker {
 public:
  // Policy. Port 0 in listen_ports allows "any free port".
  std::set<int> listen_ports{0};
  std::set<int> connect_ports;
  std::set<std::string> denied_ips;                       // no grant covers these
  std::map<std::string, std::vector<std::string>> names;  // what net_resolve answers
  // Report every connect as still in progress, even one loopback completed at once, so the
  // host object's POLLOUT / SO_ERROR path runs.
  bool force_in_progress = false;

  // What the host object asked for.
  int bind_calls = 0, connect_calls = 0, resolve_calls = 0;
  int last_backlog = -1;
  std::string last_bind_ip, last_service;
  std::vector<int> connect_fds;          // every socket net_connect handed out
  std::vector<bool> really_in_progress;  // whether the kernel said EINPROGRESS for it

  int net_bind(int family, int type, const struct sockaddr* addr, socklen_t len, int backlog,
               int* fd) override {
    ++bind_calls;
    last_backlog = backlog;
    last_bind_ip = ip_of(addr);
    if (type != SOCK_STREAM) return -EINVAL;
    if (denied_ips.count(ip_of(addr)) || !listen_ports.count(port_of(addr))) return -EACCES;
    int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(s, addr, len) != 0 || ::listen(s, backlog) != 0) {
      int e = errno;
      ::close(s);
      return -e;
    }
    *fd = s;
    return 0;
  }

  int net_connect(int family, int type, const struct sockaddr* addr, socklen_t len, int* fd,
                  bool* in_progress) override {
    ++connect_calls;
    if (denied_ips.count(ip_of(addr)) || !connect_ports.count(port_of(addr))) return -EACCES;
    int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    *in_progress = false;
    if (connect(s, addr, len) != 0) {
      if (errno != EINPROGRESS) {
        int e = errno;
        ::close(s);
        return -e;
      }
      *in_progress = true;
    }
    really_in_progress.push_back(*in_progress);
    if (force_in_progress) *in_progress = true;
    connect_fds.push_back(s);
    *fd = s;
    return 0;
  }

  int net_resolve(std::string_view host, std::string_view service, int family, int socktype,
                  std::vector<ResolvedAddress>* out) override {
    ++resolve_calls;
    last_service = std::string(service);
    if (family != AF_UNSPEC || socktype != SOCK_STREAM) return -EINVAL;
    auto it = names.find(std::string(host));
    if (it == names.end()) return -EACCES;  // the real broker answers only names a grant covers
    for (const std::string& ip : it->second) {
      ResolvedAddress r{};
      // Port 0: the host object must put the dialed port in itself.
      r.addr = ipv4(ip.c_str(), 0, &r.len);
      r.socktype = SOCK_STREAM;
      out->push_back(r);
    }
    return 0;
  }
};

// ---- Driving the object

// What one asynchronous call's callback received, and how often and when it ran.
struct Call {
  std::string method;
  int calls = 0;               // must end up exactly 1
  bool synchronous = false;    // ran inside the call that started the operation
  bool may_never_run = false;  // the test destroys the object under it
  std::vector<JsValue> args;

  bool done() const { return calls > 0; }
  const JsValue& err() const {
    static const JsValue kUndefined;
    return args.empty() ? kUndefined : args[0];
  }
  bool ok() const { return done() && err().is_null(); }
  std::string code() const { return err().get("code").to_string(); }
  std::string message() const { return err().get("message").to_string(); }
  JsValue value() const { return args.size() > 1 ? args[1] : JsValue(); }
  double number() const { return value().to_number(); }
  JsValue get(const char* key) const { return value().get(key); }
};
using CallPtr = std::shared_ptr<Call>;

// A fresh Uint8Array of n zero bytes, as a JS value.
JsObjectPtr u8(size_t n) { return std::make_shared<JsUint8Array>(n); }
// A Uint8Array the test also looks into, as a JS value.
JsValue arr(const std::shared_ptr<JsUint8Array>& a) { return JsValue(JsObjectPtr(a)); }

// A Uint8Array holding s.
JsObjectPtr bytes(std::string_view s) {
  auto a = std::make_shared<JsUint8Array>(s.size());
  if (!s.empty()) std::memcpy(a->data(), s.data(), s.size());  // an empty array has no data()
  return a;
}

// The byte at offset i of the big transfer: not periodic in any power of two, so a lost,
// repeated or reordered chunk shows.
uint8_t pattern(size_t i) { return static_cast<uint8_t>((i * 131 + (i >> 11) * 7) % 251); }

class GojsNet : public ::testing::Test {
 protected:
  void SetUp() override {
    realm.broker = &broker;
    net = make_net_object(realm);
    baseline_fds = open_fds();
  }

  void TearDown() override {
    // Whatever a test did, nothing may be left behind once its handles are closed.
    pump_until([&] { return !loop.alive(); }, 3.0);
    EXPECT_FALSE(loop.alive()) << "the event loop still has work pending";
    for (const CallPtr& c : started) {
      if (c->may_never_run) continue;
      EXPECT_EQ(c->calls, 1) << c->method << "'s callback did not run exactly once";
      EXPECT_FALSE(c->synchronous) << c->method << " called back synchronously";
    }
    EXPECT_EQ(open_fds(), baseline_fds) << "host fds leaked";
    net.reset();
    EXPECT_EQ(open_fds(), baseline_fds);
  }

  // Runs loop turns until pred() holds or `seconds` have passed; false on timeout. A turn
  // blocks while only fd watches are pending (as the Go runtime's wait does), so the time
  // bound is the loop's interrupt flag, raised by a watchdog thread.
  bool pump_until(const std::function<bool()>& pred, double seconds = 5.0) {
    std::atomic<bool> expired{false};
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    std::thread watchdog([&] {
      std::unique_lock<std::mutex> lock(m);
      if (!cv.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return finished; }))
        expired = true;
    });
    bool ok = true;
    while (!pred()) {
      // Nothing pending at all (false) means pred() can no longer change.
      if (expired || !loop.run_once(&expired)) {
        ok = pred();
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(m);
      finished = true;
    }
    cv.notify_all();
    watchdog.join();
    return ok;
  }

  // Lets `ms` milliseconds pass with the loop running (a timer, so the loop wakes for it).
  void settle(int ms) {
    auto passed = std::make_shared<bool>(false);
    loop.add_timer(ms, [passed] { *passed = true; });
    pump_until([&] { return *passed; });
  }

  // net.METHOD(args..., callback), as host_js.go's call() does. The callback records what it
  // got; it must not run before the call has returned.
  CallPtr start(const std::string& method, std::vector<JsValue> args) {
    auto c = std::make_shared<Call>();
    c->method = method;
    auto inside = std::make_shared<bool>(true);
    args.push_back(make_function("cb", [c, inside](const JsValue&, JsArgs a) {
      ++c->calls;
      if (*inside) c->synchronous = true;
      c->args.assign(a.begin(), a.end());
      return JsValue();
    }));
    started.push_back(c);
    net->get(method).as_object()->call(JsValue(), args);
    *inside = false;
    EXPECT_FALSE(c->done()) << method << " called back before returning";
    return c;
  }

  CallPtr wait(const CallPtr& c, double seconds = 5.0) {
    EXPECT_TRUE(pump_until([&] { return c->done(); }, seconds))
        << c->method << " never called back";
    return c;
  }
  CallPtr run(const std::string& method, std::vector<JsValue> args) {
    return wait(start(method, std::move(args)));
  }

  // A synchronous method (close, shutdown, setNoDelay, localAddr, remoteAddr).
  JsValue invoke(const std::string& method, std::vector<JsValue> args) {
    return net->get(method).as_object()->call(JsValue(), args);
  }

  // Calls net.METHOD expecting a TypeError thrown synchronously; returns its message.
  std::string expect_type_error(const std::string& method, std::vector<JsValue> args) {
    try {
      net->get(method).as_object()->call(JsValue(), args);
    } catch (const JsThrow& e) {
      EXPECT_EQ(e.value.get("name").to_string(), "TypeError") << method;
      return e.value.get("message").to_string();
    }
    ADD_FAILURE() << method << " did not throw";
    return "";
  }

  // A callback for calls that are expected to throw (and so never to call it).
  JsValue never_called() {
    return JsValue(make_function("never", [this](const JsValue&, JsArgs) {
      ++unexpected_callbacks;
      return JsValue();
    }));
  }

  // listen("127.0.0.1", 0) with the port granted to dial afterwards.
  struct Listener {
    double handle = 0;
    int port = 0;
  };
  Listener listen_local() {
    CallPtr c = run("listen", {"127.0.0.1", 0, 0});
    EXPECT_TRUE(c->ok()) << c->message();
    Listener l{c->get("fd").to_number(), static_cast<int>(c->get("localPort").to_number())};
    broker.connect_ports.insert(l.port);
    return l;
  }

  // A connected pair made through the object: listen, accept (pending), dial.
  struct Pair {
    Listener listener;
    double client = 0, server = 0;
    JsValue client_info, server_info;
  };
  Pair connect_pair() {
    Pair p;
    p.listener = listen_local();
    CallPtr a = start("accept", {p.listener.handle});
    CallPtr d = start("dial", {"127.0.0.1", p.listener.port});
    wait(d);
    wait(a);
    EXPECT_TRUE(d->ok()) << d->message();
    EXPECT_TRUE(a->ok()) << a->message();
    p.client = d->get("fd").to_number();
    p.server = a->get("fd").to_number();
    p.client_info = d->value();
    p.server_info = a->value();
    return p;
  }
  void close_pair(const Pair& p) {
    EXPECT_TRUE(invoke("close", {p.client}).truthy());
    EXPECT_TRUE(invoke("close", {p.server}).truthy());
    EXPECT_TRUE(invoke("close", {p.listener.handle}).truthy());
  }

  void send(double handle, std::string_view s) {
    CallPtr w = run("write", {handle, bytes(s)});
    ASSERT_TRUE(w->ok()) << w->message();
    EXPECT_EQ(w->number(), static_cast<double>(s.size()));
  }
  // One read of up to `max` bytes.
  std::string receive(double handle, size_t max = 4096) {
    auto buf = std::make_shared<JsUint8Array>(max);
    CallPtr r = run("read", {handle, arr(buf)});
    EXPECT_TRUE(r->ok()) << r->message();
    if (!r->ok()) return "<error>";
    size_t n = static_cast<size_t>(r->number());
    return std::string(reinterpret_cast<const char*>(buf->data()), std::min(n, max));
  }
  // Reads until `n` bytes arrived (TCP may split them).
  std::string receive_exactly(double handle, size_t n) {
    std::string got;
    while (got.size() < n) {
      std::string part = receive(handle, n - got.size());
      if (part.empty() || part == "<error>") break;
      got += part;
    }
    return got;
  }
  // Reads `n` bytes in 1 MiB reads and says whether they are pattern(0..n-1), in order.
  bool receive_pattern(double handle, size_t n) {
    size_t got = 0;
    bool intact = true;
    while (got < n) {
      auto buf = std::make_shared<JsUint8Array>(1u << 20);
      CallPtr r = run("read", {handle, arr(buf)});
      EXPECT_TRUE(r->ok()) << r->message();
      if (!r->ok() || r->number() <= 0) return false;
      for (size_t i = 0; i < static_cast<size_t>(r->number()); ++i)
        intact &= buf->data()[i] == pattern(got + i);
      got += static_cast<size_t>(r->number());
    }
    return intact;
  }

  NetBroker broker;
  EventLoop loop;
  Realm realm{loop};
  JsObjectPtr net;
  int baseline_fds = 0;
  int unexpected_callbacks = 0;
  std::vector<CallPtr> started;
};

// ---- listen / dial / accept / addresses

TEST_F(GojsNet, ListenOnPortZeroReportsTheChosenPort) {
  CallPtr c = run("listen", {"127.0.0.1", 0, 0});
  ASSERT_TRUE(c->ok()) << c->message();
  ASSERT_EQ(c->args.size(), 2u);
  JsValue fd = c->get("fd");
  ASSERT_TRUE(fd.is_number());  // host_js.go calls .Int() on it
  EXPECT_GE(fd.to_number(), 1);
  EXPECT_EQ(c->get("localAddress").to_string(), "127.0.0.1");
  int port = static_cast<int>(c->get("localPort").to_number());
  EXPECT_GT(port, 0);

  JsValue local = invoke("localAddr", {fd});
  EXPECT_TRUE(local.get("message").is_undefined());  // not an Error (host_js.go's test)
  EXPECT_EQ(local.get("address").to_string(), "127.0.0.1");
  EXPECT_EQ(local.get("port").to_number(), port);
  EXPECT_EQ(local.get("family").to_string(), "IPv4");
  // A listener has no peer: an Error with a string message, not a throw.
  JsValue peer = invoke("remoteAddr", {fd});
  EXPECT_TRUE(peer.get("message").is_string());
  EXPECT_EQ(peer.get("code").to_string(), "ENOTCONN");

  EXPECT_TRUE(invoke("close", {fd}).truthy());
}

TEST_F(GojsNet, ListenPassesHostAndBacklogToTheBroker) {
  // host "" is every IPv4 address; backlog <= 0 (or absurd) is 511.
  CallPtr c = run("listen", {"", 0, 0});
  ASSERT_TRUE(c->ok()) << c->message();
  EXPECT_EQ(broker.last_bind_ip, "0.0.0.0");
  EXPECT_EQ(broker.last_backlog, 511);
  EXPECT_EQ(c->get("localAddress").to_string(), "0.0.0.0");
  invoke("close", {c->get("fd")});

  c = run("listen", {"localhost", 0, 7});
  ASSERT_TRUE(c->ok()) << c->message();
  EXPECT_EQ(broker.last_bind_ip, "127.0.0.1");
  EXPECT_EQ(broker.last_backlog, 7);
  invoke("close", {c->get("fd")});

  c = run("listen", {JsValue::null(), 0, -3});
  ASSERT_TRUE(c->ok()) << c->message();
  EXPECT_EQ(broker.last_backlog, 511);
  invoke("close", {c->get("fd")});
}

TEST_F(GojsNet, DialAndAcceptSeeEachOthersAddresses) {
  Pair p = connect_pair();
  EXPECT_EQ(p.client_info.get("remoteAddress").to_string(), "127.0.0.1");
  EXPECT_EQ(p.client_info.get("remotePort").to_number(), p.listener.port);
  EXPECT_EQ(p.server_info.get("localPort").to_number(), p.listener.port);
  EXPECT_EQ(p.server_info.get("remoteAddress").to_string(), "127.0.0.1");
  // The accepted connection's peer is the dialer's local end.
  EXPECT_EQ(p.server_info.get("remotePort").to_number(),
            p.client_info.get("localPort").to_number());
  EXPECT_NE(p.client, p.server);
  EXPECT_NE(p.server, p.listener.handle);

  JsValue r = invoke("remoteAddr", {p.server});
  EXPECT_EQ(r.get("port").to_number(), p.client_info.get("localPort").to_number());
  EXPECT_EQ(r.get("family").to_string(), "IPv4");
  JsValue l = invoke("localAddr", {p.client});
  EXPECT_EQ(l.get("port").to_number(), p.client_info.get("localPort").to_number());
  close_pair(p);
}

TEST_F(GojsNet, DialLocalhostAndEmptyHostMeanLoopback) {
  Listener l = listen_local();
  for (const char* host : {"localhost", ""}) {
    CallPtr a = start("accept", {l.handle});
    CallPtr d = run("dial", {host, l.port});
    ASSERT_TRUE(d->ok()) << host << ": " << d->message();
    EXPECT_EQ(d->get("remoteAddress").to_string(), "127.0.0.1");
    wait(a);
    ASSERT_TRUE(a->ok()) << a->message();
    invoke("close", {d->get("fd")});
    invoke("close", {a->get("fd")});
  }
  EXPECT_EQ(broker.resolve_calls, 0);  // neither needs the broker's resolver
  invoke("close", {l.handle});
}

TEST_F(GojsNet, Ipv6LiteralsWithAndWithoutBrackets) {
  CallPtr c = run("listen", {"::1", 0, 0});
  if (!c->ok() && (c->code() == "EADDRNOTAVAIL" || c->code() == "EAFNOSUPPORT"))
    GTEST_SKIP() << "no IPv6 loopback here";
  ASSERT_TRUE(c->ok()) << c->message();
  EXPECT_EQ(c->get("localAddress").to_string(), "::1");
  int port = static_cast<int>(c->get("localPort").to_number());
  broker.connect_ports.insert(port);
  JsValue local = invoke("localAddr", {c->get("fd")});
  EXPECT_EQ(local.get("family").to_string(), "IPv6");
  EXPECT_EQ(local.get("address").to_string(), "::1");

  CallPtr a = start("accept", {c->get("fd")});
  CallPtr d = run("dial", {"[::1]", port});
  ASSERT_TRUE(d->ok()) << d->message();
  EXPECT_EQ(d->get("remoteAddress").to_string(), "::1");
  wait(a);
  ASSERT_TRUE(a->ok()) << a->message();
  invoke("close", {d->get("fd")});
  invoke("close", {a->get("fd")});
  invoke("close", {c->get("fd")});
}

TEST_F(GojsNet, DialThroughTheBrokersResolverTriesEachAddress) {
  Listener l = listen_local();
  // The first address is one no grant covers: the dial goes on to the second.
  broker.denied_ips.insert("127.0.0.2");
  broker.names["two.test"] = {"127.0.0.2", "127.0.0.1"};
  CallPtr a = start("accept", {l.handle});
  CallPtr d = run("dial", {"two.test", l.port});
  ASSERT_TRUE(d->ok()) << d->message();
  EXPECT_EQ(broker.last_service, std::to_string(l.port));
  EXPECT_EQ(broker.connect_calls, 2);
  EXPECT_EQ(d->get("remoteAddress").to_string(), "127.0.0.1");
  EXPECT_EQ(d->get("remotePort").to_number(), l.port);  // the port the resolver left at 0
  wait(a);
  ASSERT_TRUE(a->ok());
  invoke("close", {d->get("fd")});
  invoke("close", {a->get("fd")});
  invoke("close", {l.handle});
}

TEST_F(GojsNet, DialReportsTheFirstAddresssErrorWhenAllFail) {
  int port = 0;
  Fd held = bound_not_listening(&port);
  ASSERT_GE(held.get(), 0);
  broker.connect_ports.insert(port);
  broker.denied_ips.insert("127.0.0.2");

  broker.names["denied-first.test"] = {"127.0.0.2", "127.0.0.1"};
  CallPtr d = run("dial", {"denied-first.test", port});
  EXPECT_EQ(d->code(), "EACCES");
  EXPECT_TRUE(d->value().is_nullish());

  broker.names["refused-first.test"] = {"127.0.0.1", "127.0.0.2"};
  d = run("dial", {"refused-first.test", port});
  EXPECT_EQ(d->code(), "ECONNREFUSED");
  EXPECT_EQ(d->err().get("syscall").to_string(), "connect");
}

TEST_F(GojsNet, UnresolvableNameFailsWithoutAConnect) {
  CallPtr d = run("dial", {"nowhere.test", 80});
  EXPECT_EQ(d->code(), "EACCES");
  EXPECT_EQ(d->err().get("syscall").to_string(), "getaddrinfo");
  EXPECT_EQ(broker.connect_calls, 0);
}

// The connect is reported in progress: the object waits for POLLOUT and reads SO_ERROR.
TEST_F(GojsNet, DialInProgressCompletesOnTheLoop) {
  broker.force_in_progress = true;
  Pair p = connect_pair();
  EXPECT_EQ(p.client_info.get("remotePort").to_number(), p.listener.port);
  send(p.client, "after an async connect");
  EXPECT_EQ(receive_exactly(p.server, 22), "after an async connect");
  close_pair(p);
}

// A connect that fails after it was reported in progress (SO_ERROR): the socket is closed
// and the next address is tried. The kernel only leaves a loopback connect in progress when
// the listener's accept queue is full (the SYN is dropped and retried after ~1 s); once the
// listener is gone the retried SYN is refused.
TEST_F(GojsNet, DialFailingAfterInProgressClosesItsSocketAndTriesTheNextAddress) {
  Fd full(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  socklen_t len = 0;
  struct sockaddr_storage ss = ipv4("127.0.0.1", 0, &len);
  ASSERT_EQ(bind(full.get(), reinterpret_cast<sockaddr*>(&ss), len), 0);
  ASSERT_EQ(::listen(full.get(), 0), 0);
  len = sizeof ss;
  getsockname(full.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  const int port = port_of(reinterpret_cast<sockaddr*>(&ss));
  // Fill the accept queue until a connect stays in progress.
  std::vector<Fd> fillers;
  bool queue_full = false;
  for (int i = 0; i < 8 && !queue_full; ++i) {
    fillers.emplace_back(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ss = ipv4("127.0.0.1", port, &len);
    queue_full = connect(fillers.back().get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 &&
                 errno == EINPROGRESS;
  }
  if (!queue_full) GTEST_SKIP() << "could not fill the accept queue";
  // The second address: a listener on 127.0.0.3 with the same port.
  Fd second(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ss = ipv4("127.0.0.3", port, &len);
  ASSERT_EQ(bind(second.get(), reinterpret_cast<sockaddr*>(&ss), len), 0);
  ASSERT_EQ(::listen(second.get(), 4), 0);

  broker.connect_ports.insert(port);
  broker.names["slow.test"] = {"127.0.0.1", "127.0.0.3"};
  CallPtr d = start("dial", {"slow.test", port});
  ASSERT_EQ(broker.really_in_progress.size(), 1u);
  if (!broker.really_in_progress[0]) {
    wait(d);
    if (d->ok()) invoke("close", {d->get("fd")});
    GTEST_SKIP() << "the kernel completed the connect at once";
  }
  // Gone listener: the retried SYN gets a reset.
  fillers.clear();
  full.reset();
  const int fds_before = open_fds();  // with the socket of the first attempt
  wait(d, 15.0);
  ASSERT_TRUE(d->ok()) << d->message();
  EXPECT_EQ(d->get("remoteAddress").to_string(), "127.0.0.3");
  EXPECT_EQ(broker.connect_calls, 2);
  // The first attempt's socket was closed; the second's is the connection.
  EXPECT_EQ(open_fds(), fds_before);
  Fd accepted(accept4(second.get(), nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_GE(accepted.get(), 0);
  invoke("close", {d->get("fd")});
}

// ---- Data

TEST_F(GojsNet, WriteThenReadBackBothWays) {
  Pair p = connect_pair();
  send(p.client, "hello from the dialer");
  EXPECT_EQ(receive_exactly(p.server, 21), "hello from the dialer");
  send(p.server, "and back");
  EXPECT_EQ(receive_exactly(p.client, 8), "and back");
  close_pair(p);
}

// 4 MiB in writes of uneven sizes, read back in reads of other uneven sizes, both chains
// running concurrently on the loop (a write bigger than the socket buffers can only finish
// while the other side reads). Every byte is checked.
TEST_F(GojsNet, FourMebibytesArriveIntactThroughManyReadsAndWrites) {
  Pair p = connect_pair();
  constexpr size_t kTotal = 4u << 20;
  const std::vector<size_t> write_sizes = {1, 1000, 65536, 1u << 20, 3, 2u << 20};
  size_t planned = 0;
  for (size_t s : write_sizes) planned += s;
  ASSERT_LT(planned, kTotal);

  struct State {
    size_t written = 0, next_write = 0, writes_done = 0;
    std::vector<uint8_t> received;
    size_t reads = 0;
    bool failed = false, eof = false, writer_done = false;
    std::string error;
  };
  auto st = std::make_shared<State>();
  st->received.reserve(kTotal);

  // The writer: one write outstanding at a time, each from a fresh Uint8Array that only the
  // host object keeps alive once write() returned.
  std::function<void()> write_next = [&, st] {
    if (st->written == kTotal) {
      st->writer_done = true;
      return;
    }
    size_t n =
        st->next_write < write_sizes.size() ? write_sizes[st->next_write] : kTotal - st->written;
    ++st->next_write;
    auto buf = std::make_shared<JsUint8Array>(n);
    for (size_t i = 0; i < n; ++i) buf->data()[i] = pattern(st->written + i);
    auto cb = make_function("wcb", [&, st, n](const JsValue&, JsArgs a) {
      if (!a[0].is_null() || a[1].to_number() != static_cast<double>(n)) {
        st->failed = true;
        st->error = "write: " + a[0].to_string() + " n=" + a[1].to_string();
        return JsValue();
      }
      st->written += n;
      ++st->writes_done;
      write_next();
      return JsValue();
    });
    net->get("write").as_object()->call(JsValue(),
                                        std::vector<JsValue>{p.client, JsValue(buf), JsValue(cb)});
  };
  // The reader: sizes cycle through small, odd and large; each read gets a fresh array too.
  const size_t read_sizes[] = {1, 7001, 65536, 300000, 4096};
  std::function<void()> read_next = [&, st] {
    size_t size = read_sizes[st->reads % std::size(read_sizes)];
    auto buf = std::make_shared<JsUint8Array>(size);
    auto cb = make_function("rcb", [&, st, buf, size](const JsValue&, JsArgs a) {
      ++st->reads;
      if (!a[0].is_null()) {
        st->failed = true;
        st->error = "read: " + a[0].to_string();
        return JsValue();
      }
      double n = a[1].to_number();
      if (!(n >= 0 && n <= static_cast<double>(size))) {
        st->failed = true;
        st->error =
            "read returned " + a[1].to_string() + " for an array of " + std::to_string(size);
        return JsValue();
      }
      if (n == 0) {
        st->eof = true;
        return JsValue();
      }
      st->received.insert(st->received.end(), buf->data(), buf->data() + static_cast<size_t>(n));
      read_next();
      return JsValue();
    });
    net->get("read").as_object()->call(JsValue(),
                                       std::vector<JsValue>{p.server, JsValue(buf), JsValue(cb)});
  };
  write_next();
  read_next();
  ASSERT_TRUE(pump_until(
      [&] { return st->failed || (st->writer_done && st->received.size() >= kTotal); }, 30.0))
      << "stalled: written " << st->written << ", received " << st->received.size();
  ASSERT_FALSE(st->failed) << st->error;
  // Then the writer's half-close ends the reader's chain with n == 0.
  EXPECT_TRUE(invoke("shutdown", {p.client, 1}).is_null());
  ASSERT_TRUE(pump_until([&] { return st->eof || st->failed; }));
  ASSERT_FALSE(st->failed) << st->error;

  EXPECT_EQ(st->writes_done, write_sizes.size() + 1);
  EXPECT_GT(st->reads, 3u);
  ASSERT_EQ(st->received.size(), kTotal);
  size_t bad = kTotal;
  for (size_t i = 0; i < kTotal && bad == kTotal; ++i)
    if (st->received[i] != pattern(i)) bad = i;
  EXPECT_EQ(bad, kTotal) << "first wrong byte at offset " << bad;
  // The chains' lambdas capture by reference: nothing of them may still be queued.
  write_next = nullptr;
  read_next = nullptr;
  close_pair(p);
}

TEST_F(GojsNet, ReadReturnsZeroAtEndOfStreamAfterPeerClose) {
  Pair p = connect_pair();
  send(p.client, "last words");
  EXPECT_TRUE(invoke("close", {p.client}).truthy());
  EXPECT_EQ(receive_exactly(p.server, 10), "last words");
  CallPtr r = run("read", {p.server, u8(16)});
  ASSERT_TRUE(r->ok()) << r->message();
  EXPECT_EQ(r->number(), 0);
  // And again: end of stream stays end of stream.
  r = run("read", {p.server, u8(16)});
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->number(), 0);
  invoke("close", {p.server});
  invoke("close", {p.listener.handle});
}

// A read already waiting when the peer closes is woken by the loop and gets 0.
TEST_F(GojsNet, PendingReadIsWokenByPeerClose) {
  Pair p = connect_pair();
  CallPtr r = start("read", {p.server, u8(16)});
  settle(50);  // it really waits
  EXPECT_FALSE(r->done());
  invoke("close", {p.client});
  wait(r);
  EXPECT_TRUE(r->ok()) << r->message();
  EXPECT_EQ(r->number(), 0);
  invoke("close", {p.server});
  invoke("close", {p.listener.handle});
}

// shutdown(fd, 1) is CloseWrite: the peer reads end of stream, the other direction still works.
TEST_F(GojsNet, ShutdownWriteIsAHalfClose) {
  Pair p = connect_pair();
  send(p.client, "request");
  EXPECT_TRUE(invoke("shutdown", {p.client, 1}).is_null());
  EXPECT_EQ(receive_exactly(p.server, 7), "request");
  CallPtr r = run("read", {p.server, u8(16)});
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->number(), 0);
  send(p.server, "response");
  EXPECT_EQ(receive_exactly(p.client, 8), "response");
  // Writing after one's own shutdown(1) is an error through the callback (EPIPE), no signal.
  CallPtr w = run("write", {p.client, bytes("late")});
  EXPECT_EQ(w->code(), "EPIPE");
  EXPECT_EQ(w->err().get("syscall").to_string(), "write");
  close_pair(p);
}

TEST_F(GojsNet, ShutdownRejectsBadHowWithEinval) {
  Pair p = connect_pair();
  for (JsValue how : {JsValue(3), JsValue(-1), JsValue("1"), JsValue(), JsValue(1e12), JsValue(1.5),
                      JsValue(std::nan(""))}) {
    JsValue e = invoke("shutdown", {p.client, how});
    EXPECT_TRUE(e.get("message").is_string()) << how.to_string();
    EXPECT_EQ(e.get("code").to_string(), "EINVAL") << how.to_string();
  }
  close_pair(p);
}

TEST_F(GojsNet, EmptyArraysReadAndWriteZeroBytes) {
  Pair p = connect_pair();
  CallPtr w = run("write", {p.client, u8(0)});
  EXPECT_TRUE(w->ok());
  EXPECT_EQ(w->number(), 0);
  CallPtr r = run("read", {p.server, u8(0)});
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->number(), 0);
  close_pair(p);
}

// Reads fill only the view they were given, writes send only theirs: a Uint8Array is a window
// on a larger buffer (Go's CopyBytesToJS targets such views), and the bytes around it
// belong to someone else.
TEST_F(GojsNet, ReadAndWriteStayInsideASubarrayView) {
  Pair p = connect_pair();
  constexpr uint8_t kGuard = 0xEE;
  auto shared = std::make_shared<std::vector<uint8_t>>(64, kGuard);
  auto view = std::make_shared<JsUint8Array>(shared, 16, 8);
  send(p.client, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");  // 32 bytes for an 8-byte view

  // Let all 32 bytes arrive so that a read not honouring the view's length would take them.
  settle(50);
  CallPtr r = run("read", {p.server, arr(view)});
  ASSERT_TRUE(r->ok()) << r->message();
  EXPECT_EQ(r->number(), 8);
  EXPECT_EQ(std::string(shared->begin() + 16, shared->begin() + 24), "ABCDEFGH");
  for (size_t i = 0; i < 64; ++i) {
    if (i >= 16 && i < 24) continue;
    EXPECT_EQ((*shared)[i], kGuard) << "byte " << i << " outside the view";
  }
  // The rest is still there for the next reads.
  EXPECT_EQ(receive_exactly(p.server, 24), "IJKLMNOPQRSTUVWXYZ012345");

  // Writing from a view sends exactly its bytes.
  auto text = std::make_shared<std::vector<uint8_t>>();
  for (char c : std::string("0123456789")) text->push_back(static_cast<uint8_t>(c));
  CallPtr w = run("write", {p.client, arr(std::make_shared<JsUint8Array>(text, 4, 5))});
  ASSERT_TRUE(w->ok());
  EXPECT_EQ(w->number(), 5);
  invoke("shutdown", {p.client, 1});
  EXPECT_EQ(receive_exactly(p.server, 5), "45678");
  CallPtr end = run("read", {p.server, u8(16)});
  EXPECT_EQ(end->number(), 0) << "bytes beyond the view were sent";
  close_pair(p);
}

// A write larger than the socket buffers stays pending while the peer does not read; it
// completes with the whole length once the peer drains it. The test drops its own
// reference to the array: the object must keep it alive (ASan would see a use after free).
TEST_F(GojsNet, BlockedWriteWaitsForThePeerAndKeepsItsArrayAlive) {
  Pair p = connect_pair();
  constexpr size_t kBig = 16u << 20;
  CallPtr w;
  {
    auto big = std::make_shared<JsUint8Array>(kBig);
    for (size_t i = 0; i < kBig; ++i) big->data()[i] = pattern(i);
    w = start("write", {p.client, arr(big)});
  }
  settle(100);
  ASSERT_FALSE(w->done()) << "16 MiB fitted into the socket buffers?";
  // A second write while the first is pending is refused, and the first goes on.
  CallPtr w2 = run("write", {p.client, bytes("x")});
  EXPECT_EQ(w2->code(), "EBUSY");

  EXPECT_TRUE(receive_pattern(p.server, kBig));
  wait(w);
  EXPECT_TRUE(w->ok()) << w->message();
  EXPECT_EQ(w->number(), static_cast<double>(kBig));
  close_pair(p);
}

// The peer goes away with unread data (a reset) while a write is blocked: the write fails
// through its callback rather than hanging or raising SIGPIPE.
TEST_F(GojsNet, BlockedWriteFailsWhenThePeerResets) {
  Pair p = connect_pair();
  CallPtr w = start("write", {p.client, u8(16u << 20)});
  settle(100);
  ASSERT_FALSE(w->done());
  invoke("close", {p.server});
  wait(w);
  EXPECT_FALSE(w->ok());
  EXPECT_TRUE(w->code() == "ECONNRESET" || w->code() == "EPIPE") << w->code();
  invoke("close", {p.client});
  invoke("close", {p.listener.handle});
}

// tryWrite sends what fits at once and says how much, with no callback: a small message
// goes whole and arrives; a huge one goes in part, then nothing more fits (0); while a write
// is pending, tryWrite refuses (EBUSY) so that its bytes cannot overtake the pending ones.
TEST_F(GojsNet, TryWriteSendsWhatFitsNowAndNeverOvertakesAPendingWrite) {
  Pair p = connect_pair();
  EXPECT_EQ(invoke("tryWrite", {p.client, bytes("ping")}).to_number(), 4);
  EXPECT_EQ(receive_exactly(p.server, 4), "ping");
  EXPECT_EQ(invoke("tryWrite", {p.server, bytes("")}).to_number(), 0);

  constexpr size_t kBig = 16u << 20;
  auto big = std::make_shared<JsUint8Array>(kBig);
  for (size_t i = 0; i < kBig; ++i) big->data()[i] = pattern(i);
  double first = invoke("tryWrite", {p.client, arr(big)}).to_number();
  EXPECT_GT(first, 0);
  EXPECT_LT(first, static_cast<double>(kBig)) << "16 MiB fitted into the socket buffers?";
  EXPECT_EQ(invoke("tryWrite", {p.client, bytes("x")}).to_number(), 0) << "the buffer is full";
  // The rest through write, pending until the peer reads.
  auto rest = std::make_shared<JsUint8Array>(kBig - static_cast<size_t>(first));
  std::memcpy(rest->data(), big->data() + static_cast<size_t>(first), rest->size());
  CallPtr w = start("write", {p.client, arr(rest)});
  EXPECT_EQ(invoke("tryWrite", {p.client, bytes("x")}).get("code").to_string(), "EBUSY");
  EXPECT_TRUE(receive_pattern(p.server, kBig)) << "tryWrite's bytes and write's came out of order";
  wait(w);
  EXPECT_TRUE(w->ok()) << w->message();
  close_pair(p);
}

// tryRead takes what is there now: null while nothing is, the bytes (at most the array's
// size, the rest left for later) once they are, 0 at the end of the stream; EBUSY while a
// read is pending (that read gets the bytes).
TEST_F(GojsNet, TryReadTakesWhatIsThereNowAndNeverStealsFromAPendingRead) {
  Pair p = connect_pair();
  auto buf = std::make_shared<JsUint8Array>(4);
  EXPECT_TRUE(invoke("tryRead", {p.server, arr(buf)}).is_null());
  send(p.client, "abcdef");
  JsValue n;
  for (int i = 0; i < 100 && !n.is_number(); ++i) {
    n = invoke("tryRead", {p.server, arr(buf)});
    if (!n.is_number()) settle(5);
  }
  ASSERT_TRUE(n.is_number()) << n.to_string();
  EXPECT_EQ(n.to_number(), 4);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf->data()), 4), "abcd");
  EXPECT_EQ(invoke("tryRead", {p.server, arr(buf)}).to_number(), 2);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf->data()), 2), "ef");
  EXPECT_EQ(invoke("tryRead", {p.server, bytes("")}).to_number(), 0);  // an empty array

  CallPtr r = start("read", {p.server, u8(16)});
  EXPECT_EQ(invoke("tryRead", {p.server, arr(buf)}).get("code").to_string(), "EBUSY");
  send(p.client, "gh");
  wait(r);
  EXPECT_EQ(r->number(), 2) << "the pending read lost its bytes";

  // A read right after a tryRead that found nothing waits for the bytes, whether they come
  // before it starts (between the two calls) or after.
  EXPECT_TRUE(invoke("tryRead", {p.server, arr(buf)}).is_null());
  send(p.client, "ij");
  settle(10);
  CallPtr r2 = run("read", {p.server, u8(16)});
  EXPECT_EQ(r2->number(), 2) << "bytes that came between tryRead and read were missed";
  EXPECT_TRUE(invoke("tryRead", {p.server, arr(buf)}).is_null());
  CallPtr r3 = start("read", {p.server, u8(16)});
  settle(10);
  EXPECT_FALSE(r3->done());
  send(p.client, "kl");
  wait(r3);
  EXPECT_EQ(r3->number(), 2);

  invoke("shutdown", {p.client, 1});
  JsValue end;
  for (int i = 0; i < 100 && !end.is_number(); ++i) {
    end = invoke("tryRead", {p.server, arr(buf)});
    if (!end.is_number()) settle(5);
  }
  EXPECT_EQ(end.to_number(), 0) << "no end of stream";
  close_pair(p);
}

TEST_F(GojsNet, TryWriteToAResetPeerIsAnError) {
  Pair p = connect_pair();
  // Unread data at close makes the peer's close a reset.
  EXPECT_EQ(invoke("tryWrite", {p.client, bytes("unread")}).to_number(), 6);
  settle(20);
  invoke("close", {p.server});
  settle(20);
  JsValue r;
  for (int i = 0; i < 3 && !r.is_object(); ++i) r = invoke("tryWrite", {p.client, bytes("x")});
  ASSERT_TRUE(r.is_object()) << "writes to a reset connection kept succeeding";
  EXPECT_TRUE(r.get("code").to_string() == "ECONNRESET" || r.get("code").to_string() == "EPIPE")
      << r.get("code").to_string();
  EXPECT_EQ(r.get("syscall").to_string(), "write");
  invoke("close", {p.client});
  invoke("close", {p.listener.handle});
}

// ---- Errors

TEST_F(GojsNet, DeniedListenIsEaccesAndLeaksNothing) {
  broker.listen_ports = {};  // no --allow-listen at all
  const int before = open_fds();
  CallPtr c = run("listen", {"127.0.0.1", 0, 0});
  EXPECT_FALSE(c->ok());
  EXPECT_EQ(c->code(), "EACCES");
  EXPECT_EQ(c->err().get("syscall").to_string(), "listen");
  EXPECT_EQ(c->err().get("errno").to_number(), -EACCES);  // Node's negative errno
  EXPECT_TRUE(c->err().get("message").is_string());
  EXPECT_NE(c->message().find("127.0.0.1:0"), std::string::npos) << c->message();
  EXPECT_TRUE(c->value().is_nullish());
  EXPECT_EQ(broker.bind_calls, 1);
  EXPECT_EQ(open_fds(), before);
}

TEST_F(GojsNet, DeniedDialIsEaccesAndLeaksNothing) {
  Listener l = listen_local();
  broker.connect_ports.erase(l.port);
  const int before = open_fds();
  CallPtr d = run("dial", {"127.0.0.1", l.port});
  EXPECT_EQ(d->code(), "EACCES");
  EXPECT_EQ(d->err().get("syscall").to_string(), "connect");
  EXPECT_EQ(open_fds(), before);
  // Nothing reached the listener.
  CallPtr a = start("accept", {l.handle});
  settle(50);
  EXPECT_FALSE(a->done());
  invoke("close", {l.handle});
  wait(a);
  EXPECT_EQ(a->code(), "ECANCELED");
}

TEST_F(GojsNet, DialToAClosedPortIsEconnrefused) {
  int port = 0;
  Fd held = bound_not_listening(&port);
  ASSERT_GE(held.get(), 0);
  broker.connect_ports.insert(port);
  const int before = open_fds();
  CallPtr d = run("dial", {"127.0.0.1", port});
  EXPECT_EQ(d->code(), "ECONNREFUSED");
  EXPECT_EQ(open_fds(), before);
  // The same through the in-progress path.
  broker.force_in_progress = true;
  d = run("dial", {"127.0.0.1", port});
  EXPECT_EQ(d->code(), "ECONNREFUSED");
  EXPECT_EQ(open_fds(), before);
}

TEST_F(GojsNet, UnknownHandlesAreEbadf) {
  JsValue buf = u8(4);
  // Never handed out, not integers, not numbers: all unknown.
  for (JsValue h : {JsValue(999), JsValue(0), JsValue(-1), JsValue(1.5), JsValue("1"),
                    JsValue(std::numeric_limits<double>::quiet_NaN()), JsValue::null()}) {
    SCOPED_TRACE(h.to_string());
    EXPECT_EQ(run("read", {h, buf})->code(), "EBADF");
    EXPECT_EQ(run("write", {h, buf})->code(), "EBADF");
    EXPECT_EQ(run("accept", {h})->code(), "EBADF");
    EXPECT_EQ(invoke("tryWrite", {h, buf}).get("code").to_string(), "EBADF");
    EXPECT_EQ(invoke("tryRead", {h, buf}).get("code").to_string(), "EBADF");
    EXPECT_FALSE(invoke("close", {h}).truthy());
    EXPECT_EQ(invoke("shutdown", {h, 1}).get("code").to_string(), "EBADF");
    EXPECT_EQ(invoke("setNoDelay", {h, true}).get("code").to_string(), "EBADF");
    EXPECT_EQ(invoke("localAddr", {h}).get("code").to_string(), "EBADF");
    EXPECT_EQ(invoke("remoteAddr", {h}).get("code").to_string(), "EBADF");
    EXPECT_TRUE(invoke("localAddr", {h}).get("message").is_string());
  }
}

// A closed handle is unknown from then on, and handles are never handed out again.
TEST_F(GojsNet, ClosedHandlesAreEbadfAndNotReused) {
  Pair p = connect_pair();
  std::set<double> seen = {p.listener.handle, p.client, p.server};
  EXPECT_EQ(seen.size(), 3u);
  close_pair(p);
  EXPECT_FALSE(invoke("close", {p.client}).truthy());  // a second close
  EXPECT_EQ(run("read", {p.client, u8(4)})->code(), "EBADF");
  EXPECT_EQ(run("accept", {p.listener.handle})->code(), "EBADF");
  Pair q = connect_pair();
  for (double h : {q.listener.handle, q.client, q.server})
    EXPECT_FALSE(seen.count(h)) << "handle " << h << " was reused";
  close_pair(q);
}

TEST_F(GojsNet, WrongKindOfHandle) {
  Pair p = connect_pair();
  CallPtr r = run("read", {p.listener.handle, u8(4)});
  EXPECT_EQ(r->code(), "ENOTCONN");
  EXPECT_EQ(run("write", {p.listener.handle, bytes("x")})->code(), "ENOTCONN");
  EXPECT_EQ(invoke("tryWrite", {p.listener.handle, bytes("x")}).get("code").to_string(),
            "ENOTCONN");
  EXPECT_EQ(invoke("tryRead", {p.listener.handle, u8(4)}).get("code").to_string(), "ENOTCONN");
  EXPECT_EQ(run("accept", {p.client})->code(), "EINVAL");
  close_pair(p);
}

TEST_F(GojsNet, SecondPendingReadIsEbusyAndTheFirstStillCompletes) {
  Pair p = connect_pair();
  auto first_buf = std::make_shared<JsUint8Array>(16);
  CallPtr first = start("read", {p.server, arr(first_buf)});
  CallPtr second = run("read", {p.server, u8(16)});
  EXPECT_EQ(second->code(), "EBUSY");
  EXPECT_FALSE(first->done());
  send(p.client, "data");
  wait(first);
  ASSERT_TRUE(first->ok()) << first->message();
  EXPECT_EQ(first->number(), 4);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(first_buf->data()), 4), "data");
  // Once the first completed, reading again is fine.
  send(p.client, "more");
  EXPECT_EQ(receive_exactly(p.server, 4), "more");
  close_pair(p);
}

TEST_F(GojsNet, SecondPendingAcceptIsEbusy) {
  Listener l = listen_local();
  CallPtr first = start("accept", {l.handle});
  CallPtr second = run("accept", {l.handle});
  EXPECT_EQ(second->code(), "EBUSY");
  CallPtr d = run("dial", {"127.0.0.1", l.port});
  wait(first);
  ASSERT_TRUE(first->ok());
  invoke("close", {first->get("fd")});
  invoke("close", {d->get("fd")});
  invoke("close", {l.handle});
}

// Go's Close with a Read in flight: the read ends with ECANCELED, its callback runs once
// (not from inside close), and data arriving later wakes nothing.
TEST_F(GojsNet, CloseCancelsAPendingReadExactlyOnce) {
  Pair p = connect_pair();
  CallPtr r = start("read", {p.server, u8(16)});
  settle(20);
  ASSERT_FALSE(r->done());
  EXPECT_TRUE(invoke("close", {p.server}).truthy());
  EXPECT_FALSE(r->done()) << "the cancellation ran inside close()";
  wait(r);
  EXPECT_EQ(r->code(), "ECANCELED");
  EXPECT_EQ(r->err().get("syscall").to_string(), "read");
  // The peer writes into the closed connection; no second call. (TearDown checks
  // calls == 1 after draining the loop.)
  CallPtr w = run("write", {p.client, bytes("too late")});
  settle(50);
  EXPECT_EQ(r->calls, 1);
  (void)w;
  invoke("close", {p.client});
  invoke("close", {p.listener.handle});
}

TEST_F(GojsNet, CloseCancelsPendingAcceptAndWrite) {
  Pair p = connect_pair();
  CallPtr a = start("accept", {p.listener.handle});
  CallPtr w = start("write", {p.client, u8(16u << 20)});
  CallPtr r = start("read", {p.client, u8(16)});
  settle(100);
  ASSERT_FALSE(w->done());
  ASSERT_FALSE(a->done());
  EXPECT_TRUE(invoke("close", {p.listener.handle}).truthy());
  EXPECT_TRUE(invoke("close", {p.client}).truthy());  // both its read and its write
  wait(a);
  wait(w);
  wait(r);
  EXPECT_EQ(a->code(), "ECANCELED");
  EXPECT_EQ(a->err().get("syscall").to_string(), "accept");
  EXPECT_EQ(w->code(), "ECANCELED");
  EXPECT_EQ(w->err().get("syscall").to_string(), "write");
  EXPECT_EQ(r->code(), "ECANCELED");
  invoke("close", {p.server});
}

// An operation that already completed but whose callback has not run yet is not cancelled
// again by close: it gets its result, once.
TEST_F(GojsNet, CloseAfterCompletionButBeforeTheCallbackRan) {
  Pair p = connect_pair();
  send(p.client, "ready");
  settle(50);
  CallPtr r = start("read", {p.server, u8(16)});
  // recv succeeds at once; the result is queued, not delivered.
  EXPECT_TRUE(invoke("close", {p.server}).truthy());
  wait(r);
  EXPECT_TRUE(r->ok()) << r->message();
  EXPECT_EQ(r->number(), 5);
  invoke("close", {p.client});
  invoke("close", {p.listener.handle});
}

// Every way an operation can end immediately still calls back on a later turn.
TEST_F(GojsNet, CallbacksAreNeverSynchronous) {
  // start() records a callback that runs inside the call; TearDown fails the test on it.
  Pair p = connect_pair();
  send(p.client, "x");
  settle(50);
  start("read", {p.server, u8(4)});        // data already there
  start("write", {p.server, bytes("y")});  // fits in the buffer
  start("read", {p.server, u8(0)});        // empty array
  start("read", {999, u8(4)});             // EBADF
  start("accept", {p.client});             // EINVAL
  broker.listen_ports = {};
  start("listen", {"127.0.0.1", 0, 0});  // EACCES
  start("dial", {"127.0.0.1", 1});       // EACCES
  start("dial", {"nowhere.test", 1});    // resolver refuses
  realm.broker = nullptr;
  start("dial", {"127.0.0.1", 1});  // ENOSYS: no broker
  realm.broker = &broker;
  pump_until([&] {
    for (const CallPtr& c : started)
      if (!c->done()) return false;
    return true;
  });
  close_pair(p);
}

TEST_F(GojsNet, WithoutABrokerEverythingIsEnosys) {
  realm.broker = nullptr;
  EXPECT_EQ(run("listen", {"127.0.0.1", 0, 0})->code(), "ENOSYS");
  EXPECT_EQ(run("dial", {"127.0.0.1", 80})->code(), "ENOSYS");
}

// ---- Argument types

TEST_F(GojsNet, BadArgumentsThrowTypeErrorBeforeDoingAnything) {
  JsValue cb = never_called();
  JsValue buf = u8(4);
  // Callbacks that are not functions.
  EXPECT_NE(expect_type_error("listen", {"127.0.0.1", 0, 0}).find("listen"), std::string::npos);
  expect_type_error("listen", {"127.0.0.1", 0, 0, "not a function"});
  expect_type_error("dial", {"127.0.0.1", 80, make_object()});
  expect_type_error("accept", {1});
  expect_type_error("read", {1, buf, 5});
  expect_type_error("write", {1, buf});
  // Ports outside 0..65535 or not integers.
  for (JsValue port : {JsValue(-1), JsValue(65536), JsValue(1.5), JsValue("80"), JsValue(),
                       JsValue(std::numeric_limits<double>::quiet_NaN()),
                       JsValue(std::numeric_limits<double>::infinity())}) {
    SCOPED_TRACE(port.to_string());
    expect_type_error("listen", {"127.0.0.1", port, 0, cb});
    expect_type_error("dial", {"127.0.0.1", port, cb});
  }
  // Hosts that are not strings, or too long to be a name.
  expect_type_error("listen", {42, 0, 0, cb});
  expect_type_error("dial", {make_object(), 80, cb});
  expect_type_error("dial", {std::string(300, 'a'), 80, cb});
  // Buffers that are not Uint8Arrays (checked before the handle is even looked up).
  for (JsValue b : {JsValue("text"), JsValue(make_object()), JsValue(make_array({1, 2})),
                    JsValue(4), JsValue()}) {
    SCOPED_TRACE(b.to_string());
    expect_type_error("read", {999, b, cb});
    expect_type_error("write", {999, b, cb});
    expect_type_error("tryWrite", {999, b});
    expect_type_error("tryRead", {999, b});
  }
  // Nothing reached the broker, nothing is queued, no callback ever runs.
  EXPECT_EQ(broker.bind_calls + broker.connect_calls + broker.resolve_calls, 0);
  EXPECT_FALSE(loop.alive());
  settle(20);
  EXPECT_EQ(unexpected_callbacks, 0);
}

TEST_F(GojsNet, AThrowDoesNotLeaveAPendingOperationBehind) {
  Pair p = connect_pair();
  // A bad callback on a read must not mark the handle busy.
  expect_type_error("read", {p.server, u8(4), "nope"});
  send(p.client, "ok");
  EXPECT_EQ(receive_exactly(p.server, 2), "ok");
  close_pair(p);
}

// ---- Options

TEST_F(GojsNet, NoDelayStartsOnAndCanBeToggled) {
  Pair p = connect_pair();
  ASSERT_EQ(broker.connect_fds.size(), 1u);
  const int fd = broker.connect_fds[0];  // the dialer's socket, as the object holds it
  auto nodelay = [fd] {
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    return v;
  };
  EXPECT_NE(nodelay(), 0);
  EXPECT_TRUE(invoke("setNoDelay", {p.client, false}).is_null());
  EXPECT_EQ(nodelay(), 0);
  EXPECT_TRUE(invoke("setNoDelay", {p.client, true}).is_null());
  EXPECT_NE(nodelay(), 0);
  close_pair(p);
}

// ---- Lifetime

// The object goes away (the program ended) with sockets open and operations pending: its
// fds are closed and the loop drains without calling into the dead object.
TEST_F(GojsNet, DestroyingTheObjectClosesEverything) {
  Pair p = connect_pair();
  CallPtr r = start("read", {p.server, u8(4)});
  CallPtr a = start("accept", {p.listener.handle});
  broker.force_in_progress = true;
  CallPtr d = start("dial", {"127.0.0.1", p.listener.port});  // waiting for POLLOUT
  for (const CallPtr& c : {r, a, d}) c->may_never_run = true;
  net.reset();
  EXPECT_EQ(open_fds(), baseline_fds + 1) << "only the pending dial's socket may be left";
  EXPECT_TRUE(pump_until([&] { return !loop.alive(); }, 3.0));
  EXPECT_EQ(open_fds(), baseline_fds);
  net = make_net_object(realm);  // for TearDown
}

}  // namespace
}  // namespace wc::host::gojs
