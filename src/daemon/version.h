// The version `webcontainerd --version`, `webcontainer version` and GET /v1/version report.
#pragma once

namespace wc::daemon {

inline constexpr const char* kVersion = "0.1.0";
inline constexpr const char* kApiVersion = "v1";

}  // namespace wc::daemon
