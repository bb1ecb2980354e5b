#include "oci/console.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wc::oci {

using ipc::UniqueFd;

namespace {

bool send_fd(int sock, int fd, const std::string& name, std::string* error) {
  struct iovec iov = {const_cast<char*>(name.data()), name.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    *error = std::string("sending the console to --console-socket: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

UniqueFd open_console(const std::string& socket_path, uint32_t rows, uint32_t cols,
                      std::string* error) {
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof addr.sun_path) {
    *error = "--console-socket: path empty or too long";
    return {};
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  UniqueFd master(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  char name[128];
  if (!master || grantpt(master.get()) != 0 || unlockpt(master.get()) != 0 ||
      ptsname_r(master.get(), name, sizeof name) != 0) {
    *error = std::string("cannot open a pseudo-terminal: ") + std::strerror(errno);
    return {};
  }
  UniqueFd slave(open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) {
    *error = std::string("cannot open ") + name + ": " + std::strerror(errno);
    return {};
  }
  if (rows && cols) {
    struct winsize ws = {};
    ws.ws_row = static_cast<unsigned short>(rows);
    ws.ws_col = static_cast<unsigned short>(cols);
    ioctl(master.get(), TIOCSWINSZ, &ws);
  }
  UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock || connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "--console-socket " + socket_path + ": " + std::strerror(errno);
    return {};
  }
  if (!send_fd(sock.get(), master.get(), name, error)) return {};
  return slave;
}

}  // namespace wc::oci
