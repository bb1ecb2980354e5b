// Following a container's output as the daemon writes it: one request whose reply does not
// end while the container runs. `GET .../logs?follow=1` replies with a chunked body; `POST
// .../attach?stdin=1` is upgraded to a raw connection that also carries our stdin to the guest
// (our EOF half-closes it, which the daemon turns into the guest's EOF).
#pragma once

#include <string>

#include "cli/webcontainer/api_client.h"

namespace wc::client {

// Writes the streamed bytes to `out_fd` as they arrive; with `stdin_fd` >= 0 (attach only)
// forwards what it reads there. True when the daemon ended the stream (the container has
// exited); false with r->error, or r->status/r->body for a refusal.
bool follow_stream(const std::string& socket_path, const std::string& method,
                   const std::string& target, int stdin_fd, int out_fd, ApiReply* r);

}  // namespace wc::client
