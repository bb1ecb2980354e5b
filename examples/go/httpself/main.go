// httpself: an HTTP server and its own client in one program, over wcnet. It listens on
// ADDR, then makes N requests to itself through wcnet's RoundTripper (connections kept
// alive), checks every response body and prints "N requests ok".
//
//	httpself [ADDR [N]]        ADDR defaults to 127.0.0.1:8091, N to 1000
//	httpself dial URL          one GET of URL (no server); prints the response or the error
//
// In webcontainer the address must be granted both ways:
//
//	webcontainerd --allow-listen 127.0.0.1:8091 --allow-connect 127.0.0.1:8091 httpself.wasm
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	wcnet "webcontainer.dev/sdk/go"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "dial" {
		os.Exit(dial(os.Args[2]))
	}
	addr, n := "127.0.0.1:8091", 1000
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		if err != nil || v < 1 {
			fmt.Fprintln(os.Stderr, "httpself: N must be a positive number")
			os.Exit(2)
		}
		n = v
	}

	ln, err := wcnet.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpself:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/n/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "reply to %s", r.URL.Path[len("/n/"):])
	})
	var conns int64 // connections the server accepted: 1 when keep-alive works
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				atomic.AddInt64(&conns, 1)
			}
		}}
	go srv.Serve(ln)

	client := &http.Client{Transport: wcnet.RoundTripper(), Timeout: 30 * time.Second}
	base := "http://" + ln.Addr().String()
	start := time.Now()
	for i := 0; i < n; i++ {
		resp, err := client.Get(base + "/n/" + strconv.Itoa(i))
		if err != nil {
			fmt.Fprintf(os.Stderr, "httpself: request %d: %v\n", i, err)
			os.Exit(1)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := "reply to " + strconv.Itoa(i)
		if err != nil || resp.StatusCode != 200 || string(body) != want {
			fmt.Fprintf(os.Stderr, "httpself: request %d: status %d, body %q (want %q), err %v\n",
				i, resp.StatusCode, body, want, err)
			os.Exit(1)
		}
	}
	elapsed := time.Since(start)
	fmt.Printf("%d requests ok\n", n)
	fmt.Fprintf(os.Stderr, "httpself: %d requests in %v (%.0f requests/s) over %d connection(s), wcnet host: %v\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), atomic.LoadInt64(&conns),
		wcnet.Available())
	ln.Close()
}

// dial makes one GET and reports the outcome: 0 on a response, 3 when the sandbox refused
// the connection (permission denied), 1 on any other error.
func dial(url string) int {
	client := &http.Client{Transport: wcnet.RoundTripper(), Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
			fmt.Printf("denied: %v\n", err)
			return 3
		}
		fmt.Printf("error: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("status %d: %s\n", resp.StatusCode, body)
	return 0
}
