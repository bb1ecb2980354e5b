#include "cli/webcontainer/dechunker.h"

#include <algorithm>
#include <cctype>

namespace wc::client {

namespace {

// Longest size line (hex digits and a chunk extension) and trailer line accepted before their
// CRLF; the daemon sends short ones, so more means a broken stream.
constexpr size_t kMaxSizeLine = 64;
constexpr size_t kMaxTrailerLine = 1024;
constexpr int kMaxTrailerLines = 16;

// A chunk-size line: 1-15 hex digits (at most 2^60 - 1: no overflow), then nothing, or a
// chunk extension after ';' (ignored). False for anything else.
bool parse_size(std::string_view line, unsigned long long* size) {
  size_t digits = 0;
  unsigned long long v = 0;
  for (; digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]));
       ++digits) {
    if (digits == 15) return false;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
    v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  if (digits == 0) return false;
  std::string_view rest = line.substr(digits);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  if (!rest.empty() && rest.front() != ';') return false;
  *size = v;
  return true;
}

}  // namespace

void add_header(std::string_view line, std::map<std::string, std::string>* out) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string name(line.substr(0, colon));
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  (*out)[name] = std::string(value);
}

bool Dechunker::feed(std::string_view in, std::string* out) {
  buf_.append(in);
  for (;;) {
    if (done_) return true;
    if (last_) {  // after the last chunk: trailer lines, then an empty line
      size_t eol = buf_.find("\r\n");
      if (eol == std::string::npos) return buf_.size() < kMaxTrailerLine;
      std::string line = buf_.substr(0, eol);
      buf_.erase(0, eol + 2);
      if (line.empty()) {
        done_ = true;
        return true;
      }
      if (++trailer_lines_ > kMaxTrailerLines) return false;
      add_header(line, &trailer_);
      continue;
    }
    if (left_ == 0) {
      size_t eol = buf_.find("\r\n");
      if (eol == std::string::npos) return buf_.size() < kMaxSizeLine;
      if (need_crlf_) {  // the CRLF after the previous chunk's data
        if (eol != 0) return false;
        buf_.erase(0, 2);
        need_crlf_ = false;
        continue;
      }
      unsigned long long size = 0;
      if (!parse_size(std::string_view(buf_).substr(0, eol), &size)) return false;
      buf_.erase(0, eol + 2);
      if (size == 0) {
        last_ = true;
        continue;
      }
      left_ = size;
    }
    if (buf_.empty()) return true;
    size_t n = static_cast<size_t>(std::min<unsigned long long>(left_, buf_.size()));
    out->append(buf_, 0, n);
    buf_.erase(0, n);
    left_ -= n;
    if (left_ == 0) need_crlf_ = true;
  }
}

}  // namespace wc::client
