// The daemon API's HTTP parser: requests split anywhere, pipelining, and every refusal with
// the status the daemon answers.
#include <gtest/gtest.h>

#include <string>

#include "daemon/http/request_parser.h"
#include "daemon/http/response.h"

namespace wc::http {
namespace {

using Status = RequestParser::Status;

TEST(HttpRequestParser, ParsesARequestFedOneByteAtATime) {
  std::string req = "POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
  RequestParser p;
  Status s = Status::kIncomplete;
  for (size_t i = 0; i < req.size(); ++i) {
    size_t used = 0;
    s = p.feed(std::string_view(req).substr(i, 1), &used);
    ASSERT_EQ(used, 1u);
    if (i + 1 < req.size()) {
      ASSERT_EQ(s, Status::kIncomplete) << i;
    }
  }
  ASSERT_EQ(s, Status::kComplete);
  Request r = p.take();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/containers");
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("content-length"), "5");
  EXPECT_TRUE(r.keep_alive);
}

TEST(HttpRequestParser, LeavesAPipelinedRequestToTheCaller) {
  std::string two = "GET /v1/version HTTP/1.1\r\n\r\nGET /v1/containers HTTP/1.0\r\n\r\n";
  RequestParser p;
  size_t used = 0;
  ASSERT_EQ(p.feed(two, &used), Status::kComplete);
  EXPECT_EQ(p.take().target, "/v1/version");
  std::string_view rest = std::string_view(two).substr(used);
  ASSERT_EQ(p.feed(rest, &used), Status::kComplete);
  EXPECT_EQ(used, rest.size());
  Request r = p.take();
  EXPECT_EQ(r.target, "/v1/containers");
  EXPECT_FALSE(r.keep_alive);  // HTTP/1.0 without keep-alive
}

int refusal(const std::string& text, ParserLimits limits = {}) {
  RequestParser p(limits);
  size_t used = 0;
  if (p.feed(text, &used) != Status::kError) return 0;
  EXPECT_FALSE(p.error_message().empty());
  return p.error_status();
}

TEST(HttpRequestParser, RefusesMalformedAndOversizedInput) {
  EXPECT_EQ(refusal("\x01\x02garbage\r\n\r\n"), 400);
  EXPECT_EQ(refusal("GET noslash HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refusal("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nbad header\r\n\r\n"), 400);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 501);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n"), 413);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a')), 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 70; ++i) many += "H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(refusal(many + "\r\n"), 431);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n"), 400);
}

TEST(HttpResponse, CarriesLengthAndEscapedErrors) {
  std::string r = http_response(404, json_error_body("no \"such\"\n"), "application/json", false);
  EXPECT_EQ(r.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
  std::string body = r.substr(r.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, R"({"error":"no \"such\"\n"})");
  EXPECT_NE(r.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
}

}  // namespace
}  // namespace wc::http
