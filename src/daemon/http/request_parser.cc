#include "daemon/http/request_parser.h"

#include <algorithm>
#include <cctype>

namespace wc::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

RequestParser::Status RequestParser::fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  buf_.clear();
  return Status::kError;
}

RequestParser::Status RequestParser::parse_head(size_t head_end) {
  std::string_view head(buf_.data(), head_end);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "malformed request line");
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), is_token_char))
    return fail(400, "malformed method");
  if (target.empty() || target[0] != '/' || std::any_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      }))
    return fail(400, "malformed request target");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return fail(505, "HTTP/1.0 or 1.1 only");
  request_ = Request{};
  request_.method = method;
  request_.target = target;
  request_.keep_alive = version == "HTTP/1.1";

  std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  bool have_length = false;
  while (!rest.empty()) {
    size_t e = rest.find("\r\n");
    std::string_view h = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 2);
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(h.begin(), h.begin() + colon, is_token_char))
      return fail(400, "malformed header line");
    std::string_view value = trim(h.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) {
          return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
        }))
      return fail(400, "control character in a header value");
    if (request_.headers.size() >= limits_.max_headers) return fail(431, "too many headers");
    request_.headers.emplace_back(std::string(h.substr(0, colon)), std::string(value));
    std::string_view name = h.substr(0, colon);
    if (iequals(name, "Transfer-Encoding"))
      return fail(501, "Transfer-Encoding is not supported: send Content-Length");
    if (iequals(name, "Content-Length")) {
      if (value.empty() || value.size() > 12 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return fail(400, "malformed Content-Length");
      size_t n = std::stoull(std::string(value));
      if (have_length && n != body_length_) return fail(400, "conflicting Content-Length");
      have_length = true;
      body_length_ = n;
    }
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) request_.keep_alive = false;
      if (iequals(value, "keep-alive")) request_.keep_alive = true;
    }
  }
  if (body_length_ > limits_.max_body_bytes)
    return fail(413, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  have_head_ = true;
  body_start_ = head_end + 4;
  return Status::kIncomplete;
}

RequestParser::Status RequestParser::feed(std::string_view data, size_t* consumed) {
  *consumed = 0;
  if (error_status_ != 0) return Status::kError;
  if (complete_) return Status::kComplete;
  buf_.append(data);
  if (!have_head_) {
    // Leading empty lines before a request are tolerated (RFC 9112 2.2).
    while (buf_.size() >= 2 && buf_.compare(0, 2, "\r\n") == 0) {
      buf_.erase(0, 2);
    }
    size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buf_.size() > limits_.max_header_bytes) return fail(431, "request headers too large");
      *consumed = data.size();
      return Status::kIncomplete;
    }
    if (end + 4 > limits_.max_header_bytes) return fail(431, "request headers too large");
    Status s = parse_head(end);
    if (s == Status::kError) return s;
  }
  size_t total = body_start_ + body_length_;
  if (buf_.size() < total) {
    *consumed = data.size();
    return Status::kIncomplete;
  }
  request_.body = buf_.substr(body_start_, body_length_);
  // Bytes of the data past this request belong to the next one.
  size_t extra = buf_.size() - total;
  *consumed = data.size() - std::min(extra, data.size());
  complete_ = true;
  return Status::kComplete;
}

Request RequestParser::take() {
  Request r = std::move(request_);
  request_ = Request{};
  buf_.clear();
  have_head_ = false;
  body_start_ = body_length_ = 0;
  complete_ = false;
  return r;
}

}  // namespace wc::http
