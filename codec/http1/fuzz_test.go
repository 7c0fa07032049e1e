package http1

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
)

// The fuzz targets check, for any input:
//   - the decoder does not panic, and a SyntaxError lies within the input
//     and carries a status a server may answer with;
//   - feeding the input whole, in two pieces split at cut, and one byte at a
//     time gives the same messages and the same error;
//   - decoding, encoding the complete messages again (Content-Length or
//     chunked, as flags say) and decoding that gives the same messages.
//
// flags bit 0 asks for chunked re-encoding; for responses, bit i+1 says the
// i-th final response answers a HEAD request (modulo 7).

func FuzzDecodeRequest(f *testing.F) {
	addFuzzSeeds(f, "request")
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, flags uint8) {
		checkDecoderProperties(t, false, data, int(cut), flags)
	})
}

func FuzzDecodeResponse(f *testing.F) {
	addFuzzSeeds(f, "response")
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, flags uint8) {
		checkDecoderProperties(t, true, data, int(cut), flags)
	})
}

// addFuzzSeeds adds the corpus cases of the kind; testdata/fuzz holds more.
func addFuzzSeeds(f *testing.F, kind string) {
	c := loadCorpus(f)
	for i, tc := range c.Cases {
		if tc.Kind == kind && len(tc.Raw) < 4096 {
			b := make([]byte, 0, len(tc.Raw))
			for _, r := range tc.Raw {
				b = append(b, byte(r))
			}
			f.Add(b, uint16(i*7), uint8(i))
		}
	}
}

// headMethods returns the RequestMethod hook the fuzz flags describe.
func headMethods(flags uint8) func() string {
	i := 0
	return func() string {
		head := flags>>(1+i%7)&1 == 1
		i++
		if head {
			return "HEAD"
		}
		return "GET"
	}
}

func checkDecoderProperties(t *testing.T, response bool, data []byte, cut int, flags uint8) {
	opts := func() Options {
		if response {
			return Options{RequestMethod: headMethods(flags)}
		}
		return Options{}
	}
	whole := decodePieces(t, response, opts(), [][]byte{data}, true)
	if whole.Err != nil {
		var se *SyntaxError
		if !errors.As(whole.Err, &se) {
			t.Fatalf("error of type %T: %v", whole.Err, whole.Err)
		}
		if se.Offset < 0 || se.Offset > int64(len(data)) {
			t.Fatalf("error offset %d outside input of %d bytes: %v", se.Offset, len(data), se)
		}
		switch se.Status {
		case 400, 414, 431, 501, 505:
			if response {
				t.Fatalf("response decoder error with status %d", se.Status)
			}
		case 502:
			if !response {
				t.Fatalf("request decoder error with status 502")
			}
		default:
			t.Fatalf("error with status %d: %v", se.Status, se)
		}
	}
	cut %= len(data) + 1
	split := decodePieces(t, response, opts(), [][]byte{data[:cut], data[cut:]}, true)
	if !sameResult(whole, split) {
		t.Fatalf("split at %d gave\n%v\nbut whole gave\n%v", cut, split, whole)
	}
	bytewise := make([][]byte, len(data))
	for i := range data {
		bytewise[i] = data[i : i+1]
	}
	if one := decodePieces(t, response, opts(), bytewise, true); !sameResult(whole, one) {
		t.Fatalf("one byte at a time gave\n%v\nbut whole gave\n%v", one, whole)
	}
	checkRoundTrip(t, response, whole, flags, opts)
}

// checkRoundTrip encodes the complete messages of res and decodes them again.
func checkRoundTrip(t *testing.T, response bool, res result, flags uint8, opts func() Options) {
	var msgs []msg
	for _, m := range res.Msgs {
		if m.Complete {
			msgs = append(msgs, m)
		}
	}
	chunked := flags&1 == 1
	isHead := headMethods(flags)
	out := new(event.Data)
	var wantTails []string
	for _, m := range msgs {
		length := int64(len(m.Body))
		var f Framing
		var err error
		if m.Req != nil {
			if chunked && m.Req.Protocol == proto11 {
				length = UnknownLength
			}
			f, err = WriteRequestHead(out, m.Req, length)
		} else {
			s := m.Resp.Status
			switch {
			case s >= 200 && isHead() == "HEAD", s == 304:
				length = NoBody
			case chunked && m.Resp.Protocol == proto11:
				length = UnknownLength
			}
			f, err = WriteResponseHead(out, m.Resp, length)
		}
		if err != nil {
			t.Fatalf("decoded head %s does not encode: %v", m.Head, err)
		}
		switch f {
		case FramingChunked:
			WriteChunk(out, event.FromString(m.Body))
			if err := WriteLastChunk(out, m.TailH); err != nil {
				t.Fatalf("decoded trailers %s do not encode: %v", m.Tail, err)
			}
			var tail Headers
			for _, h := range m.TailH {
				if h.Name != "content-length" && h.Name != "transfer-encoding" && h.Name != "host" {
					tail = append(tail, h)
				}
			}
			if tail == nil {
				wantTails = append(wantTails, "")
			} else {
				wantTails = append(wantTails, tail.String())
			}
		case FramingLength:
			out.PushString(m.Body)
			wantTails = append(wantTails, "")
		case FramingClose:
			t.Fatalf("round trip chose a close-delimited body for %s", m.Head)
		default:
			if m.Body != "" {
				t.Fatalf("no framing for the body of %s", m.Head)
			}
			wantTails = append(wantTails, "")
		}
	}
	out.PushString(res.Tunnel)
	// The encoder may add one framing field (Content-Length or
	// Transfer-Encoding) to a head that was at the decoder's limits.
	reopts := opts()
	reopts.MaxHeaders = DefaultMaxHeaders + 1
	reopts.MaxHeadSize = DefaultMaxHeadSize + len("transfer-encoding: chunked\r\n") + len("content-length: 18446744073709551615\r\n")
	again := decodePieces(t, response, reopts, [][]byte{out.Bytes()}, true)
	if again.Err != nil {
		t.Fatalf("re-encoded messages do not decode: %v\n%q", again.Err, out.String())
	}
	if len(again.Msgs) != len(msgs) || again.Tunnel != res.Tunnel {
		t.Fatalf("round trip gave\n%v\nwant\n%v", again, res)
	}
	for i, m := range msgs {
		a := again.Msgs[i]
		if got, want := headKey(a), headKey(m); got != want {
			t.Fatalf("round trip of message %d gave %s, want %s", i, got, want)
		}
		if a.Body != m.Body || a.Tail != wantTails[i] {
			t.Fatalf("round trip of message %d gave body %q tail %s, want %q %s", i, a.Body, a.Tail, m.Body, wantTails[i])
		}
	}
}

// headKey describes a head for the round-trip comparison: framing fields
// aside, with the reason phrase the encoder writes for an empty one.
func headKey(m msg) string {
	var hs Headers
	var b strings.Builder
	if m.Req != nil {
		fmt.Fprintf(&b, "%s %s %s ", m.Req.Method, m.Req.Path, m.Req.Protocol)
		hs = m.Req.Headers
	} else {
		text := m.Resp.StatusText
		if text == "" {
			text = StatusText(m.Resp.Status)
		}
		fmt.Fprintf(&b, "%s %d %s ", m.Resp.Protocol, m.Resp.Status, text)
		hs = m.Resp.Headers
	}
	var kept Headers
	for _, h := range hs {
		if h.Name != "content-length" && h.Name != "transfer-encoding" {
			kept = append(kept, h)
		}
	}
	b.WriteString(kept.String())
	return b.String()
}
