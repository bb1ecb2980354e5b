#include "oci/signals.h"

#include <signal.h>
#include <string.h>

#include <cctype>
#include <charconv>

namespace wc::oci {

namespace {

bool parse_int(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

bool parse_signal(std::string_view text, int* out, std::string* error) {
  int n = 0;
  if (parse_int(text, &n)) {
    if (n < 1 || n >= NSIG) {
      *error = "signal " + std::string(text) + " out of range (1-" + std::to_string(NSIG - 1) + ")";
      return false;
    }
    *out = n;
    return true;
  }
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.compare(0, 3, "SIG") == 0) name.erase(0, 3);
  if (name.compare(0, 5, "RTMIN") == 0 || name.compare(0, 5, "RTMAX") == 0) {
    int offset = 0;
    std::string_view rest = std::string_view(name).substr(5);
    bool ok =
        rest.empty() || ((rest[0] == '+' || rest[0] == '-') && parse_int(rest.substr(1), &offset));
    if (ok && !rest.empty() && rest[0] == '-') offset = -offset;
    int sig = (name[3] == 'I' ? SIGRTMIN : SIGRTMAX) + offset;
    if (ok && sig >= SIGRTMIN && sig <= SIGRTMAX) {
      *out = sig;
      return true;
    }
  } else if (!name.empty()) {
    for (int sig = 1; sig < SIGRTMIN; sig++) {
      const char* abbrev = sigabbrev_np(sig);
      if (abbrev && name == abbrev) {
        *out = sig;
        return true;
      }
    }
  }
  *error = "unknown signal '" + std::string(text.substr(0, 40)) + "'";
  return false;
}

}  // namespace wc::oci
