package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/sluice-go/sluice/script"
)

// helpWidth is where --help-filters wraps a parameter's description.
const helpWidth = 100

// helpFilters prints every filter as Pipy's --help-filters does: the call
// underlined, its summary, then one line per parameter, "name - <type>
// meaning", the meanings aligned (and wrapped to helpWidth).
func helpFilters(w io.Writer) {
	for _, i := range script.Filters() {
		title := i.Name + i.Synopsis
		fmt.Fprintf(w, "%s\n%s\n\n  %s\n\n", title, strings.Repeat("=", len(title)), i.Summary)
		if len(i.Params) == 0 {
			continue
		}
		width := 0
		for _, p := range i.Params {
			width = max(width, len(p.Name))
		}
		indent := strings.Repeat(" ", 2+width+3)
		for _, p := range i.Params {
			lead := fmt.Sprintf("  %-*s - ", width, p.Name)
			for k, line := range wrap(fmt.Sprintf("<%s> %s", p.Type, p.Doc), helpWidth-len(indent)) {
				if k > 0 {
					lead = indent
				}
				fmt.Fprintf(w, "%s%s\n", lead, line)
			}
		}
		fmt.Fprint(w, "\n\n")
	}
}

// wrap splits text into lines of at most width characters, at spaces (a
// word longer than width gets a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
