#include "daemon/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wc::daemon {

using nlohmann::json;

bool write_file_atomic(const std::string& path, const std::string& content, std::string* error) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "cannot write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename " + tmp + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool Store::open(const std::string& dir, std::string* error) {
  dir_ = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir + "/containers", ec);
  if (ec) {
    *error = "state dir " + dir + ": " + ec.message();
    return false;
  }
  ::chmod(dir.c_str(), 0700);
  return true;
}

bool Store::save_definition(const Definition& d, std::string* error) {
  if (::mkdir(container_dir(d.id).c_str(), 0777) != 0) {
    std::error_code ec;  // DIR/containers itself was removed under us: make it again
    std::filesystem::create_directories(container_dir(d.id), ec);
    if (ec) {
      *error = "state dir: " + ec.message();
      return false;
    }
  }
  if (ephemeral(d)) return true;  // its log only (see the top of store.h)
  return write_file_atomic(container_dir(d.id) + "/config.json",
                           definition_to_json(d).dump(2) + "\n", error);
}

bool Store::save_state(const Container& c, std::string* error) {
  if (ephemeral(c.def)) return true;  // see the top of store.h
  json events = json::array();
  for (const LimitEvent& e : c.events)
    events.push_back({{"time", e.time}, {"limit", e.limit}, {"detail", e.detail}});
  json j = {{"state", state_name(c.state)},         {"exit_code", c.exit_code},
            {"exit_message", c.exit_message},       {"started_at", c.started_at},
            {"finished_at", c.finished_at},         {"restarts", c.restarts},
            {"stopped_by_user", c.stopped_by_user}, {"events", events},
            {"log_dropped", c.log_dropped}};
  return write_file_atomic(container_dir(c.def.id) + "/state.json", j.dump(2) + "\n", error);
}

void Store::remove(const std::string& id) {
  std::error_code ec;
  std::filesystem::remove_all(container_dir(id), ec);
}

namespace {

bool read_json(const std::string& path, json* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  return !out->is_discarded();
}

}  // namespace

std::map<std::string, std::unique_ptr<Container>> Store::load_all() {
  std::map<std::string, std::unique_ptr<Container>> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/containers", ec)) {
    std::string id = entry.path().filename().string();
    json config, state;
    std::string error;
    auto c = std::make_unique<Container>();
    struct stat st;
    if (::stat((entry.path().string() + "/config.json").c_str(), &st) != 0 &&
        ::stat((entry.path().string() + "/state.json").c_str(), &st) != 0) {
      std::error_code removed;
      std::filesystem::remove_all(entry.path(), removed);
      std::fprintf(stderr, "webcontainerd: state dir: removed %s (a --rm container's)%s\n",
                   id.c_str(), removed ? (": " + removed.message()).c_str() : "");
      continue;
    }
    if (!read_json(entry.path().string() + "/config.json", &config) ||
        !definition_from_json(config, &c->def, &error) || c->def.id != id) {
      std::fprintf(stderr, "webcontainerd: state dir: skipping %s: unreadable config.json %s\n",
                   id.c_str(), error.c_str());
      continue;
    }
    if (read_json(entry.path().string() + "/state.json", &state) && state.is_object()) try {
        std::string s = state.value("state", "exited");
        c->state = s == "created"      ? State::kCreated
                   : s == "running"    ? State::kRunning
                   : s == "restarting" ? State::kRestarting
                                       : State::kExited;
        c->exit_code = state.value("exit_code", 0);
        c->exit_message = state.value("exit_message", "");
        c->started_at = state.value("started_at", 0.0);
        c->finished_at = state.value("finished_at", 0.0);
        c->restarts = state.value("restarts", 0);
        c->stopped_by_user = state.value("stopped_by_user", false);
        c->log_dropped = state.value("log_dropped", uint64_t{0});
        c->stdin_eof = true;  // no client of an earlier daemon is attached: stdin ends at once
        if (state.contains("events") && state["events"].is_array())
          for (const json& e : state["events"])
            if (e.is_object())
              c->events.push_back(
                  {e.value("time", 0.0), e.value("limit", ""), e.value("detail", "")});
      } catch (const json::exception& e) {
        std::fprintf(stderr, "webcontainerd: state dir: %s/state.json: %s (state reset)\n",
                     id.c_str(), e.what());
      }
    out[id] = std::move(c);
  }
  return out;
}

}  // namespace wc::daemon
