package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The report's charts are plain SVG written here, so that BENCHMARKS.md
// can show them without a plotting dependency. Two kinds cover every
// figure: grouped bars (a value per series in each group: files/s per tool
// for each workload, or for each round-trip time of the WAN mode) and lines
// (y against x for each series: peak RSS against the number of files).
// Both take their series generically; a caller builds them from whatever
// it measured.

// barSeries is one series of a bar chart: a value per group, in the
// chart's group order; NaN is a missing value (no bar, "n/a" label).
type barSeries struct {
	Name   string
	Values []float64
}

// barChart is a grouped bar chart.
type barChart struct {
	Title, YLabel string
	// Groups label the clusters of bars along the x axis.
	Groups []string
	Series []barSeries
}

// lineSeries is one series of a line chart: points (X[i], Y[i]).
type lineSeries struct {
	Name string
	X, Y []float64
}

// lineChart plots series of points; LogX spaces x logarithmically (file
// counts from 10,000 to 1,000,000).
type lineChart struct {
	Title, XLabel, YLabel string
	LogX                  bool
	Series                []lineSeries
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 720, 400
	padLeft        = 70
	padRight       = 170 // legend
	padTop         = 40
	padBottom      = 60
)

// palette are the series' colours, in series order (a colour-blind-safe
// set).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

func colour(i int) string { return palette[i%len(palette)] }

// niceMax rounds v up to 1, 2, 2.5 or 5 times a power of ten, the top of
// the y axis.
func niceMax(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// fmtNum formats an axis or bar label: thousands separators above 1,000,
// fewer decimals the larger the value.
func fmtNum(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "n/a"
	case a >= 1000:
		return thousands(int64(math.Round(v)))
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a == 0:
		return "0"
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// svgWriter accumulates an SVG document; every text goes through esc.
type svgWriter struct{ b strings.Builder }

func (w *svgWriter) p(format string, args ...any) { fmt.Fprintf(&w.b, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

func (w *svgWriter) open(title string) {
	w.p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	w.p("<title>%s</title>\n", esc(title))
	w.p(`<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", chartW, chartH)
	w.p(`<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", padLeft, esc(title))
}

// yAxis draws the y axis from 0 to top with five gridlines.
func (w *svgWriter) yAxis(top float64, label string) {
	plotH := float64(chartH - padTop - padBottom)
	for i := 0; i <= 5; i++ {
		v := top * float64(i) / 5
		y := float64(chartH-padBottom) - plotH*float64(i)/5
		w.p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>`+"\n", padLeft, y, chartW-padRight, y)
		w.p(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", padLeft-6, y+4, esc(fmtNum(v)))
	}
	w.p(`<text transform="translate(16,%d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", padTop+int(plotH/2), esc(label))
	w.p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000000"/>`+"\n", padLeft, chartH-padBottom, chartW-padRight, chartH-padBottom)
}

func (w *svgWriter) legend(names []string) {
	for i, n := range names {
		y := padTop + 6 + i*20
		w.p(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", chartW-padRight+14, y, colour(i))
		w.p(`<text x="%d" y="%d">%s</text>`+"\n", chartW-padRight+32, y+10, esc(n))
	}
}

func (w *svgWriter) close() []byte {
	w.p("</svg>\n")
	return []byte(w.b.String())
}

// SVG renders the bar chart. Each bar is a rect of class "bar" whose
// height is proportional to its value (the y axis starts at 0), labelled
// with the value.
func (c barChart) SVG() []byte {
	var w svgWriter
	w.open(c.Title)
	top := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				top = max(top, v)
			}
		}
	}
	top = niceMax(top)
	w.yAxis(top, c.YLabel)
	plotW := float64(chartW - padLeft - padRight)
	plotH := float64(chartH - padTop - padBottom)
	groupW := plotW / float64(max(1, len(c.Groups)))
	barW := groupW * 0.8 / float64(max(1, len(c.Series)))
	for g, name := range c.Groups {
		x0 := float64(padLeft) + groupW*float64(g) + groupW*0.1
		w.p(`<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x0+groupW*0.4, chartH-padBottom+18, esc(name))
		for i, s := range c.Series {
			v := math.NaN()
			if g < len(s.Values) {
				v = s.Values[g]
			}
			x := x0 + barW*float64(i)
			if math.IsNaN(v) {
				w.p(`<text x="%.1f" y="%d" text-anchor="middle" font-size="9" fill="#888888">n/a</text>`+"\n", x+barW/2, chartH-padBottom-4)
				continue
			}
			h := plotH * max(0, v) / top
			y := float64(chartH-padBottom) - h
			w.p(`<rect class="bar" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"><title>%s, %s: %s</title></rect>`+"\n",
				x, y, barW*0.92, h, colour(i), esc(s.Name), esc(name), esc(fmtNum(v)))
			w.p(`<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%s</text>`+"\n", x+barW*0.46, y-3, esc(fmtNum(v)))
		}
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	w.legend(names)
	return w.close()
}

// SVG renders the line chart: each series a polyline of class "series"
// with a circle of class "point" per point; y from 0, x from the smallest
// to the largest x of all series (log-spaced when LogX).
func (c lineChart) SVG() []byte {
	var w svgWriter
	w.open(c.Title)
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, s := range c.Series {
		for i := range min(len(s.X), len(s.Y)) {
			if math.IsNaN(s.Y[i]) || (c.LogX && s.X[i] <= 0) {
				continue
			}
			xmin, xmax, ymax = min(xmin, s.X[i]), max(xmax, s.X[i]), max(ymax, s.Y[i])
		}
	}
	if math.IsInf(xmin, 0) {
		xmin, xmax = 0, 1
	}
	if xmax == xmin {
		xmax = xmin + 1
	}
	top := niceMax(ymax)
	w.yAxis(top, c.YLabel)
	plotW := float64(chartW - padLeft - padRight)
	plotH := float64(chartH - padTop - padBottom)
	fx := func(x float64) float64 {
		if c.LogX {
			return float64(padLeft) + plotW*(math.Log10(x)-math.Log10(xmin))/(math.Log10(xmax)-math.Log10(xmin))
		}
		return float64(padLeft) + plotW*(x-xmin)/(xmax-xmin)
	}
	fy := func(y float64) float64 { return float64(chartH-padBottom) - plotH*max(0, y)/top }
	// x ticks at every distinct x.
	seen := map[float64]bool{}
	for _, s := range c.Series {
		for _, x := range s.X {
			if seen[x] || (c.LogX && x <= 0) {
				continue
			}
			seen[x] = true
			w.p(`<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", fx(x), chartH-padBottom+18, esc(fmtNum(x)))
		}
	}
	w.p(`<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", padLeft+int(plotW/2), chartH-padBottom+40, esc(c.XLabel))
	for i, s := range c.Series {
		var pts []string
		for j := range min(len(s.X), len(s.Y)) {
			if math.IsNaN(s.Y[j]) || (c.LogX && s.X[j] <= 0) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.2f,%.2f", fx(s.X[j]), fy(s.Y[j])))
		}
		w.p(`<polyline class="series" fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", colour(i), strings.Join(pts, " "))
		for j := range min(len(s.X), len(s.Y)) {
			if math.IsNaN(s.Y[j]) || (c.LogX && s.X[j] <= 0) {
				continue
			}
			w.p(`<circle class="point" cx="%.2f" cy="%.2f" r="3.5" fill="%s"><title>%s: %s at %s</title></circle>`+"\n",
				fx(s.X[j]), fy(s.Y[j]), colour(i), esc(s.Name), esc(fmtNum(s.Y[j])), esc(fmtNum(s.X[j])))
		}
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	w.legend(names)
	return w.close()
}

// svgChart is either kind of chart.
type svgChart interface{ SVG() []byte }

// writeCharts writes each chart as dir/NAME.svg (creating dir) and returns
// the Markdown that shows them, each image linked relative to the report
// file at reportPath.
func writeCharts(dir, reportPath string, names []string, charts []svgChart) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var md strings.Builder
	for i, c := range charts {
		path := filepath.Join(dir, names[i]+".svg")
		if err := writeFileAtomic(path, c.SVG()); err != nil {
			return "", err
		}
		rel, err := filepath.Rel(filepath.Dir(reportPath), path)
		if err != nil {
			rel = path
		}
		fmt.Fprintf(&md, "![%s](%s)\n\n", names[i], filepath.ToSlash(rel))
	}
	return md.String(), nil
}
