// Package wcnet gives Go programs real TCP networking when they run inside webcontainer, with
// the same API on every platform:
//
//	ln, err := wcnet.Listen("tcp", "127.0.0.1:8080")       // a net.Listener
//	c, err := wcnet.Dial("tcp", "127.0.0.1:8080")          // a net.Conn
//	client := &http.Client{Transport: wcnet.RoundTripper()} // HTTP over wcnet.DialContext
//	err = wcnet.ListenAndServe("127.0.0.1:8080", handler)
//
// Every address is checked by webcontainerd against the sandbox's policy: a listen needs
// --allow-listen ADDR:PORT, a dial needs --allow-connect HOST:PORT, and a refused one fails
// with a *net.OpError wrapping syscall.EACCES ("permission denied").
//
// How it is done depends on the target:
//
//   - GOOS=js GOARCH=wasm (host_js.go): through the host object globalThis.webcontainer.net
//     that webcontainer installs (documented in host_js.go). Sockets are waited for on the
//     host's event loop, so a blocked goroutine never blocks the others. Without that object
//     (a plain browser or node) the standard net package is used instead, which on js/wasm
//     is Go's in-process fake network: a program that talks to itself still works. Node can
//     also provide the object with real sockets: node -r sdk/go/node/webcontainer_net.js.
//   - GOOS=wasip1 (host_wasip1.go): through the WasmEdge socket extension imports
//     (sock_open, sock_bind, sock_listen, sock_connect, ...) that webcontainer implements in
//     module wasi_snapshot_preview1. The socket is made non-blocking and handed to Go's own
//     network poller with net.FileListener / net.FileConn.
//   - anything else (host_other.go): the standard net package.
//
// Only TCP ("tcp", "tcp4", "tcp6") is supported.
package wcnet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Listen announces on the local network address, like net.Listen. An empty host listens
// on every IPv4 address; port 0 picks a free port (read it back from Addr()).
func Listen(network, address string) (net.Listener, error) {
	return listen(network, address)
}

// Dial connects to the address, like net.Dial.
func Dial(network, address string) (net.Conn, error) {
	return DialContext(context.Background(), network, address)
}

// DialContext connects to the address, like (*net.Dialer).DialContext: the context bounds
// the connection attempt (not the connection once it is made).
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	return dialContext(ctx, network, address)
}

// NewTransport returns a new *http.Transport, configured like http.DefaultTransport, whose
// connections are made with DialContext. Use it to change the transport's settings.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           DialContext,
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}

var (
	transportOnce sync.Once
	transport     *http.Transport
)

// Transport returns the package's shared *http.Transport (made by NewTransport on first
// use), so that connections are kept alive across clients.
func Transport() *http.Transport {
	transportOnce.Do(func() { transport = NewTransport() })
	return transport
}

// RoundTripper returns Transport() as an http.RoundTripper, for http.Client{Transport: ...}.
func RoundTripper() http.RoundTripper { return Transport() }

// ListenAndServe listens on the TCP address with Listen and serves HTTP requests with
// handler (http.DefaultServeMux when nil), like http.ListenAndServe.
func ListenAndServe(address string, handler http.Handler) error {
	ln, err := Listen("tcp", address)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: address, Handler: handler}
	return srv.Serve(ln)
}

// splitAddress checks the network and splits "host:port" into its parts. Ports may be
// numbers or the service names "http" and "https".
func splitAddress(op, network, address string) (host string, port int, err error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return "", 0, &net.OpError{Op: op, Net: network, Err: net.UnknownNetworkError(network)}
	}
	h, p, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, &net.OpError{Op: op, Net: network, Err: err}
	}
	switch strings.ToLower(p) {
	case "http":
		return h, 80, nil
	case "https":
		return h, 443, nil
	case "":
		if op == "listen" {
			return h, 0, nil
		}
	}
	n, perr := strconv.Atoi(p)
	if perr != nil || n < 0 || n > 65535 {
		return "", 0, &net.OpError{Op: op, Net: network,
			Err: &net.AddrError{Err: "invalid port", Addr: address}}
	}
	return h, n, nil
}

// tcpAddr parses an IP string and port into a *net.TCPAddr (nil IP when unparsable).
func tcpAddr(ip string, port int) *net.TCPAddr {
	zone := ""
	if i := strings.IndexByte(ip, '%'); i >= 0 {
		ip, zone = ip[:i], ip[i+1:]
	}
	return &net.TCPAddr{IP: net.ParseIP(ip), Port: port, Zone: zone}
}

// errUnsupported reports a missing host capability.
var errUnsupported = errors.New("wcnet: networking is not available here")

// nameAddr is the net.Addr of an address given by name, for error messages.
type nameAddr string

func (a nameAddr) Network() string { return "tcp" }
func (a nameAddr) String() string  { return string(a) }

// errAddr is the address an error names: a *net.TCPAddr for an IP, the name otherwise.
func errAddr(host string, port int) net.Addr {
	if net.ParseIP(host) != nil {
		return tcpAddr(host, port)
	}
	return nameAddr(net.JoinHostPort(host, strconv.Itoa(port)))
}
