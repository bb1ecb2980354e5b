// libFuzzer target for the daemon's API request parser (src/daemon/http): arbitrary bytes,
// split at fuzzer-chosen points, are fed as a connection would deliver them. The parser must
// never crash, must consume only bytes it was given, must end every request in one of its three
// states, and an error must carry a 4xx/5xx status and a message that json_error_body turns
// into a response. Small limits so the oversized-head/body paths are reachable.
//
// Input layout: byte 0 = how many bytes each feed takes (1 + byte0 % 64), then the stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/http/request_parser.h"
#include "daemon/http/response.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t step = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  wc::http::ParserLimits limits;
  limits.max_header_bytes = 512;
  limits.max_body_bytes = 256;
  limits.max_headers = 8;
  wc::http::RequestParser parser(limits);
  while (!stream.empty()) {
    size_t n = std::min(step, stream.size());
    size_t consumed = 0;
    auto status = parser.feed(stream.substr(0, n), &consumed);
    if (status == wc::http::RequestParser::Status::kError) {
      int code = parser.error_status();
      check(code >= 400 && code < 600);
      std::string body = wc::http::json_error_body(parser.error_message());
      check(!wc::http::http_response(code, body, "application/json", false).empty());
      return 0;
    }
    check(consumed <= n);
    if (status == wc::http::RequestParser::Status::kComplete) {
      wc::http::Request r = parser.take();
      check(!r.method.empty() && !r.target.empty() && r.target[0] == '/');
      check(r.body.size() <= limits.max_body_bytes);
      (void)r.header("content-length");
      parser = wc::http::RequestParser(limits);  // the next pipelined request
    } else {
      check(consumed == n);
    }
    stream.remove_prefix(consumed);
  }
  return 0;
}
