// The daemon's module cache (issue 9, "fast start, shared code"): one sealed memfd per distinct
// module content, keyed by its SHA-256, handed to every worker that runs that module. Without
// it each start copied the module into a fresh memfd; with it a start of a known module costs
// an open, an fstat and a reopen of the cached memfd, and N containers of one module share one
// copy of its bytes in memory.
//
// Sharing is safe: the memfd is sealed (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
// F_SEAL_SEAL, supervisor/module_file.cc) before anyone but us sees it, and workers get a
// read-only descriptor of their own (a reopen of /proc/self/fd/N, so not even the file offset
// is shared), so no worker can change or truncate what another one reads.
//
// Two maps:
//   - file identity (device, inode, size, mtime, ctime) -> SHA-256: a start of an unchanged
//     file neither reads nor hashes it. A file changed within the last `racy_seconds` is not
//     recorded (a rewrite inside one timestamp tick could keep size and times), so it is
//     re-read and re-hashed until it has been still for that long, as git and ccache do;
//   - SHA-256 -> the sealed memfd, least recently used first out, bounded in entries and
//     bytes. A module alone larger than the byte limit is served but not kept.
// The SHA-256 is the key a later zygote (pre-decoded module) cache will use as well.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "ipc/unique_fd.h"

namespace wc::daemon {

class ModuleCache {
 public:
  static constexpr size_t kDefaultEntries = 64;
  static constexpr uint64_t kDefaultBytes = uint64_t{256} << 20;
  static constexpr double kDefaultRacySeconds = 2.0;

  explicit ModuleCache(size_t max_entries = kDefaultEntries, uint64_t max_bytes = kDefaultBytes,
                       double racy_seconds = kDefaultRacySeconds);

  // A read-only descriptor of a sealed memfd holding the module at `path` (opened with the
  // daemon's own rights on every call, so a file it may no longer read is refused even when
  // cached), its size and its SHA-256 (hex). Invalid fd with *error as load_module gives it.
  ipc::UniqueFd open(const std::string& path, uint64_t* size, std::string* sha256,
                     std::string* error);

  size_t entries() const { return lru_.size(); }
  uint64_t bytes() const { return bytes_; }
  // hits: served from a cached memfd (no copy); misses: a new memfd was kept (or served
  // uncached); hashes: files read and hashed; evictions: entries dropped for the limits.
  uint64_t hits = 0, misses = 0, hashes = 0, evictions = 0;

 private:
  // dev, ino, size, mtime ns, ctime ns.
  using FileKey = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;
  struct Entry {
    std::string sha256;
    ipc::UniqueFd fd;  // read-only, sealed
    uint64_t size = 0;
    std::vector<FileKey> files;  // the file identities that map here (bounded)
  };

  ipc::UniqueFd serve(Entry& e, uint64_t* size, std::string* sha256, std::string* error);
  void touch(std::list<Entry>::iterator it);
  void evict_over_limits();

  size_t max_entries_;
  uint64_t max_bytes_;
  double racy_seconds_;
  uint64_t bytes_ = 0;
  std::list<Entry> lru_;  // most recently used first
  std::map<std::string, std::list<Entry>::iterator> by_sha_;
  std::map<FileKey, std::string> by_file_;
};

}  // namespace wc::daemon
