// Round-trip cost of a brokered open+close against a native one. Prints the median (and p10,
// p90) per iteration for: native open(2)+close, the in-process DirectBrokerClient (codec and
// openat2, no IPC), and IpcBrokerClient over a SOCK_SEQPACKET socketpair to a Broker event
// loop in another thread and in another process.
//   usage: broker_rtt [ITERATIONS]   (default 20000)
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "broker/broker.h"
#include "broker/direct_client.h"
#include "ipc/client.h"
#include "ipc/socket.h"

using namespace wc;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  double p10, median, p90;
};

Stats summarize(std::vector<double> ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return ns[static_cast<size_t>(q * (ns.size() - 1))] / 1000.0; };
  return {at(0.10), at(0.50), at(0.90)};
}

template <class F>
std::vector<double> measure(int n, F&& once) {
  for (int i = 0; i < n / 10; i++) once();  // warm up
  std::vector<double> ns;
  ns.reserve(n);
  for (int i = 0; i < n; i++) {
    auto t0 = Clock::now();
    once();
    ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
  }
  return ns;
}

void report(const char* what, const Stats& s, double native) {
  std::printf("%-34s median %7.2f us   p10 %7.2f   p90 %7.2f   (%.1fx native)\n", what, s.median,
              s.p10, s.p90, s.median / native);
}

std::vector<double> via_client(host::BrokerClient& c, int n) {
  return measure(n, [&] {
    host::Opened o;
    if (c.open(0, "f", O_RDONLY, 0, &o) != 0) std::abort();
    close(o.fd);
  });
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  char tmpl[] = "/tmp/wc-broker-rtt-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string file = dir + "/f";
  close(open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  broker::Policy policy;
  policy.mounts = {{dir, "/data", false}};
  std::string err;

  Stats native = summarize(measure(n, [&] {
    int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) std::abort();
    close(fd);
  }));
  std::printf("open+close of a file, %d iterations, median of per-iteration wall time\n", n);
  report("native open+close", native, native.median);

  auto direct = broker::DirectBrokerClient::create(policy, &err);
  if (!direct) return std::fprintf(stderr, "%s\n", err.c_str()), 1;
  report("in-process broker (no IPC)", summarize(via_client(*direct, n)), native.median);

  {  // broker loop in a second thread
    ipc::UniqueFd sp[2];
    ipc::make_socketpair(sp);
    broker::Broker b;
    if (!b.add_worker(std::move(sp[0]), getpid(), policy, "bench", &err)) {
      return std::fprintf(stderr, "%s\n", err.c_str()), 1;
    }
    std::thread loop([&] { b.run(); });
    std::vector<double> ns;
    {
      ipc::IpcBrokerClient c(sp[1].get());
      ns = via_client(c, n);
    }
    sp[1].reset();  // end of stream: the loop returns
    loop.join();
    report("IPC, broker in another thread", summarize(ns), native.median);
  }

  {  // broker loop in this process, client in a child process
    ipc::UniqueFd sp[2];
    ipc::make_socketpair(sp);
    int pipefd[2];
    if (pipe(pipefd) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      sp[0].reset();
      close(pipefd[0]);
      ipc::IpcBrokerClient c(sp[1].get());
      std::vector<double> ns = via_client(c, n);
      ssize_t w = write(pipefd[1], ns.data(), ns.size() * sizeof(double));
      _exit(w == static_cast<ssize_t>(ns.size() * sizeof(double)) ? 0 : 1);
    }
    sp[1].reset();
    close(pipefd[1]);
    broker::Broker b;
    if (!b.add_worker(std::move(sp[0]), pid, policy, "bench", &err)) {
      return std::fprintf(stderr, "%s\n", err.c_str()), 1;
    }
    std::thread loop([&] { b.run(); });
    std::vector<double> ns(n);
    size_t got = 0;
    while (got < ns.size() * sizeof(double)) {
      ssize_t r = read(pipefd[0], reinterpret_cast<char*>(ns.data()) + got,
                       ns.size() * sizeof(double) - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    loop.join();
    waitpid(pid, nullptr, 0);
    if (got == ns.size() * sizeof(double)) {
      report("IPC, broker in another process", summarize(ns), native.median);
    }
  }
  unlink(file.c_str());
  rmdir(dir.c_str());
  return 0;
}
