#include "oci/netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ipc/unique_fd.h"

namespace wc::oci {

namespace {

bool loopback_up(std::string* error) {
  ipc::UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  struct ifreq ifr = {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (!s || ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) {
    *error = std::string("new network namespace: reading lo's flags: ") + std::strerror(errno);
    return false;
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) {
    *error = std::string("new network namespace: bringing lo up: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

bool enter_network_namespace(NetMode mode, const std::string& path, std::string* error) {
  switch (mode) {
    case NetMode::kHost: return true;
    case NetMode::kNew:
      if (unshare(CLONE_NEWNET) != 0) {
        *error = std::string("cannot make a network namespace: ") + std::strerror(errno);
        return false;
      }
      return loopback_up(error);
    case NetMode::kJoin: {
      ipc::UniqueFd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!ns || setns(ns.get(), CLONE_NEWNET) != 0) {
        *error = "cannot join the network namespace " + path + ": " + std::strerror(errno);
        return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace wc::oci
