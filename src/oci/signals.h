// Signals as `kill` takes them: a number (1-64), or a name with or without "SIG", any case
// ("15", "TERM", "SIGterm", "RTMIN+2").
#pragma once

#include <string>
#include <string_view>

namespace wc::oci {

bool parse_signal(std::string_view text, int* out, std::string* error);

}  // namespace wc::oci
