// The Node-style `fs` object for Go's syscall package on js/wasm. See node_fs.h for the path
// model. Decisions worth knowing:
//   - Names never reach the host directly: every path is normalised lexically (so `..` cannot
//     climb above a grant), matched against the broker's preopens, and the remainder is sent
//     to the broker, which resolves it beneath that grant. Data calls use only fds the broker
//     handed over (read/pread/write/pwrite/getdents64/fstat/fsync): the worker's seccomp filter
//     allows no path syscalls.
//   - Preopens whose guest path is relative ("." or "data") are placed under "/" ("." becomes
//     "/" itself, "data" becomes "/data"): js/wasm has no preopen table, only absolute paths,
//     and the process starts in "/".
//   - "/" and the directories above grants ("/srv" when "/srv/data" is granted) exist as
//     synthetic read-only directories: stat answers a directory, readdir lists the grants
//     beneath, open gives a directory fd. Anything else outside every grant is ENOENT.
//   - Metadata changes go through the broker (fd_set_size, fd_set_times, set_times), which
//     checks the mount is writable; so do chmod/chown (set_mode, set_owner and their fd
//     forms): the worker never calls fchmod/fchown itself (its seccomp filter forbids them,
//     and a file from a read-only grant could be changed through its fd).
//   - Directory handles the broker gives with an opened directory are released at once: every
//     later name is resolved from the grants by path, so keeping them would only hold broker
//     resources.
#include "host/gojs/node_fs.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <vector>

namespace wc::host::gojs {
namespace {

// Thrown inside an operation; the method wrapper turns it into Node's error callback.
struct FsError {
  int err;
  std::string path;
};

[[noreturn]] void fail(int err, std::string_view path = {}) {
  throw FsError{err, std::string(path)};
}

// A broker or syscall result: non-negative passes, -errno fails the operation.
int64_t check(int64_t r, std::string_view path = {}) {
  if (r < 0) fail(static_cast<int>(-r), path);
  return r;
}

// Linux limits a path to PATH_MAX bytes including the NUL; longer names fail before any
// string building or broker round trip.
constexpr size_t kPathMax = 4096;
// Node accepts positions and lengths up to Number.MAX_SAFE_INTEGER.
constexpr double kMaxSafeInteger = 9007199254740991.0;
// Open flags a guest may pass: those in `constants` and nothing the broker's protocol would
// treat as a violation.
constexpr int kOpenFlagsAccepted = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                   O_DIRECTORY | O_NOFOLLOW | O_SYNC | O_DSYNC | O_NONBLOCK;

const JsValue& arg(JsArgs args, size_t i) {
  static const JsValue undefined;
  return i < args.size() ? args[i] : undefined;
}

// ---- Lexical path handling

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(i, slash - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();  // ".." at "/" stays at "/", as the kernel does
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = slash + 1;
  }
  return parts;
}

// "/a/./b//../c" -> "/a/c". Lexical: a ".." after a symlink removes the link's name rather
// than going to the link target's parent, which can only shorten what the broker is asked.
std::string normalise(std::string_view absolute) {
  std::string out;
  for (std::string_view part : split_path(absolute)) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

// True when `path` is `dir` or lies beneath it (both normalised).
bool is_within(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  if (path.size() < dir.size() || path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

// ---- Node-style argument checks (hostile values throw, like Node's validators)

double number_arg(const JsValue& v, const char* name) {
  if (!v.is_number())
    throw type_error(std::string("The \"") + name + "\" argument must be of type number");
  return v.as_number();
}

std::string path_arg(JsArgs args, size_t i, const char* name = "path") {
  const JsValue& v = arg(args, i);
  if (!v.is_string())
    throw type_error(std::string("The \"") + name + "\" argument must be of type string");
  if (v.as_string().find('\0') != std::string::npos)
    throw type_error(std::string("The argument '") + name +
                     "' must be a string without null bytes");
  return v.as_string();
}

// Timestamps in seconds as Node's toUnixTimestamp reads them: numbers (negative means "now"),
// or numeric strings.
struct timespec time_arg(const JsValue& v, const char* name) {
  double seconds = v.is_string() ? v.to_number() : number_arg(v, name);
  if (std::isnan(seconds) || std::isinf(seconds))
    throw type_error(std::string("The \"") + name + "\" argument must be a time in seconds");
  if (seconds < 0) return {0, UTIME_NOW};
  if (seconds > 9.2e18) fail(EINVAL);  // beyond time_t
  double whole = std::floor(seconds);
  long nanos = std::lround((seconds - whole) * 1e9);
  if (nanos > 999'999'999) nanos = 999'999'999;
  return {static_cast<time_t>(whole), nanos};
}

struct stat synthetic_dir_stat(std::string_view path) {
  struct stat st {};
  st.st_mode = S_IFDIR | 0555;
  st.st_nlink = 2;
  st.st_blksize = 4096;
  // A stable inode per name, exact as a double, so os.SameFile tells synthetic dirs apart.
  st.st_ino = (std::hash<std::string_view>{}(path) & ((uint64_t{1} << 52) - 1)) | 1;
  return st;
}

double millis(const struct timespec& t) {
  return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_nsec) / 1e6;
}

// ---- I/O on held fds, retried on EINTR

ssize_t read_at(int fd, uint8_t* data, size_t size, int64_t position) {
  ssize_t n;
  do {
    n = position < 0 ? ::read(fd, data, size) : ::pread(fd, data, size, position);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

ssize_t write_at(int fd, const uint8_t* data, size_t size, int64_t position) {
  ssize_t n;
  do {
    n = position < 0 ? ::write(fd, data, size) : ::pwrite(fd, data, size, position);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

// Writes everything (partial writes continue where they stopped). Returns bytes written, or a
// negative errno when nothing could be written.
long write_fully(int fd, const uint8_t* data, size_t size, int64_t position) {
  size_t done = 0;
  while (done < size) {
    int64_t at = position < 0 ? -1 : position + static_cast<int64_t>(done);
    ssize_t n = write_at(fd, data + done, size - done, at);
    if (n < 0) return done > 0 ? static_cast<long>(done) : n;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<long>(done);
}

// Appends the names in a directory (without "." and "..") read with getdents64 on `fd`.
int list_directory(int fd, std::vector<std::string>* names) {
  alignas(8) char buf[16384];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) return 0;
    // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[].
    constexpr size_t kNameOffset = 19;
    for (long pos = 0; pos + static_cast<long>(kNameOffset) < n;) {
      uint16_t reclen;
      std::memcpy(&reclen, buf + pos + 16, sizeof reclen);
      if (reclen <= kNameOffset || pos + reclen > n) return -EIO;  // malformed: never overrun
      const char* name = buf + pos + kNameOffset;
      std::string entry(name, strnlen(name, reclen - kNameOffset));
      if (entry != "." && entry != "..") names->push_back(std::move(entry));
      pos += reclen;
    }
  }
}

// Whether a read may wait (pipes, terminals, sockets): such reads wait on the event loop
// instead of blocking every goroutine in the worker.
bool may_block(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
}

bool readable_now(int fd) {
  struct pollfd p {
    fd, POLLIN, 0
  };
  int r;
  do {
    r = poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r != 0;  // ready, or an error the read itself will report
}

}  // namespace

struct NodeFs::Impl {
  struct Mount {
    std::string guest;  // normalised absolute guest path
    DirHandle dir;
    bool read_only;
  };
  // Where a guest path leads: beneath a grant (`mount` and the broker-relative `rel`, "." for
  // the grant itself), or a synthetic directory above grants.
  struct Target {
    const Mount* mount = nullptr;
    std::string rel;
    std::string abs;
  };
  struct OpenFile {
    int host_fd = -1;       // -1: a synthetic directory, nothing behind it
    bool borrowed = false;  // stdio: the embedder's fds, never closed here
    bool is_directory = false;
    std::string abs;  // for synthetic directories
  };
  struct ReadRequest {
    int fd;
    JsValue buffer;
    size_t offset, length;
    int64_t position;
  };

  Impl(NodeFs& owner) : fs(owner), realm(owner.realm_) {
    files[0] = {owner.config_.stdin_fd, true, false, {}};
    files[1] = {owner.config_.stdout_fd, true, false, {}};
    files[2] = {owner.config_.stderr_fd, true, false, {}};
    stats_ctor = std::make_shared<JsFunction>("Stats", nullptr);
    add_stats_methods();
  }

  ~Impl() {
    // Host fds only: the broker session ends with the worker, and a request to it here could
    // outlive the connection.
    for (auto& [fd, f] : files)
      if (!f.borrowed && f.host_fd >= 0) ::close(f.host_fd);
  }

  NodeFs& fs;
  Realm& realm;
  std::vector<Mount> mounts;
  bool mounts_loaded = false;
  std::map<int, OpenFile> files;
  std::shared_ptr<JsFunction> stats_ctor;

  // ---- Errors

  JsValue node_error(int err, std::string_view syscall, std::string_view path) const {
    // Go panics on a code its errnoByCode table lacks. The broker's "not capable" denial has
    // none there and is a permission denial for the guest; a busy executable is just busy.
    if (err == ENOTRECOVERABLE) err = EACCES;
    if (err == ETXTBSY) err = EBUSY;
    return make_errno_error(err, syscall, path, realm.error_ctor);
  }

  JsThrow out_of_range(const std::string& what) const {
    ErrorInfo info;
    info.message = "The value of \"" + what + "\" is out of range.";
    info.code = "ERR_OUT_OF_RANGE";
    return JsThrow{make_error(info, realm.error_ctor)};
  }

  int64_t integer_arg(const JsValue& v, const char* name, double min, double max) const {
    double d = number_arg(v, name);
    if (std::trunc(d) != d || d < min || d > max) throw out_of_range(name);
    return static_cast<int64_t>(d);
  }

  // An optional numeric argument (mode, length): `fallback` when undefined or null.
  int64_t optional_integer(const JsValue& v, const char* name, int64_t fallback, double min,
                           double max) const {
    return v.is_nullish() ? fallback : integer_arg(v, name, min, max);
  }

  int fd_arg(JsArgs args, size_t i) const {
    return static_cast<int>(integer_arg(arg(args, i), "fd", 0, 2147483647.0));
  }

  uint32_t mode_arg(const JsValue& v, uint32_t fallback) const {
    return static_cast<uint32_t>(optional_integer(v, "mode", fallback, 0, 4294967295.0)) & 07777;
  }

  // ---- Grants and paths

  const std::vector<Mount>& grants() {
    if (mounts_loaded) return mounts;
    mounts_loaded = true;
    if (realm.broker == nullptr) return mounts;
    for (Preopen& p : realm.broker->preopens()) {
      if (p.fd >= 0) ::close(p.fd);  // names are resolved by the broker, not from this fd
      std::string guest = p.guest_path.starts_with('/') ? p.guest_path : "/" + p.guest_path;
      mounts.push_back({normalise(guest), p.dir, p.read_only});
    }
    return mounts;
  }

  std::string absolute(std::string_view path) const {
    if (path.starts_with('/')) return normalise(path);
    return normalise(fs.cwd_ + "/" + std::string(path));
  }

  const Mount* longest_grant(const std::string& abs) {
    const Mount* best = nullptr;
    for (const Mount& m : grants())
      if (is_within(abs, m.guest) && (!best || m.guest.size() > best->guest.size())) best = &m;
    return best;
  }

  // Names of the grants directly beneath `abs` ("srv" for "/srv/data" under "/"), in grant
  // order without repeats.
  std::vector<std::string> grant_children(const std::string& abs) {
    std::vector<std::string> names;
    for (const Mount& m : grants()) {
      if (m.guest == abs || !is_within(m.guest, abs)) continue;
      size_t start = abs == "/" ? 1 : abs.size() + 1;
      std::string name = m.guest.substr(start, m.guest.find('/', start) - start);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    return names;
  }

  bool is_synthetic_dir(const std::string& abs) {
    return abs == "/" || !grant_children(abs).empty();
  }

  // Resolves a guest path; ENOENT (naming `path`) when it is under no grant and not a
  // synthetic directory.
  Target resolve(std::string_view path) {
    if (path.empty()) fail(ENOENT, path);
    if (path.size() >= kPathMax) fail(ENAMETOOLONG, path);
    Target t;
    t.abs = absolute(path);
    t.mount = longest_grant(t.abs);
    if (t.mount != nullptr) {
      t.rel = t.abs.size() == t.mount->guest.size()
                  ? "."
                  : t.abs.substr(t.mount->guest == "/" ? 1 : t.mount->guest.size() + 1);
      return t;
    }
    if (!is_synthetic_dir(t.abs)) fail(ENOENT, path);
    return t;
  }

  // A path that must name something inside a grant other than the grant itself (the object
  // of unlink, rmdir, rename, link, symlink): the grants and the directories above them
  // cannot be removed or replaced.
  Target resolve_entry(std::string_view path, int err_for_root) {
    Target t = resolve(path);
    if (t.mount == nullptr || t.rel == ".") fail(err_for_root, path);
    return t;
  }

  // ---- Guest fds

  OpenFile& file(int fd) {
    auto it = files.find(fd);
    if (it == files.end()) fail(EBADF);
    return it->second;
  }

  int host_fd(int fd) {
    OpenFile& f = file(fd);
    if (f.host_fd < 0) fail(EISDIR);  // a synthetic directory has no data
    return f.host_fd;
  }

  // The lowest free guest fd from 3 below max_fds, or -1.
  int free_fd() const {
    int64_t candidate = 3;
    for (auto it = files.lower_bound(3); it != files.end() && it->first == candidate; ++it)
      candidate++;
    return candidate < int64_t{fs.config_.max_fds} ? static_cast<int>(candidate) : -1;
  }

  // Opens through the broker; the returned host fd is the caller's. Directory handles are
  // released at once (see the top of the file).
  Opened broker_open(const Target& t, int flags, uint32_t mode, std::string_view path) {
    Opened o;
    check(realm.broker->open(t.mount->dir, t.rel, flags, mode, &o), path);
    if (o.is_directory) realm.broker->close_dir(o.dir);
    return o;
  }

  // ---- Stats

  void add_stats_methods() {
    auto mode_is = [](mode_t type) {
      return [type](const JsValue& self, JsArgs) -> JsValue {
        double mode = self.get("mode").to_number();
        if (!(mode >= 0)) return false;
        return (static_cast<mode_t>(mode) & S_IFMT) == type;
      };
    };
    stats_ctor->add_prototype_method("isDirectory", mode_is(S_IFDIR));
    stats_ctor->add_prototype_method("isFile", mode_is(S_IFREG));
    stats_ctor->add_prototype_method("isSymbolicLink", mode_is(S_IFLNK));
    stats_ctor->add_prototype_method("isFIFO", mode_is(S_IFIFO));
    stats_ctor->add_prototype_method("isSocket", mode_is(S_IFSOCK));
    stats_ctor->add_prototype_method("isCharacterDevice", mode_is(S_IFCHR));
    stats_ctor->add_prototype_method("isBlockDevice", mode_is(S_IFBLK));
  }

  JsValue make_stats(const struct stat& st) const {
    JsObjectPtr o = make_object({
        {"dev", static_cast<double>(st.st_dev)},
        {"ino", static_cast<double>(st.st_ino)},
        {"mode", static_cast<double>(st.st_mode)},
        {"nlink", static_cast<double>(st.st_nlink)},
        {"uid", static_cast<double>(st.st_uid)},
        {"gid", static_cast<double>(st.st_gid)},
        {"rdev", static_cast<double>(st.st_rdev)},
        {"size", static_cast<double>(st.st_size)},
        {"blksize", static_cast<double>(st.st_blksize)},
        {"blocks", static_cast<double>(st.st_blocks)},
        {"atimeMs", millis(st.st_atim)},
        {"mtimeMs", millis(st.st_mtim)},
        {"ctimeMs", millis(st.st_ctim)},
        // Linux's stat has no birth time; Node reports ctime when statx gives none.
        {"birthtimeMs", millis(st.st_ctim)},
    });
    o->set_constructor(stats_ctor.get());
    return o;
  }

  JsValue stat_path(std::string_view path, bool follow) {
    Target t = resolve(path);
    if (t.mount == nullptr) return make_stats(synthetic_dir_stat(t.abs));
    // The grant itself is a directory to the guest, whatever the host path is.
    if (t.rel == ".") follow = true;
    struct stat st {};
    check(realm.broker->stat(t.mount->dir, t.rel, follow, &st), path);
    return make_stats(st);
  }

  // ---- Operations (arguments without the callback; throw FsError to fail)

  JsValue op_open(JsArgs args) {
    std::string path = path_arg(args, 0);
    int flags = open_flags(arg(args, 1));
    uint32_t mode = mode_arg(arg(args, 2), 0666);
    Target t = resolve(path);
    int fd = free_fd();
    if (fd < 0) fail(EMFILE, path);  // before the broker call: nothing is created
    if (t.mount == nullptr) {
      check_synthetic_open(flags, path);
      files[fd] = {-1, false, true, t.abs};
      return fd;
    }
    Opened o = broker_open(t, flags, mode & ~fs.umask_, path);
    files[fd] = {o.fd, false, o.is_directory, {}};
    return fd;
  }

  int open_flags(const JsValue& v) const {
    if (v.is_nullish()) return O_RDONLY;
    if (v.is_string()) return string_open_flags(v.as_string());
    int64_t flags = integer_arg(v, "flags", -2147483648.0, 2147483647.0);
    if ((flags & ~int64_t{kOpenFlagsAccepted}) != 0 || (flags & O_ACCMODE) == O_ACCMODE)
      fail(EINVAL);
    return static_cast<int>(flags);
  }

  static int string_open_flags(const std::string& s) {
    static const std::map<std::string, int, std::less<>> table = {
        {"r", O_RDONLY},
        {"rs", O_RDONLY | O_SYNC},
        {"sr", O_RDONLY | O_SYNC},
        {"r+", O_RDWR},
        {"rs+", O_RDWR | O_SYNC},
        {"sr+", O_RDWR | O_SYNC},
        {"w", O_TRUNC | O_CREAT | O_WRONLY},
        {"wx", O_TRUNC | O_CREAT | O_WRONLY | O_EXCL},
        {"xw", O_TRUNC | O_CREAT | O_WRONLY | O_EXCL},
        {"w+", O_TRUNC | O_CREAT | O_RDWR},
        {"wx+", O_TRUNC | O_CREAT | O_RDWR | O_EXCL},
        {"xw+", O_TRUNC | O_CREAT | O_RDWR | O_EXCL},
        {"a", O_APPEND | O_CREAT | O_WRONLY},
        {"ax", O_APPEND | O_CREAT | O_WRONLY | O_EXCL},
        {"xa", O_APPEND | O_CREAT | O_WRONLY | O_EXCL},
        {"as", O_APPEND | O_CREAT | O_WRONLY | O_SYNC},
        {"sa", O_APPEND | O_CREAT | O_WRONLY | O_SYNC},
        {"a+", O_APPEND | O_CREAT | O_RDWR},
        {"ax+", O_APPEND | O_CREAT | O_RDWR | O_EXCL},
        {"xa+", O_APPEND | O_CREAT | O_RDWR | O_EXCL},
        {"as+", O_APPEND | O_CREAT | O_RDWR | O_SYNC},
        {"sa+", O_APPEND | O_CREAT | O_RDWR | O_SYNC},
    };
    auto it = table.find(s);
    if (it == table.end()) throw type_error("Invalid value in flags: '" + s + "'");
    return it->second;
  }

  // A synthetic directory opens read-only, like a directory on a read-only filesystem.
  static void check_synthetic_open(int flags, std::string_view path) {
    if ((flags & O_CREAT) && (flags & O_EXCL)) fail(EEXIST, path);
    if ((flags & O_ACCMODE) != O_RDONLY) fail(EISDIR, path);
    if (flags & O_TRUNC) fail(EROFS, path);
  }

  JsValue op_close(JsArgs args) {
    int fd = fd_arg(args, 0);
    OpenFile f = file(fd);
    files.erase(fd);
    if (!f.borrowed && f.host_fd >= 0) ::close(f.host_fd);  // Linux frees the fd even on error
    return JsValue();
  }

  // (fd, buffer, offset, length, position): bounds are checked against the Uint8Array before
  // any byte is touched.
  ReadRequest read_args(JsArgs args, const char* buffer_name) const {
    ReadRequest r;
    r.fd = fd_arg(args, 0);
    r.buffer = arg(args, 1);
    auto* view = r.buffer.object_as<JsUint8Array>();
    if (view == nullptr)
      throw type_error(std::string("The \"") + buffer_name + "\" argument must be a Uint8Array");
    double size = static_cast<double>(view->size());
    r.offset = static_cast<size_t>(optional_integer(arg(args, 2), "offset", 0, 0, size));
    double room = size - static_cast<double>(r.offset);
    r.length = static_cast<size_t>(
        optional_integer(arg(args, 3), "length", static_cast<int64_t>(room), 0, room));
    r.position = optional_integer(arg(args, 4), "position", -1, -1, kMaxSafeInteger);
    return r;
  }

  JsValue do_read(const ReadRequest& r) {
    int fd = host_fd(r.fd);
    uint8_t* data = r.buffer.object_as<JsUint8Array>()->data() + r.offset;
    return static_cast<double>(check(read_at(fd, data, r.length, r.position)));
  }

  void method_read(JsArgs args, const JsValue& cb) {
    ReadRequest r = read_args(args, "buffer");
    int fd = host_fd(r.fd);
    if (r.length == 0 || r.position >= 0 || !may_block(fd) || readable_now(fd)) {
      JsValue n = do_read(r);
      realm.callback_later(cb, {JsValue::null(), n, r.buffer});
      return;
    }
    // Wait on the loop; the guest fd is looked up again then (it may have been closed).
    realm.loop.watch_fd(fd, POLLIN, [this, r, cb](short) {
      deliver(cb, "read", {}, [&] {
        return std::vector<JsValue>{JsValue::null(), do_read(r), r.buffer};
      });
    });
  }

  // Data to write: (fd, buffer, offset, length, position) or Node's (fd, string, position).
  struct WriteRequest {
    int fd;
    JsValue buffer;  // kept alive while the bytes are used
    std::string text;
    bool is_text = false;
    const uint8_t* data;
    size_t size;
    int64_t position;
  };

  WriteRequest write_args(JsArgs args) const {
    WriteRequest w;
    if (arg(args, 1).is_string()) {
      w.fd = fd_arg(args, 0);
      w.text = arg(args, 1).as_string();
      w.is_text = true;
      w.data = reinterpret_cast<const uint8_t*>(w.text.data());
      w.size = w.text.size();
      w.position = optional_integer(arg(args, 2), "position", -1, -1, kMaxSafeInteger);
      return w;
    }
    ReadRequest r = read_args(args, "buffer");
    w.fd = r.fd;
    w.buffer = r.buffer;
    w.data = r.buffer.object_as<JsUint8Array>()->data() + r.offset;
    w.size = r.length;
    w.position = r.position;
    return w;
  }

  JsValue op_write(JsArgs args) {
    WriteRequest w = write_args(args);
    int fd = host_fd(w.fd);
    if (w.size == 0) return 0;
    // A string's bytes cannot be offered again by the caller: write them all.
    if (w.is_text) return static_cast<double>(check(write_fully(fd, w.data, w.size, w.position)));
    return static_cast<double>(check(write_at(fd, w.data, w.size, w.position)));
  }

  JsValue op_fstat(JsArgs args) {
    OpenFile& f = file(fd_arg(args, 0));
    if (f.host_fd < 0) return make_stats(synthetic_dir_stat(f.abs));
    struct stat st {};
    if (::fstat(f.host_fd, &st) != 0) fail(errno);
    return make_stats(st);
  }

  JsValue op_readdir(JsArgs args) {
    std::string path = path_arg(args, 0);
    if (arg(args, 1).is_object() && arg(args, 1).get("withFileTypes").truthy())
      throw type_error("fs.readdir: withFileTypes is not supported");
    Target t = resolve(path);
    std::vector<std::string> names;
    if (t.mount != nullptr) {
      Opened o = broker_open(t, O_RDONLY | O_DIRECTORY, 0, path);
      int r = list_directory(o.fd, &names);
      ::close(o.fd);
      check(r, path);
    }
    // Grants nested below this directory are part of the guest's tree too.
    for (std::string& name : grant_children(t.abs))
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    std::vector<JsValue> items(names.begin(), names.end());
    return make_array(std::move(items));
  }

  JsValue op_mkdir(JsArgs args) {
    std::string path = path_arg(args, 0);
    const JsValue& options = arg(args, 1);
    JsValue mode = options;
    if (options.is_object()) {
      if (options.get("recursive").truthy())
        throw type_error("fs.mkdir: the recursive option is not supported");
      mode = options.get("mode");
    }
    uint32_t bits = mode_arg(mode, 0777);
    Target t = resolve_entry(path, EEXIST);
    check(realm.broker->mkdir(t.mount->dir, t.rel, bits & ~fs.umask_), path);
    return JsValue();
  }

  JsValue op_rmdir(JsArgs args) {
    std::string path = path_arg(args, 0);
    Target t = resolve_entry(path, EBUSY);
    check(realm.broker->rmdir(t.mount->dir, t.rel), path);
    return JsValue();
  }

  JsValue op_unlink(JsArgs args) {
    std::string path = path_arg(args, 0);
    Target t = resolve_entry(path, EISDIR);
    check(realm.broker->unlink(t.mount->dir, t.rel), path);
    return JsValue();
  }

  JsValue op_rename(JsArgs args) {
    std::string from = path_arg(args, 0, "oldPath"), to = path_arg(args, 1, "newPath");
    Target a = resolve_entry(from, EBUSY), b = resolve_entry(to, EBUSY);
    check(realm.broker->rename(a.mount->dir, a.rel, b.mount->dir, b.rel), from);
    return JsValue();
  }

  JsValue op_link(JsArgs args) {
    std::string from = path_arg(args, 0, "existingPath"), to = path_arg(args, 1, "newPath");
    Target a = resolve_entry(from, EPERM), b = resolve_entry(to, EEXIST);
    check(realm.broker->link(a.mount->dir, a.rel, b.mount->dir, b.rel, false), from);
    return JsValue();
  }

  // The target is stored as given: the broker never follows a link out of its grant, so an
  // absolute target only works where the host path and the guest path agree.
  JsValue op_symlink(JsArgs args) {
    std::string target = path_arg(args, 0, "target"), path = path_arg(args, 1);
    if (target.size() >= kPathMax) fail(ENAMETOOLONG, path);
    Target t = resolve_entry(path, EEXIST);
    check(realm.broker->symlink(target, t.mount->dir, t.rel), path);
    return JsValue();
  }

  JsValue op_readlink(JsArgs args) {
    std::string path = path_arg(args, 0);
    Target t = resolve(path);
    if (t.mount == nullptr || t.rel == ".") fail(EINVAL, path);  // directories, not links
    std::string target;
    check(realm.broker->readlink(t.mount->dir, t.rel, &target), path);
    return target;
  }

  JsValue op_utimes(JsArgs args, bool follow) {
    std::string path = path_arg(args, 0);
    struct timespec times[2] = {time_arg(arg(args, 1), "atime"), time_arg(arg(args, 2), "mtime")};
    Target t = resolve(path);
    if (t.mount == nullptr) fail(EROFS, path);
    check(realm.broker->set_times(t.mount->dir, t.rel, times, follow), path);
    return JsValue();
  }

  JsValue op_futimes(JsArgs args) {
    int fd = host_fd(fd_arg(args, 0));
    struct timespec times[2] = {time_arg(arg(args, 1), "atime"), time_arg(arg(args, 2), "mtime")};
    check(realm.broker->fd_set_times(fd, times));
    return JsValue();
  }

  // Node clamps negative lengths to 0.
  uint64_t length_arg(const JsValue& v) const {
    int64_t len = optional_integer(v, "len", 0, -kMaxSafeInteger, kMaxSafeInteger);
    return len < 0 ? 0 : static_cast<uint64_t>(len);
  }

  JsValue op_truncate(JsArgs args) {
    std::string path = path_arg(args, 0);
    uint64_t len = length_arg(arg(args, 1));
    Target t = resolve(path);
    if (t.mount == nullptr) fail(EISDIR, path);
    Opened o = broker_open(t, O_WRONLY, 0, path);
    int r = realm.broker->fd_set_size(o.fd, len);
    ::close(o.fd);
    check(r, path);
    return JsValue();
  }

  JsValue op_ftruncate(JsArgs args) {
    int fd = host_fd(fd_arg(args, 0));
    check(realm.broker->fd_set_size(fd, length_arg(arg(args, 1))));
    return JsValue();
  }

  JsValue op_fsync(JsArgs args) {
    int fd = host_fd(fd_arg(args, 0));
    if (::fsync(fd) != 0) fail(errno);
    return JsValue();
  }

  // chmod: like Linux, bits other than the permission bits are ignored; the broker refuses
  // setuid/setgid and read-only grants.
  JsValue op_chmod(JsArgs args) {
    std::string path = path_arg(args, 0);
    uint32_t mode = mode_arg(arg(args, 1), 0) & 07777;
    if (arg(args, 1).is_nullish()) throw type_error("The \"mode\" argument must be a number");
    Target t = resolve(path);
    if (t.mount == nullptr) fail(EROFS, path);
    check(realm.broker->set_mode(t.mount->dir, t.rel, mode, true), path);
    return JsValue();
  }

  JsValue op_fchmod(JsArgs args) {
    int fd = host_fd(fd_arg(args, 0));
    if (arg(args, 1).is_nullish()) throw type_error("The \"mode\" argument must be a number");
    check(realm.broker->fd_set_mode(fd, mode_arg(arg(args, 1), 0) & 07777));
    return JsValue();
  }

  // uid/gid as Node takes them: -1 (or 0xffffffff, what Go passes) leaves the id unchanged.
  uint32_t id_arg(const JsValue& v, const char* name) const {
    return static_cast<uint32_t>(integer_arg(v, name, -1, 4294967295.0));
  }

  JsValue op_chown(JsArgs args, bool follow) {
    std::string path = path_arg(args, 0);
    uint32_t uid = id_arg(arg(args, 1), "uid"), gid = id_arg(arg(args, 2), "gid");
    Target t = resolve(path);
    if (t.mount == nullptr) fail(EROFS, path);
    if (t.rel == ".") follow = true;  // the grant itself is a directory to the guest
    check(realm.broker->set_owner(t.mount->dir, t.rel, uid, gid, follow), path);
    return JsValue();
  }

  JsValue op_fchown(JsArgs args) {
    int fd = host_fd(fd_arg(args, 0));
    uint32_t uid = id_arg(arg(args, 1), "uid"), gid = id_arg(arg(args, 2), "gid");
    check(realm.broker->fd_set_owner(fd, uid, gid));
    return JsValue();
  }

  // ---- Delivery

  // Runs `op` now and queues `cb(null, ...results)` or `cb(err)` for a later turn. JsThrow
  // (bad arguments) propagates to the caller, as Node's validators throw synchronously.
  template <class Op>
  void deliver(const JsValue& cb, std::string_view syscall, std::string_view path, Op op) {
    std::vector<JsValue> results;
    try {
      results = op();
    } catch (const FsError& e) {
      realm.callback_later(cb, {node_error(e.err, syscall, e.path.empty() ? path : e.path)});
      return;
    }
    realm.callback_later(cb, std::move(results));
  }

  // A method `name(...args, cb)` whose result is `op(args)`.
  JsValue async_method(std::string name, std::string syscall,
                       std::function<JsValue(Impl&, JsArgs)> op) {
    return make_function(name, [this, name, syscall, op](const JsValue&, JsArgs args) -> JsValue {
      if (args.empty() || !args.back().is_callable())
        throw type_error("The \"cb\" argument of fs." + name + " must be of type function");
      JsArgs rest = args.first(args.size() - 1);
      deliver(args.back(), syscall, {}, [&] {
        return std::vector<JsValue>{JsValue::null(), op(*this, rest)};
      });
      return JsValue();
    });
  }

  JsValue read_method() {
    return make_function("read", [this](const JsValue&, JsArgs args) -> JsValue {
      if (args.empty() || !args.back().is_callable())
        throw type_error("The \"cb\" argument of fs.read must be of type function");
      JsValue cb = args.back();
      JsArgs rest = args.first(args.size() - 1);
      try {
        method_read(rest, cb);
      } catch (const FsError& e) {
        realm.callback_later(cb, {node_error(e.err, "read", e.path)});
      }
      return JsValue();
    });
  }

  JsValue write_sync_method() {
    return make_function("writeSync", [this](const JsValue&, JsArgs args) -> JsValue {
      WriteRequest w = write_args(args);
      long n = write_sync_at(w.fd, w.data, w.size, w.position);
      if (n < 0) throw JsThrow{node_error(static_cast<int>(-n), "write", {})};
      return static_cast<double>(n);
    });
  }

  // A complete synchronous write (writeSync, runtime.wasmWrite): bytes written or -errno.
  long write_sync_at(int fd, const uint8_t* data, size_t size, int64_t position) {
    try {
      return write_fully(host_fd(fd), data, size, position);
    } catch (const FsError& e) {
      return -e.err;
    }
  }

  JsObjectPtr make_constants() const {
    return make_object({
        {"O_RDONLY", O_RDONLY},
        {"O_WRONLY", O_WRONLY},
        {"O_RDWR", O_RDWR},
        {"O_CREAT", O_CREAT},
        {"O_EXCL", O_EXCL},
        {"O_NOCTTY", O_NOCTTY},
        {"O_TRUNC", O_TRUNC},
        {"O_APPEND", O_APPEND},
        {"O_DIRECTORY", O_DIRECTORY},
        {"O_NOFOLLOW", O_NOFOLLOW},
        {"O_SYNC", O_SYNC},
        {"O_DSYNC", O_DSYNC},
        {"O_NONBLOCK", O_NONBLOCK},
        {"S_IFMT", S_IFMT},
        {"S_IFREG", S_IFREG},
        {"S_IFDIR", S_IFDIR},
        {"S_IFCHR", S_IFCHR},
        {"S_IFBLK", S_IFBLK},
        {"S_IFIFO", S_IFIFO},
        {"S_IFLNK", S_IFLNK},
        {"S_IFSOCK", S_IFSOCK},
        {"S_IRWXU", S_IRWXU},
        {"S_IRUSR", S_IRUSR},
        {"S_IWUSR", S_IWUSR},
        {"S_IXUSR", S_IXUSR},
        {"S_IRWXG", S_IRWXG},
        {"S_IRGRP", S_IRGRP},
        {"S_IWGRP", S_IWGRP},
        {"S_IXGRP", S_IXGRP},
        {"S_IRWXO", S_IRWXO},
        {"S_IROTH", S_IROTH},
        {"S_IWOTH", S_IWOTH},
        {"S_IXOTH", S_IXOTH},
        {"F_OK", F_OK},
        {"R_OK", R_OK},
        {"W_OK", W_OK},
        {"X_OK", X_OK},
        {"UV_FS_O_FILEMAP", 0},
    });
  }
};

NodeFs::NodeFs(Realm& realm, NodeFsConfig config)
    : realm_(realm), config_(config), impl_(std::make_unique<Impl>(*this)) {}

NodeFs::~NodeFs() = default;

JsObjectPtr NodeFs::make_fs_object() {
  Impl& im = *impl_;
  JsObjectPtr fs =
      make_object({{"constants", im.make_constants()}, {"Stats", JsObjectPtr(im.stats_ctor)}});
  using Op = std::function<JsValue(Impl&, JsArgs)>;
  auto add = [&](const char* name, const char* syscall, Op op) {
    fs->set(name, im.async_method(name, syscall, std::move(op)));
  };
  add("open", "open", &Impl::op_open);
  add("close", "close", &Impl::op_close);
  add("write", "write", &Impl::op_write);
  add("fstat", "fstat", &Impl::op_fstat);
  add("stat", "stat", [](Impl& i, JsArgs a) { return i.stat_path(path_arg(a, 0), true); });
  add("lstat", "lstat", [](Impl& i, JsArgs a) { return i.stat_path(path_arg(a, 0), false); });
  add("readdir", "scandir", &Impl::op_readdir);
  add("mkdir", "mkdir", &Impl::op_mkdir);
  add("rmdir", "rmdir", &Impl::op_rmdir);
  add("unlink", "unlink", &Impl::op_unlink);
  add("rename", "rename", &Impl::op_rename);
  add("link", "link", &Impl::op_link);
  add("symlink", "symlink", &Impl::op_symlink);
  add("readlink", "readlink", &Impl::op_readlink);
  add("utimes", "utime", [](Impl& i, JsArgs a) { return i.op_utimes(a, true); });
  add("lutimes", "lutime", [](Impl& i, JsArgs a) { return i.op_utimes(a, false); });
  add("futimes", "futime", &Impl::op_futimes);
  add("truncate", "open", &Impl::op_truncate);
  add("ftruncate", "ftruncate", &Impl::op_ftruncate);
  add("fsync", "fsync", &Impl::op_fsync);
  add("fdatasync", "fdatasync", &Impl::op_fsync);
  // No lchmod: Node has it only on macOS (Linux cannot change a symlink's mode).
  add("chmod", "chmod", &Impl::op_chmod);
  add("fchmod", "fchmod", &Impl::op_fchmod);
  add("chown", "chown", [](Impl& i, JsArgs a) { return i.op_chown(a, true); });
  add("lchown", "lchown", [](Impl& i, JsArgs a) { return i.op_chown(a, false); });
  add("fchown", "fchown", &Impl::op_fchown);
  fs->set("read", im.read_method());
  fs->set("writeSync", im.write_sync_method());
  return fs;
}

int NodeFs::chdir(std::string_view path) {
  try {
    Impl::Target t = impl_->resolve(path);
    if (t.mount != nullptr) {
      struct stat st {};
      check(realm_.broker->stat(t.mount->dir, t.rel, true, &st));
      if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
    }
    cwd_ = t.abs;
    return 0;
  } catch (const FsError& e) {
    return -e.err;
  }
}

uint32_t NodeFs::umask(uint32_t new_mask) {
  uint32_t old = umask_;
  umask_ = new_mask & 0777;
  return old;
}

long NodeFs::write_sync(int fd, const uint8_t* data, size_t size) {
  return impl_->write_sync_at(fd, data, size, -1);
}

}  // namespace wc::host::gojs
