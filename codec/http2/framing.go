package http2

import (
	"bytes"
	"fmt"

	"github.com/sluice-go/sluice/event"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// framing is what each end of an HTTP/2 connection (serverConn,
// clientConn) keeps to read and write frames: the bytes received and not
// parsed yet, the frames written and not sent yet, the framer, the HPACK
// coder pair and the header block being received.
type framing struct {
	in   []byte      // received bytes not parsed yet
	rd   frameReader // what the framer reads: one whole frame at a time
	out  bytes.Buffer
	fr   *http2.Framer
	hdec *hpack.Decoder
	henc *hpack.Encoder
	hbuf bytes.Buffer

	maxFrame     uint32 // the largest frame payload this end takes
	maxList      uint32 // the largest decoded header list this end takes
	peerMaxFrame uint32 // the largest frame payload the peer takes
	hb           headerBlock
}

// frameHandler is the end that gets the frames readFrames reads.
type frameHandler interface {
	frame(f http2.Frame)
	readError(err error)
	connError(code http2.ErrCode, err error)
	stopped() bool // the connection ended: read no more
}

// initFraming sets the framer and coders up, for frames of up to maxFrame
// bytes and header lists of up to maxList.
func (f *framing) initFraming(maxFrame, maxList uint32) {
	f.maxFrame, f.maxList, f.peerMaxFrame = maxFrame, maxList, 16384
	f.fr = http2.NewFramer(&f.out, &f.rd)
	f.fr.SetMaxReadFrameSize(maxFrame)
	f.hdec = hpack.NewDecoder(4096, f.onField)
	f.hdec.SetMaxStringLength(int(maxList))
	f.henc = hpack.NewEncoder(&f.hbuf)
}

// readFrames hands h the whole frames received, and keeps the rest of the
// bytes for later.
func (f *framing) readFrames(h frameHandler) {
	consumed := 0
	for !h.stopped() && len(f.in)-consumed >= 9 {
		b := f.in[consumed:]
		length := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		if uint32(length) > f.maxFrame {
			h.connError(http2.ErrCodeFrameSize, fmt.Errorf("%w: frame of %d bytes", ErrProtocol, length))
			return
		}
		if len(b) < 9+length {
			break
		}
		f.rd.b = b[:9+length]
		consumed += 9 + length
		fr, err := f.fr.ReadFrame()
		if err != nil {
			h.readError(err)
			continue
		}
		h.frame(fr)
	}
	f.in = append(f.in[:0], f.in[consumed:]...)
	if len(f.in) == 0 && cap(f.in) > idleBuffer {
		f.in = nil // an idle connection keeps no large buffer
	}
}

// onField collects a decoded header field, up to maxList.
func (f *framing) onField(hf hpack.HeaderField) {
	f.hb.listSize += hf.Size()
	if f.hb.listSize > f.maxList {
		f.hb.tooBig = true
		f.hb.fields = nil
		f.hdec.SetEmitEnabled(false)
		return
	}
	f.hb.fields = append(f.hb.fields, hf)
}

// writeHeaders encodes fields and writes them as HEADERS and CONTINUATION
// frames no larger than the peer takes.
func (f *framing) writeHeaders(id uint32, fields []hpack.HeaderField, endStream bool) {
	f.hbuf.Reset()
	for _, hf := range fields {
		_ = f.henc.WriteField(hf)
	}
	b := f.hbuf.Bytes()
	max := int(f.peerMaxFrame)
	first := b[:min(len(b), max)]
	b = b[len(first):]
	_ = f.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: endStream, EndHeaders: len(b) == 0})
	for len(b) > 0 {
		frag := b[:min(len(b), max)]
		b = b[len(frag):]
		_ = f.fr.WriteContinuation(id, len(b) == 0, frag)
	}
}

// takeOut returns the frames written since the last call, nil when none.
func (f *framing) takeOut() *event.Data {
	if f.out.Len() == 0 {
		return nil
	}
	d := event.FromCopy(f.out.Bytes())
	f.out.Reset()
	if f.out.Cap() > idleBuffer {
		f.out = bytes.Buffer{} // the framer writes to &f.out: still this field
	}
	return d
}

// decodeFragment decodes a piece of the header block being received into
// hb, the compressed block bounded by maxList. It returns the code and
// cause of a connection error, or nil.
func (f *framing) decodeFragment(b []byte, end bool) (http2.ErrCode, error) {
	f.hb.size += len(b)
	if f.hb.size > int(f.maxList) {
		return http2.ErrCodeEnhanceYourCalm, fmt.Errorf("%w: header block over %d bytes", ErrCalm, f.maxList)
	}
	if _, err := f.hdec.Write(b); err != nil {
		return http2.ErrCodeCompression, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	if end {
		if err := f.hdec.Close(); err != nil {
			return http2.ErrCodeCompression, fmt.Errorf("%w: %v", ErrProtocol, err)
		}
	}
	return 0, nil
}

// applySettings checks the peer's SETTINGS and applies what both ends
// use: the header table size, the frame size, and the initial window size
// (*initWin), whose change addWindow adds to each open stream's send
// window (false when one goes over 2^31-1). other, when not nil, gets each
// setting too. An error is a connection error for readError.
func (f *framing) applySettings(sf *http2.SettingsFrame, initWin *int64, addWindow func(delta int64) bool, other func(http2.Setting)) error {
	return sf.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		switch s.ID {
		case http2.SettingHeaderTableSize:
			f.henc.SetMaxDynamicTableSizeLimit(s.Val)
		case http2.SettingInitialWindowSize:
			delta := int64(s.Val) - *initWin
			*initWin = int64(s.Val)
			if !addWindow(delta) {
				return http2.ConnectionError(http2.ErrCodeFlowControl)
			}
		case http2.SettingMaxFrameSize:
			f.peerMaxFrame = s.Val
		}
		if other != nil {
			other(s)
		}
		return nil
	})
}
