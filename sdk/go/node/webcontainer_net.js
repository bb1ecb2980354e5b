// globalThis.webcontainer.net for Go js/wasm programs run by node, over Node's `net` module:
// the same API webcontainer implements natively (src/host/gojs/net_host.cc), so a program
// built with sdk/go (package wcnet) gets real sockets under node too, e.g. to compare with
// webcontainer under the same load:
//
//   node -r sdk/go/node/webcontainer_net.js --no-experimental-fetch \
//        "$(go env GOROOT)/misc/wasm/wasm_exec_node.js" prog.wasm ARGS...
//
// There is no policy here: node's own permissions apply. The API (see sdk/go/host_js.go):
//   listen(host, port, backlog, cb(err, {fd, localAddress, localPort}))
//   dial(host, port, cb(err, {fd, localAddress, localPort, remoteAddress, remotePort}))
//   accept(fd, cb(err, {fd, localAddress, localPort, remoteAddress, remotePort}))
//   read(fd, uint8array, cb(err, n))      n == 0: end of stream
//   write(fd, uint8array, cb(err, n))     all of it, n == length
//   close(fd) -> bool; shutdown(fd, how 0|1|2) -> null | Error; setNoDelay(fd, bool) -> null | Error
//   localAddr(fd) / remoteAddr(fd) -> {address, port, family} | Error
// The optional tryRead / tryWrite (synchronous, done by webcontainer) are not provided here:
// node's sockets buffer in JavaScript, and sdk/go falls back to read / write without them.
"use strict";

(() => {
  const net = require("net");

  const handles = new Map(); // handle -> {kind: "server"|"socket", ...}
  let nextHandle = 1;

  const later = (cb, err, res) => {
    if (typeof cb === "function") setImmediate(() => cb(err, res));
  };
  const errnoError = (code, syscall, message) => {
    const e = new Error(`${code}: ${message}, ${syscall}`);
    e.code = code;
    e.syscall = syscall;
    return e;
  };
  const ebadf = (syscall) => errnoError("EBADF", syscall, "bad file descriptor");
  const ebusy = (syscall) => errnoError("EBUSY", syscall, "another operation is in progress");
  const ecanceled = (syscall) => errnoError("ECANCELED", syscall, "operation canceled");
  const family = (addr) => (net.isIPv6(addr) ? "IPv6" : "IPv4");
  const info = (handle, s) => ({
    fd: handle,
    localAddress: s.localAddress, localPort: s.localPort,
    remoteAddress: s.remoteAddress, remotePort: s.remotePort,
  });

  function lookup(fd, kind) {
    const h = handles.get(fd);
    return h && h.kind === kind ? h : null;
  }

  // A connected socket in paused mode: reads pull with socket.read(), so node buffers at
  // most its high-water mark for a socket nobody reads.
  function adopt(sock) {
    const h = { kind: "socket", sock, left: null, ended: false, error: null, reader: null };
    const handle = nextHandle++;
    handles.set(handle, h);
    sock.setNoDelay(true);
    sock.on("readable", () => pump(h));
    sock.on("end", () => { h.ended = true; pump(h); });
    sock.on("close", () => { h.ended = true; pump(h); });
    sock.on("error", (e) => { h.error = e; pump(h); });
    return handle;
  }

  function pump(h) {
    const r = h.reader;
    if (!r) return;
    if (!h.left || h.left.length === 0) {
      const chunk = h.error ? null : h.sock.read();
      h.left = chunk && chunk.length ? chunk : null;
    }
    if (h.left) {
      const n = Math.min(r.buf.length, h.left.length);
      r.buf.set(h.left.subarray(0, n));
      h.left = n < h.left.length ? h.left.subarray(n) : null;
      h.reader = null;
      later(r.cb, null, n);
    } else if (h.error) {
      h.reader = null;
      later(r.cb, h.error);
    } else if (h.ended || h.sock.readableEnded) {
      h.reader = null;
      later(r.cb, null, 0);
    }
    // otherwise "readable" / "end" / "error" call again
  }

  function serveAccept(h) {
    while (h.acceptor && h.queue.length) {
      const sock = h.queue.shift();
      if (sock.destroyed) continue;
      const a = h.acceptor;
      h.acceptor = null;
      later(a, null, info(adopt(sock), sock));
    }
  }

  const api = {
    listen(host, port, backlog, cb) {
      const server = net.createServer({ allowHalfOpen: true });
      const h = { kind: "server", server, queue: [], acceptor: null, listening: false };
      server.on("connection", (sock) => {
        sock.on("error", () => {}); // until adopted
        h.queue.push(sock);
        serveAccept(h);
      });
      server.on("error", (e) => {
        if (!h.listening) later(cb, e);
      });
      server.listen({ host: host || "0.0.0.0", port, backlog: backlog > 0 ? backlog : 511 }, () => {
        h.listening = true;
        const handle = nextHandle++;
        handles.set(handle, h);
        const a = server.address();
        later(cb, null, { fd: handle, localAddress: a.address, localPort: a.port });
      });
    },

    dial(host, port, cb) {
      const sock = net.connect({ host: host || "localhost", port, allowHalfOpen: true });
      let done = false;
      sock.once("connect", () => {
        done = true;
        later(cb, null, info(adopt(sock), sock));
      });
      sock.once("error", (e) => {
        if (!done) {
          done = true;
          sock.destroy();
          later(cb, e);
        }
      });
    },

    accept(fd, cb) {
      const h = lookup(fd, "server");
      if (!h) return later(cb, ebadf("accept"));
      if (h.acceptor) return later(cb, ebusy("accept"));
      h.acceptor = cb;
      serveAccept(h);
    },

    read(fd, buf, cb) {
      const h = lookup(fd, "socket");
      if (!h) return later(cb, ebadf("read"));
      if (!(buf instanceof Uint8Array)) throw new TypeError("read: buffer must be a Uint8Array");
      if (h.reader) return later(cb, ebusy("read"));
      h.reader = { buf, cb };
      pump(h);
    },

    write(fd, buf, cb) {
      const h = lookup(fd, "socket");
      if (!h) return later(cb, ebadf("write"));
      if (!(buf instanceof Uint8Array)) throw new TypeError("write: buffer must be a Uint8Array");
      const n = buf.length;
      h.sock.write(Buffer.from(buf.buffer, buf.byteOffset, n), (err) => {
        if (err) later(cb, err.code ? err : errnoError("EPIPE", "write", err.message));
        else later(cb, null, n);
      });
    },

    close(fd) {
      const h = handles.get(fd);
      if (!h) return false;
      handles.delete(fd);
      if (h.kind === "server") {
        h.server.close();
        for (const s of h.queue) s.destroy();
        if (h.acceptor) later(h.acceptor, ecanceled("accept"));
        h.acceptor = null;
      } else {
        h.sock.destroy();
        if (h.reader) later(h.reader.cb, ecanceled("read"));
        h.reader = null;
      }
      return true;
    },

    shutdown(fd, how) {
      const h = lookup(fd, "socket");
      if (!h) return ebadf("shutdown");
      if (how === 1 || how === 2) h.sock.end();
      return null;
    },

    setNoDelay(fd, on) {
      const h = lookup(fd, "socket");
      if (!h) return ebadf("setsockopt");
      h.sock.setNoDelay(!!on);
      return null;
    },

    localAddr(fd) {
      const h = handles.get(fd);
      if (!h) return ebadf("getsockname");
      if (h.kind === "server") {
        const a = h.server.address();
        return { address: a.address, port: a.port, family: family(a.address) };
      }
      const s = h.sock;
      return { address: s.localAddress, port: s.localPort, family: family(s.localAddress) };
    },

    remoteAddr(fd) {
      const h = lookup(fd, "socket");
      if (!h) return ebadf("getpeername");
      const s = h.sock;
      return { address: s.remoteAddress, port: s.remotePort, family: family(s.remoteAddress) };
    },
  };

  globalThis.webcontainer = Object.assign(globalThis.webcontainer || {}, { net: api });
})();
