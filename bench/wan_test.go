package main

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWANPlan(t *testing.T) {
	p, err := (&wanOptions{RTTs: "0, 20ms,80ms", Bandwidth: "100Mbit", Modes: "defaults,knobs"}).plan()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.RTTs, []time.Duration{0, 20 * time.Millisecond, 80 * time.Millisecond}) || p.Bandwidth != 12_500_000 ||
		!slices.Equal(p.Modes, []string{"defaults", "knobs"}) {
		t.Errorf("plan %+v", p)
	}
	for _, bad := range []wanOptions{
		{RTTs: "0,fast", Modes: "knobs"},
		{RTTs: "-20ms", Modes: "knobs"},
		{RTTs: "20ms,20ms", Modes: "knobs"},
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
		Plan:      wanPlan{RTTs: []time.Duration{0, 80 * time.Millisecond}, Modes: []string{"defaults"}},
		Opts:      options{Rounds: 1, Set: settings{Jobs: 16, PartSize: 16 << 20, PartJobs: 4}},
		Workloads: []workload{small},
		Cont: map[string][]contender{"defaults": {
			{ID: "upload-s3-defaults", Label: "upload (s3) (defaults)"},
			{ID: "s5cmd-defaults", Label: "s5cmd (defaults)"},
		}},
		LinkBytes: map[time.Duration][2]int64{},
	}
	add := func(rtt time.Duration, id string, wall time.Duration, err error) {
		res.Samples = append(res.Samples, wanSample{RTT: rtt, Mode: "defaults",
			sample: sample{Contender: id, Workload: "small", Round: 1, M: measurement{Wall: wall}, Err: err}})
	}
	add(0, "upload-s3-defaults", time.Second, nil)                     // 1,000 files/s
	add(0, "s5cmd-defaults", 2*time.Second, nil)                       // 500
	add(80*time.Millisecond, "upload-s3-defaults", 4*time.Second, nil) // 250
	add(80*time.Millisecond, "s5cmd-defaults", 0, errors.New("3 objects missing"))
	sec := renderWAN(res)
	for _, want := range []string{
		"| upload (s3) (defaults) | 1,000 | 250 |",
		"| s5cmd (defaults) | 500 | failed |",
		"| upload ÷ s5cmd (defaults) | 2.00× | – |",
		"3 objects missing",
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
