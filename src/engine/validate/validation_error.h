// Formatting shared by the module and function validators' error messages.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace wc::engine {

inline std::string hex(size_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%zx", v);
  return buf;
}

}  // namespace wc::engine
