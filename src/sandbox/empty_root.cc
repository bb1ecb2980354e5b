// Layer: an empty, read-only root. The worker never needs a path (the broker opens everything),
// so after this even a path that slipped past seccomp and Landlock resolves to nothing.
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "sandbox/layers.h"

namespace wc::sandbox {

namespace {
LayerStatus failed(const char* step) {
  return {"empty root", false, false, std::string(step) + ": " + std::strerror(errno)};
}
}  // namespace

LayerStatus make_empty_root() {
  // A mount namespace of our own, even if spawn_worker already gave us one: nested ones are
  // cheap, and this keeps the layer correct when confine() runs in a plain fork (tests).
  if (unshare(CLONE_NEWNS) != 0) return failed("unshare(CLONE_NEWNS)");
  // Nothing we do below may propagate back to the broker's mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return failed("make / private");
  // The new root only needs to be an existing directory to mount over; the tmpfs hides it, and
  // the mount exists only in our namespace, so nothing is created on the host.
  const char* where = nullptr;
  for (const char* dir : {"/tmp", "/mnt", "/dev"}) {
    if (mount("wc-empty", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,nr_inodes=2,mode=0555") == 0) {
      where = dir;
      break;
    }
  }
  if (!where) return failed("mount tmpfs");
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then drops
  // the old root (pivot_root(2), NOTES), with no put_old directory needed in a read-only fs.
  if (chdir(where) != 0) return failed("chdir(new root)");
  if (syscall(SYS_pivot_root, ".", ".") != 0) return failed("pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return failed("detach old root");
  if (chdir("/") != 0) return failed("chdir(/)");
  return {"empty root", true, false, "read-only empty tmpfs, old root detached"};
}

}  // namespace wc::sandbox
