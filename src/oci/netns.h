// Where the broker's sockets live (linux.namespaces "network"): the calling process joins the
// namespace at a path (a pod's, made by CNI), or unshares a new one with its loopback up (as
// runc does), or stays in the host's. The worker is always in a network namespace of its own
// with nothing in it; only the broker opens sockets.
#pragma once

#include <string>

#include "oci/mapping.h"

namespace wc::oci {

bool enter_network_namespace(NetMode mode, const std::string& path, std::string* error);

}  // namespace wc::oci
