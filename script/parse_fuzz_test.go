package script

import (
	"strings"
	"testing"
)

// quoteArgs writes args as a command line that splitCommand must read back
// as args: each argument in single quotes, where a single quote inside is
// closed, escaped with a backslash and reopened.
func quoteArgs(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
	}
	return b.String()
}

// FuzzSplitCommand checks that splitCommand never panics and that quoting
// what it returns and splitting again gives the same arguments.
func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{`cat`, `sh -c 'echo "a b"'`, `a\ b "c\"d" 'e'`, `"unterminated`, "x\\\ny", `''`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := splitCommand(line)
		again := splitCommand(quoteArgs(args))
		if len(again) != len(args) {
			t.Fatalf("%q split as %q, re-quoted and split as %q", line, args, again)
		}
		for i := range args {
			if args[i] != again[i] {
				t.Fatalf("%q split as %q, re-quoted and split as %q", line, args, again)
			}
		}
	})
}

// FuzzParseUnits checks that the size, duration and quota parsers never
// panic and never return a negative value without an error.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []string{"64k", "1.5M", "10KiB", "512", "2d", "1m30s", "-1", "NaN", "1e400", "k", " 3 g "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parseSize(s); err == nil && n < 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
		if d, err := parseDuration(s); err == nil && d < 0 {
			t.Fatalf("parseDuration(%q) = %v", s, d)
		}
		if q, err := parseQuota(s); err == nil && (q.PerSecond < 0 || q.PerSecond != q.PerSecond) {
			t.Fatalf("parseQuota(%q) = %v", s, q)
		}
	})
}
