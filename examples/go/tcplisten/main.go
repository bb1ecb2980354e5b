//go:build wasip1

// tcplisten: an HTTP server on a listening socket the runtime opened for it (GOOS=wasip1,
// no socket imports needed): webcontainerd --tcplisten ADDR:PORT hands the socket over as
// the first fd after stdio and the preopened directories (fd 3 when there is no --dir).
//
//	webcontainerd --tcplisten 127.0.0.1:8092 tcplisten.wasm [once] [FD]
//
// With "once" it exits after answering one request; otherwise it serves until killed.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
)

func main() {
	once := len(os.Args) > 1 && os.Args[1] == "once"
	fd := 3
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "tcplisten: FD must be a number")
			os.Exit(2)
		}
		fd = v
	}
	// Non-blocking, so Go's poller waits for connections instead of the whole program.
	if err := syscall.SetNonblock(fd, true); err != nil {
		fmt.Fprintln(os.Stderr, "tcplisten: fd", fd, ":", err)
		os.Exit(1)
	}
	f := os.NewFile(uintptr(fd), "tcplisten")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcplisten: fd", fd, "is not a listening socket:", err)
		os.Exit(1)
	}
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Connection", "close")
		fmt.Fprintf(w, "hello from fd %d: %s %s\n", fd, r.Method, r.URL.Path)
		if once {
			select {
			case <-done:
			default:
				close(done)
			}
		}
	})
	srv := &http.Server{Handler: mux}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, "tcplisten:", err)
			os.Exit(1)
		}
	}()
	fmt.Println("serving")
	<-done
	// Let the response go out (Shutdown waits for the connection to go idle and close).
	srv.Shutdown(context.Background())
	fmt.Println("served one request")
}
