//go:build !(js && wasm) && !wasip1

package wcnet

import (
	"context"
	"net"
)

// Available reports whether real networking is available: always, through the standard
// net package, on this platform.
func Available() bool { return true }

func listen(network, address string) (net.Listener, error) {
	if _, _, err := splitAddress("listen", network, address); err != nil {
		return nil, err
	}
	return net.Listen(network, address)
}

func dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if _, _, err := splitAddress("dial", network, address); err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}
