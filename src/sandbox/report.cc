// SandboxReport: what confinement took effect, for diagnostics and `--sandbox-report`.
#include <cstdio>
#include <sstream>

#include "sandbox/sandbox.h"

namespace wc::sandbox {

void SandboxReport::append(const SandboxReport& other) {
  layers.insert(layers.end(), other.layers.begin(), other.layers.end());
}

const LayerStatus* SandboxReport::find(const std::string& name) const {
  for (const LayerStatus& l : layers)
    if (l.name == name) return &l;
  return nullptr;
}

bool SandboxReport::fully_confined() const {
  if (layers.empty()) return false;
  for (const LayerStatus& l : layers)
    if (!l.active && !l.optional) return false;
  return true;
}

std::string SandboxReport::to_string() const {
  size_t active = 0, missing = 0;
  for (const LayerStatus& l : layers) {
    if (l.active)
      ++active;
    else if (!l.optional)
      ++missing;
  }
  std::string out = fully_confined() ? "sandbox: fully confined"
                                     : "sandbox: PARTIAL (" + std::to_string(missing) +
                                           " required layer(s) missing)";
  out += ", " + std::to_string(active) + "/" + std::to_string(layers.size()) + " layers active\n";
  for (const LayerStatus& l : layers) {
    char head[64];
    std::snprintf(head, sizeof head, "  [%s] %-18s ",
                  l.active ? "on " : (l.optional ? "opt" : "OFF"), l.name.c_str());
    out += head + l.detail + "\n";
  }
  return out;
}

// Fields cannot contain tabs or newlines: layer names are ours and details are built by us.
std::string SandboxReport::encode() const {
  std::string out;
  for (const LayerStatus& l : layers)
    out +=
        l.name + "\t" + (l.active ? "1" : "0") + (l.optional ? "1" : "0") + "\t" + l.detail + "\n";
  return out;
}

SandboxReport SandboxReport::decode(const std::string& text) {
  SandboxReport r;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos || b - a != 3) continue;
    r.add({line.substr(0, a), line[a + 1] == '1', line[a + 2] == '1', line.substr(b + 1)});
  }
  return r;
}

}  // namespace wc::sandbox
