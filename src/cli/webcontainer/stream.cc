#include "cli/webcontainer/stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "cli/webcontainer/dechunker.h"

namespace wc::client {

namespace {

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

bool follow_stream(const std::string& socket_path, const StreamRequest& sr, int out_fd,
                   ApiReply* r) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || socket_path.size() >= sizeof addr.sun_path) {
    r->error = "bad socket path " + socket_path;
    if (fd >= 0) close(fd);
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    r->error = "cannot reach the daemon at unix:" + socket_path + ": " + std::strerror(errno);
    close(fd);
    return false;
  }
  const bool upgrade = sr.upgrade;
  const int stdin_fd = sr.stdin_fd;
  std::string req =
      sr.method + " " + sr.target + " HTTP/1.1\r\nHost: webcontainer\r\n" +
      (upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n" : "Connection: close\r\n") +
      (sr.json_body.empty() ? "" : "Content-Type: application/json\r\n") +
      "Content-Length: " + std::to_string(sr.json_body.size()) + "\r\n\r\n" + sr.json_body;
  if (!write_all(fd, req.data(), req.size())) {
    r->error = "the daemon closed the connection";
    close(fd);
    return false;
  }
  // The head, then the stream.
  std::string in;
  char buf[65536];
  size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
    head_end = in.find("\r\n\r\n");
  }
  if (head_end == std::string::npos || in.rfind("HTTP/1.1 ", 0) != 0) {
    r->error = "malformed reply from the daemon";
    close(fd);
    return false;
  }
  r->status = std::atoi(in.c_str() + 9);
  for (size_t at = in.find("\r\n") + 2; at < head_end;) {
    size_t eol = in.find("\r\n", at);
    add_header(std::string_view(in).substr(at, eol - at), &r->headers);
    at = eol + 2;
  }
  if (r->status != 200 && r->status != 201 &&
      r->status != 101) {  // a refusal: its JSON body, to the end
    r->body = in.substr(head_end + 4);
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      r->body.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return false;
  }
  bool chunked = r->status != 101;
  Dechunker dechunk;
  auto deliver = [&](std::string_view data) {
    if (!chunked) return write_all(out_fd, data.data(), data.size()) || true;
    std::string payload;
    if (!dechunk.feed(data, &payload)) return false;
    write_all(out_fd, payload.data(), payload.size());  // a closed stdout: keep draining
    return true;
  };
  bool ok = deliver(std::string_view(in).substr(head_end + 4));
  bool forwarding = stdin_fd >= 0 && upgrade;
  while (ok && !dechunk.done()) {
    struct pollfd pf[2] = {{fd, POLLIN, 0}, {stdin_fd, POLLIN, 0}};
    if (poll(pf, forwarding ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (forwarding && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(stdin_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        write_all(fd, buf, static_cast<size_t>(n));
      } else {  // EOF (or an unreadable stdin): the guest's stdin ends
        shutdown(fd, SHUT_WR);
        forwarding = false;
      }
    }
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // raw: the end of the stream; chunked: cut short
      ok = deliver(std::string_view(buf, static_cast<size_t>(n)));
    }
  }
  close(fd);
  if (!ok) {
    r->error = "malformed stream from the daemon";
    return false;
  }
  if (chunked && !dechunk.done()) {
    r->error = "the daemon ended the stream early (restarted, or this client fell too far behind)";
    return false;
  }
  for (const auto& [name, value] : dechunk.trailer()) r->headers[name] = value;
  return true;
}

}  // namespace wc::client
