package main

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWANPlan(t *testing.T) {
	p, err := (&wanOptions{RTTs: "0, 20ms,80ms,80ms@20Mbit", Bandwidth: "100Mbit", Modes: "defaults,knobs"}).plan()
	if err != nil {
		t.Fatal(err)
	}
	want := []wanLink{
		{RTT: 0, Bandwidth: 12_500_000, Spec: "0s"},
		{RTT: 20 * time.Millisecond, Bandwidth: 12_500_000, Spec: "20ms"},
		{RTT: 80 * time.Millisecond, Bandwidth: 12_500_000, Spec: "80ms"},
		{RTT: 80 * time.Millisecond, Bandwidth: 2_500_000, Spec: "80ms@20Mbit"},
	}
	if !slices.Equal(p.Links, want) || p.Bandwidth != 12_500_000 || !slices.Equal(p.Modes, []string{"defaults", "knobs"}) {
		t.Errorf("plan %+v", p)
	}
	if got := p.Links[3].Name(); got != "RTT 80ms, 20Mbit" {
		t.Errorf("a link with its own rate is named %q", got)
	}
	if got := p.Links[2].Name(); got != "RTT 80ms" {
		t.Errorf("a link is named %q", got)
	}
	for _, bad := range []wanOptions{
		{RTTs: "0,fast", Modes: "knobs"},
		{RTTs: "-20ms", Modes: "knobs"},
		{RTTs: "20ms,20ms", Modes: "knobs"},
		{RTTs: "20ms@1Mbit,20ms@1Mbit", Modes: "knobs"},
		{RTTs: "20ms@fast", Modes: "knobs"},
		{RTTs: "20ms@0", Modes: "knobs"},
		{RTTs: "20ms", Bandwidth: "10Mb", Modes: "knobs"},
		{RTTs: "20ms", Modes: "tuned"},
	} {
		if _, err := bad.plan(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// In defaults mode no tool gets the shared knobs; in knobs mode every one
// that has them does, and upload's targets both go through the link.
func TestWANContenders(t *testing.T) {
	e := env{Endpoint: "127.0.0.1:7000", URL: "http://127.0.0.1:7000", MinioURL: "http://127.0.0.1:9000",
		AccessKey: "ak", SecretKey: "sk", Bucket: "bench", Second: "bench-second", Conf: t.TempDir(), Home: t.TempDir(),
		Set: settings{Jobs: 16, PartSize: 16 << 20, PartJobs: 4}}
	bins := map[string]string{"s5cmd": "/bin/s5cmd", "mc": "/bin/mc", "rclone": "/bin/rclone"}
	all := func(string) bool { return true }
	w := workload{Name: "small", Files: 10, Size: 1, Dir: "/data/small"}
	for _, mode := range []string{"defaults", "knobs"} {
		cs, err := wanContenders(mode, e, bins, map[string]string{}, "/bin/upload", "v", all)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
			args := strings.Join(c.cmd(e, w, "p/").Args, " ")
			env := strings.Join(c.cmd(e, w, "p/").Env, " ")
			knobs := strings.Contains(args, "--jobs 16") || strings.Contains(args, "--numworkers 16") ||
				strings.Contains(args, "--transfers 16") || strings.Contains(env, "MC_UPLOAD_MULTIPART_THREADS=4") || strings.Contains(args, "-jobs 16")
			if knobs != (mode == "knobs") {
				t.Errorf("%s: %s %s: shared knobs %v in mode %s", c.ID, args, env, knobs, mode)
			}
			if !strings.HasSuffix(c.ID, "-"+mode) || !strings.HasSuffix(c.Label, "("+mode+")") {
				t.Errorf("contender %q %q does not name its mode %s", c.ID, c.Label, mode)
			}
		}
		want := []string{"upload-s3-" + mode, "s5cmd-" + mode, "mc-" + mode, "rclone-" + mode}
		if mode == "knobs" {
			want = slices.Insert(want, 1, "sdk-s3-knobs")
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: contenders %v, want %v", mode, ids, want)
		}
	}
	cfg := e.Conf + "/upload-s3.yaml"
	if b, err := readFile(cfg); err != nil || strings.Contains(b, e.MinioURL) || strings.Count(b, e.URL) != 2 {
		t.Errorf("upload's config goes around the link:\n%s", b)
	}
}

func TestRenderWANAndSection(t *testing.T) {
	small := workload{Name: "small", Files: 1000, Size: 16 << 10}
	res := &wanResults{
		Plan:      wanPlan{Links: []wanLink{{Spec: "0s"}, {RTT: 80 * time.Millisecond, Bandwidth: 12_500_000, Spec: "80ms@100Mbit"}}, Modes: []string{"defaults"}},
		Opts:      options{Rounds: 1, Set: settings{Jobs: 16, PartSize: 16 << 20, PartJobs: 4}},
		Workloads: []workload{small},
		Cont: map[string][]contender{"defaults": {
			{ID: "upload-s3-defaults", Label: "upload (s3) (defaults)"},
			{ID: "s5cmd-defaults", Label: "s5cmd (defaults)"},
		}},
		LinkBytes: map[int][2]int64{},
	}
	add := func(link int, id string, wall time.Duration, err error) {
		res.Samples = append(res.Samples, wanSample{Link: link, Mode: "defaults",
			sample: sample{Contender: id, Workload: "small", Round: 1, M: measurement{Wall: wall}, Err: err}})
	}
	add(0, "upload-s3-defaults", time.Second, nil)   // 1,000 files/s
	add(0, "s5cmd-defaults", 2*time.Second, nil)     // 500
	add(1, "upload-s3-defaults", 4*time.Second, nil) // 250
	add(1, "s5cmd-defaults", 0, errors.New("3 objects missing"))
	sec := renderWAN(res)
	for _, want := range []string{
		"| upload (s3) (defaults) | 1,000 | 250 |",
		"| s5cmd (defaults) | 500 | failed |",
		"| tool | RTT 0s | RTT 80ms, 100Mbit |",
		"| upload ÷ s5cmd (defaults) | 2.00× | – |",
		"- s5cmd (defaults) at RTT 80ms, 100Mbit failed: ",
		"3 objects missing",
		"-rtt 0s,80ms@100Mbit`",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("the WAN section lacks %q:\n%s", want, sec)
		}
	}
	doc := "# Benchmarks\n\n## Machine\n\nx\n\n" + wanHeading + "\n\nold\n\n## Library under load\n\ny\n"
	got := withSection(doc, wanHeading, sec)
	if strings.Contains(got, "old") || !strings.Contains(got, "## Library under load\n\ny\n") || strings.Count(got, wanHeading) != 1 {
		t.Errorf("replacing the section:\n%s", got)
	}
	if got := withSection("# Benchmarks\n", wanHeading, "## WAN: through a link emulator\n\nnew\n"); !strings.HasSuffix(got, "\n\n## WAN: through a link emulator\n\nnew\n") {
		t.Errorf("appending the section:\n%q", got)
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// A WAN run's section, rendered, gets one chart per workload table, drawn
// from the medians it shows (a failed cell has no bar), shown before the
// command lines; drawing again replaces the images instead of adding more.
func TestWANChartsFromSection(t *testing.T) {
	res := &wanResults{
		Plan:      wanPlan{Links: []wanLink{{Spec: "0s"}, {RTT: 80 * time.Millisecond, Spec: "80ms"}, {RTT: 80 * time.Millisecond, Bandwidth: 12_500_000, Spec: "80ms@100Mbit"}}, Modes: []string{"defaults"}},
		Opts:      options{Rounds: 1, Set: settings{Jobs: 16, PartSize: 16 << 20, PartJobs: 4}},
		Workloads: []workload{{Name: "small", Files: 1000, Size: 16 << 10}, {Name: "large", Files: 1, Size: 100e6}},
		Cont: map[string][]contender{"defaults": {
			{ID: "upload-s3-defaults", Label: "upload (s3) (defaults)"},
			{ID: "mc-defaults", Label: "mc (defaults)"},
		}},
		LinkBytes: map[int][2]int64{},
	}
	add := func(link int, id, wl string, wall time.Duration, err error) {
		res.Samples = append(res.Samples, wanSample{Link: link, Mode: "defaults",
			sample: sample{Contender: id, Workload: wl, Round: 1, M: measurement{Wall: wall}, Err: err}})
	}
	for li := range 3 {
		add(li, "upload-s3-defaults", "small", time.Duration(li+1)*time.Second, nil) // 1,000, 500, 333 files/s
		add(li, "mc-defaults", "small", time.Duration(li+2)*time.Second, nil)        // 500, 333, 250
		add(li, "upload-s3-defaults", "large", time.Duration(li+1)*time.Second, nil) // 100, 50, 33.3 MB/s
	}
	add(0, "mc-defaults", "large", 2*time.Second, nil) // 50 MB/s
	add(1, "mc-defaults", "large", 0, errors.New("1 object missing"))
	add(2, "mc-defaults", "large", 0, errors.New("1 object missing"))
	sec := renderWAN(res)

	ts := parseWAN(sec + "\n### --jobs auto, a note added by hand\n\n| tool | x |\n|---|---|\n| upload | 7 |\n")
	if len(ts) != 2 || ts[0].Unit != "files/s" || ts[1].Unit != "MB/s" || ts[0].Workload != "small (1,000 × 16 KiB)" {
		t.Fatalf("parsed %+v", ts)
	}
	if !slices.Equal(ts[0].Links, []string{"RTT 0s", "RTT 80ms", "RTT 80ms, 100Mbit"}) || !slices.Equal(ts[0].Tools, []string{"upload (s3) (defaults)", "mc (defaults)"}) {
		t.Errorf("small: links %q, tools %q", ts[0].Links, ts[0].Tools)
	}
	if got := ts[0].Value["mc (defaults)"]; !slices.Equal(got, []float64{500, 333, 250}) {
		t.Errorf("small, mc: %v", got)
	}
	if got := ts[1].Value["mc (defaults)"]; got[0] != 50 || !math.IsNaN(got[1]) || !math.IsNaN(got[2]) {
		t.Errorf("large, mc (failed on two links): %v", got)
	}

	root := t.TempDir()
	report := root + "/BENCHMARKS.md"
	drawn, err := withWANCharts(root, report, sec)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"wan-small-files-per-second", "wan-large-mb-per-second"} {
		img := "![" + name + "](bench/charts/" + name + ".svg)\n"
		i, j := strings.Index(drawn, img), strings.Index(drawn, "Command lines:")
		if i < 0 || i > j {
			t.Errorf("%s is not shown before the command lines:\n%s", name, drawn)
		}
		svg, err := readFile(root + "/bench/charts/" + name + ".svg")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"<svg", "upload (s3) (defaults)", "mc (defaults)", "RTT 80ms, 100Mbit"} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	again, err := withWANCharts(root, report, drawn)
	if err != nil {
		t.Fatal(err)
	}
	if again != drawn {
		t.Errorf("drawing twice changed the section:\n%s\n---\n%s", drawn, again)
	}
}

// TestChartsBesideAReportElsewhere: a report written outside the
// repository (-out /tmp/x.md) gets its charts beside it; the charts of the
// repository's own report are left as they are.
func TestChartsBesideAReportElsewhere(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	report := filepath.Join(elsewhere, "wan.md")
	ch := []namedChart{{Name: "wan-x", Chart: barChart{Title: "x", YLabel: "y", Groups: []string{"g"},
		Series: []barSeries{{Name: "s", Values: []float64{1}}}}}}
	md, err := writeNamedCharts(root, report, ch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, chartDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a report in %s wrote charts into the repository's %s (%v)", elsewhere, chartDir, err)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, chartDir, "wan-x.svg")); err != nil {
		t.Errorf("no chart beside the report: %v", err)
	}
	if want := "![wan-x](" + chartDir + "/wan-x.svg)"; !strings.Contains(md, want) {
		t.Errorf("the report shows %q, want %q", md, want)
	}
}
