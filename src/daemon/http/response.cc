#include "daemon/http/response.h"

#include <nlohmann/json.hpp>

namespace wc::http {

std::string_view status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

std::string http_response(int status, std::string_view body, std::string_view content_type,
                          bool keep_alive) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(status_text(status)) +
                  "\r\nContent-Type: " + std::string(content_type) +
                  "\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
  r.append(body);
  return r;
}

std::string json_error_body(std::string_view message) {
  // Replace invalid UTF-8 rather than throw: messages may quote hostile input.
  return nlohmann::json{{"error", std::string(message)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace wc::http
