// The text format's lexer (src/engine/text/lexer.h): tokens, positions, comments, annotations,
// strings, and the errors malformed input gets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/text/lexer.h"

namespace wc::engine::text {
namespace {

std::vector<Token> lex(std::string_view s) {
  auto r = tokenize(s);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<Token>{};
}

std::string lex_error(std::string_view s) {
  auto r = tokenize(s);
  EXPECT_FALSE(r.ok()) << "accepted: " << s;
  return r.ok() ? "" : r.error().message;
}

TEST(TextLexer, TokenKindsTextAndPositions) {
  auto t = lex("(module $m\n  (func \"name\" 0x1_0))");
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0].kind, TokenKind::LParen);
  EXPECT_EQ(t[1].kind, TokenKind::Atom);
  EXPECT_EQ(t[1].text, "module");
  EXPECT_EQ(t[2].kind, TokenKind::Id);
  EXPECT_EQ(t[2].text, "m");  // without the '$'
  EXPECT_EQ(t[4].text, "func");
  EXPECT_EQ(t[4].pos.line, 2u);
  EXPECT_EQ(t[4].pos.column, 4u);
  EXPECT_EQ(t[5].kind, TokenKind::String);
  EXPECT_EQ(t[5].text, "name");
  EXPECT_EQ(t[6].text, "0x1_0");
  EXPECT_EQ(t[7].kind, TokenKind::RParen);
}

TEST(TextLexer, ColumnsCountCharactersNotUtf8Bytes) {
  auto t = lex("\"\xc3\xa9\xc3\xa9\" x");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].pos.column, 6u);  // "éé" is 4 characters wide with its quotes
}

TEST(TextLexer, LineAndNestedBlockCommentsAreSkipped) {
  auto t = lex(";; a line comment ( \"\n(; block (; nested ;) still ;) a ;; tail\nb");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].text, "a");
  EXPECT_EQ(t[0].pos.line, 2u);
  EXPECT_EQ(t[1].text, "b");
  EXPECT_EQ(t[1].pos.line, 3u);
}

TEST(TextLexer, AnnotationsAreSkippedWithBalancedParentheses) {
  auto t = lex("(@custom \"x\" (nested (deeper)) \")\") a (@name) b");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].text, "a");
  EXPECT_EQ(t[1].text, "b");
  EXPECT_NE(lex_error("(@unterminated (a)").find("unterminated annotation"), std::string::npos);
}

TEST(TextLexer, AnnotationIdsAndReservedTokens) {
  EXPECT_EQ(lex("(@a , ; ] [ }} {x) b").size(), 1u);
  EXPECT_EQ(lex("(@\"quoted id\" x) b").size(), 1u);
  EXPECT_EQ(lex_error("(@ x)"), "1:1: empty annotation id");
  EXPECT_EQ(lex_error("(@\"\")"), "1:1: empty annotation id");
  EXPECT_EQ(lex_error("(@\"\\ef\")"), "1:1: malformed UTF-8 encoding in an annotation id");
}

TEST(TextLexer, QuotedIdentifiers) {
  auto t = lex("$\"a b\" $\"\\41\"");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].kind, TokenKind::Id);
  EXPECT_EQ(t[0].text, "a b");
  EXPECT_EQ(t[1].text, "A");  // $"\41" is $A
  EXPECT_EQ(lex_error("$\"\""), "1:1: empty identifier");
  EXPECT_EQ(lex_error("$\"\\ff\""), "1:1: malformed UTF-8 encoding in an identifier");
}

TEST(TextLexer, StringEscapes) {
  auto t = lex(R"("\t\n\r\"\'\\\41\u{1F600}\u{e9}")");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].text, "\t\n\r\"'\\A\xF0\x9F\x98\x80\xC3\xA9");
  // \xx escapes may spell any bytes (names are checked separately).
  EXPECT_EQ(lex(R"("\ff\00")")[0].text, std::string("\xff\0", 2));
}

TEST(TextLexer, MalformedStrings) {
  EXPECT_NE(lex_error("\"abc").find("1:1: unterminated string"), std::string::npos);
  EXPECT_NE(lex_error("\"ab\nc\"").find("unterminated string"), std::string::npos);
  EXPECT_NE(lex_error("\"\\q\"").find("unknown escape"), std::string::npos);
  EXPECT_NE(lex_error("\"\\u{110000}\"").find("malformed unicode escape"), std::string::npos);
  EXPECT_NE(lex_error("\"\\u{d800}\"").find("malformed unicode escape"), std::string::npos);
  EXPECT_NE(lex_error("\"\\u{}\"").find("malformed unicode escape"), std::string::npos);
  EXPECT_NE(lex_error("\"a\tb\"").find("control character"), std::string::npos);
  EXPECT_NE(lex_error("\"a\"\"b\"").find("glued"), std::string::npos);
  EXPECT_NE(lex_error("abc\"d\"").find("string right after"), std::string::npos);
}

TEST(TextLexer, InvalidUtf8InStringsAndComments) {
  EXPECT_NE(lex_error("\"\xff\"").find("malformed UTF-8"), std::string::npos);
  EXPECT_NE(lex_error("\"\xc0\x80\"").find("malformed UTF-8"), std::string::npos);      // overlong
  EXPECT_NE(lex_error("\"\xed\xa0\x80\"").find("malformed UTF-8"), std::string::npos);  // surrogate
  EXPECT_NE(lex_error("\"\xe2\x82\"").find("malformed UTF-8"), std::string::npos);      // truncated
  EXPECT_NE(lex_error(";; \x80\n").find("malformed UTF-8"), std::string::npos);
  EXPECT_NE(lex_error("(; \xf8 ;)").find("malformed UTF-8"), std::string::npos);
  EXPECT_TRUE(is_valid_utf8("plain \xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(TextLexer, OtherErrorsNameLineAndColumn) {
  EXPECT_EQ(lex_error("(a\n  [b)"), "2:3: unexpected character '['");
  EXPECT_EQ(lex_error("a \x01"), "1:3: unexpected byte 0x01");
  EXPECT_EQ(lex_error("(; never closed"), "1:1: unterminated block comment");
  EXPECT_EQ(lex_error("$ x"), "1:1: empty identifier");
}

TEST(TextLexer, StopsAtTheFirstErrorWithoutReadingFurther) {
  Lexer lexer("a \x01 b");
  Token t;
  ASSERT_TRUE(lexer.next(&t));
  EXPECT_EQ(t.text, "a");
  EXPECT_FALSE(lexer.next(&t));
  EXPECT_FALSE(lexer.error().empty());
}

}  // namespace
}  // namespace wc::engine::text
