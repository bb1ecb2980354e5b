#include "daemon/http/query.h"

#include <charconv>

namespace wc::http {

std::string query_param(const std::string& query, const std::string& key) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string part = query.substr(pos, amp - pos);
    size_t eq = part.find('=');
    if (part.substr(0, eq) == key) return eq == std::string::npos ? "1" : part.substr(eq + 1);
    pos = amp + 1;
  }
  return "";
}

bool parse_u64(const std::string& s, uint64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace wc::http
