// Moving whole messages over a SOCK_SEQPACKET socket: one datagram each, fds as SCM_RIGHTS.
#pragma once

#include "ipc/wire.h"

namespace wc::ipc {

// A connected SOCK_SEQPACKET pair (close-on-exec): [0] for one side, [1] for the other.
int make_socketpair(UniqueFd out[2]);

// 0, or -errno (-EAGAIN on a non-blocking socket whose buffer is full, -EPIPE if the peer is
// gone). Never raises SIGPIPE.
int send_message(int sock, const Message& msg);

// 1 with *out filled, 0 at end of stream, -EBADMSG if the datagram is malformed at this level
// (shorter than a header, longer than the limit, a header length that disagrees with the
// datagram, more fds than kMaxFds, or ancillary data other than SCM_RIGHTS), or another
// -errno (-EAGAIN when non-blocking and nothing is there). Fds received are always owned by
// the caller or closed, never leaked, even on error.
int recv_message(int sock, Message* out);

}  // namespace wc::ipc
