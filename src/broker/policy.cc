#include "broker/policy.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "ipc/wire.h"

namespace wc::broker {

bool parse_mount(std::string_view spec, bool read_only, Mount* out, std::string* error) {
  size_t sep = spec.find("::");
  std::string_view host = spec.substr(0, sep);
  std::string_view guest = sep == std::string_view::npos ? host : spec.substr(sep + 2);
  if (host.empty() || guest.empty()) {
    *error = "mount '" + std::string(spec) + "': expected HOST or HOST::GUEST";
    return false;
  }
  *out = Mount{std::string(host), std::string(guest), read_only};
  return true;
}

bool parse_size(std::string_view text, uint64_t* out, std::string* error) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, text.data() + text.size() - end);
  if (unit.ends_with("iB"))
    unit.remove_suffix(2);
  else if (unit.ends_with("B"))
    unit.remove_suffix(1);
  int shift = -1;
  if (unit.empty())
    shift = 0;
  else if (unit.size() == 1) {
    switch (unit[0] | 0x20) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
    }
  }
  if (ec != std::errc() || end == text.data() || shift < 0 || (n >> (63 - shift)) != 0) {
    *error =
        "size '" + std::string(text) + "': expected a number of bytes like 4096, 64K, 512M, 2G";
    return false;
  }
  *out = n << shift;
  return true;
}

bool parse_seconds(std::string_view text, double* out, std::string* error) {
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || v < 0) {
    *error = "seconds '" + s + "': expected a non-negative number";
    return false;
  }
  *out = v;
  return true;
}

bool check_env(std::string_view entry, std::string* error) {
  size_t eq = entry.find('=');
  if (eq == 0 || eq == std::string_view::npos || entry.find('\0') != std::string_view::npos) {
    *error = "environment entry '" + std::string(entry) + "': expected KEY=VALUE";
    return false;
  }
  return true;
}

bool validate_policy(const Policy& policy, std::string* error) {
  if (policy.mounts.size() > ipc::kMaxFds) {
    *error = "too many mounts (" + std::to_string(policy.mounts.size()) + ", at most " +
             std::to_string(ipc::kMaxFds) + ")";
    return false;
  }
  for (const Mount& m : policy.mounts) {
    bool nul = m.host.find('\0') != std::string::npos || m.guest.find('\0') != std::string::npos;
    if (m.host.empty() || m.guest.empty() || nul || m.guest.size() > ipc::kMaxGuestPath) {
      *error = "mount '" + m.host + "::" + m.guest + "': empty, NUL, or guest name over " +
               std::to_string(ipc::kMaxGuestPath) + " bytes";
      return false;
    }
  }
  for (const std::string& e : policy.env) {
    if (!check_env(e, error)) return false;
  }
  // The listening sockets ride the bootstrap message along with the module.
  if (policy.net.tcplisten.size() >= ipc::kMaxFds) {
    *error = "too many --tcplisten sockets (at most " + std::to_string(ipc::kMaxFds - 1) + ")";
    return false;
  }
  for (const std::string& t : policy.net.tcplisten) {
    struct sockaddr_storage ss;
    socklen_t len;
    if (!parse_socket_address(t, &ss, &len, error)) return *error = "tcplisten: " + *error, false;
  }
  return true;
}

std::string mount_flag(const Mount& m) {
  std::string s = m.read_only ? "--dir-ro " : "--dir ";
  s += m.host;
  if (m.guest != m.host) s += "::" + m.guest;
  return s;
}

}  // namespace wc::broker
