// Command nethttp-hello answers every HTTP request with "Hello, World!\n"
// using Go's net/http: the Go standard-library baseline of bench/run.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "Hello, World!\n")
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
