// What a container may do: the grants of the command line or of a TOML policy file (the same
// vocabulary), default deny. Parsing only; enforcement is Session's (filesystem) and the
// mains' (limits, env, args).
//
// Policy file schema (every key optional; unknown keys are errors, so a typo cannot silently
// widen or drop a grant):
//
//   args = ["--verbose", "input.txt"]
//   env = { HOME = "/data", LANG = "C" }      # or env = ["HOME=/data", "LANG=C"]
//   dir = ["/srv/in::/in"]                    # same spelling as --dir
//   dir_ro = ["/srv/ref"]                     # same spelling as --dir-ro
//   memory_limit = "512M"                     # bytes; integer or K/M/G/T suffix (powers of 2)
//   cpu_time = 10                             # seconds of CPU, integer or float
//   timeout = 30.5                            # seconds of wall time
//   max_fds = 256                             # open fds in the worker
//   allow_connect = ["127.0.0.1:8000-8099", "[fd00::/8]:*", "localhost:5432"]
//   allow_listen = ["127.0.0.1:8080", "[::1]:0"]  # same spelling as the flags
//   tcplisten = ["127.0.0.1:8080"]            # pre-opened listening sockets, as --tcplisten
//
//   [[mount]]
//   host = "/srv/data"
//   guest = "/data"                           # default: same as host
//   read_only = true                          # default: false
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/net_policy.h"

namespace wc::broker {

struct Mount {
  std::string host;   // a directory on the host
  std::string guest;  // the name the guest sees for it (a WASI preopen name)
  bool read_only = false;
};

struct Limits {               // 0 = not set
  uint64_t memory_limit = 0;  // bytes of linear memory
  double cpu_time = 0;        // seconds
  double timeout = 0;         // seconds of wall time
  uint64_t max_fds = 0;
};

struct NetPolicy {
  std::vector<NetRule> allow_connect, allow_listen;
  std::vector<std::string> tcplisten;  // "ADDR:PORT", opened by the broker at startup
  // How long a guest's name lookup may hold the broker's loop. 0: never ask the DNS (literal
  // addresses and names from the grants only).
  int resolve_timeout_ms = 2000;
};

struct Policy {
  std::vector<Mount> mounts;      // in order: preopen handle i is mounts[i]
  std::vector<std::string> env;   // "KEY=VALUE"
  std::vector<std::string> args;  // guest argv[1..]
  Limits limits;
  NetPolicy net;
};

// "HOST" or "HOST::GUEST", as --dir / --dir-ro take it.
bool parse_mount(std::string_view spec, bool read_only, Mount* out, std::string* error);
// "4096", "64K", "512M", "2G", "1T" (powers of 1024; a trailing "B"/"iB" is accepted).
bool parse_size(std::string_view text, uint64_t* out, std::string* error);
// "10", "0.5" (non-negative, finite).
bool parse_seconds(std::string_view text, double* out, std::string* error);
// "KEY=VALUE" with a non-empty key and no NUL.
bool check_env(std::string_view entry, std::string* error);

// Merges a TOML policy into *into: mounts, env and args are appended; limits that are set
// replace those in *into. On error *into may be partly merged; the error names the key.
bool load_policy_string(std::string_view toml, Policy* into, std::string* error);
bool load_policy_file(const std::string& path, Policy* into, std::string* error);

// Limits the wire format imposes (number of mounts, guest name length): checked again when a
// Session is created, but the mains should call it to report errors early.
bool validate_policy(const Policy& policy, std::string* error);

// The flag spelling of a mount, for hints: "--dir-ro /srv::/data".
std::string mount_flag(const Mount& m);

}  // namespace wc::broker
