package http1

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// corpus is testdata/http1-cases.json: shared HTTP/1.x framing cases whose
// "about" field gives their meaning.
type corpus struct {
	About string       `json:"about"`
	Cases []corpusCase `json:"cases"`
}

type corpusCase struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Raw    string `json:"raw"`
	Expect struct {
		Messages []struct {
			Method     string      `json:"method"`
			Path       string      `json:"path"`
			Protocol   string      `json:"protocol"`
			Status     int         `json:"status"`
			Body       string      `json:"body"`
			HasHeaders [][2]string `json:"has_headers"`
		} `json:"messages"`
		Reject json.RawMessage `json:"reject"`
	} `json:"expect"`
}

// rawBytes turns the JSON string (code points below 256) into bytes.
func rawBytes(t testing.TB, s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			t.Fatalf("raw has code point %U", r)
		}
		b = append(b, byte(r))
	}
	return b
}

// rejectStatuses decodes "reject": a status or a list of statuses.
func rejectStatuses(t *testing.T, raw json.RawMessage) []int {
	if len(raw) == 0 {
		return nil
	}
	var one int
	if json.Unmarshal(raw, &one) == nil {
		return []int{one}
	}
	var many []int
	if err := json.Unmarshal(raw, &many); err != nil {
		t.Fatalf("bad reject value %s", raw)
	}
	return many
}

func loadCorpus(t testing.TB) corpus {
	b, err := os.ReadFile("testdata/http1-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Cases) == 0 {
		t.Fatal("empty corpus")
	}
	return c
}

func TestCorpus(t *testing.T) {
	c := loadCorpus(t)
	for _, tc := range c.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			raw := rawBytes(t, tc.Raw)
			response := tc.Kind == "response"
			if !response && tc.Kind != "request" {
				t.Fatalf("unknown kind %q", tc.Kind)
			}
			reject := rejectStatuses(t, tc.Expect.Reject)
			var first *result
			eachSplit(raw, func(pieces [][]byte) bool {
				res := decodePieces(t, response, Options{}, pieces, true)
				if first == nil {
					first = &res
					checkCorpusResult(t, tc, reject, res)
				} else if !sameResult(*first, res) {
					t.Fatalf("feeding %d pieces (first %d bytes) gave\n%v\nbut whole gave\n%v", len(pieces), len(pieces[0]), res, *first)
				}
				return true
			})
		})
	}
}

func checkCorpusResult(t *testing.T, tc corpusCase, reject []int, res result) {
	t.Helper()
	if reject != nil {
		var se *SyntaxError
		if !errors.As(res.Err, &se) {
			t.Fatalf("want rejection with %v, got\n%v", reject, res)
		}
		ok := false
		for _, s := range reject {
			ok = ok || s == se.Status
		}
		if !ok {
			t.Fatalf("rejected with status %d (%v), want one of %v", se.Status, se, reject)
		}
		for _, m := range res.Msgs {
			if m.Complete {
				t.Fatalf("rejected stream produced a complete message: %s", m.Head)
			}
		}
		return
	}
	if res.Err != nil {
		t.Fatalf("unexpected error %v; got\n%v", res.Err, res)
	}
	want := tc.Expect.Messages
	if len(res.Msgs) != len(want) {
		t.Fatalf("got %d messages, want %d:\n%v", len(res.Msgs), len(want), res)
	}
	for i, w := range want {
		m := res.Msgs[i]
		if !m.Complete {
			t.Fatalf("message %d incomplete", i)
		}
		var hs Headers
		if m.Req != nil {
			if m.Req.Method != w.Method || m.Req.Path != w.Path || m.Req.Protocol != w.Protocol {
				t.Fatalf("message %d: got %s, want %s %s %s", i, m.Head, w.Method, w.Path, w.Protocol)
			}
			hs = m.Req.Headers
		} else {
			if m.Resp.Status != w.Status {
				t.Fatalf("message %d: got %s, want status %d", i, m.Head, w.Status)
			}
			hs = m.Resp.Headers
		}
		if m.Body != w.Body {
			t.Fatalf("message %d: body %q, want %q", i, m.Body, w.Body)
		}
		// has_headers must appear in this order among themselves.
		j := 0
		for _, h := range hs {
			if j < len(w.HasHeaders) && h.Name == w.HasHeaders[j][0] && h.Value == w.HasHeaders[j][1] {
				j++
			}
		}
		if j != len(w.HasHeaders) {
			t.Fatalf("message %d: headers %v lack %v in order", i, hs, w.HasHeaders)
		}
	}
	if res.Tunnel != "" {
		t.Fatalf("unexpected bytes outside messages: %q", res.Tunnel)
	}
}
