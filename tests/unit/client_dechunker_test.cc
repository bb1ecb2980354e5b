// The client's decoder of the daemon's chunked output stream (src/cli/webcontainer/dechunker.h):
// payload and trailer whatever the read boundaries, and malformed framing refused.
#include <gtest/gtest.h>

#include <string>

#include "cli/webcontainer/dechunker.h"

namespace wc::client {
namespace {

const std::string kStream =
    "18\r\nhello from webcontainer\n\r\n"
    "5;ext=1\r\nabc\r\n\r\n"
    "0\r\nX-Exit-Code: 3\r\nX-Other:  two spaces\r\n\r\n";

// Feeds `stream` in pieces of `step` bytes; returns the payload, or "FAIL" on a refusal.
std::string feed_in_steps(Dechunker* d, const std::string& stream, size_t step) {
  std::string out;
  for (size_t at = 0; at < stream.size(); at += step)
    if (!d->feed(std::string_view(stream).substr(at, step), &out)) return "FAIL";
  return out;
}

TEST(ClientDechunker, PayloadAndTrailerWhateverTheReadBoundaries) {
  for (size_t step = 1; step <= kStream.size(); ++step) {
    Dechunker d;
    EXPECT_EQ(feed_in_steps(&d, kStream, step), "hello from webcontainer\nabc\r\n")
        << "step " << step;
    EXPECT_TRUE(d.done()) << "step " << step;
    EXPECT_EQ(d.trailer().at("x-exit-code"), "3");
    EXPECT_EQ(d.trailer().at("x-other"), "two spaces");
  }
}

TEST(ClientDechunker, NotDoneUntilTheEmptyLineAfterTheTrailer) {
  Dechunker d;
  std::string out;
  ASSERT_TRUE(d.feed("3\r\nabc\r\n0\r\nX-Exit-Code: 0\r\n", &out));
  EXPECT_EQ(out, "abc");
  EXPECT_FALSE(d.done());
  ASSERT_TRUE(d.feed("\r\n", &out));
  EXPECT_TRUE(d.done());
  // Bytes after the end are not payload.
  ASSERT_TRUE(d.feed("5\r\nhello\r\n", &out));
  EXPECT_EQ(out, "abc");
}

TEST(ClientDechunker, UpperCaseHexAndLargeChunks) {
  std::string data(0xABC, 'x');
  Dechunker d;
  std::string out;
  ASSERT_TRUE(d.feed("ABC\r\n" + data + "\r\n0\r\n\r\n", &out));
  EXPECT_EQ(out, data);
  EXPECT_TRUE(d.done());
}

TEST(ClientDechunker, RefusesMalformedFraming) {
  const char* bad[] = {
      "zz\r\nab\r\n",          // size not hex
      "-1\r\n",                // a sign
      "0x5\r\nhello\r\n",      // a C prefix
      "5 junk\r\nhello\r\n",   // junk after the size
      "3\r\nabcXY0\r\n\r\n",   // chunk data not followed by CRLF
      "1000000000000000\r\n",  // 16 hex digits: more than the decoder takes
  };
  for (const char* s : bad) {
    Dechunker d;
    std::string out;
    EXPECT_FALSE(d.feed(s, &out)) << s;
    EXPECT_FALSE(d.done()) << s;
  }
}

TEST(ClientDechunker, BoundsLinesWithoutTheirEnd) {
  {  // a size line that never ends
    Dechunker d;
    std::string out;
    EXPECT_TRUE(d.feed(std::string(10, 'a'), &out));
    EXPECT_FALSE(d.feed(std::string(100, 'a'), &out));
  }
  {  // a trailer line that never ends
    Dechunker d;
    std::string out;
    ASSERT_TRUE(d.feed("0\r\nX-A: ", &out));
    EXPECT_FALSE(d.feed(std::string(2000, 'v'), &out));
  }
  {  // too many trailer lines
    Dechunker d;
    std::string out, stream = "0\r\n";
    for (int i = 0; i < 17; ++i) stream += "X-" + std::to_string(i) + ": v\r\n";
    EXPECT_FALSE(d.feed(stream, &out));
  }
}

}  // namespace
}  // namespace wc::client
