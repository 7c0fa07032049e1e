package event_test

import (
	"fmt"
	"os"

	"github.com/sluice-go/sluice/event"
)

func ExampleData() {
	d := event.NewData()
	d.PushString("GET / HTTP/1.1\r\n")
	d.PushString("Host: example.com\r\n\r\n")

	// Shift the request line off the front; it shares d's bytes.
	line := d.Shift(d.IndexByte('\n') + 1)
	fmt.Printf("line: %q\n", line.String())
	fmt.Printf("rest: %q\n", d.String())
	// Output:
	// line: "GET / HTTP/1.1\r\n"
	// rest: "Host: example.com\r\n\r\n"
}

func ExampleData_Clone() {
	d := event.FromString("hello")
	// A filter that keeps the data and also passes it on keeps a clone.
	kept := d.Clone()
	d.PushString(", world")
	kept.PushString("!")
	fmt.Println(d)
	fmt.Println(kept)
	// Output:
	// hello, world
	// hello!
}

func ExampleData_WriteTo() {
	d := event.FromString("one ")
	d.PushData(event.FromString("two ")) // shares the chunk
	d.PushString("three\n")
	fmt.Println(len(d.Chunks()), "chunks,", d.Len(), "bytes")
	d.WriteTo(os.Stdout) // one vectored write where the writer supports it
	fmt.Println(d.Len(), "bytes left")
	// Output:
	// 3 chunks, 14 bytes
	// one two three
	// 0 bytes left
}

func ExampleEnd() {
	end := event.End(event.ReadError, os.ErrDeadlineExceeded)
	fmt.Println(end)
	fmt.Println(end.Error())
	fmt.Println(event.End(event.NoError, nil).Error())
	// Output:
	// SessionEnd read error: i/o timeout
	// event: read error: i/o timeout
	// <nil>
}
