// A Node-style `fs` object (globalThis.fs) and the process's working directory, for Go's
// syscall package on js/wasm (syscall/fs_js.go). Every name goes to the broker under the same
// --dir / --dir-ro grants as WASI; data calls use the fds the broker handed over.
//
// Paths: the guest sees the granted directories at their guest paths (by default the same as
// on the host, so a Go program opens "/srv/data/x" under webcontainer as under node). A path
// is made absolute against the cwd, normalised lexically, and matched against the longest
// granted prefix; the rest is resolved by the broker beneath that directory (it refuses `..`
// above it and symlinks out). Paths under no grant fail with ENOENT (audit line in the broker
// is not possible for them since they never reach it; the error names the path).
//
// Methods follow Node's signatures with a trailing callback `(err, result)`; results arrive on
// a later turn of the event loop. Errors carry Node's `code` ("ENOENT", "EACCES", ...), which
// Go maps back to errno. Stats objects have dev, ino, mode, nlink, uid, gid, rdev, size,
// blksize, blocks, atimeMs, mtimeMs, ctimeMs, birthtimeMs and isDirectory()/isFile()/...
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "host/gojs/js_value.h"
#include "host/gojs/realm.h"

namespace wc::host::gojs {

struct NodeFsConfig {
  // The guest's fds 0, 1, 2 are these host fds (borrowed, never closed).
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  uint32_t max_fds = 1024;
};

class NodeFs {
 public:
  NodeFs(Realm& realm, NodeFsConfig config);
  ~NodeFs();
  NodeFs(const NodeFs&) = delete;
  NodeFs& operator=(const NodeFs&) = delete;

  // globalThis.fs, with `constants` (Linux values, O_DIRECTORY included) and every method
  // syscall/fs_js.go calls.
  JsObjectPtr make_fs_object();

  // process.cwd() / process.chdir(path) / process.umask(mask).
  const std::string& cwd() const { return cwd_; }
  int chdir(std::string_view path);   // 0, or a negative errno (ENOENT, ENOTDIR)
  uint32_t umask(uint32_t new_mask);  // returns the old mask

  // fs.writeSync and runtime.wasmWrite: a synchronous write to a guest fd. Returns bytes
  // written or a negative errno.
  long write_sync(int fd, const uint8_t* data, size_t size);

 private:
  struct Impl;
  Realm& realm_;
  NodeFsConfig config_;
  std::string cwd_ = "/";
  uint32_t umask_ = 022;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wc::host::gojs
