// The network messages on the wire: round trips, and the strict decoder's refusal of every
// malformed field (family, type, address length, backlog, names, flags, fd counts), on the
// request side (the session then reports a protocol violation) and the reply side. Also the
// bootstrap message that carries --tcplisten sockets to the worker.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/un.h>

#include "broker/net_policy.h"
#include "broker/session.h"
#include "ipc/protocol.h"
#include "supervisor/bootstrap.h"

namespace wc::ipc {
namespace {

std::vector<uint8_t> v4(uint16_t port = 80) {
  struct sockaddr_in sin = {};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto* b = reinterpret_cast<const uint8_t*>(&sin);
  return {b, b + sizeof sin};
}

std::vector<uint8_t> v6() {
  struct sockaddr_in6 sin6 = {};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  auto* b = reinterpret_cast<const uint8_t*>(&sin6);
  return {b, b + sizeof sin6};
}

Request net(Kind kind) {
  Request r;
  r.kind = kind;
  r.id = 1;
  r.family = AF_INET;
  r.socktype = kind == Kind::kNetResolve ? 0 : SOCK_STREAM;
  if (kind != Kind::kNetResolve) r.addr = v4();
  r.backlog = kind == Kind::kNetBind ? 16 : 0;
  if (kind == Kind::kNetResolve) r.host = "localhost", r.service = "http";
  if (kind == Kind::kNetSendTo) r.socktype = 0, r.data = {1, 2, 3}, r.fd = UniqueFd(dup(0));
  return r;
}

template <class Edit>
bool decodes(Kind kind, Edit edit) {
  Request r = net(kind);
  edit(r);
  return decode_request(encode_request(std::move(r))).has_value();
}

TEST(IpcNetWire, RequestsRoundTrip) {
  std::optional<Request> r = decode_request(encode_request(net(Kind::kNetBind)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->family, AF_INET);
  EXPECT_EQ(r->socktype, SOCK_STREAM);
  EXPECT_EQ(r->addr, v4());
  EXPECT_EQ(r->backlog, 16);
  r = decode_request(encode_request(net(Kind::kNetResolve)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "localhost");
  EXPECT_EQ(r->service, "http");
  r = decode_request(encode_request(net(Kind::kNetSendTo)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_TRUE(r->fd.valid());
  EXPECT_TRUE(decodes(Kind::kNetConnect, [](Request& q) { q.family = AF_INET6, q.addr = v6(); }));
  EXPECT_TRUE(decodes(Kind::kNetConnect, [](Request& q) { q.socktype = SOCK_DGRAM; }));
}

TEST(IpcNetWire, RejectsBadAddressesAndTypes) {
  for (Kind k : {Kind::kNetConnect, Kind::kNetBind, Kind::kNetSendTo}) {
    SCOPED_TRACE(kind_name(k));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.addr = v6(); }));        // AF_INET, 28 bytes
    EXPECT_FALSE(decodes(k, [](Request& q) { q.family = AF_INET6; }));  // AF_INET6, 16 bytes
    EXPECT_FALSE(decodes(k, [](Request& q) { q.addr.push_back(0); }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.addr.pop_back(); }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.addr.clear(); }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.family = 0; }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.family = AF_MAX; }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.family = -1; }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.addr[0] = AF_INET6; }));  // sa_family differs
    EXPECT_FALSE(
        decodes(k, [](Request& q) { q.addr.assign(sizeof(struct sockaddr_storage) + 1, 0); }));
    // A Unix address passes the wire (to be refused, audited, by the broker) if it is one.
    EXPECT_TRUE(decodes(k, [](Request& q) { q.family = AF_UNIX, q.addr = {AF_UNIX, 0, 0, 'x'}; }));
    EXPECT_FALSE(decodes(k, [](Request& q) { q.family = AF_UNIX, q.addr = {AF_INET, 0, 0, 'x'}; }));
  }
  for (Kind k : {Kind::kNetConnect, Kind::kNetBind}) {
    for (int t : {0, int{SOCK_RAW}, int{SOCK_SEQPACKET}, SOCK_STREAM | SOCK_NONBLOCK, -1})
      EXPECT_FALSE(decodes(k, [t](Request& q) { q.socktype = t; })) << t;
  }
  EXPECT_TRUE(decodes(Kind::kNetBind, [](Request& q) { q.backlog = kMaxBacklog; }));
  EXPECT_TRUE(decodes(Kind::kNetBind, [](Request& q) { q.backlog = 0; }));
  EXPECT_FALSE(decodes(Kind::kNetBind, [](Request& q) { q.backlog = -1; }));
  EXPECT_FALSE(decodes(Kind::kNetBind, [](Request& q) { q.backlog = kMaxBacklog + 1; }));
}

TEST(IpcNetWire, RejectsBadResolveAndSendToFields) {
  Kind res = Kind::kNetResolve;
  EXPECT_TRUE(decodes(res, [](Request& q) { q.host = std::string(kMaxHostName, 'a'); }));
  EXPECT_FALSE(decodes(res, [](Request& q) { q.host = std::string(kMaxHostName + 1, 'a'); }));
  EXPECT_FALSE(decodes(res, [](Request& q) { q.host = ""; }));
  EXPECT_FALSE(decodes(res, [](Request& q) { q.host = std::string("a\0b", 3); }));
  EXPECT_TRUE(decodes(res, [](Request& q) { q.service = ""; }));
  EXPECT_FALSE(decodes(res, [](Request& q) { q.service = std::string(kMaxService + 1, '1'); }));
  EXPECT_TRUE(decodes(res, [](Request& q) { q.family = AF_UNSPEC; }));
  EXPECT_FALSE(decodes(res, [](Request& q) { q.family = AF_UNIX; }));
  EXPECT_TRUE(decodes(res, [](Request& q) { q.socktype = SOCK_DGRAM; }));
  EXPECT_FALSE(decodes(res, [](Request& q) { q.socktype = SOCK_RAW; }));

  Kind st = Kind::kNetSendTo;
  EXPECT_TRUE(decodes(st, [](Request& q) { q.msg_flags = MSG_DONTWAIT | MSG_MORE; }));
  EXPECT_FALSE(decodes(st, [](Request& q) { q.msg_flags = MSG_OOB; }));
  EXPECT_FALSE(decodes(st, [](Request& q) { q.msg_flags = MSG_DONTROUTE; }));
  EXPECT_TRUE(decodes(st, [](Request& q) { q.data.assign(kMaxDatagram, 7); }));
  EXPECT_FALSE(decodes(st, [](Request& q) { q.data.assign(kMaxDatagram + 1, 7); }));
  // send_to carries exactly its socket; the others carry none.
  EXPECT_FALSE(decodes(st, [](Request& q) { q.fd.reset(); }));
  EXPECT_FALSE(decodes(Kind::kNetConnect, [](Request& q) { q.fd = UniqueFd(dup(0)); }));
  EXPECT_FALSE(decodes(Kind::kNetResolve, [](Request& q) { q.fd = UniqueFd(dup(0)); }));
}

TEST(IpcNetWire, SessionTreatsMalformedNetMessagesAsViolations) {
  broker::Policy p;
  std::string err;
  ASSERT_TRUE(broker::parse_net_grant("127.0.0.1:*", &p.net.allow_connect, &err));
  broker::AuditLog audit;
  audit.set_hint_sink([](const std::string&) {});
  std::unique_ptr<broker::Session> s = broker::Session::create(p, "t", &audit, &err);
  ASSERT_TRUE(s);
  Request bad = net(Kind::kNetConnect);
  bad.addr = v6();
  EXPECT_FALSE(s->handle(encode_request(std::move(bad))));
  Request raw = net(Kind::kNetBind);
  raw.socktype = SOCK_RAW;
  EXPECT_FALSE(s->handle(encode_request(std::move(raw))));
}

TEST(IpcNetWire, RepliesAreChecked) {
  Reply c;
  c.kind = Kind::kNetConnect, c.id = 2, c.in_progress = true;
  c.fds.emplace_back(dup(0));
  std::optional<Reply> r = decode_reply(encode_reply(std::move(c)), Kind::kNetConnect, 2);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->in_progress);
  Reply nofd;
  nofd.kind = Kind::kNetBind, nofd.id = 2;
  EXPECT_FALSE(decode_reply(encode_reply(std::move(nofd)), Kind::kNetBind, 2));

  auto resolve_with = [](std::vector<ResolvedEntry> entries) {
    Reply q;
    q.kind = Kind::kNetResolve, q.id = 3, q.resolved = std::move(entries);
    return decode_reply(encode_reply(std::move(q)), Kind::kNetResolve, 3);
  };
  r = resolve_with({{v4(), SOCK_STREAM}, {v6(), SOCK_DGRAM}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resolved.size(), 2u);
  EXPECT_FALSE(resolve_with({{v4(), SOCK_RAW}}));
  EXPECT_FALSE(resolve_with({{std::vector<uint8_t>{AF_UNIX, 0, 'x'}, SOCK_STREAM}}));
  EXPECT_FALSE(resolve_with(std::vector<ResolvedEntry>(kMaxResolved + 1, {v4(), SOCK_STREAM})));

  Reply sent;
  sent.kind = Kind::kNetSendTo, sent.id = 4, sent.sent = kMaxDatagram + 1;
  EXPECT_FALSE(decode_reply(encode_reply(std::move(sent)), Kind::kNetSendTo, 4));
}

TEST(IpcNetWire, BootstrapCarriesListeningSockets) {
  int memfd = memfd_create("m", MFD_CLOEXEC);
  ASSERT_EQ(0, ftruncate(memfd, 8));
  std::string err;
  int l = broker::open_tcp_listener("127.0.0.1:0", &err);
  ASSERT_GE(l, 0) << err;
  std::vector<UniqueFd> ls;
  ls.emplace_back(l);
  Message m = supervisor::encode_bootstrap(UniqueFd(dup(memfd)), 8, std::move(ls));
  Message copy;
  copy.header = m.header, copy.payload = m.payload;
  for (const UniqueFd& f : m.fds) copy.fds.emplace_back(dup(f.get()));
  std::optional<supervisor::Bootstrap> b = supervisor::decode_bootstrap(std::move(m), &err);
  ASSERT_TRUE(b) << err;
  ASSERT_EQ(b->listeners.size(), 1u);
  int acc = 0;
  socklen_t len = sizeof acc;
  ASSERT_EQ(0, getsockopt(b->listeners[0].get(), SOL_SOCKET, SO_ACCEPTCONN, &acc, &len));
  EXPECT_EQ(acc, 1);
  // The announced count must match the fds, and each must be a socket.
  copy.fds.pop_back();
  EXPECT_FALSE(supervisor::decode_bootstrap(std::move(copy), &err));
  std::vector<UniqueFd> not_socket;
  not_socket.emplace_back(dup(memfd));
  EXPECT_FALSE(supervisor::decode_bootstrap(
      supervisor::encode_bootstrap(UniqueFd(dup(memfd)), 8, std::move(not_socket)), &err));
  EXPECT_TRUE(
      supervisor::decode_bootstrap(supervisor::encode_bootstrap(UniqueFd(dup(memfd)), 8), &err));
  close(memfd);
  EXPECT_LT(broker::open_tcp_listener("localhost:0", &err), 0);
}

}  // namespace
}  // namespace wc::ipc
