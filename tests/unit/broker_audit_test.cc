// The audit log: valid JSON per line whatever bytes a path holds, and hints shown once.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "broker/audit.h"
#include "broker_test_util.h"

namespace wc::broker {
namespace {

TEST(BrokerAudit, JsonLineIsValidForAnyTarget) {
  Denial d{"c1",  "open", std::string("/data/\"q\"\\\n\x01\xff\xfe", 14), "read-only mount",
           EROFS, ""};
  struct timespec when = {1700000000, 123456789};
  std::string line = AuditLog::json_line(d, when);
  ASSERT_EQ(line.back(), '\n');
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["container"], "c1");
  EXPECT_EQ(j["op"], "open");
  EXPECT_EQ(j["rule"], "read-only mount");
  EXPECT_EQ(j["errno"], "EROFS");
  EXPECT_EQ(j["target"], "/data/\"q\"\\\n\x01\u00ff\u00fe");
}

TEST(BrokerAudit, WritesLinesAndHintsOnce) {
  wc::testing::TempDir t;
  std::string err;
  auto log = AuditLog::open(t / "audit.log", &err);
  ASSERT_TRUE(log) << err;
  std::vector<std::string> hints;
  log->set_hint_sink([&](const std::string& h) { hints.push_back(h); });
  for (int i = 0; i < 3; i++) log->record({"c", "mkdir", "/ro/x", "read-only", EROFS, "use --dir"});
  log->record({"c", "open", "/x", "escape", EPERM, "other hint"});
  EXPECT_EQ(hints, (std::vector<std::string>{"use --dir", "other hint"}));
  std::string text = wc::testing::read_file(t / "audit.log");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

}  // namespace
}  // namespace wc::broker
