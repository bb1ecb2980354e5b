// HTTP/1.1 responses of the daemon's API: status line, the three headers the client needs
// (Content-Type, Content-Length, Connection) and the body.
#pragma once

#include <string>
#include <string_view>

namespace wc::http {

std::string http_response(int status, std::string_view body,
                          std::string_view content_type = "application/json",
                          bool keep_alive = true);
// {"error": MESSAGE} with MESSAGE escaped as a JSON string.
std::string json_error_body(std::string_view message);
std::string_view status_text(int status);

}  // namespace wc::http
