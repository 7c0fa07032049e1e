package http1_test

import (
	"fmt"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
)

// RequestOf gives a handler the typed head; URL and Query parse its target.
func ExampleRequestOf() {
	msg := &event.Message{Head: &http1.RequestHead{Method: "GET", Path: "/users/7?fields=name&fields=mail", Protocol: "HTTP/1.1"}}
	req, ok := http1.RequestOf(msg)
	if !ok {
		fmt.Println("not an HTTP request")
		return
	}
	u, err := req.URL()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Method, u.Path, req.Query()["fields"])
	_, ok = http1.ResponseOf(msg)
	fmt.Println("a response:", ok)
	// Output:
	// GET /users/7 [name mail]
	// a response: false
}

// Response and JSON make whole answers.
func ExampleJSON() {
	msg, err := http1.JSON(201, map[string]any{"id": 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	head, _ := http1.ResponseOf(msg)
	fmt.Println(head.Status, head.StatusText, head.Headers.Get("content-type"), msg.Body)

	var v struct{ ID int }
	fmt.Println(http1.ReadJSON(msg, &v), v.ID)

	notFound := http1.Response(404, "no such user")
	head, _ = http1.ResponseOf(notFound)
	fmt.Println(head.Status, head.StatusText, notFound.Body)
	// Output:
	// 201 Created application/json {"id":7}
	// <nil> 7
	// 404 Not Found no such user
}
