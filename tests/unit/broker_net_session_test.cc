// The broker's network service end to end through the client codec: every case runs over the
// in-process DirectBrokerClient and over a real SOCK_SEQPACKET pair (fds as SCM_RIGHTS both
// ways, a thread serving Session::handle). Loopback addresses only.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <semaphore>
#include <string>
#include <thread>

#include "broker/direct_client.h"
#include "broker_test_util.h"
#include "ipc/client.h"
#include "ipc/socket.h"

namespace wc::broker {
namespace {

using ipc::UniqueFd;
using ResolvedAddress = host::BrokerClient::ResolvedAddress;

struct Sock {
  struct sockaddr_storage ss = {};
  socklen_t len = 0;
  const struct sockaddr* sa() const { return reinterpret_cast<const struct sockaddr*>(&ss); }
  int family() const { return ss.ss_family; }
};

Sock sock(const char* ip, uint16_t port) {
  Sock s;
  auto* sin = reinterpret_cast<struct sockaddr_in*>(&s.ss);
  auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&s.ss);
  if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    s.len = sizeof *sin;
  } else {
    EXPECT_EQ(1, inet_pton(AF_INET6, ip, &sin6->sin6_addr)) << ip;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    s.len = sizeof *sin6;
  }
  return s;
}

uint16_t port_of(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&ss), &len) != 0) return 0;
  return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<struct sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<struct sockaddr_in6*>(&ss)->sin6_port);
}

// A socket the test itself owns (the test process is not confined): a peer for the guest's.
UniqueFd own_socket(const char* ip, int type, uint16_t port = 0) {
  Sock a = sock(ip, port);
  UniqueFd s(socket(a.family(), type | SOCK_CLOEXEC, 0));
  if (!s || bind(s.get(), a.sa(), a.len) != 0) return {};
  if (type == SOCK_STREAM && listen(s.get(), 8) != 0) return {};
  return s;
}

bool ipv6_loopback() {
  static const bool ok = own_socket("::1", SOCK_STREAM).valid();
  return ok;
}
#define REQUIRE_IPV6() \
  if (!ipv6_loopback()) GTEST_SKIP() << "::1 cannot be bound here (no IPv6 loopback)"

// A client over a real socketpair, served by a thread.
class IpcClient : public ipc::IpcBrokerClient {
 public:
  IpcClient(std::unique_ptr<Session> session, UniqueFd pair[2])
      : IpcBrokerClient(pair[1].get()),
        session_(std::move(session)),
        server_end_(std::move(pair[0])),
        client_end_(std::move(pair[1])) {
    server_ = std::thread([this] {
      for (;;) {
        ipc::Message m;
        if (ipc::recv_message(server_end_.get(), &m) != 1) break;
        std::optional<ipc::Message> reply = session_->handle(std::move(m));
        if (!reply || ipc::send_message(server_end_.get(), *reply) != 0) break;
        reply.reset();  // the server's copies of the fds it sent, closed before the next count
        done_.release();
      }
    });
  }

  ~IpcClient() override {
    shutdown(client_end_.get(), SHUT_RDWR);
    server_.join();
  }

 protected:
  // Returns once the server has also dropped its copies of the reply's fds, so that the
  // test's fd counts do not race the server thread.
  std::optional<ipc::Message> transact(ipc::Message request) override {
    std::optional<ipc::Message> reply = IpcBrokerClient::transact(std::move(request));
    if (reply) done_.acquire();
    return reply;
  }

 private:
  std::unique_ptr<Session> session_;
  UniqueFd server_end_, client_end_;
  std::counting_semaphore<> done_{0};
  std::thread server_;
};

class BrokerNet : public ::testing::TestWithParam<bool> {
 protected:
  // A client for a policy made of these grants, over IPC when the parameter says so.
  host::BrokerClient* client(std::vector<const char*> connect, std::vector<const char*> listen = {},
                             uint64_t max_fds = 0) {
    Policy p;
    std::string err;
    for (const char* g : connect)
      EXPECT_TRUE(parse_net_grant(g, &p.net.allow_connect, &err)) << err;
    for (const char* g : listen) EXPECT_TRUE(parse_net_grant(g, &p.net.allow_listen, &err)) << err;
    p.limits.max_fds = max_fds;
    audit_fd_ = ::open((dir_ / "audit.log").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    audit_ = std::make_unique<AuditLog>(UniqueFd(dup(audit_fd_)));
    audit_->set_hint_sink([this](const std::string& h) { hints_.push_back(h); });
    std::unique_ptr<Session> s = Session::create(p, "net", audit_.get(), &err);
    EXPECT_TRUE(s) << err;
    if (GetParam()) {
      UniqueFd pair[2];
      EXPECT_EQ(0, ipc::make_socketpair(pair));
      client_ = std::make_unique<IpcClient>(std::move(s), pair);
    } else {
      client_ = std::make_unique<DirectBrokerClient>(std::move(s));
    }
    return client_.get();
  }
  void TearDown() override {
    client_.reset();
    if (audit_fd_ >= 0) ::close(audit_fd_);
  }
  std::string audit_text() { return testing::read_file(dir_ / "audit.log"); }

  int connect(host::BrokerClient* c, const char* ip, uint16_t port, int type, UniqueFd* out,
              bool* in_progress = nullptr) {
    Sock a = sock(ip, port);
    int fd = -1;
    bool ip_ = false;
    int r = c->net_connect(a.family(), type, a.sa(), a.len, &fd, &ip_);
    if (r == 0) out->reset(fd);
    if (in_progress) *in_progress = ip_;
    return r;
  }
  int bind(host::BrokerClient* c, const char* ip, uint16_t port, int type, UniqueFd* out) {
    Sock a = sock(ip, port);
    int fd = -1;
    int r = c->net_bind(a.family(), type, a.sa(), a.len, 16, &fd);
    if (r == 0) out->reset(fd);
    return r;
  }

  testing::TempDir dir_;
  int audit_fd_ = -1;
  std::unique_ptr<AuditLog> audit_;
  std::vector<std::string> hints_;
  std::unique_ptr<host::BrokerClient> client_;
};

// The connection completes: POLLOUT, no SO_ERROR, the peer accepts it and data flows.
void expect_connected(int fd, int listener) {
  struct pollfd p = {fd, POLLOUT, 0};
  ASSERT_EQ(1, poll(&p, 1, 5000));
  int err = -1;
  socklen_t len = sizeof err;
  ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
  EXPECT_EQ(err, 0);
  UniqueFd peer(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(peer);
  ASSERT_EQ(2, write(fd, "hi", 2));
  char buf[2];
  ASSERT_EQ(2, read(peer.get(), buf, 2));
  EXPECT_EQ(std::string(buf, 2), "hi");
}

TEST_P(BrokerNet, ConnectTcpIpv4AllowedAndDenied) {
  UniqueFd listener = own_socket("127.0.0.1", SOCK_STREAM);
  ASSERT_TRUE(listener);
  uint16_t port = port_of(listener.get());
  std::string grant = "127.0.0.1:" + std::to_string(port);
  host::BrokerClient* c = client({grant.c_str()});
  UniqueFd s;
  bool in_progress = false;
  ASSERT_EQ(0, connect(c, "127.0.0.1", port, SOCK_STREAM, &s, &in_progress));
  EXPECT_TRUE(fcntl(s.get(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(s.get(), F_GETFD) & FD_CLOEXEC);
  expect_connected(s.get(), listener.get());

  int before = testing::count_open_fds();
  UniqueFd d;
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.1", static_cast<uint16_t>(port + 1), SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.2", port, SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, connect(c, "0.0.0.0", port, SOCK_STREAM, &d));  // would reach localhost
  EXPECT_EQ(testing::count_open_fds(), before);
  std::string denied = "127.0.0.1:" + std::to_string(port + 1);
  std::string log = audit_text();
  EXPECT_NE(log.find("\"op\":\"connect\",\"target\":\"" + denied + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("no --allow-connect grant covers it"), std::string::npos) << log;
  EXPECT_NE(log.find("EACCES"), std::string::npos);
  ASSERT_FALSE(hints_.empty());
  EXPECT_EQ(hints_[0], "connect to " + denied + " denied; allow it with --allow-connect " + denied);
  // One hint per distinct denial, however often it happens.
  size_t n = hints_.size();
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.2", port, SOCK_STREAM, &d));
  EXPECT_EQ(hints_.size(), n);
}

TEST_P(BrokerNet, ConnectCidrPortRangeAndMappedIpv6) {
  UniqueFd listener = own_socket("127.0.0.1", SOCK_STREAM);
  uint16_t port = port_of(listener.get());
  std::string range = "127.0.0.0/31:" + std::to_string(port - 1) + "-" + std::to_string(port + 1);
  host::BrokerClient* c = client({range.c_str()});
  UniqueFd s, d;
  ASSERT_EQ(0, connect(c, "127.0.0.1", port, SOCK_STREAM, &s));
  expect_connected(s.get(), listener.get());
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.2", port, SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.1", static_cast<uint16_t>(port + 2), SOCK_STREAM, &d));
  // An IPv6 socket to the v4-mapped address is matched as 127.0.0.1.
  REQUIRE_IPV6();
  UniqueFd m;
  ASSERT_EQ(0, connect(c, "::ffff:127.0.0.1", port, SOCK_STREAM, &m));
  expect_connected(m.get(), listener.get());
  EXPECT_EQ(-EACCES, connect(c, "::ffff:127.0.0.2", port, SOCK_STREAM, &d));
}

TEST_P(BrokerNet, ConnectIpv6) {
  REQUIRE_IPV6();
  UniqueFd listener = own_socket("::1", SOCK_STREAM);
  uint16_t port = port_of(listener.get());
  std::string grant = "[::1]:" + std::to_string(port);
  host::BrokerClient* c = client({grant.c_str()});
  UniqueFd s, d;
  ASSERT_EQ(0, connect(c, "::1", port, SOCK_STREAM, &s));
  expect_connected(s.get(), listener.get());
  EXPECT_EQ(-EACCES, connect(c, "::1", static_cast<uint16_t>(port + 1), SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.1", port, SOCK_STREAM, &d));  // v6 grant, v4 address
  EXPECT_EQ(-EACCES, connect(c, "::", port, SOCK_STREAM, &d));
  EXPECT_NE(hints_.back().find("--allow-connect [::]:" + std::to_string(port)), std::string::npos);
}

TEST_P(BrokerNet, ListenIpv4PortZeroRangesAndTheUnspecifiedAddress) {
  host::BrokerClient* c = client({}, {"127.0.0.1:0"});
  UniqueFd l, d;
  ASSERT_EQ(0, bind(c, "127.0.0.1", 0, SOCK_STREAM, &l));
  uint16_t port = port_of(l.get());
  EXPECT_NE(port, 0);
  // It listens: the test connects to it.
  Sock a = sock("127.0.0.1", port);
  UniqueFd peer(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(0, ::connect(peer.get(), a.sa(), a.len));
  int before = testing::count_open_fds();
  EXPECT_EQ(-EACCES, bind(c, "0.0.0.0", 0, SOCK_STREAM, &d));  // 127.0.0.1 is not "everywhere"
  EXPECT_EQ(-EACCES, bind(c, "127.0.0.1", 8080, SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, bind(c, "127.0.0.1", 8080, SOCK_DGRAM, &d));
  EXPECT_EQ(testing::count_open_fds(), before);
  EXPECT_NE(audit_text().find("\"op\":\"bind\",\"target\":\"0.0.0.0:0\""), std::string::npos);
  EXPECT_NE(hints_[0].find("listen on 0.0.0.0:0 denied; allow it with --allow-listen 0.0.0.0:0"),
            std::string::npos);

  // Named explicitly, 0.0.0.0 is granted; a range grants its ports but not "any port".
  UniqueFd free_port = own_socket("127.0.0.1", SOCK_STREAM);
  uint16_t p = port_of(free_port.get());
  free_port.reset();
  std::string range = "127.0.0.1:" + std::to_string(p) + "-" + std::to_string(p + 5);
  c = client({}, {"0.0.0.0:0", range.c_str()});
  UniqueFd any, ranged;
  EXPECT_EQ(0, bind(c, "0.0.0.0", 0, SOCK_STREAM, &any));
  EXPECT_EQ(0, bind(c, "127.0.0.1", p, SOCK_STREAM, &ranged));
  EXPECT_EQ(-EACCES, bind(c, "127.0.0.1", 0, SOCK_STREAM, &d));
}

TEST_P(BrokerNet, ListenIpv6AndMapped) {
  REQUIRE_IPV6();
  host::BrokerClient* c = client({}, {"[::1]:*", "[::]:0", "127.0.0.1:*"});
  UniqueFd l, all, mapped, d;
  ASSERT_EQ(0, bind(c, "::1", 0, SOCK_STREAM, &l));
  EXPECT_NE(port_of(l.get()), 0);
  ASSERT_EQ(0, bind(c, "::", 0, SOCK_STREAM, &all));
  // "::" granted is IPv6 only: it does not also take every IPv4 address.
  int v6only = 0;
  socklen_t len = sizeof v6only;
  ASSERT_EQ(0, getsockopt(all.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len));
  EXPECT_EQ(v6only, 1);
  EXPECT_EQ(-EACCES, bind(c, "::", 5, SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, bind(c, "0.0.0.0", 0, SOCK_STREAM, &d));
  EXPECT_EQ(-EACCES, bind(c, "::ffff:0.0.0.0", 0, SOCK_STREAM, &d));  // v4 everywhere, as v6
  EXPECT_EQ(0, bind(c, "::ffff:127.0.0.1", 0, SOCK_STREAM, &mapped));
}

TEST_P(BrokerNet, UdpSendToAllowedAndDenied) {
  UniqueFd receiver = own_socket("127.0.0.1", SOCK_DGRAM);
  uint16_t rport = port_of(receiver.get());
  std::string grant = "127.0.0.1:" + std::to_string(rport);
  host::BrokerClient* c = client({grant.c_str()}, {"127.0.0.1:0"});
  UniqueFd u;
  ASSERT_EQ(0, bind(c, "127.0.0.1", 0, SOCK_DGRAM, &u));
  Sock to = sock("127.0.0.1", rport);
  ASSERT_EQ(5, c->net_send_to(u.get(), "hello", 5, 0, to.sa(), to.len));
  char buf[16];
  ASSERT_EQ(5, recv(receiver.get(), buf, sizeof buf, 0));
  EXPECT_EQ(std::string(buf, 5), "hello");
  // And back: the worker receives on its bound socket directly.
  Sock from = sock("127.0.0.1", port_of(u.get()));
  ASSERT_EQ(2, sendto(receiver.get(), "ok", 2, 0, from.sa(), from.len));
  ASSERT_EQ(2, recv(u.get(), buf, sizeof buf, 0));

  int before = testing::count_open_fds();
  Sock other = sock("127.0.0.1", static_cast<uint16_t>(rport + 1));
  EXPECT_EQ(-EACCES, c->net_send_to(u.get(), "x", 1, 0, other.sa(), other.len));
  EXPECT_NE(audit_text().find("\"op\":\"send_to\""), std::string::npos);
  // Only UDP sockets the broker made for this worker: not the test's own, not a TCP one.
  EXPECT_EQ(-EBADF, c->net_send_to(receiver.get(), "x", 1, 0, to.sa(), to.len));
  UniqueFd tcp;
  ASSERT_EQ(0, bind(c, "127.0.0.1", 0, SOCK_STREAM, &tcp));
  before++;
  EXPECT_EQ(-EBADF, c->net_send_to(tcp.get(), "x", 1, 0, to.sa(), to.len));
  EXPECT_EQ(testing::count_open_fds(), before);
  EXPECT_EQ(-EOPNOTSUPP, c->net_send_to(u.get(), "x", 1, MSG_OOB, to.sa(), to.len));
  std::string big(ipc::kMaxDatagram + 1, 'x');
  EXPECT_EQ(-EMSGSIZE, c->net_send_to(u.get(), big.data(), big.size(), 0, to.sa(), to.len));

  // A connected UDP socket: send() goes straight to the granted peer.
  UniqueFd cu, d;
  ASSERT_EQ(0, connect(c, "127.0.0.1", rport, SOCK_DGRAM, &cu));
  ASSERT_EQ(3, send(cu.get(), "abc", 3, 0));
  ASSERT_EQ(3, recv(receiver.get(), buf, sizeof buf, 0));
  EXPECT_EQ(-EACCES, connect(c, "127.0.0.1", static_cast<uint16_t>(rport + 1), SOCK_DGRAM, &d));
}

TEST_P(BrokerNet, UnixAndAbstractSocketsAreNeverReachable) {
  // A real abstract listener exists; the guest still cannot reach it.
  // The name carries the pid: ctest runs the Direct and Ipc instances at once, and one
  // fixed abstract name made the second bind fail with EADDRINUSE.
  struct sockaddr_un un = {};
  un.sun_family = AF_UNIX;
  const std::string name = std::string(1, '\0') + "wc-broker-net-test-" + std::to_string(getpid());
  std::memcpy(un.sun_path, name.data(), name.size());
  socklen_t len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + name.size());
  UniqueFd server(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(0, ::bind(server.get(), reinterpret_cast<struct sockaddr*>(&un), len));
  ASSERT_EQ(0, listen(server.get(), 1));

  host::BrokerClient* c = client({"*:*"}, {"*:*"});
  int before = testing::count_open_fds();
  int fd = -1;
  bool ip = false;
  const auto* sa = reinterpret_cast<struct sockaddr*>(&un);
  EXPECT_EQ(-EAFNOSUPPORT, c->net_connect(AF_UNIX, SOCK_STREAM, sa, len, &fd, &ip));
  EXPECT_EQ(-EAFNOSUPPORT, c->net_bind(AF_UNIX, SOCK_STREAM, sa, len, 1, &fd));
  EXPECT_EQ(-EAFNOSUPPORT, c->net_connect(AF_NETLINK, SOCK_DGRAM, sa, len, &fd, &ip));
  // An inet family with a Unix address in it is not an inet address.
  EXPECT_EQ(-EAFNOSUPPORT, c->net_connect(AF_INET, SOCK_STREAM, sa, len, &fd, &ip));
  UniqueFd u;
  ASSERT_EQ(0, bind(c, "127.0.0.1", 0, SOCK_DGRAM, &u));
  before++;
  EXPECT_EQ(-EAFNOSUPPORT, c->net_send_to(u.get(), "x", 1, 0, sa, len));
  EXPECT_EQ(testing::count_open_fds(), before);
  std::string log = audit_text();
  EXPECT_NE(log.find("\"target\":\"unix:@" + name.substr(1) + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("EAFNOSUPPORT"), std::string::npos);
}

std::vector<std::string> ips(const std::vector<ResolvedAddress>& v) {
  std::vector<std::string> out;
  for (const ResolvedAddress& a : v) {
    char buf[INET6_ADDRSTRLEN] = "";
    const auto* sin = reinterpret_cast<const struct sockaddr_in*>(&a.addr);
    const auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(&a.addr);
    if (a.addr.ss_family == AF_INET)
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    else
      inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    uint16_t port = ntohs(a.addr.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    out.push_back(std::string(buf) + ":" + std::to_string(port) +
                  (a.socktype == SOCK_DGRAM ? "/udp" : "/tcp"));
  }
  return out;
}

TEST_P(BrokerNet, ResolveOnlyWhatTheGrantsCover) {
  host::BrokerClient* c = client({"localhost:8080", "127.0.0.1:53"}, {"127.0.0.1:9000"});
  std::vector<ResolvedAddress> out;
  // A granted name: its policy-time addresses (127.0.0.1 at least), never a lookup.
  ASSERT_EQ(0, c->net_resolve("LocalHost.", "8080", AF_INET, SOCK_STREAM, &out));
  EXPECT_EQ(ips(out), std::vector<std::string>{"127.0.0.1:8080/tcp"});
  ASSERT_EQ(0, c->net_resolve("localhost", "", AF_INET, 0, &out));  // no service: any granted port
  EXPECT_EQ(ips(out), (std::vector<std::string>{"127.0.0.1:0/tcp", "127.0.0.1:0/udp"}));
  EXPECT_EQ(-EACCES, c->net_resolve("localhost", "8081", AF_INET, SOCK_STREAM, &out));
  // Literals need no lookup; they are covered by connect and listen grants alike.
  ASSERT_EQ(0, c->net_resolve("127.0.0.1", "domain", AF_UNSPEC, SOCK_DGRAM, &out));
  EXPECT_EQ(ips(out), std::vector<std::string>{"127.0.0.1:53/udp"});
  ASSERT_EQ(0, c->net_resolve("127.0.0.1", "9000", AF_UNSPEC, SOCK_STREAM, &out));
  EXPECT_EQ(-EACCES, c->net_resolve("127.0.0.2", "9000", AF_UNSPEC, SOCK_STREAM, &out));
  EXPECT_EQ(-EACCES, c->net_resolve("127.0.0.1", "8080", AF_INET6, SOCK_STREAM, &out));
  EXPECT_EQ(-ESRCH, c->net_resolve("127.0.0.1", "no-such-service", AF_UNSPEC, 0, &out));
  // Another name: with only name grants nothing it resolves to could be covered, so the
  // broker refuses it without asking the DNS (no queries, no data in them, leave the host).
  c = client({"localhost:8080"});
  EXPECT_EQ(-EACCES, c->net_resolve("exfiltrate.example.invalid", "80", AF_UNSPEC, 0, &out));
  std::string log = audit_text();
  EXPECT_NE(log.find("\"op\":\"resolve\",\"target\":\"exfiltrate.example.invalid:80\""),
            std::string::npos)
      << log;
  EXPECT_NE(std::find(hints_.begin(), hints_.end(),
                      "resolve exfiltrate.example.invalid denied; allow it with --allow-connect "
                      "exfiltrate.example.invalid:80"),
            hints_.end());
  // Client-side limits.
  EXPECT_EQ(-EINVAL, c->net_resolve("", "80", AF_UNSPEC, 0, &out));
  EXPECT_EQ(-EINVAL,
            c->net_resolve(std::string(ipc::kMaxHostName + 1, 'a'), "80", AF_UNSPEC, 0, &out));
  EXPECT_EQ(-EAFNOSUPPORT, c->net_resolve("localhost", "80", AF_UNIX, 0, &out));
}

TEST_P(BrokerNet, ResolveThroughTheResolverWithinARangeGrant) {
  // A range grant: names are looked up (here /etc/hosts answers "localhost") and only the
  // covered answers come back: 127.0.0.1, not ::1.
  host::BrokerClient* c = client({"127.0.0.0/8:80"});
  std::vector<ResolvedAddress> out;
  ASSERT_EQ(0, c->net_resolve("localhost", "80", AF_UNSPEC, SOCK_STREAM, &out));
  EXPECT_EQ(ips(out), std::vector<std::string>{"127.0.0.1:80/tcp"});
  // No covered IPv6 answer: refused, or not found where /etc/hosts has no ::1 localhost.
  int r = c->net_resolve("localhost", "80", AF_INET6, SOCK_STREAM, &out);
  EXPECT_TRUE(r == -EACCES || r == -ENOENT) << r;
}

TEST_P(BrokerNet, SocketLimit) {
  host::BrokerClient* c = client({}, {"127.0.0.1:0"}, /*max_fds=*/8);
  std::vector<UniqueFd> held(8);
  for (UniqueFd& h : held) ASSERT_EQ(0, bind(c, "127.0.0.1", 0, SOCK_STREAM, &h));
  UniqueFd more;
  EXPECT_EQ(-EMFILE, bind(c, "127.0.0.1", 0, SOCK_DGRAM, &more));
  EXPECT_NE(audit_text().find("open sockets per worker reached"), std::string::npos);
  held[3].reset();  // the guest closed one: room again
  EXPECT_EQ(0, bind(c, "127.0.0.1", 0, SOCK_DGRAM, &more));
}

TEST_P(BrokerNet, ClientRefusesWhatTheWireWouldReject) {
  host::BrokerClient* c = client({"*:*"}, {"*:*"});
  Sock a = sock("127.0.0.1", 1);
  int fd = -1;
  bool ip;
  EXPECT_EQ(-EPROTONOSUPPORT, c->net_connect(AF_INET, SOCK_RAW, a.sa(), a.len, &fd, &ip));
  EXPECT_EQ(-EPROTONOSUPPORT, c->net_bind(AF_INET, SOCK_SEQPACKET, a.sa(), a.len, 1, &fd));
  EXPECT_EQ(-EINVAL, c->net_connect(AF_INET, SOCK_STREAM, a.sa(), a.len - 1, &fd, &ip));
  EXPECT_EQ(-EAFNOSUPPORT, c->net_connect(AF_INET6, SOCK_STREAM, a.sa(), 28, &fd, &ip));
  EXPECT_EQ(-EINVAL, c->net_connect(AF_INET, SOCK_STREAM, nullptr, 0, &fd, &ip));
  // SOCK_NONBLOCK / SOCK_CLOEXEC in the type are accepted (the socket has both anyway).
  UniqueFd l = own_socket("127.0.0.1", SOCK_STREAM);
  Sock to = sock("127.0.0.1", port_of(l.get()));
  ASSERT_EQ(0, c->net_connect(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, to.sa(), to.len,
                              &fd, &ip));
  close(fd);
}

INSTANTIATE_TEST_SUITE_P(DirectAndIpc, BrokerNet, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Ipc" : "Direct"; });

}  // namespace
}  // namespace wc::broker
