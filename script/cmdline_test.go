package script

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		"":                      nil,
		"   ":                   nil,
		"cat":                   {"cat"},
		"  ls  -l\t/tmp ":       {"ls", "-l", "/tmp"},
		`sh -c 'exit 3'`:        {"sh", "-c", "exit 3"},
		`echo "a b" c`:          {"echo", "a b", "c"},
		`echo "say \"hi\" \n"`:  {"echo", `say "hi" \n`},
		`a\ b c`:                {"a b", "c"},
		`x''y ""`:               {"xy", ""},
		`it's`:                  {"its"},
		`'unterminated quote`:   {"unterminated quote"},
		`printf '%s\n' "$HOME"`: {"printf", `%s\n`, "$HOME"},
		"one\\\ntwo":            {"onetwo"},
	} {
		require.Equal(t, want, splitCommand(in), "%q", in)
	}
}
