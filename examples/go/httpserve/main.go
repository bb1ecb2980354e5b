// httpserve: an HTTP server over wcnet for load tests (wrk), serving until killed.
//
//	httpserve [ADDR]           ADDR defaults to 127.0.0.1:8091
//
//	GET  /      -> "hello\n"
//	POST /echo  -> the request body
//
// It prints "listening on ADDR" once it accepts connections.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"

	wcnet "webcontainer.dev/sdk/go"
)

var hello = []byte("hello\n")

func main() {
	addr := "127.0.0.1:8091"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	ln, err := wcnet.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpserve:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(hello)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, r.Body)
	})
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := (&http.Server{Handler: mux}).Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "httpserve:", err)
		os.Exit(1)
	}
}
