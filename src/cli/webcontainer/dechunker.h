// Incremental decoder of an HTTP/1.1 chunked body, as the client reads the daemon's output
// stream (`POST /v1/containers?follow=1`, `logs?follow=1`): bytes arrive in reads of any size,
// split anywhere, and the trailer after the last chunk carries the container's exit code
// (`X-Exit-Code`). The daemon is trusted more than a guest, but a framing error must end the
// stream with an error, never loop or buffer without bound.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace wc::client {

// "Name: value" into *out under the lower-cased name (leading spaces of the value dropped);
// a line without a colon is ignored.
void add_header(std::string_view line, std::map<std::string, std::string>* out);

class Dechunker {
 public:
  // Appends the payload found in `in` to *out. False on malformed framing (a chunk size that
  // is not hex, a chunk not followed by CRLF, a size or trailer line without its CRLF after
  // 64 / 1024 bytes, more than 16 trailer lines).
  bool feed(std::string_view in, std::string* out);
  // The terminating empty line after the last chunk (and its trailer) was read.
  bool done() const { return done_; }
  // The trailer's headers, names lower-cased.
  const std::map<std::string, std::string>& trailer() const { return trailer_; }

 private:
  std::string buf_;
  unsigned long long left_ = 0;  // bytes of the current chunk still to come
  bool need_crlf_ = false, last_ = false, done_ = false;
  int trailer_lines_ = 0;
  std::map<std::string, std::string> trailer_;
};

}  // namespace wc::client
