//go:build wasip1

// The wasip1 side: the WasmEdge socket extension (module wasi_snapshot_preview1), which
// webcontainer implements. WASI preview 1 itself can accept, read, write and shut down
// sockets but not create them; these imports create them, with every address checked by the
// broker. The new socket is made non-blocking and handed to Go's network poller through
// net.FileListener / net.FileConn, so waiting happens in poll_oneoff with every other
// goroutine (Go's wasip1 runtime is single-threaded: nothing here may block).
//
// Imports used (all return a WASI errno):
//
//	sock_open(af u32 [1 inet4, 2 inet6], type u32 [2 stream], fd_out *u32)
//	sock_bind(fd, addr *{buf *u8, len u32}, port u32)      the IP (4 or 16 bytes) at buf
//	sock_listen(fd, backlog)
//	sock_connect(fd, addr *{buf, len}, port)                EINPROGRESS when non-blocking
//	sock_getlocaladdr / sock_getpeeraddr(fd, addr *{buf, len}, type_out *u32 [4|6], port_out *u32)
//	sock_getsockopt(fd, level [0 SOL_SOCKET], name [2 SO_ERROR], value *i32, len *u32)
//	sock_getaddrinfo(node, node_len, service, service_len, hints *addrinfo, res **addrinfo, max, n_out *u32)

package wcnet

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

//go:wasmimport wasi_snapshot_preview1 sock_open
//go:noescape
func sockOpen(af uint32, socktype uint32, fd unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_bind
//go:noescape
func sockBind(fd int32, addr unsafe.Pointer, port uint32) uint32

//go:wasmimport wasi_snapshot_preview1 sock_listen
func sockListen(fd int32, backlog int32) uint32

//go:wasmimport wasi_snapshot_preview1 sock_connect
//go:noescape
func sockConnect(fd int32, addr unsafe.Pointer, port uint32) uint32

//go:wasmimport wasi_snapshot_preview1 sock_getlocaladdr
//go:noescape
func sockGetLocalAddr(fd int32, addr unsafe.Pointer, addrType unsafe.Pointer, port unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_getpeeraddr
//go:noescape
func sockGetPeerAddr(fd int32, addr unsafe.Pointer, addrType unsafe.Pointer, port unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_getsockopt
//go:noescape
func sockGetSockopt(fd int32, level uint32, name uint32, value unsafe.Pointer, length unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_getaddrinfo
//go:noescape
func sockGetAddrinfo(node unsafe.Pointer, nodeLen uint32, service unsafe.Pointer, serviceLen uint32,
	hints unsafe.Pointer, res unsafe.Pointer, max uint32, count unsafe.Pointer) uint32

const (
	afInet4      = 1
	afInet6      = 2
	sockStream   = 2
	solSocket    = 0
	soError      = 2
	errnoInProgr = 26 // WASI's EINPROGRESS
)

// Available reports whether real networking is available: on wasip1 the socket imports are
// assumed to be there (a runtime without them refuses to instantiate the module).
func Available() bool { return true }

func errnoErr(e uint32) error {
	if e == 0 {
		return nil
	}
	return syscall.Errno(e)
}

// wasiAddress is __wasi_address_t: a pointer to the IP's bytes and their length.
type wasiAddress struct {
	buf    uint32
	bufLen uint32
}

func ptr32(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

func ipFamily(ip net.IP) (uint32, []byte) {
	if ip4 := ip.To4(); ip4 != nil {
		return afInet4, []byte(ip4)
	}
	return afInet6, []byte(ip.To16())
}

func openSocket(af uint32) (int32, error) {
	var fd int32
	if e := sockOpen(af, sockStream, unsafe.Pointer(&fd)); e != 0 {
		return -1, os.NewSyscallError("socket", errnoErr(e))
	}
	return fd, nil
}

// sockAddr asks for the local or peer address of a socket.
func sockAddr(fd int32, peer bool) *net.TCPAddr {
	var ip [16]byte
	a := wasiAddress{buf: ptr32(unsafe.Pointer(&ip[0])), bufLen: 16}
	var typ, port uint32
	var e uint32
	if peer {
		e = sockGetPeerAddr(fd, unsafe.Pointer(&a), unsafe.Pointer(&typ), unsafe.Pointer(&port))
	} else {
		e = sockGetLocalAddr(fd, unsafe.Pointer(&a), unsafe.Pointer(&typ), unsafe.Pointer(&port))
	}
	runtime.KeepAlive(&ip)
	if e != 0 {
		return &net.TCPAddr{}
	}
	if typ == 4 {
		return &net.TCPAddr{IP: net.IPv4(ip[0], ip[1], ip[2], ip[3]), Port: int(port)}
	}
	return &net.TCPAddr{IP: net.IP(append([]byte(nil), ip[:]...)), Port: int(port)}
}

// ---- Listen

func listen(network, address string) (net.Listener, error) {
	host, port, err := splitAddress("listen", network, address)
	if err != nil {
		return nil, err
	}
	opErr := func(err error) error {
		return &net.OpError{Op: "listen", Net: network, Addr: errAddr(host, port), Err: err}
	}
	var ip net.IP
	switch host {
	case "":
		ip = net.IPv4zero
		if network == "tcp6" {
			ip = net.IPv6unspecified
		}
	case "localhost":
		ip = net.IPv4(127, 0, 0, 1)
		if network == "tcp6" {
			ip = net.IPv6loopback
		}
	default:
		ip = net.ParseIP(host)
		if ip == nil {
			ips, err := lookup(host, port)
			if err != nil {
				return nil, opErr(err)
			}
			ip = ips[0]
		}
	}
	af, ipb := ipFamily(ip)
	fd, err := openSocket(af)
	if err != nil {
		return nil, opErr(err)
	}
	a := wasiAddress{buf: ptr32(unsafe.Pointer(&ipb[0])), bufLen: uint32(len(ipb))}
	e := sockBind(fd, unsafe.Pointer(&a), uint32(port))
	runtime.KeepAlive(ipb)
	if e == 0 {
		e = sockListen(fd, 511)
	}
	if e != 0 {
		syscall.Close(int(fd))
		return nil, opErr(os.NewSyscallError("listen", errnoErr(e)))
	}
	if err := syscall.SetNonblock(int(fd), true); err != nil {
		syscall.Close(int(fd))
		return nil, opErr(os.NewSyscallError("setnonblock", err))
	}
	laddr := sockAddr(fd, false)
	f := os.NewFile(uintptr(fd), "tcp:"+laddr.String())
	ln, err := net.FileListener(f)
	f.Close() // the listener holds its own reference to the fd
	if err != nil {
		return nil, opErr(err)
	}
	return &listener{Listener: ln, addr: laddr}, nil
}

// listener reports the real local address (Go's wasip1 file listener does not know it)
// and gives accepted connections their addresses.
type listener struct {
	net.Listener
	addr *net.TCPAddr
}

func (l *listener) Addr() net.Addr { return l.addr }

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, nil
	}
	return withAddrs(tc), nil
}

// conn is a *net.TCPConn (CloseWrite, SetNoDelay, ReadFrom, ... all kept) with real
// addresses.
type conn struct {
	*net.TCPConn
	laddr, raddr *net.TCPAddr
}

func (c *conn) LocalAddr() net.Addr  { return c.laddr }
func (c *conn) RemoteAddr() net.Addr { return c.raddr }

func withAddrs(tc *net.TCPConn) *conn {
	c := &conn{TCPConn: tc, laddr: &net.TCPAddr{}, raddr: &net.TCPAddr{}}
	if rc, err := tc.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			c.laddr = sockAddr(int32(fd), false)
			c.raddr = sockAddr(int32(fd), true)
		})
	}
	return c
}

// ---- Dial

func dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := splitAddress("dial", network, address)
	if err != nil {
		return nil, err
	}
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Addr: errAddr(host, port), Err: err}
	}
	var ips []net.IP
	switch {
	case host == "" || host == "localhost":
		ips = []net.IP{net.IPv4(127, 0, 0, 1)}
		if network == "tcp6" {
			ips = []net.IP{net.IPv6loopback}
		}
	case net.ParseIP(host) != nil:
		ips = []net.IP{net.ParseIP(host)}
	default:
		if ips, err = lookup(host, port); err != nil {
			return nil, opErr(err)
		}
	}
	var first error
	for _, ip := range ips {
		if network == "tcp4" && ip.To4() == nil || network == "tcp6" && ip.To4() != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, opErr(err)
		}
		c, err := dialIP(ctx, ip, port)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = &net.AddrError{Err: "no suitable address", Addr: host}
	}
	return nil, opErr(first)
}

// aLongTimeAgo is a deadline in the past, to wake a waiting connect.
var aLongTimeAgo = time.Unix(1, 0)

func dialIP(ctx context.Context, ip net.IP, port int) (net.Conn, error) {
	af, ipb := ipFamily(ip)
	fd, err := openSocket(af)
	if err != nil {
		return nil, err
	}
	// Non-blocking before connecting: the connect returns EINPROGRESS instead of blocking.
	if err := syscall.SetNonblock(int(fd), true); err != nil {
		syscall.Close(int(fd))
		return nil, os.NewSyscallError("setnonblock", err)
	}
	a := wasiAddress{buf: ptr32(unsafe.Pointer(&ipb[0])), bufLen: uint32(len(ipb))}
	e := sockConnect(fd, unsafe.Pointer(&a), uint32(port))
	runtime.KeepAlive(ipb)
	if e != 0 && e != errnoInProgr {
		syscall.Close(int(fd))
		return nil, os.NewSyscallError("connect", errnoErr(e))
	}
	f := os.NewFile(uintptr(fd), "tcp:"+net.JoinHostPort(ip.String(), strconv.Itoa(port)))
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		nc.Close()
		return nil, errors.New("wcnet: not a TCP connection")
	}
	if e == errnoInProgr {
		if err := waitConnected(ctx, tc); err != nil {
			tc.Close()
			return nil, err
		}
	}
	tc.SetNoDelay(true)
	return withAddrs(tc), nil
}

// waitConnected waits (in Go's poller, so other goroutines run) for a connect in progress
// to finish, and reports its outcome (SO_ERROR).
func waitConnected(ctx context.Context, tc *net.TCPConn) error {
	rc, err := tc.SyscallConn()
	if err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		tc.SetWriteDeadline(d)
	}
	if ctx.Done() != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-ctx.Done():
				tc.SetWriteDeadline(aLongTimeAgo)
			case <-done:
			}
		}()
	}
	var soErr uint32
	var gerr uint32
	waited := false
	werr := rc.Write(func(fd uintptr) bool {
		if !waited { // first: wait for writability (connected or failed)
			waited = true
			return false
		}
		var v int32
		n := uint32(4)
		gerr = sockGetSockopt(int32(fd), solSocket, soError, unsafe.Pointer(&v), unsafe.Pointer(&n))
		soErr = uint32(v)
		return true
	})
	if werr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return werr
	}
	tc.SetWriteDeadline(time.Time{})
	if gerr != 0 {
		return os.NewSyscallError("getsockopt", errnoErr(gerr))
	}
	if soErr != 0 {
		return os.NewSyscallError("connect", syscall.Errno(soErr))
	}
	return nil
}

// ---- Names

// wasiAddrinfo and wasiSockaddr are WasmEdge's __wasi_addrinfo_t (28 bytes) and
// __wasi_sockaddr_t (12 bytes).
type wasiAddrinfo struct {
	flags        uint16
	family       uint8
	socktype     uint8
	protocol     uint8
	_            [3]uint8
	addrlen      uint32
	addr         uint32
	canonname    uint32
	canonnameLen uint32
	next         uint32
}

type wasiSockaddr struct {
	family  uint16
	_       uint16
	dataLen uint32
	data    uint32
}

const maxAddrinfo = 8

// lookup resolves a host name through the broker (sock_getaddrinfo): only names a grant
// covers are answered.
func lookup(host string, port int) ([]net.IP, error) {
	var infos [maxAddrinfo]wasiAddrinfo
	var sas [maxAddrinfo]wasiSockaddr
	var data [maxAddrinfo][26]byte
	for i := range infos {
		sas[i].dataLen = 26
		sas[i].data = ptr32(unsafe.Pointer(&data[i][0]))
		infos[i].addr = ptr32(unsafe.Pointer(&sas[i]))
		infos[i].addrlen = 12
		if i+1 < maxAddrinfo {
			infos[i].next = ptr32(unsafe.Pointer(&infos[i+1]))
		}
	}
	first := ptr32(unsafe.Pointer(&infos[0]))
	var hints wasiAddrinfo
	hints.socktype = sockStream
	node := []byte(host + "\x00")
	service := []byte(strconv.Itoa(port) + "\x00")
	var n uint32
	e := sockGetAddrinfo(unsafe.Pointer(&node[0]), uint32(len(node)), unsafe.Pointer(&service[0]),
		uint32(len(service)), unsafe.Pointer(&hints), unsafe.Pointer(&first), maxAddrinfo,
		unsafe.Pointer(&n))
	runtime.KeepAlive(&infos)
	runtime.KeepAlive(&sas)
	runtime.KeepAlive(&data)
	runtime.KeepAlive(node)
	runtime.KeepAlive(service)
	if e != 0 {
		return nil, &net.DNSError{Err: syscall.Errno(e).Error(), Name: host}
	}
	var ips []net.IP
	for i := 0; i < int(n) && i < maxAddrinfo; i++ {
		d := data[i]
		switch sas[i].family {
		case afInet4:
			ips = append(ips, net.IPv4(d[2], d[3], d[4], d[5]))
		case afInet6:
			ips = append(ips, net.IP(append([]byte(nil), d[6:22]...)))
		}
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return ips, nil
}
