package main

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-go/sluice/pipeline"
)

// isStatusSignal reports whether s asks for the status table (SIGTSTP where
// there is one).
func isStatusSignal(s os.Signal) bool {
	return statusSignal != nil && s == statusSignal
}

// printStatus writes, as Pipy does on SIGTSTP, a table of the program's
// pipelines (streams started since load and running now; pipelines of
// configurations replaced by a reload, marked [STALE], while their streams
// still run), one of the open
// inbound connections by listen address, and one of the open outbound
// connections by upstream address. The program goes on serving.
func printStatus(w io.Writer, log *slog.Logger, pr *pipeline.Program) {
	log.Info("received SIGTSTP, printing the status")
	type row struct {
		label             string
		allocated, active int64
	}
	var rows []row
	for _, m := range modulesOf(pr.Module) {
		for _, p := range m.Pipelines {
			rows = append(rows, row{m.Name + " [" + p.Name + "]", p.Allocated(), p.Active()})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(a.label, b.label) })
	var stale []row
	for _, old := range pr.Stale() {
		for _, m := range modulesOf(old) {
			for _, p := range m.Pipelines {
				if p.Active() > 0 {
					stale = append(stale, row{"[STALE] " + m.Name + " [" + p.Name + "]", p.Allocated(), p.Active()})
				}
			}
		}
	}
	slices.SortStableFunc(stale, func(a, b row) int { return cmp.Compare(a.label, b.label) })
	rows = append(rows, stale...)
	var pipes [][]string
	var allocated, active int64
	for _, r := range rows {
		pipes = append(pipes, []string{"  " + r.label, itoa(r.allocated), itoa(r.active)})
		allocated += r.allocated
		active += r.active
	}
	pipes = append(pipes, []string{"TOTAL", itoa(allocated), itoa(active)})

	var in [][]string
	var inTotal int64
	for _, c := range pr.Inbounds() {
		in = append(in, []string{"  " + c.Addr, itoa(int64(c.Open))})
		inTotal += int64(c.Open)
	}
	in = append(in, []string{"TOTAL", itoa(inTotal)})

	var out [][]string
	var outTotal int64
	for _, c := range pipeline.Outbounds() {
		out = append(out, []string{"  " + c.Addr, itoa(c.Open)})
		outTotal += c.Open
	}
	out = append(out, []string{"TOTAL", itoa(outTotal)})

	var b strings.Builder
	b.WriteString("\n")
	table(&b, []string{"PIPELINE", "#ALLOCATED", "#ACTIVE"}, pipes)
	b.WriteString("\n")
	table(&b, []string{"INBOUND", "#CONNECTIONS"}, in)
	b.WriteString("\n")
	table(&b, []string{"OUTBOUND", "#CONNECTIONS"}, out)
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// table writes header and rows in columns as wide as their widest cell
// plus two spaces, with a rule under the header.
func table(b *strings.Builder, header []string, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	line := func(cells []string) {
		var l strings.Builder
		for i, c := range cells {
			fmt.Fprintf(&l, "%-*s  ", widths[i], c)
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	line(header)
	total := 0
	for _, w := range widths {
		total += w + 2
	}
	b.WriteString(strings.Repeat("-", total) + "\n")
	for _, r := range rows {
		line(r)
	}
}
