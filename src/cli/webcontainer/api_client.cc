#include "cli/webcontainer/api_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace wc::client {

std::string resolve_host(const std::string& flag, std::string* error) {
  std::string host = flag;
  if (host.empty())
    if (const char* env = std::getenv("WEBCONTAINER_HOST")) host = env;
  if (host.empty()) {
    if (geteuid() == 0) return "/run/webcontainer/api.sock";
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    return (xdg && *xdg ? std::string(xdg) + "/webcontainer"
                        : "/tmp/webcontainer-" + std::to_string(geteuid())) +
           "/api.sock";
  }
  if (host.rfind("unix:", 0) != 0 || host.size() <= 5) {
    *error = "--host: expected unix:PATH, got '" + host + "'";
    return "";
  }
  return host.substr(5);
}

ApiReply ApiClient::call(const std::string& method, const std::string& target,
                         const std::string& body) {
  ApiReply r;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path_.size() >= sizeof addr.sun_path) {
    r.error = "bad socket path " + path_;
    if (fd >= 0) close(fd);
    return r;
  }
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    r.error = "cannot reach the daemon at unix:" + path_ + ": " + std::strerror(errno) +
              " (is `webcontainerd serve` running?)";
    close(fd);
    return r;
  }
  std::string req =
      method + " " + target + " HTTP/1.1\r\nHost: webcontainer\r\nConnection: close\r\n";
  if (!body.empty()) req += "Content-Type: application/json\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t off = 0; off < req.size();) {
    ssize_t n = write(fd, req.data() + off, req.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the daemon may have answered and closed (a 403): read that
    off += static_cast<size_t>(n);
  }
  std::string in;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t head_end = in.find("\r\n\r\n");
  if (in.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos || in.size() < 12) {
    r.error = "malformed reply from the daemon";
    return r;
  }
  r.status = std::atoi(in.c_str() + 9);
  size_t pos = in.find("\r\n") + 2;
  while (pos < head_end) {
    size_t eol = in.find("\r\n", pos);
    std::string line = in.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    pos = eol + 2;
  }
  r.body = in.substr(head_end + 4);
  if (auto it = r.headers.find("content-length"); it != r.headers.end())
    r.body.resize(std::min(r.body.size(),
                           static_cast<size_t>(std::strtoull(it->second.c_str(), nullptr, 10))));
  return r;
}

}  // namespace wc::client
