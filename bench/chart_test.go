package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// svgElements parses doc as XML (failing the test if it is not well
// formed) and returns the attributes of every element named name whose
// class is class.
func svgElements(t *testing.T, doc []byte, name, class string) []map[string]string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []map[string]string
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
			if root != "svg" || se.Name.Space != "http://www.w3.org/2000/svg" {
				t.Fatalf("root element %v, want svg in the SVG namespace", se.Name)
			}
		}
		if se.Name.Local != name {
			continue
		}
		attrs := map[string]string{}
		for _, a := range se.Attr {
			attrs[a.Name.Local] = a.Value
		}
		if attrs["class"] == class {
			out = append(out, attrs)
		}
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func TestBarChartIsWellFormedAndScalesWithTheData(t *testing.T) {
	ch := barChart{Title: `Files/s <"quoted"> & co`, YLabel: "files/s", Groups: []string{"small", "20 ms RTT"},
		Series: []barSeries{
			{Name: "upload", Values: []float64{1000, 250}},
			{Name: "s5cmd & friends", Values: []float64{500, math.NaN()}},
		}}
	doc := ch.SVG()
	bars := svgElements(t, doc, "rect", "bar")
	if len(bars) != 3 { // the NaN has no bar
		t.Fatalf("%d bars, want 3", len(bars))
	}
	h := []float64{num(t, bars[0]["height"]), num(t, bars[1]["height"]), num(t, bars[2]["height"])}
	// Group order: small (upload 1000, s5cmd 500), then 20 ms (upload 250).
	if math.Abs(h[0]/h[1]-2) > 0.01 || math.Abs(h[0]/h[2]-4) > 0.01 {
		t.Fatalf("heights %v not proportional to 1000, 500, 250", h)
	}
	// Bars stand on the same baseline.
	for _, b := range bars {
		if base := num(t, b["y"]) + num(t, b["height"]); math.Abs(base-float64(chartH-padBottom)) > 0.01 {
			t.Fatalf("bar ends at %v, want the axis at %d", base, chartH-padBottom)
		}
	}
	if !strings.Contains(string(doc), "n/a") {
		t.Fatal("a missing value is not labelled n/a")
	}

	// The axis follows the data: with a much larger value the tallest bar
	// still fits the plot and fills at least half of it.
	ch2 := ch
	ch2.Series = []barSeries{{Name: "upload", Values: []float64{8000, 10}}}
	bars2 := svgElements(t, ch2.SVG(), "rect", "bar")
	plotH := float64(chartH - padTop - padBottom)
	if top := num(t, bars2[0]["height"]); top > plotH+0.01 || top < plotH/2 {
		t.Fatalf("tallest bar %v of a plot %v high", top, plotH)
	}
}

func TestLineChartIsWellFormedAndScalesWithTheData(t *testing.T) {
	ch := lineChart{Title: "Peak RSS", XLabel: "files", YLabel: "MiB", LogX: true,
		Series: []lineSeries{
			{Name: "directory", X: []float64{1e4, 1e5, 1e6}, Y: []float64{20, 40, 80}},
			{Name: "stdin", X: []float64{1e4, 1e5}, Y: []float64{20, math.NaN()}},
		}}
	doc := ch.SVG()
	if n := len(svgElements(t, doc, "polyline", "series")); n != 2 {
		t.Fatalf("%d polylines, want 2", n)
	}
	pts := svgElements(t, doc, "circle", "point")
	if len(pts) != 4 { // the NaN has no point
		t.Fatalf("%d points, want 4", len(pts))
	}
	base := float64(chartH - padBottom)
	x := []float64{num(t, pts[0]["cx"]), num(t, pts[1]["cx"]), num(t, pts[2]["cx"])}
	y := []float64{base - num(t, pts[0]["cy"]), base - num(t, pts[1]["cy"]), base - num(t, pts[2]["cy"])}
	// Log x: 10k→100k and 100k→1M are the same distance.
	if math.Abs((x[1]-x[0])-(x[2]-x[1])) > 0.01 || x[1] <= x[0] {
		t.Fatalf("x %v not log-spaced", x)
	}
	// y from zero: 20, 40, 80 stand at 1:2:4.
	if math.Abs(y[1]/y[0]-2) > 0.01 || math.Abs(y[2]/y[0]-4) > 0.01 {
		t.Fatalf("y %v not proportional to 20, 40, 80", y)
	}
}

func TestNiceMax(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 1}, {1, 1}, {1.1, 2}, {2.3, 2.5}, {3, 5}, {7, 10}, {2314, 2500}, {0.38, 0.5}} {
		if got := niceMax(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("niceMax(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestRecordedChartsReadWhatTheReportWrites: -charts redraws from the
// tables a full run writes; the figures it reads back are the medians.
func TestRecordedChartsReadWhatTheReportWrites(t *testing.T) {
	small := workload{Name: "small", Files: 1000, Size: 16 << 10}
	large := workload{Name: "large", Files: 1, Size: 1 << 30}
	mk := func(id, wl string, r int, wall time.Duration, rss int64) sample {
		return sample{Contender: id, Workload: wl, Round: r, M: measurement{Wall: wall, User: wall / 2, MaxRSSKiB: rss << 10}}
	}
	res := &results{
		Opts:      options{Rounds: 1, Set: settings{Jobs: 16, PartSize: 16 << 20, PartJobs: 4}},
		Workloads: []workload{small, large},
		Cont: []contender{
			{ID: "upload-s3", Label: "upload (s3)", Upload: true},
			{ID: "s5cmd", Label: "s5cmd"},
			{ID: "mc", Label: "mc", Unavailable: "not today"},
		},
		Samples: []sample{
			mk("upload-s3", "small", 1, time.Second/2, 30), mk("s5cmd", "small", 1, time.Second, 40),
			mk("upload-s3", "large", 1, 2*time.Second, 20), mk("s5cmd", "large", 1, 4*time.Second, 25),
		},
	}
	rf, err := parseResults(renderReport(res))
	if err != nil {
		t.Fatal(err)
	}
	if len(rf.Workloads) != 2 || rf.Files[0] != 1000 || rf.Files[1] != 1 {
		t.Fatalf("workloads %v files %v", rf.Workloads, rf.Files)
	}
	if got := rf.Value[rf.Workloads[0]]["upload (s3)"]; got[0] != 2000 || got[2] != 30 {
		t.Fatalf("small upload: %v, want 2,000 files/s and 30 MiB", got)
	}
	if got := rf.Value[rf.Workloads[1]]["s5cmd"]; math.Abs(got[1]-1<<30/1e6/4) > 0.1 {
		t.Fatalf("large s5cmd MB/s %v, want %.1f", got[1], float64(1<<30)/1e6/4)
	}
	if got := rf.Value[rf.Workloads[0]]["mc"]; !math.IsNaN(got[0]) {
		t.Fatalf("mc, not measured: %v, want NaN", got)
	}
	charts := recordedCharts(rf)
	if len(charts) != 3 || charts[0].Name != "files-per-second" {
		t.Fatalf("charts %v", charts)
	}
	// files/s: only the workload of at least 1,000 files; mc has no bar.
	bars := svgElements(t, charts[0].Chart.SVG(), "rect", "bar")
	if len(bars) != 2 {
		t.Fatalf("%d bars in the files/s chart, want 2 (upload, s5cmd on small)", len(bars))
	}
	if r := num(t, bars[0]["height"]) / num(t, bars[1]["height"]); math.Abs(r-2) > 0.01 {
		t.Fatalf("upload's bar is %.2f× s5cmd's, want 2×", r)
	}
}
