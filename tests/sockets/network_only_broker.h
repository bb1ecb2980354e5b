// The filesystem half of BrokerClient, refusing everything with -ENOSYS: the base of test
// doubles that only serve the network methods (the network object of Go js/wasm, the socket
// extensions).
#pragma once

#include <cerrno>

#include "host/broker_client.h"

namespace wc::host::testing {

class NetworkOnlyBroker : public BrokerClient {
 public:
  std::vector<Preopen> preopens() override { return {}; }
  int open(DirHandle, std::string_view, int, uint32_t, Opened*) override { return -ENOSYS; }
  int close_dir(DirHandle) override { return -ENOSYS; }
  int stat(DirHandle, std::string_view, bool, struct stat*) override { return -ENOSYS; }
  int mkdir(DirHandle, std::string_view, uint32_t) override { return -ENOSYS; }
  int rmdir(DirHandle, std::string_view) override { return -ENOSYS; }
  int unlink(DirHandle, std::string_view) override { return -ENOSYS; }
  int rename(DirHandle, std::string_view, DirHandle, std::string_view) override { return -ENOSYS; }
  int link(DirHandle, std::string_view, DirHandle, std::string_view, bool) override {
    return -ENOSYS;
  }
  int symlink(std::string_view, DirHandle, std::string_view) override { return -ENOSYS; }
  int readlink(DirHandle, std::string_view, std::string*) override { return -ENOSYS; }
  int set_times(DirHandle, std::string_view, const struct timespec[2], bool) override {
    return -ENOSYS;
  }
  int fd_set_times(int, const struct timespec[2]) override { return -ENOSYS; }
  int fd_set_size(int, uint64_t) override { return -ENOSYS; }
};

}  // namespace wc::host::testing
