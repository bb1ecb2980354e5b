#include "oci/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "oci/proc_info.h"

namespace wc::oci {

namespace {

using json = nlohmann::json;

bool fail(std::string* error, const std::string& message) {
  *error = message;
  return false;
}

bool mkdir_p(const std::string& path, mode_t mode) {
  if (path.empty()) return false;
  for (size_t i = 1; i <= path.size(); i++) {
    if (i < path.size() && path[i] != '/') continue;
    std::string prefix = path.substr(0, i);
    if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) return false;
  }
  return true;
}

bool lock(int fd, bool exclusive) {
  while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0)
    if (errno != EINTR) return false;
  return true;
}

}  // namespace

const char* status_name(Status s) {
  switch (s) {
    case Status::kCreated: return "created";
    case Status::kRunning: return "running";
    case Status::kStopped: return "stopped";
  }
  return "unknown";
}

std::string encode_state(const ContainerState& s) {
  json j = {{"id", s.id},
            {"bundle", s.bundle},
            {"rootfs", s.rootfs},
            {"created", s.created},
            {"pid", s.pid},
            {"pid_start", s.pid_start},
            {"annotations", s.annotations},
            {"cgroup_dirs", s.cgroup_dirs}};
  return j.dump() + "\n";
}

bool decode_state(const std::string& text, ContainerState* out, std::string* error) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(error, "state.json: not a JSON object");
  try {
    ContainerState s;
    s.id = j.at("id").get<std::string>();
    s.bundle = j.at("bundle").get<std::string>();
    s.rootfs = j.at("rootfs").get<std::string>();
    s.created = j.at("created").get<std::string>();
    s.pid = j.at("pid").get<pid_t>();
    s.pid_start = j.at("pid_start").get<uint64_t>();
    s.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    s.cgroup_dirs = j.at("cgroup_dirs").get<std::vector<std::string>>();
    *out = std::move(s);
  } catch (const json::exception& e) {
    return fail(error, std::string("state.json: ") + e.what());
  }
  return true;
}

std::string oci_state_json(const ContainerState& s, Status status) {
  json j = {{"ociVersion", kOciVersion},
            {"id", s.id},
            {"status", status_name(status)},
            {"pid", status == Status::kStopped ? 0 : s.pid},
            {"bundle", s.bundle},
            {"rootfs", s.rootfs},
            {"created", s.created},
            {"annotations", s.annotations}};
  return j.dump(2) + "\n";
}

bool valid_container_id(std::string_view id, std::string* error) {
  bool ok = !id.empty() && id.size() <= 1024 && id != "." && id != "..";
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' ||
          c == '.'))
      ok = false;
  if (!ok)
    return fail(error, "invalid container id '" + std::string(id.substr(0, 100)) +
                           "' (letters, digits, '_', '+', '-', '.')");
  return true;
}

std::string rfc3339_now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}

std::optional<ContainerDir> ContainerDir::create(const std::string& root, const std::string& id,
                                                 std::string* error) {
  if (!valid_container_id(id, error)) return std::nullopt;
  if (!mkdir_p(root, 0711)) {
    fail(error, "cannot create the state root " + root + ": " + std::strerror(errno));
    return std::nullopt;
  }
  ContainerDir d;
  d.path_ = root + "/" + id;
  if (mkdir(d.path_.c_str(), 0700) != 0) {
    if (errno == EEXIST)
      fail(error, "container with id " + id + " already exists");
    else
      fail(error, "cannot create " + d.path_ + ": " + std::strerror(errno));
    return std::nullopt;
  }
  d.dir_.reset(::open(d.path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.dir_ || !lock(d.dir_.get(), true)) {
    fail(error, "cannot lock " + d.path_ + ": " + std::strerror(errno));
    rmdir(d.path_.c_str());
    return std::nullopt;
  }
  return d;
}

std::optional<ContainerDir> ContainerDir::open(const std::string& root, const std::string& id,
                                               bool exclusive, std::string* error) {
  if (!valid_container_id(id, error)) return std::nullopt;
  ContainerDir d;
  d.path_ = root + "/" + id;
  d.dir_.reset(::open(d.path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.dir_) {
    if (errno == ENOENT)
      fail(error, "container " + id + " does not exist");
    else
      fail(error, "cannot open " + d.path_ + ": " + std::strerror(errno));
    return std::nullopt;
  }
  if (!lock(d.dir_.get(), exclusive)) {
    fail(error, "cannot lock " + d.path_ + ": " + std::strerror(errno));
    return std::nullopt;
  }
  // Deleted while we waited for the lock.
  struct stat st;
  if (fstat(d.dir_.get(), &st) != 0 || st.st_nlink == 0) {
    fail(error, "container " + id + " does not exist");
    return std::nullopt;
  }
  return d;
}

bool ContainerDir::has_state() const { return faccessat(dir_.get(), "state.json", F_OK, 0) == 0; }

bool ContainerDir::read(ContainerState* out, std::string* error) const {
  int fd = openat(dir_.get(), "state.json", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error, "cannot read " + path_ + "/state.json: " + std::strerror(errno));
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > (16u << 20)) break;
  }
  close(fd);
  return decode_state(text, out, error);
}

bool ContainerDir::write(const ContainerState& s, std::string* error) const {
  const std::string text = encode_state(s);
  int fd = openat(dir_.get(), "state.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(error, "cannot write " + path_ + "/state.json: " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return fail(error, "cannot write " + path_ + "/state.json: " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  close(fd);
  if (renameat(dir_.get(), "state.json.tmp", dir_.get(), "state.json") != 0)
    return fail(error, "cannot write " + path_ + "/state.json: " + std::strerror(errno));
  return true;
}

Status ContainerDir::status(const ContainerState& s) const {
  if (!process_alive(s.pid, s.pid_start)) return Status::kStopped;
  if (faccessat(dir_.get(), "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0) return Status::kCreated;
  return Status::kRunning;
}

bool ContainerDir::remove(std::string* error) {
  if (!dir_) return fail(error, "internal: remove without the directory");
  int dup_fd = dup(dir_.get());
  DIR* d = dup_fd >= 0 ? fdopendir(dup_fd) : nullptr;
  if (!d) {
    if (dup_fd >= 0) close(dup_fd);
    return fail(error, "cannot list " + path_ + ": " + std::strerror(errno));
  }
  while (dirent* e = readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    unlinkat(dir_.get(), e->d_name, 0);
  }
  closedir(d);
  if (rmdir(path_.c_str()) != 0 && errno != ENOENT)
    return fail(error, "cannot remove " + path_ + ": " + std::strerror(errno));
  return true;
}

}  // namespace wc::oci
