package main

import (
	"bufio"
	"fmt"
	"math"
	"strings"
)

// The WAN section's charts: one grouped bar chart per workload table of
// the section (files/s or MB/s per tool, a group of bars per link), drawn
// from the tables as written, so that a WAN run and -charts draw the same
// pictures from the same figures. They are shown inside the WAN section,
// before its command lines.

// wanTable is one workload's table of a WAN section: each contender's
// median on each link.
type wanTable struct {
	Workload string   // "small (1,000 × 16 KiB)"
	Unit     string   // "files/s" or "MB/s"
	Links    []string // the column headings: "RTT 80ms", "RTT 80ms, 100Mbit"
	Tools    []string // in table order
	// Value[tool][i] is the median on Links[i]; NaN when not measured or
	// failed.
	Value map[string][]float64
}

// parseWAN reads the workload tables of a WAN section: the headings
// "### NAME (COUNT × SIZE), UNIT" and the rows of the table under each
// whose first heading cell is "tool" (not the ratio tables). Other
// sub-sections (notes added by hand) are skipped.
func parseWAN(sec string) []wanTable {
	var out []wanTable
	var cur *wanTable
	inTools := false
	sc := bufio.NewScanner(strings.NewReader(sec))
	for sc.Scan() {
		l := sc.Text()
		if h, ok := strings.CutPrefix(l, "### "); ok {
			cur, inTools = nil, false
			i := strings.LastIndex(h, ", ")
			if i < 0 || (h[i+2:] != "files/s" && h[i+2:] != "MB/s") {
				continue
			}
			out = append(out, wanTable{Workload: h[:i], Unit: h[i+2:], Value: map[string][]float64{}})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil || !strings.HasPrefix(l, "|") {
			inTools = false
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case strings.HasPrefix(cells[0], "---"):
		case cells[0] == "tool":
			inTools = len(cur.Links) == 0
			if inTools {
				cur.Links = cells[1:]
			}
		case inTools:
			vs := make([]float64, len(cur.Links))
			for i := range vs {
				vs[i] = math.NaN()
				if i+1 < len(cells) {
					vs[i] = medianCell(cells[i+1])
				}
			}
			cur.Tools = append(cur.Tools, cells[0])
			cur.Value[cells[0]] = vs
		}
	}
	return out
}

// wanCharts are the charts of the tables: files/s or MB/s per tool, a
// group of bars per link.
func wanCharts(ts []wanTable) []namedChart {
	var out []namedChart
	for _, t := range ts {
		if len(t.Tools) == 0 || len(t.Links) == 0 {
			continue
		}
		name, _, _ := strings.Cut(t.Workload, " ")
		slug := "files-per-second"
		if t.Unit == "MB/s" {
			slug = "mb-per-second"
		}
		ch := barChart{Title: fmt.Sprintf("Through the link, %s: %s (median; higher is better)", t.Workload, t.Unit), YLabel: t.Unit, Groups: t.Links}
		for _, tool := range t.Tools {
			ch.Series = append(ch.Series, barSeries{Name: tool, Values: t.Value[tool]})
		}
		out = append(out, namedChart{"wan-" + name + "-" + slug, ch})
	}
	return out
}

// withWANCharts draws the charts of the WAN section sec into
// root/chartDir and returns sec showing them (linked relative to the
// report at reportPath) before its command lines, in place of the charts
// it showed before.
func withWANCharts(root, reportPath, sec string) (string, error) {
	charts := wanCharts(parseWAN(sec))
	if len(charts) == 0 {
		return sec, nil
	}
	md, err := writeNamedCharts(root, reportPath, charts)
	if err != nil {
		return "", err
	}
	// Drop the images shown before, each with the blank line after it.
	lines := strings.SplitAfter(sec, "\n")
	var kept []string
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "![wan-") {
			if i+1 < len(lines) && lines[i+1] == "\n" {
				i++
			}
			continue
		}
		kept = append(kept, lines[i])
	}
	sec = strings.Join(kept, "")
	const before = "\nCommand lines:\n"
	if i := strings.Index(sec, before); i >= 0 {
		return sec[:i+1] + md + sec[i+1:], nil
	}
	return strings.TrimRight(sec, "\n") + "\n\n" + md, nil
}
