// The encoder's internal error: thrown where the problem is found, caught once at the API
// boundary (wat.h) and returned as an Error "LINE:COLUMN: message". Nothing escapes the API.
#pragma once

#include <stdexcept>
#include <string>

#include "engine/text/lexer.h"

namespace wc::engine::text {

struct TextError : std::runtime_error {
  TextError(Pos pos, const std::string& what) : std::runtime_error(at(pos, what)) {}
};

}  // namespace wc::engine::text
