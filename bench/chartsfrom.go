package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// recordedFigures are the medians of a report's Results tables: per
// workload heading, per tool, files/s, MB/s and peak RSS.
type recordedFigures struct {
	Workloads []string // "small: 10,000 × 16 KiB", in report order
	Files     []int    // files per workload
	Tools     []string // in report order
	// Value[workload][tool] = {files/s, MB/s, RSS}; NaN when not measured.
	Value map[string]map[string][3]float64
}

// parseResults reads the Results tables of a report written by a full
// run: the "### NAME: COUNT × SIZE (TOTAL)" headings and the rows of
// their tables, whose cells start with the median ("2,314 [2,214–2,375]").
func parseResults(md string) (*recordedFigures, error) {
	sec := sectionOf(md, "## Results")
	if sec == "" {
		return nil, fmt.Errorf("no \"## Results\" section")
	}
	rf := &recordedFigures{Value: map[string]map[string][3]float64{}}
	seen := map[string]bool{}
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(sec))
	for sc.Scan() {
		l := sc.Text()
		if h, ok := strings.CutPrefix(l, "### "); ok {
			if i := strings.LastIndex(h, " ("); i > 0 {
				h = h[:i]
			}
			cur = h
			rf.Workloads = append(rf.Workloads, cur)
			rf.Value[cur] = map[string][3]float64{}
			n := 0
			if _, spec, ok := strings.Cut(h, ": "); ok {
				count, _, _ := strings.Cut(spec, " ×")
				n, _ = strconv.Atoi(strings.ReplaceAll(count, ",", ""))
			}
			rf.Files = append(rf.Files, n)
			continue
		}
		if cur == "" || !strings.HasPrefix(l, "| ") || strings.HasPrefix(l, "| Tool ") || strings.HasPrefix(l, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) < 7 {
			continue
		}
		tool := cells[0]
		if !seen[tool] {
			seen[tool] = true
			rf.Tools = append(rf.Tools, tool)
		}
		rf.Value[cur][tool] = [3]float64{medianCell(cells[3]), medianCell(cells[4]), medianCell(cells[6])}
	}
	if len(rf.Workloads) == 0 {
		return nil, fmt.Errorf("the Results section has no workload tables")
	}
	return rf, nil
}

// medianCell is the leading number of a cell ("2,314 [2,214–2,375]"), NaN
// if there is none.
func medianCell(c string) float64 {
	c, _, _ = strings.Cut(c, " ")
	v, err := strconv.ParseFloat(strings.ReplaceAll(c, ",", ""), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// recordedCharts are the full run's charts drawn from recorded figures:
// the same as resultCharts.
func recordedCharts(rf *recordedFigures) []namedChart {
	bars := func(title, ylabel string, idx []int, k int) barChart {
		ch := barChart{Title: title, YLabel: ylabel}
		for _, i := range idx {
			ch.Groups = append(ch.Groups, rf.Workloads[i])
		}
		for _, tool := range rf.Tools {
			s := barSeries{Name: tool}
			for _, i := range idx {
				v, ok := rf.Value[rf.Workloads[i]][tool]
				if !ok {
					v[k] = math.NaN()
				}
				s.Values = append(s.Values, v[k])
			}
			ch.Series = append(ch.Series, s)
		}
		return ch
	}
	var many, all []int
	for i, n := range rf.Files {
		all = append(all, i)
		if n >= 1000 {
			many = append(many, i)
		}
	}
	var out []namedChart
	if len(many) > 0 {
		out = append(out, namedChart{"files-per-second", bars("Files/s per tool (median; higher is better)", "files/s", many, 0)})
	}
	out = append(out,
		namedChart{"mb-per-second", bars("MB/s per tool (median; higher is better)", "MB/s", all, 1)},
		namedChart{"peak-rss", bars("Peak RSS per tool (median; lower is better)", "MiB", all, 2)})
	return out
}

// chartsMain redraws the full run's charts from the Results tables of the
// report at out and replaces its charts section, and redraws the WAN
// section's charts from its tables when it has one (go run ./bench
// -charts).
func chartsMain(out string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "BENCHMARKS.md")
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	rf, err := parseResults(string(b))
	if err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	sec, err := writeChartSection(root, out, recordedCharts(rf))
	if err != nil {
		return err
	}
	if err := writeSection(out, chartsHeading, sec); err != nil {
		return err
	}
	logf("charts: drew %d workloads × %d tools from %s", len(rf.Workloads), len(rf.Tools), out)
	doc, err := readIfExists(out)
	if err != nil {
		return err
	}
	if wan := sectionOf(doc, wanHeading); wan != "" {
		drawn, err := withWANCharts(root, out, wan)
		if err != nil {
			return err
		}
		if err := writeSection(out, wanHeading, drawn); err != nil {
			return err
		}
		logf("charts: drew the WAN section's %d tables", len(parseWAN(wan)))
	}
	return nil
}
