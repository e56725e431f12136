package main

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as the launcher, as the harness's own
// binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "measure" {
		os.Exit(measureMain(os.Args[2:]))
	}
	launcher, _ = os.Executable()
	os.Exit(m.Run())
}

func TestSummarize(t *testing.T) {
	s := summarize([]float64{5, 1, 4, 2, 3})
	if s.N != 5 || s.Median != 3 || s.Q1 != 2 || s.Q3 != 4 {
		t.Fatalf("summarize(1..5) = %+v, want median 3, Q1 2, Q3 4", s)
	}
	s = summarize([]float64{10, 20, 30, 40})
	if s.Median != 25 || s.Q1 != 17.5 || s.Q3 != 32.5 {
		t.Fatalf("summarize(10,20,30,40) = %+v, want 25, 17.5, 32.5 (type 7)", s)
	}
	if s := summarize([]float64{7}); s.Median != 7 || s.Q1 != 7 || s.Q3 != 7 {
		t.Fatalf("single sample: %+v", s)
	}
	if s := summarize(nil); s.N != 0 || !math.IsNaN(s.Median) {
		t.Fatalf("empty sample: %+v", s)
	}
}

func TestCheckUpload(t *testing.T) {
	w := workload{Name: "t", Files: 3, Size: 10}
	good := []listed{{"p/t/f00000.bin", 10}, {"p/t/f00001.bin", 10}, {"p/t/f00002.bin", 10}}
	if err := checkUpload(w, good); err != nil {
		t.Fatalf("complete upload rejected: %v", err)
	}
	cases := map[string][]listed{
		"1 missing (f00002.bin)":  good[:2],
		"1 of the wrong size":     {good[0], good[1], {"p/t/f00002.bin", 0}},
		"1 duplicated":            append(append([]listed(nil), good...), listed{"q/f00001.bin", 10}),
		"1 unexpected (p/x.bin)":  append(append([]listed(nil), good...), listed{"p/x.bin", 10}),
		"3 missing (f00000.bin, ": nil,
	}
	for want, objs := range cases {
		err := checkUpload(w, objs)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("checkUpload(%v) = %v, want an error containing %q", objs, err, want)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	w := workload{Name: "det", Files: 3, Size: 100<<10 + 7}
	a, err := generate(w, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate(w, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := 0; i < w.Files; i++ {
		x, err := os.ReadFile(filepath.Join(a.Dir, fileName(i)))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b.Dir, fileName(i)))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(x)) != w.Size || !bytes.Equal(x, y) {
			t.Fatalf("file %d: %d bytes, equal across generations: %v", i, len(x), bytes.Equal(x, y))
		}
		if i == 0 {
			first = x
		} else if bytes.Equal(first, x) {
			t.Fatalf("files 0 and %d have the same bytes", i)
		}
	}
	// Incompressible enough: no long run of one byte value.
	if bytes.Count(first, []byte{0}) > len(first)/64 {
		t.Fatalf("file 0 has %d zero bytes of %d", bytes.Count(first, []byte{0}), len(first))
	}
}

func TestRunMeasuresAndFails(t *testing.T) {
	ctx := context.Background()
	m, err := run(ctx, invocation{Args: []string{"true"}, Env: os.Environ()}, time.Minute)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if m.Wall <= 0 || m.ExitCode != 0 {
		t.Fatalf("measurement %+v", m)
	}
	_, err = run(ctx, invocation{Args: []string{"sh", "-c", "echo boom >&2; exit 3"}, Env: os.Environ()}, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exit 3") || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("failing child: err = %v, want exit 3 and its stderr", err)
	}
	_, err = run(ctx, invocation{Args: []string{"sleep", "30"}, Env: os.Environ()}, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("slow child: err = %v, want a timeout", err)
	}
	// That the timeout kills the child: TestRunTimeoutKillsTheChild.
}

func TestRunReportsChildRSS(t *testing.T) {
	// sort holds its 32 MiB input in memory; the launcher (this test
	// binary) must report sort's peak RSS, not just its own.
	data := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(data, bytes.Repeat(append(bytes.Repeat([]byte("x"), 32<<10-1), '\n'), 1024), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := run(context.Background(), invocation{Args: []string{"sort", "-S", "64M", "-o", os.DevNull, data}, Env: os.Environ()}, time.Minute)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if m.MaxRSSKiB < 24<<10 {
		t.Fatalf("sort of 32 MiB: peak RSS %d KiB, want at least 24 MiB", m.MaxRSSKiB)
	}
	if m.CPU() <= 0 {
		t.Fatalf("sort of 32 MiB used no CPU: %+v", m)
	}
}

func TestParseReportTimeToFailover(t *testing.T) {
	ndjson := `{"event":"start"}
{"key":"a","target":"secondary","attempts":[{"target":"primary","start":"2026-01-01T00:00:00Z","elapsed":"20ms","code":"SignatureDoesNotMatch","kind":"signature_mismatch","error":"403"},{"target":"secondary","start":"2026-01-01T00:00:00.021Z","elapsed":"9ms","kind":"","error":null}]}
{"key":"b","attempts":[{"target":"primary","start":"2026-01-01T00:00:00.030Z","elapsed":15000,"kind":"circuit_open","error":"open"},{"target":"secondary","start":"2026-01-01T00:00:00.031Z","elapsed_ms":4,"error":""}]}
`
	rep, err := parseReport(bufio.NewScanner(strings.NewReader(ndjson)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Uploads) != 2 {
		t.Fatalf("%d uploads, want 2", len(rep.Uploads))
	}
	d, err := rep.timeToFailover("primary", "SignatureDoesNotMatch", "secondary")
	if err != nil {
		t.Fatal(err)
	}
	if d != 10*time.Millisecond { // failure ends at 20ms, success at 30ms
		t.Fatalf("time to failover %v, want 10ms", d)
	}
	rej := rep.rejectedMicros("primary")
	if len(rej) != 1 || rej[0] != 15 {
		t.Fatalf("rejections %v, want [15] µs", rej)
	}
	if _, err := rep.timeToFailover("primary", "InvalidAccessKeyId", "secondary"); err == nil {
		t.Fatal("no InvalidAccessKeyId in the report, but a time to failover came out")
	}
}

func TestRenderReport(t *testing.T) {
	w := workload{Name: "small", Files: 100, Size: 16 << 10}
	mk := func(id string, r int, wall time.Duration, err error) sample {
		return sample{Contender: id, Workload: "small", Round: r, M: measurement{Wall: wall, User: wall / 2, MaxRSSKiB: 20 << 10}, Err: err}
	}
	res := &results{
		Opts:      options{Rounds: 2, Set: settings{Jobs: 16, PartSize: 16 << 20, PartJobs: 4}},
		Machine:   machine{CPU: "Test CPU", Cores: 2},
		Workloads: []workload{w},
		Cont: []contender{
			{ID: "upload-s3", Label: "upload (s3)", Upload: true},
			{ID: "upload-obs", Label: "upload (obs)", Upload: true, Unavailable: "no obs today"},
			{ID: "s5cmd", Label: "s5cmd"},
		},
		Samples: []sample{
			mk("upload-s3", 1, time.Second, nil), mk("upload-s3", 2, time.Second, nil),
			mk("s5cmd", 1, 2*time.Second, nil), mk("s5cmd", 2, time.Second, errFake),
		},
	}
	// The first s5cmd run had other processes take all the CPU.
	res.Samples[2].CPUKnown, res.Samples[2].OtherCPU = true, 100*time.Second
	out := renderReport(res)
	for _, want := range []string{
		"**Noise:** in 1 of 1 runs",
		"+100.0%); provisional: 1 of these 3 runs were noisy.",
		"| CPU | Test CPU |",
		"| upload (s3) | 2/2 | 1.00 [1.00–1.00] | 100 [100–100] |",
		"| s5cmd | 1/2 | 2.00 | 50.0 |",
		"s5cmd failed round 2: fake failure",
		"| small | upload (s3) | s5cmd | 2.00× | 0.50× | 1.00× |",
		"small files: upload (s3) at least s5cmd's files/s: met (100.0 vs 50.0 files/s, +100.0%)",
		"upload (obs): no obs today",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

type fakeErr struct{}

func (fakeErr) Error() string { return "fake failure" }

var errFake error = fakeErr{}
