package script_test

import (
	"testing"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMessageTails: scripts read a message's tail (HTTP trailers) from a
// MessageEnd and a Message, and make tails with new MessageEnd(tail) and
// new Message(head, body, tail); no tail reads as null.
func TestMessageTails(t *testing.T) {
	m := load(t, `
pipy()
.pipeline('end')
  .replaceMessageEnd(evt => new MessageEnd({'x-status': evt.tail === null ? 'none' : evt.tail['grpc-status']}))
.pipeline('msg')
  .replaceMessage(msg => new Message(msg.head, msg.body, {'x-status': msg.tail === null ? 'none' : msg.tail['grpc-status']}))
`)
	trailers := http1.Headers{{Name: "grpc-status", Value: "5"}}
	for _, name := range []string{"end", "msg"} {
		w := newWorker(t)
		s := w.start(find(t, m, name))
		s.input(&event.MessageStart{}, &event.MessageEnd{Tail: trailers}, &event.MessageStart{}, &event.MessageEnd{})
		var tails []any
		for _, e := range s.out {
			if me, ok := e.(*event.MessageEnd); ok {
				tails = append(tails, me.Tail)
			}
		}
		require.Len(t, tails, 2, name)
		for i, want := range []string{"5", "none"} {
			hs, err := http1.HeadersOf(tails[i])
			require.NoError(t, err)
			assert.Equal(t, want, hs.Get("x-status"), "%s: message %d", name, i)
		}
	}
}
