// libFuzzer target for the broker's side of the IPC: arbitrary bytes become a message (header,
// payload, 0-3 attached fds) handed to Session::handle over a temporary directory tree with a
// writable and a read-only mount. Must never crash or leak, and every reply it produces must
// decode cleanly on the client side. Also feeds the bytes to the client's reply decoder.
//
// Input layout: byte 0 = control bits, then a 12-byte header, then the payload.
//   bit 0: force header.length = payload size (reach the field decoders more often)
//   bit 1: force header.id = the id the session expects (reach the handlers)
//   bits 2-3: number of fds to attach (a writable file, a read-only file, then a directory
//             or, for odd sizes, a UDP socket the session made: send_to's fd)
//   bits 4-7: added to the header's kind, the kind the reply decoder is asked to expect
//             (every kind is reachable, however many there are)
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "broker/session.h"
#include "ipc/protocol.h"

namespace {

using namespace wc;

struct Env {
  std::string root;
  std::unique_ptr<broker::Session> session;
  broker::AuditLog audit;
  ipc::UniqueFd udp;

  Env() {
    char tmpl[] = "/tmp/wc-fuzz-ipc-XXXXXX";
    root = mkdtemp(tmpl);
    mkdir((root + "/rw").c_str(), 0755);
    mkdir((root + "/rw/dir").c_str(), 0755);
    mkdir((root + "/ro").c_str(), 0755);
    for (const char* f : {"/rw/file", "/ro/file", "/outside"}) {
      int fd = open((root + f).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0) close(fd);
    }
    symlink("../outside", (root + "/rw/link").c_str());
    broker::Policy p;
    p.mounts = {{root + "/rw", "/rw", false}, {root + "/ro", "/ro", true}};
    p.limits.max_fds = 64;
    // The network kinds reach real sockets, on loopback only, and never the DNS.
    std::string err;
    if (!broker::parse_net_grant("127.0.0.1:*", &p.net.allow_connect, &err) ||
        !broker::parse_net_grant("127.0.0.1:*", &p.net.allow_listen, &err) ||
        !broker::parse_net_grant("localhost:80", &p.net.allow_connect, &err)) {
      std::fprintf(stderr, "fuzz_ipc: %s\n", err.c_str());
      std::abort();
    }
    p.net.resolve_timeout_ms = 0;
    audit.set_hint_sink([](const std::string&) {});
    session = broker::Session::create(p, "fuzz", &audit, &err);
    if (!session) {
      std::fprintf(stderr, "fuzz_ipc: %s\n", err.c_str());
      std::abort();
    }
    // A UDP socket of the session's own, for send_to.
    ipc::Request bind;
    bind.kind = ipc::Kind::kNetBind;
    bind.id = session->expected_id();
    bind.family = AF_INET;
    bind.socktype = SOCK_DGRAM;
    struct sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto* b = reinterpret_cast<const uint8_t*>(&sin);
    bind.addr.assign(b, b + sizeof sin);
    std::optional<ipc::Message> r = session->handle(ipc::encode_request(std::move(bind)));
    std::optional<ipc::Reply> rep;
    if (r) rep = ipc::decode_reply(std::move(*r), ipc::Kind::kNetBind, session->expected_id() - 1);
    if (!rep || rep->result != 0) {
      std::fprintf(stderr, "fuzz_ipc: cannot bind a loopback UDP socket\n");
      std::abort();
    }
    udp = std::move(rep->fds[0]);
  }
  ~Env() {
    session.reset();
    nftw(
        root.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env env;
  if (size < 1 + ipc::kHeaderSize || size > 1 + ipc::kHeaderSize + ipc::kMaxPayload) return 0;
  uint8_t ctl = data[0];
  ipc::Message m;
  m.header = ipc::decode_header(data + 1);
  m.payload.assign(data + 1 + ipc::kHeaderSize, data + size);
  if (ctl & 1) m.header.length = static_cast<uint32_t>(m.payload.size());
  if (ctl & 2) m.header.id = env.session->expected_id();
  const char* fd_paths[] = {"/rw/file", "/ro/file", "/rw/dir"};
  for (int i = 0; i < ((ctl >> 2) & 3); i++) {
    int flags = i == 0 ? O_RDWR : O_RDONLY;
    if (i == 2 && (size & 1))
      m.fds.emplace_back(fcntl(env.udp.get(), F_DUPFD_CLOEXEC, 0));
    else
      m.fds.emplace_back(open((env.root + fd_paths[i]).c_str(), flags | O_CLOEXEC));
  }

  // The client's decoder on the same bytes, as if they were a reply.
  ipc::Message as_reply;
  as_reply.header = m.header;
  as_reply.payload = m.payload;
  uint16_t want_kind = static_cast<uint16_t>(1 + ((ctl >> 4) + m.header.kind) % ipc::kKindLast);
  ipc::decode_reply(std::move(as_reply), static_cast<ipc::Kind>(want_kind), m.header.id);

  ipc::Kind kind = static_cast<ipc::Kind>(m.header.kind);
  uint32_t id = m.header.id;
  std::optional<ipc::Message> reply = env.session->handle(std::move(m));
  if (reply && !ipc::decode_reply(std::move(*reply), kind, id)) {
    std::fprintf(stderr, "fuzz_ipc: the broker produced a reply the client rejects\n");
    std::abort();
  }
  return 0;
}
