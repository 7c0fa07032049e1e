package http1

import "encoding/binary"

// Byte classes of RFC 9110 and RFC 9112, as lookup tables.

// tokenLower maps a tchar to itself in lower case and every other byte to 0.
var tokenLower = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] = c
	}
	return t
}()

// valueOK holds the bytes allowed in a field value or reason phrase: HTAB,
// SP, visible ASCII and obs-text.
var valueOK = func() (t [256]bool) {
	t['\t'] = true
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// targetOK holds the bytes allowed in a request target: visible ASCII. A
// target is ASCII (RFC 3986): other bytes must be percent-encoded, and
// parsers disagree on what raw ones mean.
var targetOK = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = true
	}
	return t
}()

// isToken reports whether s is a non-empty token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if tokenLower[s[i]] == 0 {
			return false
		}
	}
	return true
}

// unhex returns the value of a hexadecimal digit, or -1.
func unhex(c byte) int64 {
	switch {
	case '0' <= c && c <= '9':
		return int64(c - '0')
	case 'a' <= c && c <= 'f':
		return int64(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int64(c - 'A' + 10)
	}
	return -1
}

// The SWAR checks below test eight bytes at a time; a block that fails the
// quick test is checked byte by byte.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// hasLess reports whether some byte of x is below n (n <= 128).
func hasLess(x uint64, n byte) bool { return (x-lsb*uint64(n))&^x&msb != 0 }

// hasByte reports whether some byte of x equals c.
func hasByte(x uint64, c byte) bool {
	y := x ^ (lsb * uint64(c))
	return (y-lsb)&^y&msb != 0
}

// firstBadValueByte returns the index of the first byte of b not allowed in
// a field value, or -1.
func firstBadValueByte(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if hasLess(x, 0x20) || hasByte(x, 0x7f) {
			break
		}
	}
	for ; i < len(b); i++ {
		if !valueOK[b[i]] {
			return i
		}
	}
	return -1
}

// firstBadTargetByte returns the index of the first byte of b not allowed in
// a request target (a control byte, a space or a byte above 0x7e), or -1.
func firstBadTargetByte(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if hasLess(x, 0x21) || hasByte(x, 0x7f) || x&msb != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if !targetOK[b[i]] {
			return i
		}
	}
	return -1
}
