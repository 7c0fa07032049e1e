package http1

import "unsafe"

// A decoded head's strings (method, path, header names and values) are
// slices of one string holding the head's bytes. For a head of a few fields
// and a few hundred bytes, that string lives in the head's block too
// (requestBlockN's and responseBlockN's twins with text room), so that a
// decoded head costs one allocation instead of two. The text is written once, before
// the string is made, and never again: the block is not reused, so the
// string is as immutable as any other. The room after the head's bytes is
// given to the body's first piece when the decoder must copy it (its input
// was lent, event.Loan), so a small body costs no allocation either. Each type fills a size class of Go's
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

	responseBlock4Text struct {
		responseBlock4
		text [184]byte
	} // 512 bytes
	responseBlock8Text struct {
		responseBlock8
		text [432]byte
	} // 896 with the header
	responseBlock12Text struct {
		responseBlock12
		text [432]byte
	} // 1024 with the header
	responseBlock16Text struct {
		responseBlock16
		text [560]byte
	} // 1280 with the header
)

// newRequestBlockText is newRequestBlock for a head of the given bytes: it
// also returns them as a string, in the block when they fit its text room,
// and the room left after them (length zero; nil when none).
func newRequestBlockText(n int, head []byte) (*requestBlock, []Header, string, []byte) {
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
		return blk, hs, string(head), nil
	}
	if n == 0 {
		hs = nil
	}
	return blk, hs, textIn(text, head), text[len(head):len(head)]
}

// newResponseBlockText is newRequestBlockText for responses.
func newResponseBlockText(n int, head []byte) (*responseBlock, []Header, string, []byte) {
	var text []byte
	var blk *responseBlock
	var hs []Header
	switch {
	case n <= 4 && len(head) <= 184:
		b := new(responseBlock4Text)
		blk, hs, text = &b.responseBlock, b.inline[:n:n], b.text[:]
	case n <= 8 && len(head) <= 432:
		b := new(responseBlock8Text)
		blk, hs, text = &b.responseBlock, b.inline[:n:n], b.text[:]
	case n <= 12 && len(head) <= 432:
		b := new(responseBlock12Text)
		blk, hs, text = &b.responseBlock, b.inline[:n:n], b.text[:]
	case n <= 16 && len(head) <= 560:
		b := new(responseBlock16Text)
		blk, hs, text = &b.responseBlock, b.inline[:n:n], b.text[:]
	default:
		blk, hs = newResponseBlock(n)
		return blk, hs, string(head), nil
	}
	if n == 0 {
		hs = nil
	}
	return blk, hs, textIn(text, head), text[len(head):len(head)]
}

// textIn copies head into text, a block's text room it fits in, and returns
// it as a string: the room is written this once, so the string never changes.
func textIn(text, head []byte) string {
	if len(head) == 0 {
		return ""
	}
	copy(text, head)
	return unsafe.String(&text[0], len(head))
}
