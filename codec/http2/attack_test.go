package http2_test

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	sh2 "github.com/sluice-go/sluice/codec/http2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// attackHeapBound is how much the heap may grow while an attack runs: a
// limit that works keeps the attacker's cost to the server far below it,
// and each attack below offers several times as much without its limit.
const attackHeapBound = 32 << 20

// heapPeak samples the heap's live objects until stop is closed and
// returns the highest figure seen (runtime/metrics: no stop-the-world).
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return out
}

// heapNow is the heap's live objects after a collection.
func heapNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// underAttack runs attack against the demuxHTTP at addr and checks what
// issue 16 asks of each attack: another connection is served while it
// runs (a request sent once the attack has begun, answered before it is
// waited for) and after it, and the heap stays within attackHeapBound of
// where it was.
func underAttack(t *testing.T, addr string, attack func()) {
	t.Helper()
	good := dialRaw(t, addr)
	good.get(1, "/")
	require.Equal(t, "200", good.status(1))
	base := heapNow()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	begun, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		close(begun)
		attack()
	}()
	<-begun
	good.get(3, "/")
	assert.Equal(t, "200", good.status(3), "another connection is served during the attack")
	within(t, done, "the attack to end")
	close(stop)
	p := <-peak
	t.Logf("heap: %d KiB before, %d KiB at most during the attack", base>>10, p>>10)
	assert.Less(t, p, base+attackHeapBound, "the heap during the attack")
	good.get(5, "/")
	assert.Equal(t, "200", good.status(5), "another connection is served after the attack")
}

// flood writes frames with write until it fails (the server closed), the
// connection ends or n are written, reading meanwhile so that the server's answers do not back
// up, and returns the GOAWAY's code (ErrCodeNo if none came).
func flood(r *rawClient, n int, write func(i int) error) http2.ErrCode {
	code := make(chan http2.ErrCode, 1)
	var ended atomic.Bool
	go func() {
		defer ended.Store(true)
		for {
			f, err := r.fr.ReadFrame()
			if err != nil {
				code <- http2.ErrCodeNo
				return
			}
			if g, ok := f.(*http2.GoAwayFrame); ok && g.ErrCode != http2.ErrCodeNo {
				code <- g.ErrCode
				return
			}
		}
	}()
	for i := 0; i < n && !ended.Load(); i++ {
		if write(i) != nil {
			break
		}
	}
	return <-code
}

// TestAttacksBoundedOthersServed runs each attack issue 16 names against a
// demuxHTTP with its default limits, at a size that would cost the server
// far more than attackHeapBound (or for ever) without its limit: each is
// ended or refused, the heap stays bounded, another connection is served
// during and after. The limits' own tests (limits_test.go) fail without
// them.
func TestAttacksBoundedOthersServed(t *testing.T) {
	addr, _ := serve(t, sh2.Options{})

	t.Run("rapid reset (CVE-2023-44487)", func(t *testing.T) {
		underAttack(t, addr, func() {
			r := dialRaw(t, addr)
			blk := r.block("/hang")
			code := flood(r, 100000, func(i int) error {
				id := uint32(2*i + 1)
				if err := r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: blk, EndStream: true, EndHeaders: true}); err != nil {
					return err
				}
				return r.fr.WriteRSTStream(id, http2.ErrCodeCancel)
			})
			assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
		})
	})

	t.Run("CONTINUATION flood (CVE-2024-27316)", func(t *testing.T) {
		underAttack(t, addr, func() {
			r := dialRaw(t, addr)
			// a header block that never ends, each CONTINUATION 15 KB of
			// fields never indexed
			require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: r.block("/")}))
			r.hbuf.Reset()
			for range 15 {
				require.NoError(t, r.henc.WriteField(hpack.HeaderField{Name: "x-f", Value: strings.Repeat("c", 1000), Sensitive: true}))
			}
			chunk := bytes.Clone(r.hbuf.Bytes())
			code := flood(r, 64<<10, func(int) error { return r.fr.WriteContinuation(1, false, chunk) })
			assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
		})
	})

	t.Run("HPACK bomb", func(t *testing.T) {
		underAttack(t, addr, func() {
			r := dialRaw(t, addr)
			big := hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("b", 4000)}
			r.get(1, "/", big) // into the dynamic table
			assert.Equal(t, "200", r.status(1))
			// 16000 one-byte references: 64 MB decoded from 16 KB
			fields := make([]hpack.HeaderField, 16000)
			for i := range fields {
				fields[i] = big
			}
			blk := r.block("/", fields...)
			require.Less(t, len(blk), 16384)
			require.NoError(t, r.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: blk, EndStream: true, EndHeaders: true}))
			assert.Equal(t, "431", r.status(3))
		})
	})

	t.Run("PING flood", func(t *testing.T) {
		underAttack(t, addr, func() {
			r := dialRaw(t, addr)
			code := flood(r, 1<<20, func(int) error { return r.fr.WritePing(false, [8]byte{}) })
			assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
		})
	})

	t.Run("SETTINGS flood", func(t *testing.T) {
		underAttack(t, addr, func() {
			r := dialRaw(t, addr)
			code := flood(r, 1<<20, func(int) error { return r.fr.WriteSettings() })
			assert.Equal(t, http2.ErrCodeEnhanceYourCalm, code)
		})
	})
}

// TestZeroWindowStallBoundedOthersServed: clients that open streams to a
// large answer and never give a window (the zero-window stall) hold at
// most pendLimit of each answer in the proxy, plus what the upstream
// connection's buffers take, while 4 x 32 MiB are offered; another
// connection is served meanwhile. Without the pause of each answer's
// upstream, the proxy would read all of it.
func TestZeroWindowStallBoundedOthersServed(t *testing.T) {
	const size, streams = 32 << 20, 4
	var written atomic.Int64
	up := startUpstream(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/big" {
			io.WriteString(w, "small")
			return
		}
		chunk := bytes.Repeat([]byte("z"), 32<<10)
		for n := 0; n < size; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	})
	addr, _ := serve(t, sh2.Options{}, sh2.MuxHTTP(up.addr, http1.MuxHTTPOptions{}))
	base := heapNow()
	r := dialRaw(t, addr)
	require.NoError(t, r.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}))
	for i := range streams {
		r.get(uint32(2*i+1), "/big")
	}
	heads := map[uint32]string{} // in any order
	r.until("the answers' heads", func(f http2.Frame) bool {
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			heads[h.StreamID] = h.PseudoValue("status")
		}
		return len(heads) == streams
	})
	assert.Equal(t, map[uint32]string{1: "200", 3: "200", 5: "200", 7: "200"}, heads)
	last := stalled(&written)
	now := heapNow()
	t.Logf("the upstream wrote %d KiB of %d MiB; heap %d KiB before, %d KiB now", last>>10, streams*size>>20, base>>10, now>>10)
	assert.Less(t, last, int64(streams*size/2), "the upstreams are held")
	assert.Less(t, now, base+attackHeapBound, "the heap while the clients stall")

	good := dialRaw(t, addr)
	good.get(1, "/small")
	assert.Equal(t, "small", good.body(1), "another connection is served meanwhile")
}
