// Command revproxy is an HTTP reverse proxy built on Go's
// httputil.ReverseProxy: the Go standard-library baseline for the proxy case
// of bench/run. Its transport keeps up to 1024 idle upstream connections
// (http.DefaultTransport keeps 2 per host, which would make it open and close
// a connection per request under 50 concurrent clients).
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	upstream := flag.String("upstream", "127.0.0.1:8081", "upstream host:port")
	flag.Parse()
	u := &url.URL{Scheme: "http", Host: *upstream}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	log.Fatal(http.ListenAndServe(*addr, rp))
}
