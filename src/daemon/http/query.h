// The query string of an API request: "a=1&b=2".
#pragma once

#include <cstdint>
#include <string>

namespace wc::http {

// The value of `key`, "1" for a bare key, "" when absent (no percent-decoding: the API's
// values are numbers and flags).
std::string query_param(const std::string& query, const std::string& key);
// A whole decimal number, nothing else.
bool parse_u64(const std::string& s, uint64_t* out);

}  // namespace wc::http
