#include "daemon/http/peer_cred.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wc::http {

bool peer_allowed(int fd, std::string* why) {
  struct ucred cred = {};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    *why = std::string("cannot read the peer's credentials: ") + std::strerror(errno);
    return false;
  }
  uid_t self = geteuid();
  if (cred.uid == self || cred.uid == 0) return true;
  *why = "uid " + std::to_string(cred.uid) + " may not use this API (only uid " +
         std::to_string(self) + " and root)";
  return false;
}

}  // namespace wc::http
