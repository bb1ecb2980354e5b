// serve's output channel over real worker processes: output requests reach Broker::on_output
// in order, a held answer stops the worker until release_output (--log-rate's backpressure),
// a broker without a sink refuses them, and OutputForwarder carries a process's fds 1 and 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "broker/broker.h"
#include "broker_test_util.h"
#include "ipc/client.h"
#include "ipc/output_forwarder.h"
#include "ipc/socket.h"

namespace wc::broker {
namespace {

using ipc::UniqueFd;

using wc::testing::Child;
using wc::testing::spawn;

// Serves until `done` or 10 s.
void serve_until(Broker& b, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) b.poll_once(20);
}

int exit_status(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(BrokerOutput, HeldAnswerStopsTheWorkerUntilReleased) {
  Broker broker;
  std::string seen;
  broker.on_output = [&](const std::string& id, std::string_view bytes) {
    EXPECT_EQ(id, "c1");
    seen.append(bytes);
    return bytes != "b";  // "b" exhausts the budget: its answer waits
  };
  Child w = spawn([](int s) {
    ipc::IpcBrokerClient c(s);
    if (c.output("a", 1) != 0 || c.output("b", 1) != 0 || c.output("c", 1) != 0) return 1;
    return 0;
  });
  ASSERT_GT(w.pid, 0);
  std::string err;
  ASSERT_TRUE(broker.add_worker(std::move(w.broker_end), w.pid, Policy{}, "c1", &err)) << err;
  serve_until(broker, [&] { return seen == "ab"; });
  ASSERT_EQ(seen, "ab");
  // Held: the worker waits for its answer, so "c" does not come however long we serve.
  for (int i = 0; i < 10; i++) broker.poll_once(20);
  EXPECT_EQ(seen, "ab");
  broker.release_output("c1");
  serve_until(broker, [&] { return seen == "abc"; });
  EXPECT_EQ(seen, "abc");
  serve_until(broker, [&] { return broker.worker_count() == 0; });
  EXPECT_EQ(exit_status(w.pid), 0);
}

TEST(BrokerOutput, RefusedWithoutASink) {
  Broker broker;
  Child w = spawn([](int s) {
    ipc::IpcBrokerClient c(s);
    return c.output("x", 1) == -ENOSYS ? 0 : 1;
  });
  ASSERT_GT(w.pid, 0);
  std::string err;
  ASSERT_TRUE(broker.add_worker(std::move(w.broker_end), w.pid, Policy{}, "c2", &err)) << err;
  serve_until(broker, [&] { return broker.worker_count() == 0; });
  EXPECT_EQ(exit_status(w.pid), 0);
}

// Everything written to fds 1 and 2, by stdio and by write(2), in the order written, arrives
// before the worker ends; more than one request's worth is split, not lost.
TEST(BrokerOutput, ForwarderCarriesStdoutAndStderrInOrder) {
  Broker broker;
  std::string seen;
  size_t requests = 0;
  broker.on_output = [&](const std::string&, std::string_view bytes) {
    EXPECT_LE(bytes.size(), ipc::kMaxOutput);
    seen.append(bytes);
    requests++;
    return true;
  };
  const std::string big(3 * ipc::kMaxOutput / 2, 'z');
  Child w = spawn([&big](int s) {
    ipc::OutputForwarder out;
    std::string error;
    if (!out.redirect(&error)) return 2;
    ipc::IpcBrokerClient c(s);
    if (!out.start(c, &error)) return 3;
    std::printf("out1\n");
    std::fflush(stdout);
    if (write(2, "err1\n", 5) != 5) return 4;
    std::printf("%s\n", big.c_str());
    out.finish();
    return 0;
  });
  ASSERT_GT(w.pid, 0);
  std::string err;
  ASSERT_TRUE(broker.add_worker(std::move(w.broker_end), w.pid, Policy{}, "c3", &err)) << err;
  serve_until(broker, [&] { return broker.worker_count() == 0; });
  EXPECT_EQ(exit_status(w.pid), 0);
  EXPECT_EQ(seen, "out1\nerr1\n" + big + "\n");
  EXPECT_GE(requests, 2u);
}

}  // namespace
}  // namespace wc::broker
