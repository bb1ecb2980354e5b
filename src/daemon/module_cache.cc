#include "daemon/module_cache.h"

#include <fcntl.h>
#include <nettle/sha2.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "supervisor/module_file.h"

namespace wc::daemon {

using ipc::UniqueFd;

namespace {

// At most this many file identities point at one entry: a file rewritten with the same bytes
// again and again must not grow the index without end.
constexpr size_t kMaxFilesPerEntry = 8;

int64_t ns(const struct timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

double wall_now() {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string hex(const uint8_t* d, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s += digits[d[i] >> 4];
    s += digits[d[i] & 15];
  }
  return s;
}

}  // namespace

ModuleCache::ModuleCache(size_t max_entries, uint64_t max_bytes, double racy_seconds)
    : max_entries_(max_entries ? max_entries : 1),
      max_bytes_(max_bytes),
      racy_seconds_(racy_seconds) {}

void ModuleCache::touch(std::list<Entry>::iterator it) { lru_.splice(lru_.begin(), lru_, it); }

UniqueFd ModuleCache::serve(Entry& e, uint64_t* size, std::string* sha256, std::string* error) {
  // A description of its own for each worker (see the header); the same memfd underneath.
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", e.fd.get());
  UniqueFd fd(::open(proc, O_RDONLY | O_CLOEXEC));
  if (!fd) fd = UniqueFd(fcntl(e.fd.get(), F_DUPFD_CLOEXEC, 3));
  if (!fd) {
    *error = std::string("reopening the cached module: ") + std::strerror(errno);
    return {};
  }
  *size = e.size;
  *sha256 = e.sha256;
  return fd;
}

UniqueFd ModuleCache::open(const std::string& path, uint64_t* size, std::string* sha256,
                           std::string* error) {
  UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    *error = "cannot open module '" + path + "': " + std::strerror(errno);
    return {};
  }
  struct stat st;
  if (fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "module '" + path + "' is not a regular file";
    return {};
  }
  FileKey key{st.st_dev, st.st_ino, st.st_size, ns(st.st_mtim), ns(st.st_ctim)};
  if (auto f = by_file_.find(key); f != by_file_.end()) {
    auto it = by_sha_.find(f->second);
    if (it != by_sha_.end()) {
      touch(it->second);
      hits++;
      return serve(*it->second, size, sha256, error);
    }
    by_file_.erase(f);  // its entry was evicted
  }

  // Unknown (or changed) file: copy it into a sealed memfd, hashing exactly the bytes copied.
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  uint64_t copied = 0;
  UniqueFd mem =
      supervisor::load_module_fd(in.get(), path, &copied, error, [&ctx](const char* p, size_t n) {
        sha256_update(&ctx, n, reinterpret_cast<const uint8_t*>(p));
      });
  if (!mem) return {};
  hashes++;
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  std::string sha = hex(digest, sizeof digest);

  // Still moving (changed within the racy window): its times cannot vouch for its content yet.
  double changed = static_cast<double>(std::max(ns(st.st_mtim), ns(st.st_ctim))) * 1e-9;
  bool record_file = wall_now() - changed >= racy_seconds_;

  auto it = by_sha_.find(sha);
  if (it == by_sha_.end()) {
    misses++;
    if (copied > max_bytes_) {  // served, never kept
      *size = copied;
      *sha256 = sha;
      return mem;
    }
    Entry e;
    e.sha256 = sha;
    e.fd = std::move(mem);
    e.size = copied;
    lru_.push_front(std::move(e));
    bytes_ += copied;
    it = by_sha_.emplace(sha, lru_.begin()).first;
    evict_over_limits();
  } else {
    hits++;  // the same bytes under another name or time: the fresh copy is dropped
    touch(it->second);
  }
  Entry& e = *it->second;
  if (record_file) {
    if (e.files.size() >= kMaxFilesPerEntry) {
      by_file_.erase(e.files.front());
      e.files.erase(e.files.begin());
    }
    e.files.push_back(key);
    by_file_[key] = sha;
  }
  return serve(e, size, sha256, error);
}

void ModuleCache::evict_over_limits() {
  // The newest entry (front) is never evicted: it is within the byte limit on its own.
  while (lru_.size() > 1 && (lru_.size() > max_entries_ || bytes_ > max_bytes_)) {
    Entry& old = lru_.back();
    for (const FileKey& k : old.files) by_file_.erase(k);
    by_sha_.erase(old.sha256);
    bytes_ -= old.size;
    lru_.pop_back();
    evictions++;
  }
}

}  // namespace wc::daemon
