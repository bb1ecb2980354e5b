// `webcontainerd serve [OPTIONS]`: argument parsing and defaults; the daemon is daemon.h.
#pragma once

#include <string>
#include <vector>

namespace wc::daemon {

// `args` excludes the program name and "serve". Returns the process exit status.
int serve_main(const std::vector<std::string>& args);

}  // namespace wc::daemon
