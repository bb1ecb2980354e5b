// An incremental HTTP/1.1 request parser for the daemon's API socket. Bytes arrive in any
// split; the parser takes only the bytes of the current request (pipelined requests stay with
// the caller), and refuses oversized or malformed input with the status to answer.
// Bodies need Content-Length (the client always sends one); chunked bodies are refused (501).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wc::http {

struct Request {
  std::string method, target;
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string body;
  bool keep_alive = true;
  // The first header of that name (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

struct ParserLimits {
  size_t max_header_bytes = 16384;  // request line + headers
  size_t max_body_bytes = 1 << 20;
  size_t max_headers = 64;
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});
  enum class Status { kIncomplete, kComplete, kError };
  // Feeds bytes; *consumed says how many of them belong to this request (all of them unless
  // it completed). After kComplete call take(); after kError the connection is done.
  Status feed(std::string_view data, size_t* consumed);
  Request take();
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  Status fail(int status, std::string message);
  Status parse_head(size_t head_end);

  ParserLimits limits_;
  std::string buf_;
  bool have_head_ = false;
  size_t body_start_ = 0, body_length_ = 0;
  Request request_;
  bool complete_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace wc::http
