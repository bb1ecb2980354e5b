// wasm-spec-runner: runs the official WebAssembly spec test scripts (.wast) against the engine.
//
//   wasm-spec-runner DIR_OR_FILES... [--scratch DIR] [--filter SUBSTR]
//                    [--expected-failures FILE] [--timeout SECONDS] [--no-fork] [--verbose]
//                    [--via-json] [--parse-only]
//
// Each script is read by our own text-format parser (src/engine/text; --via-json converts it
// with wabt's wast2json instead, kept to compare the two), then executed in a forked child process
// so that an engine crash or hang costs one failure in one script instead of the whole run. Output
// is one line per script ("NAME.wast: P passed, F failed, S skipped"), preceded by a diagnostic
// line per failed command, and a final total line. Exit status 0 iff every failure is in a script
// listed in expected_failures.txt and every script converted.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/jit/engine_mode.h"
#include "engine/runtime/store.h"
#include "script_runner.h"
#include "wast_reader.h"

extern char** environ;

namespace fs = std::filesystem;
using wc::spec::ScriptCounts;
using wc::spec::ScriptOptions;

namespace {

struct Options {
  std::vector<fs::path> inputs;
  std::optional<fs::path> scratch;
  std::string filter;
  std::optional<fs::path> expected_failures;
  int timeout_seconds = 600;  // per script; 0 = none
  bool fork = true;
  bool via_json = false;    // wast2json + run_script instead of our parser
  bool parse_only = false;  // only read each script and encode its modules; run nothing
  ScriptOptions script;
};

int usage() {
  std::fprintf(stderr,
               "usage: wasm-spec-runner DIR_OR_FILES... [--scratch DIR] [--filter SUBSTR]\n"
               "         [--expected-failures FILE] [--timeout SECONDS] [--no-fork] [--verbose]\n"
               "         [--engine interp|auto|jit] [--via-json] [--parse-only]\n");
  return 1;
}

// Script names ("simd_lane.wast"), one per line; '#' starts a comment (the reason).
std::set<std::string> read_expected_failures(const fs::path& path) {
  std::set<std::string> names;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    std::string name = line.substr(b, e - b + 1);
    if (!name.ends_with(".wast")) name += ".wast";
    names.insert(name);
  }
  return names;
}

// The list kept in the source tree, found from the binary in BUILD_DIR/wasm-spec-runner.
fs::path default_expected_failures(const char* argv0) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = argv0;
  return exe.parent_path() / ".." / "tests" / "spec" / "expected_failures.txt";
}

// Runs `wast2json SCRIPT -o JSON`; nullopt on success, else what went wrong.
std::optional<std::string> convert(const fs::path& script, const fs::path& json) {
  fs::path log = json.parent_path() / "wast2json.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string script_arg = script.string(), json_arg = json.string();
  char* argv[] = {const_cast<char*>("wast2json"), script_arg.data(), const_cast<char*>("-o"),
                  json_arg.data(), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, "wast2json", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::string("cannot run wast2json: ") + std::strerror(rc);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  std::ifstream in(log);
  std::string first;
  std::getline(in, first);
  return "wast2json could not convert the script: " + first;
}

// What the child reports to the parent before each command and once at the end.
struct Progress {
  int line = 0;
  int passed = 0, failed = 0, skipped = 0;
  int done = 0;
};

// Runs the script in a forked child. The child prints its own diagnostics (stdout is shared)
// and streams Progress records through a pipe, so if it dies or hangs the parent knows the
// counts so far and the line of the command that killed it.
ScriptCounts run_one(const std::string& name, const fs::path& path, const Options& opt,
                     const wc::spec::ProgressFn& progress) {
  return opt.via_json ? run_script(name, path, opt.script, progress)
                      : wc::spec::run_wast(name, path, opt.script, progress);
}

// Parse-only mode: does our reader accept the script, and do its modules (other than those
// assert_malformed expects to be malformed) encode? Counts: passed = modules encoded, failed =
// script errors and module text errors.
ScriptCounts parse_only(const std::string& name, const fs::path& path) {
  ScriptCounts c;
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto script = wc::spec::read_wast(text);
  if (!script) {
    std::printf("  %s:%s\n", name.c_str(), script.error().message.c_str());
    c.failed = 1;
    return c;
  }
  for (const auto& cmd : script->commands) {
    if (!cmd.contains("filename") || cmd.value("type", "") == "assert_malformed") continue;
    const auto& m = script->modules.at(std::stoul(cmd.at("filename").get<std::string>().substr(1)));
    if (m.text_error.empty()) {
      ++c.passed;
    } else {
      if (c.failed++ < 5)
        std::printf("  %s:%d: %s\n", name.c_str(), cmd.value("line", 0), m.text_error.c_str());
    }
  }
  return c;
}

ScriptCounts run_isolated(const std::string& name, const fs::path& json, const Options& opt) {
  int fds[2];
  if (pipe(fds) != 0) return run_one(name, json, opt, nullptr);
  std::fflush(stdout);  // or the child would print our buffered output again
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return run_one(name, json, opt, nullptr);
  }
  if (pid == 0) {
    close(fds[0]);
    auto send = [&](int line, const ScriptCounts& sofar, bool done) {
      Progress p{line, sofar.passed, sofar.failed, sofar.skipped, done};
      // Records are far below PIPE_BUF, so each write is atomic.
      if (write(fds[1], &p, sizeof p) != sizeof p) _exit(3);
    };
    ScriptCounts final_counts = run_one(
        name, json, opt, [&](int line, const ScriptCounts& sofar) { send(line, sofar, false); });
    std::fflush(stdout);
    send(0, final_counts, true);
    _exit(0);  // skip static destructors and atexit handlers of the parent's state
  }

  close(fds[1]);
  Progress last;
  std::string buf;
  bool timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opt.timeout_seconds);
  for (;;) {
    int wait_ms = -1;
    if (opt.timeout_seconds > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<long long>(0, left.count()));
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    char chunk[4096];
    ssize_t k = n < 0 ? -1 : read(fds[0], chunk, sizeof chunk);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;  // EOF: the child exited (or died)
    buf.append(chunk, static_cast<size_t>(k));
    size_t whole = buf.size() / sizeof(Progress) * sizeof(Progress);
    if (whole) std::memcpy(&last, buf.data() + whole - sizeof(Progress), sizeof(Progress));
    buf.erase(0, whole);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  ScriptCounts counts{last.passed, last.failed, last.skipped};
  if (last.done && WIFEXITED(status) && WEXITSTATUS(status) == 0) return counts;
  std::string why;
  if (timed_out)
    why = "timed out after " + std::to_string(opt.timeout_seconds) + " s";
  else if (WIFSIGNALED(status))
    why = "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" +
          strsignal(WTERMSIG(status)) + ")";
  else
    why = "exited with status " + std::to_string(WEXITSTATUS(status));
  std::printf("  %s:%d: runner %s on this command; the rest of the script did not run\n",
              name.c_str(), last.line, why.c_str());
  ++counts.failed;
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--scratch" && (v = next()))
      opt.scratch = v;
    else if (a == "--filter" && (v = next()))
      opt.filter = v;
    else if (a == "--expected-failures" && (v = next()))
      opt.expected_failures = v;
    else if (a == "--timeout" && (v = next()))
      opt.timeout_seconds = std::atoi(v);
    else if (a == "--engine" && (v = next())) {
      auto mode = wc::jit::parse_engine_mode(v);
      if (!mode) return usage();
      wc::engine::StoreConfig::set_process_engine(*mode);
    } else if (a == "--no-fork")
      opt.fork = false;
    else if (a == "--verbose")
      opt.script.verbose = true;
    else if (a == "--via-json")
      opt.via_json = true;
    else if (a == "--parse-only")
      opt.parse_only = true;
    else if (a.starts_with("-"))
      return usage();
    else
      opt.inputs.emplace_back(a);
  }
  if (opt.inputs.empty()) return usage();

  std::set<std::string> expected_failures;
  if (opt.expected_failures) {
    if (!std::ifstream(*opt.expected_failures)) {
      std::fprintf(stderr, "error: cannot read %s\n", opt.expected_failures->c_str());
      return 1;
    }
    expected_failures = read_expected_failures(*opt.expected_failures);
  } else if (fs::path p = default_expected_failures(argv[0]); fs::is_regular_file(p)) {
    expected_failures = read_expected_failures(p);
  }

  // Directories contribute their own *.wast files (not subdirectories), sorted by name.
  std::vector<fs::path> scripts;
  for (const fs::path& in : opt.inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(in, ec))
        if (e.is_regular_file() && e.path().extension() == ".wast") found.push_back(e.path());
      std::sort(found.begin(), found.end(),
                [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
      scripts.insert(scripts.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(in, ec)) {
      scripts.push_back(in);
    } else {
      std::fprintf(stderr, "error: %s: no such file or directory\n", in.c_str());
      return 1;
    }
  }
  std::erase_if(scripts, [&](const fs::path& p) {
    return p.filename().string().find(opt.filter) == std::string::npos;
  });
  if (scripts.empty()) {
    std::fprintf(stderr, "error: no .wast scripts to run\n");
    return 1;
  }

  bool temporary_scratch = !opt.scratch;
  if (temporary_scratch) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/wasm-spec-XXXXXX";
    if (!mkdtemp(templ.data())) {
      std::fprintf(stderr, "error: cannot create a scratch directory in %s: %s\n", templ.c_str(),
                   std::strerror(errno));
      return 1;
    }
    opt.scratch = templ;
  }

  ScriptCounts total;
  int expected_failed = 0, expected_scripts = 0;  // failures inside listed scripts
  bool ok = true;
  for (const fs::path& script : scripts) {
    std::string name = script.filename().string(), stem = script.stem().string();
    fs::path dir = *opt.scratch / stem;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    fs::path json = dir / (stem + ".json");

    ScriptCounts c;
    if (opt.parse_only) {
      c = parse_only(name, script);
    } else if (!opt.via_json) {
      c = opt.fork ? run_isolated(name, script, opt) : run_one(name, script, opt, nullptr);
    } else if (auto err = convert(script, json)) {
      std::printf("  %s: %s\n", name.c_str(), err->c_str());
      c.failed = 1;
      ok = false;  // an unconvertible script is never an expected failure
    } else {
      c = opt.fork ? run_isolated(name, json, opt) : run_one(name, json, opt, nullptr);
    }
    bool listed = expected_failures.count(name) > 0;
    if (c.failed && !listed) ok = false;
    std::printf("%s: %d passed, %d failed, %d skipped%s\n", name.c_str(), c.passed, c.failed,
                c.skipped, c.failed && listed ? " (expected failure)" : "");
    std::fflush(stdout);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
    if (c.failed && listed) {
      expected_failed += c.failed;
      ++expected_scripts;
    }
    if (temporary_scratch) fs::remove_all(dir, ec);
  }
  // The closing line counts every command; unexpected failures are those outside the listed
  // scripts, and only they fail the run.
  std::printf("expected failures: %d in %d listed scripts; unexpected failures: %d\n",
              expected_failed, expected_scripts, total.failed - expected_failed);
  std::printf("%d passed, %d failed, %d skipped\n", total.passed, total.failed, total.skipped);
  if (temporary_scratch) {
    std::error_code ec;
    fs::remove_all(*opt.scratch, ec);
  }
  return ok ? 0 : 1;
}
