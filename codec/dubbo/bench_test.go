package dubbo

import (
	"strings"
	"testing"

	"github.com/sluice-go/sluice/event"
)

// benchStream returns a stream of n frames with bodies of size bytes.
func benchStream(n, size int) []byte {
	body := strings.Repeat("b", size)
	var b []byte
	for i := range n {
		b = append(b, frame(0xc2, 0, int64(i), body)...)
	}
	return b
}

func benchmarkDecode(b *testing.B, frames, size, readSize int) {
	stream := benchStream(frames, size)
	emit := func(event.Event) {}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewDecoder(Options{})
		for i := 0; i < len(stream); i += readSize {
			if err := d.Decode(event.FromBytes(stream[i:min(i+readSize, len(stream))]), emit); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
}

// BenchmarkDecodeSmall decodes 64-byte messages read 16 KiB at a time.
func BenchmarkDecodeSmall(b *testing.B) { benchmarkDecode(b, 1000, 64, 16<<10) }

// BenchmarkDecode1K decodes 1 KiB messages read 16 KiB at a time.
func BenchmarkDecode1K(b *testing.B) { benchmarkDecode(b, 256, 1<<10, 16<<10) }

// BenchmarkDecode64K decodes 64 KiB messages read 16 KiB at a time.
func BenchmarkDecode64K(b *testing.B) { benchmarkDecode(b, 16, 64<<10, 16<<10) }

// BenchmarkEncode1K encodes 1 KiB messages from *Head values.
func BenchmarkEncode1K(b *testing.B) {
	body := event.FromString(strings.Repeat("b", 1<<10))
	h := &Head{ID: 1, IsRequest: true, IsTwoWay: true, Serialization: 2}
	b.SetBytes(int64(HeaderSize + body.Len()))
	b.ReportAllocs()
	out := event.NewData()
	for b.Loop() {
		if err := AppendFrame(out, h, body); err != nil {
			b.Fatal(err)
		}
		out.Reset()
	}
}
