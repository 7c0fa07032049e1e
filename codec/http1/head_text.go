package http1

import "unsafe"

// A decoded head's strings (method, path, header names and values) are
// slices of one string holding the head's bytes. For a head of a few fields
// and a few hundred bytes, that string lives in the head's block too
// (requestBlockN's twin with text room), so that a decoded request head
// costs one allocation instead of two. The text is written once, before
// the string is made, and never again: the block is not reused, so the
// string is as immutable as any other. Each type fills a size class of Go's
// allocator (objects over 512 bytes carry an 8-byte malloc header).
type (
	requestBlock4Text struct {
		requestBlock4
		text [136]byte
	} // 384 bytes
	requestBlock8Text struct {
		requestBlock8
		text [384]byte
	} // 768 with the header
	requestBlock12Text struct {
		requestBlock12
		text [512]byte
	} // 1024 with the header
	requestBlock16Text struct {
		requestBlock16
		text [512]byte
	} // 1152 with the header
)

// newRequestBlockText is newRequestBlock for a head of the given bytes: it
// also returns them as a string, in the block when they fit its text room.
func newRequestBlockText(n int, head []byte) (*requestBlock, []Header, string) {
	var text []byte
	var blk *requestBlock
	var hs []Header
	switch {
	case n <= 4 && len(head) <= 136:
		b := new(requestBlock4Text)
		blk, hs, text = &b.requestBlock, b.inline[:n:n], b.text[:]
	case n <= 8 && len(head) <= 384:
		b := new(requestBlock8Text)
		blk, hs, text = &b.requestBlock, b.inline[:n:n], b.text[:]
	case n <= 12 && len(head) <= 512:
		b := new(requestBlock12Text)
		blk, hs, text = &b.requestBlock, b.inline[:n:n], b.text[:]
	case n <= 16 && len(head) <= 512:
		b := new(requestBlock16Text)
		blk, hs, text = &b.requestBlock, b.inline[:n:n], b.text[:]
	default:
		blk, hs = newRequestBlock(n)
		return blk, hs, string(head)
	}
	if n == 0 {
		hs = nil
	}
	if len(head) == 0 {
		return blk, hs, ""
	}
	copy(text, head)
	return blk, hs, unsafe.String(&text[0], len(head))
}
