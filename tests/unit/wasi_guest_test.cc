// Runs the C guests in tests/wasi/guests/ through our WASI host: each NAME.c is compiled at
// test time with Debian's clang-19 + wasi-libc, run in-process over a TestBroker with two
// mounts, and its stdout (+ stderr, + exit code) compared with NAME.expected.
//
// The guest's world: argv = {NAME, "first", "two words"}, env = {GREETING=hello, EMPTY=},
// stdin = "line from stdin\n", fd 3 = "/sandbox" (empty, read-write), fd 4 = "/ro" (read-only:
// hello.txt, sub/inner.txt), fd 5 = a listening TCP socket on 127.0.0.1 with one connection
// queued that has already sent "ping"; whatever the guest sends back is shown as
// "[peer received: ...]".
//
// Each guest runs twice: over the TestBroker double (wasi_test_broker.h) and over the real
// broker in process (broker::DirectBrokerClient). Denial errnos may differ between the two;
// NAME.direct.expected, when present, holds the direct broker's expectations.
//
// WC_UPDATE_EXPECTED=1 rewrites the .expected files (review the diff before keeping it).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "broker/direct_client.h"
#include "broker/policy.h"
#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/validate/validator.h"
#include "host/wasi/wasi.h"
#include "wasi_test_broker.h"

namespace fs = std::filesystem;

namespace wc::host::wasi {
namespace {

fs::path guests_dir() { return fs::path(__FILE__).parent_path().parent_path() / "wasi" / "guests"; }

std::vector<std::string> guest_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(guests_dir(), ec))
    if (e.path().extension() == ".c") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  if (names.empty()) names.push_back("MISSING_GUESTS_DIR");
  return names;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_fd_all(int fd) {
  std::string out;
  lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/wasi-guest-XXXXXX";
    if (mkdtemp(tmpl)) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A listening socket with one queued connection that has sent "ping".
struct SocketPair {
  int listener = -1, client = -1;
  SocketPair() {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener, 4) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      return;
    client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    (void)!write(client, "ping", 4);
  }
  ~SocketPair() {
    if (client >= 0) close(client);
  }
};

using GuestParam = std::tuple<std::string, std::string>;  // guest, broker ("test"/"direct")
class WasiGuest : public ::testing::TestWithParam<GuestParam> {};

TEST_P(WasiGuest, MatchesExpected) {
  const std::string name = std::get<0>(GetParam());
  const bool direct = std::get<1>(GetParam()) == "direct";
  const fs::path src = guests_dir() / (name + ".c");
  ASSERT_TRUE(fs::exists(src)) << "no guest sources under " << guests_dir();
  if (std::system("command -v clang-19 >/dev/null 2>&1") != 0) {
    FAIL() << "clang-19 is not installed: the WASI guest tests need Debian's clang-19, "
              "wasi-libc and libclang-rt-19-dev-wasm32 (scripts/setup.sh installs them)";
  }
  TempDir tmp;
  ASSERT_FALSE(tmp.path.empty());
  const fs::path wasm = tmp.path / (name + ".wasm");
  const fs::path log = tmp.path / "clang.log";
  std::string cmd = "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -I'" +
                    guests_dir().string() + "' '" + src.string() + "' -o '" + wasm.string() +
                    "' >'" + log.string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "compiling " << src << " failed:\n" << slurp(log);

  std::string bytes_s = slurp(wasm);
  std::vector<uint8_t> bytes(bytes_s.begin(), bytes_s.end());
  auto decoded = engine::decode_module(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  std::shared_ptr<const engine::Module> module = decoded.value();
  auto invalid = engine::validate_module(*module);
  ASSERT_FALSE(invalid) << invalid->message;

  // The guest's filesystem.
  fs::create_directories(tmp.path / "sandbox");
  fs::create_directories(tmp.path / "ro" / "sub");
  std::ofstream(tmp.path / "ro" / "hello.txt") << "hello from ro\n";
  std::ofstream(tmp.path / "ro" / "sub" / "inner.txt") << "inner\n";
  std::ofstream(tmp.path / "stdin.txt") << "line from stdin\n";
  int in_fd = open((tmp.path / "stdin.txt").c_str(), O_RDONLY | O_CLOEXEC);
  int out_fd = open((tmp.path / "stdout.txt").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int err_fd = open((tmp.path / "stderr.txt").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(in_fd, 0);
  ASSERT_GE(out_fd, 0);
  ASSERT_GE(err_fd, 0);
  SocketPair sock;
  ASSERT_GE(sock.client, 0) << "loopback TCP unavailable";

  testing::TestBroker test_broker({{"/sandbox", (tmp.path / "sandbox").string(), false},
                                   {"/ro", (tmp.path / "ro").string(), true}});
  std::unique_ptr<broker::DirectBrokerClient> direct_broker;
  if (direct) {
    broker::Policy policy;
    policy.mounts = {{(tmp.path / "sandbox").string(), "/sandbox", false},
                     {(tmp.path / "ro").string(), "/ro", true}};
    std::string error;
    direct_broker = broker::DirectBrokerClient::create(policy, &error);
    ASSERT_TRUE(direct_broker) << error;
  }
  WasiConfig cfg;
  cfg.args = {name, "first", "two words"};
  cfg.env = {"GREETING=hello", "EMPTY="};
  cfg.stdin_fd = in_fd;
  cfg.stdout_fd = out_fd;
  cfg.stderr_fd = err_fd;
  cfg.broker = direct ? static_cast<BrokerClient*>(direct_broker.get()) : &test_broker;
  cfg.listen_sockets = {sock.listener};
  CommandResult result;
  {
    WasiContext ctx(cfg);
    engine::Store store;
    engine::Linker linker;
    define_wasi(linker, store, ctx);
    result = run_command(store, linker, module);
  }
  std::string actual = read_fd_all(out_fd);
  std::string err = read_fd_all(err_fd);
  if (!err.empty()) actual += "--- stderr ---\n" + err;
  shutdown(sock.client, SHUT_WR);
  fcntl(sock.client, F_SETFL, O_NONBLOCK);
  std::string peer = read_fd_all(sock.client);
  if (!peer.empty()) actual += "[peer received: " + peer + "]\n";
  if (result.trap) actual += "[trap: " + result.trap->message + "]\n";
  if (!result.error.empty()) actual += "[error: " + result.error + "]\n";
  actual += "[exit " + std::to_string(result.exit_code) + "]\n";
  close(in_fd);
  close(out_fd);
  close(err_fd);

  fs::path expected_path = guests_dir() / (name + ".expected");
  const fs::path direct_path = guests_dir() / (name + ".direct.expected");
  if (direct && fs::exists(direct_path)) expected_path = direct_path;
  if (std::getenv("WC_UPDATE_EXPECTED") && (!direct || expected_path == direct_path))
    std::ofstream(expected_path) << actual;
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path << "; got:\n" << actual;
  EXPECT_EQ(actual, slurp(expected_path)) << "guest " << name;
}

INSTANTIATE_TEST_SUITE_P(Guests, WasiGuest,
                         ::testing::Combine(::testing::ValuesIn(guest_names()),
                                            ::testing::Values("test", "direct")),
                         [](const ::testing::TestParamInfo<GuestParam>& i) {
                           return std::get<0>(i.param) + "_" + std::get<1>(i.param);
                         });

}  // namespace
}  // namespace wc::host::wasi
