// The client's side of the daemon's API: one HTTP/1.1 request per connection over the unix
// socket (Connection: close, so the reply ends at EOF and no chunked parsing is needed).
#pragma once

#include <map>
#include <string>

namespace wc::client {

struct ApiReply {
  int status = 0;                              // 0: no reply (see error)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // why there is no reply (cannot connect, malformed reply)
};

class ApiClient {
 public:
  // `host`: "unix:PATH".
  explicit ApiClient(std::string socket_path) : path_(std::move(socket_path)) {}
  ApiReply call(const std::string& method, const std::string& target,
                const std::string& json_body = "");
  const std::string& socket_path() const { return path_; }

 private:
  std::string path_;
};

// The daemon's socket: --host, else $WEBCONTAINER_HOST, else serve's default for this user.
// Returns the path (without "unix:"), or "" with *error if the spelling is wrong.
std::string resolve_host(const std::string& flag, std::string* error);

}  // namespace wc::client
