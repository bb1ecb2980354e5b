// The WasmEdge and WASIX socket dialects end to end: the C guests in tests/sockets/ are built
// at test time with clang-19 + wasi-libc and run in process (each in its own thread and store)
// over LoopbackBroker, a broker double with real sockets on 127.0.0.1 / ::1 only.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "../sockets/loopback_broker.h"
#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/validate/validator.h"
#include "host/sockets/sockets.h"
#include "host/wasi/wasi.h"

namespace fs = std::filesystem;

namespace wc::host::sockets {
namespace {

fs::path guests_dir() { return fs::path(__FILE__).parent_path().parent_path() / "sockets"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Builds tests/sockets/NAME.c once per process.
std::shared_ptr<const engine::Module> guest(const std::string& name) {
  static std::map<std::string, std::shared_ptr<const engine::Module>> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  if (std::system("command -v clang-19 >/dev/null 2>&1") != 0) {
    ADD_FAILURE() << "clang-19 is not installed: the socket guest tests need Debian's clang-19, "
                     "wasi-libc and libclang-rt-19-dev-wasm32 (scripts/setup.sh installs them)";
    return nullptr;
  }
  char tmpl[] = "/tmp/sock-guest-XXXXXX";
  if (!mkdtemp(tmpl)) return nullptr;
  fs::path dir = tmpl, wasm = dir / (name + ".wasm"), log = dir / "clang.log";
  std::string cmd = "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror '" +
                    (guests_dir() / (name + ".c")).string() + "' -o '" + wasm.string() + "' >'" +
                    log.string() + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "compiling " << name << " failed:\n" << slurp(log);
    return nullptr;
  }
  std::string s = slurp(wasm);
  std::error_code ec;
  fs::remove_all(dir, ec);
  auto decoded = engine::decode_module(std::vector<uint8_t>(s.begin(), s.end()));
  if (!decoded) return ADD_FAILURE() << decoded.error().message, nullptr;
  if (auto invalid = engine::validate_module(*decoded.value()))
    return ADD_FAILURE() << invalid->message, nullptr;
  return cache[name] = decoded.value();
}

// A guest running in its own thread; its stdout is a pipe the test reads while it runs.
class Running {
 public:
  Running(const std::string& name, std::vector<std::string> args, BrokerClient* broker) {
    module_ = guest(name);
    int p[2];
    if (!module_ || pipe(p) != 0) return;
    out_ = p[0];
    args.insert(args.begin(), name);
    thread_ = std::thread([this, args, broker, w = p[1]] {
      engine::Store store;
      store_ = &store;
      wasi::WasiConfig cfg;
      cfg.args = args;
      cfg.stdin_fd = -1;
      cfg.stdout_fd = w;
      cfg.broker = broker;
      wasi::WasiContext ctx(cfg);
      engine::Linker linker;
      wasi::define_wasi(linker, store, ctx);
      if (!define_sockets(linker, store, ctx, *module_, &result_.error)) {
        result_.exit_code = 1;
      } else {
        result_ = wasi::run_command(store, linker, module_);
      }
      store_ = nullptr;
      close(w);
    });
  }
  ~Running() { finish(); }

  // The next stdout line (without "\n"); "" at EOF.
  std::string line() {
    std::string s;
    char c;
    while (out_ >= 0 && read(out_, &c, 1) == 1 && c != '\n') s += c;
    return s;
  }
  int port() {
    std::string l = line();
    EXPECT_EQ(l.rfind("port ", 0), 0u) << l;
    return l.size() > 5 ? std::atoi(l.c_str() + 5) : 0;
  }
  void interrupt() {
    while (!store_) std::this_thread::yield();
    store_.load()->interrupt();
  }
  // Joins; returns the rest of stdout.
  std::string finish() {
    std::string rest;
    if (out_ >= 0) {
      char buf[4096];
      ssize_t n;
      while ((n = read(out_, buf, sizeof buf)) > 0) rest.append(buf, static_cast<size_t>(n));
      close(out_);
      out_ = -1;
    }
    if (thread_.joinable()) thread_.join();
    return rest;
  }
  const wasi::CommandResult& result() const { return result_; }

 private:
  std::shared_ptr<const engine::Module> module_;
  int out_ = -1;
  std::atomic<engine::Store*> store_{nullptr};
  wasi::CommandResult result_;
  std::thread thread_;
};

int connect_loopback(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return s;
}

std::string read_to_eof(int s) {
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = read(s, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

// A client that connects and resets the connection without a word.
void reset_client(int port) {
  int s = connect_loopback(port);
  struct linger l {
    1, 0
  };
  setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(s);
}

TEST(SocketsWasmEdge, EchoServerSurvivesResetAndServesBothDialects) {
  testing::LoopbackBroker broker;
  Running server("wasmedge_guest", {"server", "3"}, &broker);
  int port = server.port();
  ASSERT_GT(port, 0);
  {
    Running client("wasmedge_guest", {"client", std::to_string(port)}, &broker);
    EXPECT_EQ(client.finish(),
              "keepalive 1\ntype 1\npeer 127.0.0.1 type 4 port_ok 1\n"
              "local 127.0.0.1 port_nonzero 1\nreceived \"hello from wasmedge\"\n");
    EXPECT_EQ(client.result().exit_code, 0) << client.result().error;
  }
  reset_client(port);  // a misbehaving peer: the server reports it and goes on
  {
    Running client("wasix_guest", {"client", std::to_string(port)}, &broker);
    EXPECT_EQ(client.finish(),
              "nodelay 1 keepalive 1 rcvbuf_set 1 rcvtimeo 1 1500 ms\n"
              "peer 127.0.0.1 port_ok 1 local_port_nonzero 1\nreceived \"hello from wasix\"\n");
    EXPECT_EQ(client.result().exit_code, 0) << client.result().error;
  }
  EXPECT_EQ(server.finish(), "conn 1: errno 15\nserved 3\n");  // 15 = WASI ECONNRESET
  EXPECT_EQ(server.result().exit_code, 0) << server.result().error;
}

TEST(SocketsWasix, EchoServerHalfClosedAndReset) {
  testing::LoopbackBroker broker;
  Running server("wasix_guest", {"server", "3"}, &broker);
  int port = server.port();
  ASSERT_GT(port, 0);
  int s = connect_loopback(port);
  ASSERT_EQ(write(s, "half", 4), 4);
  shutdown(s, SHUT_WR);  // the server reads to EOF, echoes, closes: we read to EOF
  EXPECT_EQ(read_to_eof(s), "half");
  close(s);
  reset_client(port);
  {
    Running client("wasix_guest", {"client", std::to_string(port)}, &broker);
    EXPECT_EQ(client.finish().substr(0, 7), "nodelay");
    EXPECT_EQ(client.result().exit_code, 0) << client.result().error;
  }
  EXPECT_EQ(server.finish(), "conn 1: errno 15\nserved 3\n");
}

TEST(SocketsWasmEdge, NonBlockingServerWith200Connections) {
  testing::LoopbackBroker broker;
  Running server("wasmedge_guest", {"nbserver", "200"}, &broker);
  int port = server.port();
  ASSERT_GT(port, 0);
  std::vector<int> socks;
  for (int i = 0; i < 200; ++i) socks.push_back(connect_loopback(port));
  for (int i = 0; i < 200; ++i) {
    std::string msg = "message " + std::to_string(i);
    ASSERT_EQ(write(socks[i], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
    shutdown(socks[i], SHUT_WR);
  }
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(read_to_eof(socks[i]), "message " + std::to_string(i));
    close(socks[i]);
  }
  std::string out = server.finish();
  EXPECT_EQ(out.rfind("served 200, at most ", 0), 0u) << out;
  EXPECT_EQ(server.result().exit_code, 0) << server.result().error;
}

TEST(SocketsDialects, ResolveLocalhost) {
  testing::LoopbackBroker broker;
  Running edge("wasmedge_guest", {"resolve"}, &broker);
  EXPECT_EQ(edge.finish(), "family 1 type 2 port 8080 addr 127.0.0.1\n");
  Running wasix("wasix_guest", {"resolve"}, &broker);
  EXPECT_EQ(wasix.finish(), "inet4 127.0.0.1\ninet6 loopback 1\n");
}

TEST(SocketsDialects, DeniedConnectIsEacces) {
  testing::LoopbackBroker broker;
  broker.denied_ports = {9};
  Running edge("wasmedge_guest", {"denied", "9"}, &broker);
  EXPECT_EQ(edge.finish(), "connect: errno 2\n");  // WASI EACCES
  Running wasix("wasix_guest", {"denied", "9"}, &broker);
  EXPECT_EQ(wasix.finish(), "connect: errno 2\n");
  EXPECT_EQ(broker.connects, 0);
}

TEST(SocketsDialects, BlockedAcceptStopsOnInterrupt) {
  testing::LoopbackBroker broker;
  Running server("wasmedge_guest", {"server", "1"}, &broker);
  ASSERT_GT(server.port(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it block in accept
  server.interrupt();
  server.finish();
  ASSERT_TRUE(server.result().trap.has_value()) << server.result().exit_code;
  EXPECT_EQ(server.result().trap->kind, engine::TrapKind::Interrupted);
}

TEST(SocketsDialects, MixedDialectsAreRefused) {
  auto module = guest("ambiguous_guest");
  ASSERT_TRUE(module);
  engine::Store store;
  wasi::WasiContext ctx(wasi::WasiConfig{});
  engine::Linker linker;
  wasi::define_wasi(linker, store, ctx);
  std::string error;
  EXPECT_FALSE(define_sockets(linker, store, ctx, *module, &error));
  EXPECT_NE(error.find("wasi_snapshot_preview1.sock_open"), std::string::npos) << error;
  EXPECT_NE(error.find("wasix_32v1.sock_open"), std::string::npos) << error;
}

TEST(SocketsDialects, PlainWasiModulesAreUntouched) {
  auto module = guest("wasmedge_guest");  // defines WasmEdge's imports only for such modules
  ASSERT_TRUE(module);
  engine::Store store;
  wasi::WasiContext ctx(wasi::WasiConfig{});
  engine::Linker linker;
  std::string error;
  EXPECT_TRUE(define_sockets(linker, store, ctx, *module, &error)) << error;
}

}  // namespace
}  // namespace wc::host::sockets
