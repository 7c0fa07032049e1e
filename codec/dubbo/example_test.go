package dubbo_test

import (
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/codec/dubbo"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/pipeline"
)

func ExampleDecoder() {
	// Two frames, as an Encoder writes them.
	var enc dubbo.Encoder
	wire := event.NewData()
	enc.Encode(wire, map[string]any{"isRequest": true}, event.FromString("ping"))
	enc.Encode(wire, map[string]any{"id": 1, "isRequest": false}, event.FromString("pong"))

	// Feed them to a decoder in two arbitrary pieces.
	b := wire.Bytes()
	d := dubbo.NewDecoder(dubbo.Options{})
	show := func(e event.Event) { fmt.Println(e) }
	if err := d.Decode(event.FromBytes(b[:38]), show); err != nil {
		fmt.Println(err)
	}
	if err := d.Decode(event.FromBytes(b[38:]), show); err != nil {
		fmt.Println(err)
	}
	fmt.Println(d.Finish())
	// Output:
	// MessageStart dubbo request id=1 two-way serialization=2
	// ping
	// MessageEnd
	// MessageStart dubbo response id=1 status=20 serialization=2
	// po
	// ng
	// MessageEnd
	// <nil>
}

func ExampleDecoder_badMagic() {
	d := dubbo.NewDecoder(dubbo.Options{})
	err := d.Decode(event.FromString("GET / HTTP/1.1\r\n"), func(event.Event) {})
	fmt.Println(err)
	var se *dubbo.SyntaxError
	fmt.Println(errors.As(err, &se), se.Offset)
	// Output:
	// dubbo: bad magic 0x4745 at byte 0
	// true 0
}

func ExampleHeadOf() {
	h, err := dubbo.HeadOf(map[string]any{"id": "42", "isRequest": false})
	fmt.Println(h, err)
	// Output: dubbo response id=42 status=20 serialization=2 <nil>
}

func ExampleAppendFrame() {
	out := event.NewData()
	h := &dubbo.Head{ID: 5, IsRequest: true, IsTwoWay: true, Serialization: dubbo.SerializationHessian2}
	if err := dubbo.AppendFrame(out, h, event.FromString("body")); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("% x\n", out.Bytes())
	// Output: da bb c2 00 00 00 00 00 00 00 00 05 00 00 00 04 62 6f 64 79
}

// A pipeline that decodes Dubbo frames, answers every request with a
// response carrying its id, and encodes the responses. It runs here on a
// worker driven by the example itself, without sockets.
func ExampleDecode() {
	answer := replaceRequests{}
	p := pipeline.New("echo", dubbo.Decode(), answer, dubbo.Encode(nil))
	w := pipeline.NewWorker(pipeline.WorkerOptions{})
	s := pipeline.NewStream(p, pipeline.NewContext(w), pipeline.TargetFunc(func(e event.Event) {
		if d, ok := e.(*event.Data); ok {
			fmt.Printf("% x\n", d.Bytes())
		}
	}))
	req := event.NewData()
	dubbo.AppendFrame(req, &dubbo.Head{ID: 3, IsRequest: true, IsTwoWay: true, Serialization: 2}, event.FromString("hi"))
	s.Input(req)
	s.Input(&event.SessionEnd{})
	w.RunPending()
	// Output: da bb 02 14 00 00 00 00 00 00 00 03 00 00 00 02 6f 6b
}

// replaceRequests turns each decoded request into a response head with the
// request's id and the body "ok".
type replaceRequests struct{}

func (replaceRequests) Info() pipeline.Info { return pipeline.Info{Name: "answer"} }

func (replaceRequests) New(s *pipeline.Stream, next pipeline.Target) pipeline.Target {
	return pipeline.TargetFunc(func(e event.Event) {
		switch e := e.(type) {
		case *event.MessageStart:
			req := e.Head.(*dubbo.Head)
			next.Input(&event.MessageStart{Head: map[string]any{"id": req.ID, "isRequest": false}})
		case *event.Data:
			// drop the request body
		case *event.MessageEnd:
			next.Input(event.FromString("ok"))
			next.Input(e)
		default:
			next.Input(e)
		}
	})
}
