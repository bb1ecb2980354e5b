// Who may talk to the API socket: the daemon's own uid and root (SO_PEERCRED), whatever the
// socket file's mode says (a bind mount or a chmod must not widen access).
#pragma once

#include <string>

namespace wc::http {

// True if the peer of the connected unix socket FD may use the API; else *why says who it is.
bool peer_allowed(int fd, std::string* why);

}  // namespace wc::http
