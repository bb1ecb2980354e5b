// tcppingpong: a server and a client in one program exchange N small messages over one
// loopback TCP connection made with wcnet: the client writes an 8-byte counter, the server
// answers with the counter plus one, and the client checks it before sending the next. It
// measures round-trip latency through the socket path (one read and one write per message on
// each side), not throughput.
//
//	tcppingpong [ADDR [N]]     ADDR defaults to 127.0.0.1:8092, N to 100000
//
// Prints "N round trips ok, final K". In webcontainer the address must be granted both ways:
//
//	webcontainerd --allow-listen 127.0.0.1:8092 --allow-connect 127.0.0.1:8092 tcppingpong.wasm
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	wcnet "webcontainer.dev/sdk/go"
)

func main() {
	addr, n := "127.0.0.1:8092", 100000
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		if err != nil || v < 1 {
			fail("N must be a positive number")
		}
		n = v
	}
	ln, err := wcnet.Listen("tcp", addr)
	if err != nil {
		fail(err.Error())
	}
	go serve(ln)

	c, err := wcnet.Dial("tcp", ln.Addr().String())
	if err != nil {
		fail(err.Error())
	}
	var buf [8]byte
	var v uint64
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(buf[:], v)
		if _, err := c.Write(buf[:]); err != nil {
			fail(fmt.Sprintf("round trip %d: write: %v", i, err))
		}
		if _, err := io.ReadFull(c, buf[:]); err != nil {
			fail(fmt.Sprintf("round trip %d: read: %v", i, err))
		}
		got := binary.LittleEndian.Uint64(buf[:])
		if got != v+1 {
			fail(fmt.Sprintf("round trip %d: got %d, want %d", i, got, v+1))
		}
		v = got
	}
	c.Close()
	ln.Close()
	fmt.Printf("%d round trips ok, final %d\n", n, v)
}

// serve answers every 8-byte message on the first connection with its value plus one, until
// the client closes it.
func serve(ln net.Listener) {
	c, err := ln.Accept()
	if err != nil {
		fail("accept: " + err.Error())
	}
	defer c.Close()
	var buf [8]byte
	for {
		if _, err := io.ReadFull(c, buf[:]); err != nil {
			if err == io.EOF {
				return
			}
			fail("server read: " + err.Error())
		}
		binary.LittleEndian.PutUint64(buf[:], binary.LittleEndian.Uint64(buf[:])+1)
		if _, err := c.Write(buf[:]); err != nil {
			fail("server write: " + err.Error())
		}
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "tcppingpong:", msg)
	os.Exit(1)
}
