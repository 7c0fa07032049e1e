package filter_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// Async runs a Go handler that may block (here it stands for a database
// call) off the worker; its answer, or its error as a status, goes out in
// request order.
func ExampleAsync() {
	lookup := func(ctx context.Context, name string) (int, error) {
		if name == "ada" {
			return 36, nil
		}
		return 0, &filter.StatusError{Status: 404}
	}
	p := pipeline.New("ages",
		http1.DecodeRequest(),
		filter.Async(func(ctx context.Context, msg *event.Message) (*event.Message, error) {
			req, _ := http1.RequestOf(msg)
			age, err := lookup(ctx, req.Query().Get("name"))
			if err != nil {
				return nil, err
			}
			return http1.JSON(200, map[string]int{"age": age})
		}),
		http1.EncodeResponse(nil),
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pipeline.Serve(ctx, ln, p) }()
	client := &http.Client{Transport: &http.Transport{}}
	for _, name := range []string{"ada", "bob"} {
		res, err := client.Get("http://" + ln.Addr().String() + "/age?name=" + name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(res.StatusCode, string(body))
	}
	client.CloseIdleConnections()
	stop()
	fmt.Println(<-done)
	// Output:
	// 200 {"age":36}
	// 404 Not Found
	// context canceled
}
