// Following a container's output as the daemon writes it: one request whose reply does not
// end while the container runs. `GET .../logs?follow=1` replies with a chunked body; `POST
// .../attach?stdin=1` is upgraded to a raw connection that also carries our stdin to the guest
// (our EOF half-closes it, which the daemon turns into the guest's EOF).
#pragma once

#include <string>

#include "cli/webcontainer/api_client.h"

namespace wc::client {

// One streaming request. `GET .../logs?follow=1` and `POST /v1/containers?follow=1` (create,
// start and follow: a 201 whose chunked body is the output) are chunked; `POST .../attach` is
// upgraded (`upgrade`).
struct StreamRequest {
  std::string method, target;
  std::string json_body;  // sent with Content-Type: application/json when not empty
  bool upgrade = false;
  int stdin_fd = -1;  // >= 0 (attach only): forwarded to the guest
};

// Writes the streamed bytes to `out_fd` as they arrive. True when the daemon ended the stream
// (the container has exited); r->headers then holds the reply's headers and the chunked
// stream's trailer (`x-exit-code`). False with r->error, or r->status/r->body for a refusal.
bool follow_stream(const std::string& socket_path, const StreamRequest& req, int out_fd,
                   ApiReply* r);

}  // namespace wc::client
