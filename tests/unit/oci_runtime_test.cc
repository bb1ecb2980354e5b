// The runtime's own pieces (src/oci/): container ids, the state store and its derived status,
// /proc/PID/stat parsing, signal names, cgroup paths (cgroupfs and systemd forms), the runtime
// log lines the shim decodes, and opening the module inside a hostile rootfs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "oci/cgroups.h"
#include "oci/module_file.h"
#include "oci/proc_info.h"
#include "oci/runtime_log.h"
#include "oci/signals.h"
#include "oci/state.h"

namespace wc::oci {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/oci-runtime-test.XXXXXX";
  EXPECT_NE(mkdtemp(tmpl), nullptr);
  return tmpl;
}

TEST(OciRuntime, ContainerIds) {
  std::string err;
  for (const char* id : {"c1", "a.b-c_d+e", "0123456789abcdef", "X"})
    EXPECT_TRUE(valid_container_id(id, &err)) << id;
  for (const char* id : {"", ".", "..", "../x", "a/b", "a b", "a\nb", "caf\xc3\xa9"})
    EXPECT_FALSE(valid_container_id(id, &err)) << id;
  EXPECT_FALSE(valid_container_id(std::string(1025, 'a'), &err));
  EXPECT_TRUE(valid_container_id(std::string(1024, 'a'), &err));
}

TEST(OciRuntime, StateRoundTripAndOciDocument) {
  ContainerState s;
  s.id = "c1";
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.created = "2026-01-02T03:04:05.000000006Z";
  s.pid = 4242;
  s.pid_start = 987654321;
  s.annotations = {{"k", "v"}};
  s.cgroup_dirs = {"/sys/fs/cgroup/cpu/default/c1"};
  ContainerState back;
  std::string err;
  ASSERT_TRUE(decode_state(encode_state(s), &back, &err)) << err;
  EXPECT_EQ(back.id, s.id);
  EXPECT_EQ(back.pid, s.pid);
  EXPECT_EQ(back.pid_start, s.pid_start);
  EXPECT_EQ(back.annotations, s.annotations);
  EXPECT_EQ(back.cgroup_dirs, s.cgroup_dirs);
  EXPECT_FALSE(decode_state("{}", &back, &err));
  EXPECT_FALSE(decode_state("not json", &back, &err));
  EXPECT_FALSE(decode_state(R"({"id": 3})", &back, &err));

  auto doc = nlohmann::json::parse(oci_state_json(s, Status::kRunning));
  EXPECT_EQ(doc["ociVersion"], kOciVersion);
  EXPECT_EQ(doc["id"], "c1");
  EXPECT_EQ(doc["status"], "running");
  EXPECT_EQ(doc["pid"], 4242);
  EXPECT_EQ(doc["bundle"], "/b");
  EXPECT_EQ(doc["rootfs"], "/b/rootfs");
  EXPECT_EQ(doc["created"], s.created);
  EXPECT_EQ(doc["annotations"]["k"], "v");
  doc = nlohmann::json::parse(oci_state_json(s, Status::kStopped));
  EXPECT_EQ(doc["status"], "stopped");
  EXPECT_EQ(doc["pid"], 0);
}

TEST(OciRuntime, ProcStatParsing) {
  ProcStat st;
  // A command name with spaces and parentheses: fields count from the last ')'.
  const char* text =
      "1234 (we ird) (name) S 77 1234 1234 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 "
      "424242 1000 10 18446744073709551615";
  ASSERT_TRUE(parse_proc_stat(text, &st));
  EXPECT_EQ(st.state, 'S');
  EXPECT_EQ(st.ppid, 77);
  EXPECT_EQ(st.start_time, 424242u);
  EXPECT_FALSE(parse_proc_stat("1234 (x) S 1 2", &st));  // truncated
  EXPECT_FALSE(parse_proc_stat("garbage", &st));
  ASSERT_TRUE(read_proc_stat(getpid(), &st));
  EXPECT_EQ(st.ppid, getppid());
  EXPECT_TRUE(process_alive(getpid(), st.start_time));
  EXPECT_FALSE(process_alive(getpid(), st.start_time + 1));  // a recycled pid is not ours
}

TEST(OciRuntime, ZombiesAreNotAliveAndTreesFollowParents) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      pause();
      _exit(0);
    }
    pause();
    _exit(0);
  }
  ProcStat st;
  std::vector<pid_t> tree;
  for (int i = 0; i < 200 && tree.size() < 2; i++) {
    usleep(5000);
    tree = process_tree(child);
  }
  ASSERT_EQ(tree.size(), 2u);
  EXPECT_EQ(tree[0], child);
  ASSERT_TRUE(read_proc_stat(child, &st));
  EXPECT_TRUE(process_alive(child, st.start_time));
  kill(tree[1], SIGKILL);
  kill(child, SIGKILL);
  for (int i = 0; i < 200; i++) {  // a zombie until we reap it
    ProcStat z;
    if (read_proc_stat(child, &z) && z.state == 'Z') break;
    usleep(5000);
  }
  EXPECT_FALSE(process_alive(child, st.start_time));
  EXPECT_TRUE(process_tree(child).empty());
  waitpid(child, nullptr, 0);
}

TEST(OciRuntime, StateDirectoryLifecycle) {
  const std::string root = temp_dir() + "/nested/root";
  std::string err;
  std::optional<ContainerDir> d = ContainerDir::create(root, "c1", &err);
  ASSERT_TRUE(d) << err;
  EXPECT_FALSE(d->has_state());
  EXPECT_FALSE(ContainerDir::create(root, "c1", &err));
  EXPECT_NE(err.find("already exists"), std::string::npos) << err;
  EXPECT_FALSE(ContainerDir::create(root, "../c1", &err));

  ContainerState s;
  s.id = "c1";
  s.pid = getpid();
  ProcStat st;
  ASSERT_TRUE(read_proc_stat(getpid(), &st));
  s.pid_start = st.start_time;
  ASSERT_TRUE(d->write(s, &err)) << err;
  EXPECT_TRUE(d->has_state());
  EXPECT_EQ(d->status(s), Status::kRunning);  // alive, no fifo
  ASSERT_EQ(mkfifo(d->fifo_path().c_str(), 0600), 0);
  EXPECT_EQ(d->status(s), Status::kCreated);  // alive, waiting on the fifo
  ContainerState dead = s;
  dead.pid_start++;
  EXPECT_EQ(d->status(dead), Status::kStopped);

  ContainerState back;
  ASSERT_TRUE(d->read(&back, &err)) << err;
  EXPECT_EQ(back.pid, s.pid);
  ASSERT_TRUE(d->remove(&err)) << err;
  struct stat sb;
  EXPECT_NE(stat((root + "/c1").c_str(), &sb), 0);
  EXPECT_FALSE(ContainerDir::open(root, "c1", false, &err));
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
  std::system(("rm -rf '" + root.substr(0, root.size() - std::string("/nested/root").size()) + "'")
                  .c_str());
}

TEST(OciRuntime, LocksSerialiseOneIdNotOthers) {
  const std::string root = temp_dir();
  std::string err;
  std::optional<ContainerDir> a = ContainerDir::create(root, "a", &err);
  ASSERT_TRUE(a) << err;
  // Another id is never held up by a's lock.
  std::optional<ContainerDir> b = ContainerDir::create(root, "b", &err);
  ASSERT_TRUE(b) << err;
  // The same id waits: a child trying to lock "a" finishes only after we release it.
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Our copy of a's descriptor shares the parent's open file (and so its flock): drop it,
    // or this child would wait on a lock it holds itself.
    a->drop_lock();
    std::string e;
    std::optional<ContainerDir> again = ContainerDir::open(root, "a", true, &e);
    char c = again ? 'y' : 'n';
    ssize_t n = write(pipefd[1], &c, 1);
    _exit(n == 1 ? 0 : 1);
  }
  close(pipefd[1]);
  usleep(100000);
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  char c = 0;
  EXPECT_EQ(read(pipefd[0], &c, 1), -1) << "the second lock did not wait";
  a.reset();  // releases the lock
  fcntl(pipefd[0], F_SETFL, 0);
  ASSERT_EQ(read(pipefd[0], &c, 1), 1);
  EXPECT_EQ(c, 'y');
  waitpid(child, nullptr, 0);
  std::system(("rm -rf '" + root + "'").c_str());
}

TEST(OciRuntime, SignalNames) {
  int sig = 0;
  std::string err;
  struct {
    const char* text;
    int sig;
  } good[] = {{"15", SIGTERM},           {"9", SIGKILL},
              {"TERM", SIGTERM},         {"SIGTERM", SIGTERM},
              {"sigkill", SIGKILL},      {"hup", SIGHUP},
              {"USR1", SIGUSR1},         {"RTMIN", SIGRTMIN},
              {"RTMIN+2", SIGRTMIN + 2}, {"SIGRTMAX-1", SIGRTMAX - 1},
              {"WINCH", SIGWINCH}};
  for (const auto& g : good) {
    ASSERT_TRUE(parse_signal(g.text, &sig, &err)) << g.text << ": " << err;
    EXPECT_EQ(sig, g.sig) << g.text;
  }
  for (const char* bad :
       {"", "0", "-1", "65", "NOPE", "SIG", "RTMIN+99", "RTMAX+1", "15x", "TERM "})
    EXPECT_FALSE(parse_signal(bad, &sig, &err)) << bad;
}

TEST(OciRuntime, CgroupPaths) {
  std::string out, err;
  ASSERT_TRUE(resolve_cgroup_path("/default/c1", "c1", false, &out, &err)) << err;
  EXPECT_EQ(out, "default/c1");
  ASSERT_TRUE(resolve_cgroup_path("kubepods/pod1//c1/", "c1", false, &out, &err)) << err;
  EXPECT_EQ(out, "kubepods/pod1/c1");
  ASSERT_TRUE(resolve_cgroup_path("", "c9", false, &out, &err)) << err;
  EXPECT_EQ(out, "webcontainer-runc/c9");
  EXPECT_FALSE(resolve_cgroup_path("/../../etc", "c1", false, &out, &err));
  EXPECT_FALSE(resolve_cgroup_path("/", "c1", false, &out, &err));
  // systemd: SLICE:PREFIX:NAME, the slice expanded into its parents.
  ASSERT_TRUE(resolve_cgroup_path("kubepods-burstable-pod12.slice:cri-containerd:abc", "abc", true,
                                  &out, &err))
      << err;
  EXPECT_EQ(out,
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/"
            "cri-containerd-abc.scope");
  ASSERT_TRUE(resolve_cgroup_path(":docker:c1", "c1", true, &out, &err)) << err;
  EXPECT_EQ(out, "system.slice/docker-c1.scope");
  ASSERT_TRUE(resolve_cgroup_path("-.slice:p:c1", "c1", true, &out, &err)) << err;
  EXPECT_EQ(out, "p-c1.scope");
  ASSERT_TRUE(resolve_cgroup_path("user.slice:p:sub.slice", "c1", true, &out, &err)) << err;
  EXPECT_EQ(out, "user.slice/sub.slice");
  for (const char* bad : {"/default/c1", "a.slice:b", "notaslice:p:c", "a--b.slice:p:c",
                          "a.slice:p:", "a.slice:p:x/y", "../x.slice:p:c"})
    EXPECT_FALSE(resolve_cgroup_path(bad, "c1", true, &out, &err)) << bad;
}

TEST(OciRuntime, LogLinesTheShimCanDecode) {
  std::string line = RuntimeLog::format_line(LogFormat::kJson, "error", "a \"quoted\"\nline",
                                             "2026-01-02T03:04:05.5Z");
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["msg"], "a \"quoted\"\nline");
  EXPECT_EQ(j["time"], "2026-01-02T03:04:05.5Z");
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one line
  // Invalid UTF-8 in a message (a hostile path) still gives valid JSON.
  nlohmann::json bad;
  EXPECT_NO_THROW(bad = nlohmann::json::parse(
                      RuntimeLog::format_line(LogFormat::kJson, "error", "bad \xff byte", "t")));
  EXPECT_EQ(bad["level"], "error");
  EXPECT_EQ(RuntimeLog::format_line(LogFormat::kText, "error", "x \"y\"", "T"),
            "time=\"T\" level=error msg=\"x \\\"y\\\"\"");
  const std::string now = rfc3339_now();
  EXPECT_EQ(now.size(), 30u) << now;  // 2026-01-02T03:04:05.123456789Z
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_EQ(now[10], 'T');

  const std::string dir = temp_dir();
  RuntimeLog log(dir + "/log.json", LogFormat::kJson, /*debug=*/false);
  log.warning("w");
  log.debug("not written without --debug");
  std::ifstream in(dir + "/log.json");
  std::string first, second;
  std::getline(in, first);
  EXPECT_EQ(nlohmann::json::parse(first)["level"], "warning");
  EXPECT_FALSE(std::getline(in, second));
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(OciRuntime, ModuleOpensOnlyInsideTheRootfs) {
  const std::string dir = temp_dir();
  const std::string rootfs = dir + "/rootfs";
  mkdir(rootfs.c_str(), 0755);
  mkdir((rootfs + "/bin").c_str(), 0755);
  std::ofstream(rootfs + "/app.wasm") << std::string("\0asm\1\0\0\0", 8);
  std::ofstream(rootfs + "/native") << "\x7f"
                                       "ELF";
  std::ofstream(dir + "/outside.wasm") << std::string("\0asm\1\0\0\0", 8);
  symlink("/app.wasm", (rootfs + "/bin/abs-link").c_str());  // absolute: within the rootfs
  symlink("../../outside.wasm", (rootfs + "/bin/up-link").c_str());
  mkfifo((rootfs + "/fifo").c_str(), 0600);
  std::string err;
  EXPECT_TRUE(open_module_in_root(rootfs, "/app.wasm", &err)) << err;
  // An absolute symlink resolves inside the rootfs, as in the container's own view.
  EXPECT_TRUE(open_module_in_root(rootfs, "/bin/abs-link", &err)) << err;
  // ".." cannot climb out: /bin/../../outside.wasm is /outside.wasm in the rootfs, absent.
  EXPECT_FALSE(open_module_in_root(rootfs, "/bin/up-link", &err));
  EXPECT_FALSE(open_module_in_root(rootfs, "/../outside.wasm", &err));
  EXPECT_FALSE(open_module_in_root(rootfs, "/native", &err));
  EXPECT_NE(err.find("not a WebAssembly module"), std::string::npos) << err;
  EXPECT_FALSE(open_module_in_root(rootfs, "/bin", &err));
  EXPECT_NE(err.find("not a regular file"), std::string::npos) << err;
  EXPECT_FALSE(open_module_in_root(rootfs, "/fifo", &err));  // and no hang on a fifo
  EXPECT_FALSE(open_module_in_root(rootfs, "/missing.wasm", &err));
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace wc::oci
