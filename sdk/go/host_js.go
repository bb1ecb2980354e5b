//go:build js && wasm

// The js/wasm side: calls to the host object globalThis.webcontainer.net.
//
// The host object's API (implemented natively by webcontainer in src/host/gojs/net_host.cc,
// and over Node's net module by node/webcontainer_net.js). Handles are small integers the
// host hands out; every callback is Node-style, callback(err, result), always called exactly
// once and never from inside the call that started the operation. err is null or an Error
// with Node's `code` ("EACCES", "ECONNREFUSED", ...) and `syscall`.
//
//	listen(host, port, backlog, cb)  cb(err, {fd, localAddress, localPort})
//	    A listening TCP socket. host "" is every IPv4 address; port 0 picks one; backlog
//	    <= 0 means the default.
//	dial(host, port, cb)             cb(err, {fd, localAddress, localPort, remoteAddress, remotePort})
//	    A connected TCP socket. host is an IP, "localhost" or a name the host resolves.
//	accept(fd, cb)                   cb(err, {fd, localAddress, localPort, remoteAddress, remotePort})
//	read(fd, uint8array, cb)         cb(err, n)  n bytes were stored at the start of the
//	    array; n == 0 is end of stream.
//	write(fd, uint8array, cb)        cb(err, n)  the whole array was written (n = its length).
//	tryRead(fd, uint8array)          -> n, null or an Error, at once: n bytes were read into
//	    the array (0: end of stream); null when nothing is there yet. EBUSY while a read is
//	    pending. Optional, like tryWrite.
//	tryWrite(fd, uint8array)         -> n or an Error, at once: the first n bytes were written
//	    (0 when nothing fits now); EBUSY while a write is pending. Optional: without it every
//	    write goes through write.
//	close(fd)                        -> true if fd was open. Pending operations on fd complete
//	    with an ECANCELED error.
//	shutdown(fd, how)                -> null or an Error. how: 0 read, 1 write, 2 both.
//	setNoDelay(fd, bool)             -> null or an Error (new sockets start with no delay).
//	localAddr(fd), remoteAddr(fd)    -> {address, port, family: "IPv4" | "IPv6"} or an Error.
//
// At most one read, one write and one accept may be outstanding per handle (EBUSY
// otherwise); this package keeps to that. An unknown handle fails with EBADF.

package wcnet

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"syscall/js"
)

var (
	hostOnce   sync.Once
	hostNet    js.Value // globalThis.webcontainer.net, or undefined
	uint8Array js.Value
	// The host has tryWrite: a write that fits in the socket buffer completes in the call,
	// without a callback (and so without a resume of the program for it).
	hasTryWrite bool
	// The host has tryRead: a Read whose bytes are already there (a server's next request,
	// often) gets them in the call, without a callback.
	hasTryRead bool
)

// hostObject returns the host object and whether there is one.
func hostObject() (js.Value, bool) {
	hostOnce.Do(func() {
		g := js.Global()
		uint8Array = g.Get("Uint8Array")
		wc := g.Get("webcontainer")
		if wc.Type() != js.TypeObject {
			return
		}
		n := wc.Get("net")
		if n.Type() == js.TypeObject {
			hostNet = n
			hasTryWrite = n.Get("tryWrite").Type() == js.TypeFunction
			hasTryRead = n.Get("tryRead").Type() == js.TypeFunction
		}
	})
	return hostNet, hostNet.Type() == js.TypeObject
}

// Available reports whether real networking through a host object is available; without
// it, Listen and Dial use the standard net package (Go's in-process network on js/wasm).
func Available() bool {
	_, ok := hostObject()
	return ok
}

type result struct {
	val js.Value
	err error
}

// call starts an asynchronous host call; its result arrives on the returned channel
// (buffered: nobody has to be listening when the host completes it).
func call(method string, args ...interface{}) <-chan result {
	ch := make(chan result, 1)
	var f js.Func
	f = js.FuncOf(func(this js.Value, a []js.Value) interface{} {
		r := toResult(a)
		f.Release() // the host calls each callback once
		ch <- r
		return nil
	})
	defer func() {
		if p := recover(); p != nil { // the host threw: it will not call back
			f.Release()
			ch <- result{err: panicError(p)}
		}
	}()
	hostNet.Call(method, append(args, f)...)
	return ch
}

// toResult turns a Node-style callback's arguments (err, value) into a result.
func toResult(a []js.Value) result {
	var r result
	if len(a) > 0 && a[0].Type() != js.TypeNull && a[0].Type() != js.TypeUndefined {
		r.err = hostError(a[0])
	} else if len(a) > 1 {
		r.val = a[1]
	}
	return r
}

// hostOp is one kind of operation (read or write) on one connection, with a callback made
// once and used for every operation of that kind: js.FuncOf and Release per call cost a
// host call, a map insert and delete and a finalized js.Value each. At most one operation
// of a kind is outstanding (the host's rule), so one buffered channel carries its result.
type hostOp struct {
	fn      js.Func
	ch      chan result
	mu      sync.Mutex
	pending bool // the host holds fn for an operation not yet called back
	closed  bool // the connection is closed: release fn once nothing is pending
}

func newHostOp() *hostOp {
	op := &hostOp{ch: make(chan result, 1)}
	op.fn = js.FuncOf(func(this js.Value, a []js.Value) interface{} {
		r := toResult(a)
		op.mu.Lock()
		op.pending = false
		release := op.closed
		op.mu.Unlock()
		if release {
			op.fn.Release()
		}
		op.ch <- r
		return nil
	})
	return op
}

// start calls the asynchronous host method with args and the op's callback; the result
// arrives on the returned channel. The caller has received the previous result.
func (op *hostOp) start(method string, args ...interface{}) <-chan result {
	op.mu.Lock()
	op.pending = true
	op.mu.Unlock()
	defer func() {
		if p := recover(); p != nil { // the host threw: it will not call back
			op.mu.Lock()
			op.pending = false
			op.mu.Unlock()
			op.ch <- result{err: panicError(p)}
		}
	}()
	hostNet.Call(method, append(args, op.fn)...)
	return op.ch
}

// close releases the callback now, or when the host calls back an operation still pending
// (closing the handle cancels it).
func (op *hostOp) close() {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.closed {
		return
	}
	op.closed = true
	if !op.pending {
		op.fn.Release()
	}
}

// callSync calls a synchronous host method that returns null or an Error.
func callSync(method string, args ...interface{}) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	v := hostNet.Call(method, args...)
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		return hostError(v)
	}
	return nil
}

func panicError(p interface{}) error {
	if e, ok := p.(error); ok {
		return e
	}
	return syscall.EINVAL
}

// errnoByCode maps Node's error codes to syscall errnos, so errors.Is(err, syscall.EACCES)
// works and messages read like the standard library's.
var errnoByCode = map[string]syscall.Errno{
	"EACCES": syscall.EACCES, "EPERM": syscall.EPERM, "ECONNREFUSED": syscall.ECONNREFUSED,
	"ECONNRESET": syscall.ECONNRESET, "ECONNABORTED": syscall.ECONNABORTED,
	"EADDRINUSE": syscall.EADDRINUSE, "EADDRNOTAVAIL": syscall.EADDRNOTAVAIL,
	"ENETUNREACH": syscall.ENETUNREACH, "EHOSTUNREACH": syscall.EHOSTUNREACH,
	"ETIMEDOUT": syscall.ETIMEDOUT, "EPIPE": syscall.EPIPE, "EBADF": syscall.EBADF,
	"EINVAL": syscall.EINVAL, "EAGAIN": syscall.EAGAIN, "ENOTCONN": syscall.ENOTCONN,
	"ECANCELED": syscall.ECANCELED, "EMFILE": syscall.EMFILE, "ENFILE": syscall.ENFILE,
	"ENOSYS": syscall.ENOSYS, "EAFNOSUPPORT": syscall.EAFNOSUPPORT, "ENOENT": syscall.ENOENT,
	"EBUSY": syscall.EBUSY, "ENOTSUP": syscall.ENOTSUP, "EIO": syscall.EIO,
	"ENOTFOUND": syscall.ENOENT, "EAI_AGAIN": syscall.EAGAIN,
}

// hostError turns a host Error into an *os.SyscallError around an errno when its code is
// known, or an error carrying its message.
func hostError(v js.Value) error {
	code := ""
	if c := v.Get("code"); c.Type() == js.TypeString {
		code = c.String()
	}
	sc := "net"
	if s := v.Get("syscall"); s.Type() == js.TypeString {
		sc = s.String()
	}
	if errno, ok := errnoByCode[code]; ok {
		return os.NewSyscallError(sc, errno)
	}
	msg := code
	if m := v.Get("message"); m.Type() == js.TypeString {
		msg = m.String()
	}
	return &hostErr{msg}
}

type hostErr struct{ msg string }

func (e *hostErr) Error() string { return e.msg }

func listen(network, address string) (net.Listener, error) {
	if _, ok := hostObject(); !ok {
		return net.Listen(network, address)
	}
	host, port, err := splitAddress("listen", network, address)
	if err != nil {
		return nil, err
	}
	r := <-call("listen", host, port, 0)
	if r.err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: errAddr(host, port), Err: r.err}
	}
	l := &listener{
		fd:     r.val.Get("fd").Int(),
		addr:   tcpAddr(r.val.Get("localAddress").String(), r.val.Get("localPort").Int()),
		closed: make(chan struct{}),
	}
	return l, nil
}

func dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if _, ok := hostObject(); !ok {
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	host, port, err := splitAddress("dial", network, address)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ch := call("dial", host, port)
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Addr: errAddr(host, port), Err: r.err}
		}
		return newConn(r.val), nil
	case <-ctx.Done():
		// The dial goes on in the host; close what it makes.
		go func() {
			if r := <-ch; r.err == nil {
				hostNet.Call("close", r.val.Get("fd").Int())
			}
		}()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: errAddr(host, port), Err: ctx.Err()}
	}
}

// ---- Listener

type listener struct {
	fd        int
	addr      *net.TCPAddr
	mu        sync.Mutex
	pending   <-chan result // an accept still outstanding in the host
	closeOnce sync.Once
	closed    chan struct{}
}

func (l *listener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.closed:
		return nil, l.opErr(net.ErrClosed)
	default:
	}
	if l.pending == nil {
		l.pending = call("accept", l.fd)
	}
	select {
	case r := <-l.pending:
		l.pending = nil
		if r.err != nil {
			return nil, l.opErr(r.err)
		}
		return newConn(r.val), nil
	case <-l.closed:
		return nil, l.opErr(net.ErrClosed)
	}
}

func (l *listener) opErr(err error) error {
	return &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: err}
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		hostNet.Call("close", l.fd)
	})
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

// ---- Conn

type conn struct {
	fd           int
	laddr, raddr *net.TCPAddr
	closeOnce    sync.Once
	closed       chan struct{}
	rdl, wdl     deadline
	rmu, wmu     sync.Mutex
	rop, wop     *hostOp       // the read and the write callbacks
	rpending     <-chan result // a read still outstanding in the host (its Read timed out)
	rbuf         js.Value      // the array that read fills
	rbufLen      int
	rleft        []byte        // bytes read but not yet returned
	wpending     <-chan result // a write still outstanding in the host
	wbuf         js.Value
	wbufLen      int
}

// Reads ask for at most this much; writes are sent in pieces of at most this much.
const maxChunk = 64 << 10

func newConn(v js.Value) *conn {
	c := &conn{
		fd:     v.Get("fd").Int(),
		laddr:  tcpAddr(v.Get("localAddress").String(), v.Get("localPort").Int()),
		raddr:  tcpAddr(v.Get("remoteAddress").String(), v.Get("remotePort").Int()),
		closed: make(chan struct{}),
		rop:    newHostOp(),
		wop:    newHostOp(),
	}
	c.rdl.init()
	c.wdl.init()
	return c
}

func (c *conn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.laddr, Addr: c.raddr, Err: err}
}

func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.isClosed() {
		return 0, c.opErr("read", net.ErrClosed)
	}
	if len(c.rleft) > 0 {
		n := copy(p, c.rleft)
		c.rleft = c.rleft[n:]
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.rdl.passed() {
		return 0, c.opErr("read", os.ErrDeadlineExceeded)
	}
	if c.rpending == nil {
		size := len(p)
		if size > maxChunk {
			size = maxChunk
		}
		if c.rbufLen != size {
			c.rbuf, c.rbufLen = uint8Array.New(size), size
		}
		if hasTryRead {
			n, ready, err := c.tryRead()
			if err != nil {
				return 0, c.opErr("read", err)
			}
			if ready {
				if n <= 0 {
					return 0, io.EOF
				}
				return js.CopyBytesToGo(p[:n], c.rbuf), nil // n <= size <= len(p)
			}
		}
		c.rpending = c.rop.start("read", c.fd, c.rbuf)
	}
	select {
	case r := <-c.rpending:
		c.rpending = nil
		if r.err != nil {
			return 0, c.opErr("read", r.err)
		}
		n := r.val.Int()
		if n <= 0 {
			return 0, io.EOF
		}
		if n <= len(p) {
			return js.CopyBytesToGo(p[:n], c.rbuf), nil
		}
		// A read started by an earlier, larger Read that timed out.
		tmp := make([]byte, n)
		js.CopyBytesToGo(tmp, c.rbuf)
		k := copy(p, tmp)
		c.rleft = tmp[k:]
		return k, nil
	case <-c.rdl.wait():
		return 0, c.opErr("read", os.ErrDeadlineExceeded)
	case <-c.closed:
		return 0, c.opErr("read", net.ErrClosed)
	}
}

func (c *conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() {
		return 0, c.opErr("write", net.ErrClosed)
	}
	if c.wdl.passed() {
		return 0, c.opErr("write", os.ErrDeadlineExceeded)
	}
	if c.wpending != nil { // an earlier Write timed out: its bytes go first
		select {
		case r := <-c.wpending:
			c.wpending = nil
			if r.err != nil {
				return 0, c.opErr("write", r.err)
			}
		case <-c.wdl.wait():
			return 0, c.opErr("write", os.ErrDeadlineExceeded)
		case <-c.closed:
			return 0, c.opErr("write", net.ErrClosed)
		}
	}
	total := 0
	for total < len(p) {
		chunk := p[total:]
		if len(chunk) > maxChunk {
			chunk = chunk[:maxChunk]
		}
		// The host keeps the array until the write completes; no other write is outstanding
		// here, so the array of the previous one can be reused.
		if c.wbufLen != len(chunk) {
			c.wbuf, c.wbufLen = uint8Array.New(len(chunk)), len(chunk)
		}
		js.CopyBytesToJS(c.wbuf, chunk)
		if hasTryWrite {
			// Most writes fit in the socket buffer: done in the call, no callback to wait for.
			n, err := c.tryWrite()
			if err != nil {
				return total, c.opErr("write", err)
			}
			total += n
			if n == len(chunk) {
				continue
			}
			if n > 0 { // the rest waits for room, from an array of its own size
				chunk = chunk[n:]
				c.wbuf, c.wbufLen = uint8Array.New(len(chunk)), len(chunk)
				js.CopyBytesToJS(c.wbuf, chunk)
			}
		}
		ch := c.wop.start("write", c.fd, c.wbuf)
		select {
		case r := <-ch:
			if r.err != nil {
				return total, c.opErr("write", r.err)
			}
			total += len(chunk)
		case <-c.wdl.wait():
			// The chunk is in flight; it counts as written (it will be), but the rest is not.
			c.wpending = ch
			c.wbuf, c.wbufLen = js.Undefined(), 0 // still owned by the host
			return total + len(chunk), c.opErr("write", os.ErrDeadlineExceeded)
		case <-c.closed:
			return total, c.opErr("write", net.ErrClosed)
		}
	}
	return total, nil
}

// tryRead reads into c.rbuf what is there now: ready is false when nothing is.
func (c *conn) tryRead() (n int, ready bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	v := hostNet.Call("tryRead", c.fd, c.rbuf)
	switch v.Type() {
	case js.TypeNumber:
		return v.Int(), true, nil
	case js.TypeNull:
		return 0, false, nil
	}
	return 0, false, hostError(v)
}

// tryWrite writes what fits of c.wbuf now: the number of bytes, or the host's error.
func (c *conn) tryWrite() (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	v := hostNet.Call("tryWrite", c.fd, c.wbuf)
	if v.Type() == js.TypeNumber {
		return v.Int(), nil
	}
	return 0, hostError(v)
}

func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		hostNet.Call("close", c.fd) // cancels what is pending: its callback comes later
		c.rop.close()
		c.wop.close()
	})
	return nil
}

// CloseWrite shuts down the writing side (the peer reads end of stream).
func (c *conn) CloseWrite() error {
	if c.isClosed() {
		return c.opErr("close", net.ErrClosed)
	}
	c.wmu.Lock() // after any write in progress
	defer c.wmu.Unlock()
	if err := callSync("shutdown", c.fd, 1); err != nil {
		return c.opErr("close", err)
	}
	return nil
}

// CloseRead shuts down the reading side.
func (c *conn) CloseRead() error {
	if c.isClosed() {
		return c.opErr("close", net.ErrClosed)
	}
	if err := callSync("shutdown", c.fd, 0); err != nil {
		return c.opErr("close", err)
	}
	return nil
}

// SetNoDelay controls Nagle's algorithm (off by default, as in Go's net package).
func (c *conn) SetNoDelay(noDelay bool) error {
	if c.isClosed() {
		return c.opErr("set", net.ErrClosed)
	}
	if err := callSync("setNoDelay", c.fd, noDelay); err != nil {
		return c.opErr("set", err)
	}
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.laddr }
func (c *conn) RemoteAddr() net.Addr { return c.raddr }

func (c *conn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}
func (c *conn) SetReadDeadline(t time.Time) error  { c.rdl.set(t); return nil }
func (c *conn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }

// ---- Deadlines

// deadline is a settable point in time and a channel closed once it has passed.
type deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	expiry  chan struct{} // closed when the deadline has passed
	expired bool          // expiry is closed
	gen     uint64        // bumped by every set, so a stale timer does nothing
}

func (d *deadline) init() { d.expiry = make(chan struct{}) }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	if d.expired { // a new deadline starts with an open channel
		d.expiry = make(chan struct{})
		d.expired = false
	}
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.expiry)
		d.expired = true
		return
	}
	gen := d.gen
	d.timer = time.AfterFunc(dur, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.gen == gen && !d.expired {
			close(d.expiry)
			d.expired = true
		}
	})
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expiry
}

func (d *deadline) passed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expired
}
