package main

import (
	"strings"
	"testing"
	"time"
)

func TestWithSectionReplacesOnlyItsSection(t *testing.T) {
	md := "# B\n\n## A\n\na\n\n" + throttleHeading + "\n\nold\n\n## C\n\nc\n"
	got := withSection(md, throttleHeading, throttleHeading+"\n\nnew\n")
	want := "# B\n\n## A\n\na\n\n" + throttleHeading + "\n\nnew\n\n## C\n\nc\n"
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
	// Appended when missing.
	got = withSection("# B\n", loadHeading, loadHeading+"\n\nx\n")
	if got != "# B\n\n"+loadHeading+"\n\nx\n" {
		t.Fatalf("append: got %q", got)
	}
}

func TestKeepSectionsCarriesOnlyMissingOnes(t *testing.T) {
	old := "# B\n\n" + throttleHeading + "\n\nold throttle\n\n" + loadHeading + "\n\nold load\n"
	// A report that measured the throttled run keeps its own and gains the load section.
	report := "# B\n\n" + throttleHeading + "\n\nnew throttle\n"
	got := keepSections(report, old)
	if !strings.Contains(got, "new throttle") || strings.Contains(got, "old throttle") || !strings.Contains(got, "old load") {
		t.Fatalf("got %q", got)
	}
	// A report without a throttled run keeps the old one.
	got = keepSections("# B\n", old)
	if !strings.Contains(got, "old throttle") || !strings.Contains(got, "old load") {
		t.Fatalf("got %q", got)
	}
}

func TestThrottleVerdict(t *testing.T) {
	w := workload{Files: 10, Size: 1}
	ok := func(wall float64) []sample {
		return []sample{{M: measurement{Wall: secs(wall)}}}
	}
	up, s5 := summarizeSamples(ok(10), w), summarizeSamples(ok(30), w)
	if v := throttleVerdict(up, s5); !strings.HasPrefix(v, "met") {
		t.Fatalf("10 s vs 30 s: %s", v)
	}
	up = summarizeSamples(ok(20), w)
	if v := throttleVerdict(up, s5); !strings.HasPrefix(v, "missed") || !strings.Contains(v, "0.67×") {
		t.Fatalf("20 s vs 30 s: %s", v)
	}
	failed := []sample{{Err: errString("3 files missing")}}
	if v := throttleVerdict(summarizeSamples(failed, w), s5); !strings.HasPrefix(v, "missed: upload failed 1 of 1") {
		t.Fatalf("failed run: %s", v)
	}
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

type errString string

func (e errString) Error() string { return string(e) }

func TestRenderThrottle(t *testing.T) {
	w := workload{Name: "throttle", Files: 2000, Size: 4 << 10}
	ok := sample{M: measurement{Wall: secs(100)}, Stored: 2000}
	tr := &throttleResults{Workload: w, RunTimeout: 20 * time.Minute, Cases: []throttleCase{
		{ID: "upload-s3-throttled", Label: "upload", Samples: []sample{ok}, Injected: []float64{2000}, Load: []string{"3.1"}},
		{ID: "s5cmd-throttled", Label: "s5cmd", Samples: []sample{{M: measurement{Wall: secs(400)}, Stored: 2000}}},
		{ID: "mc-throttled", Label: "mc", Samples: []sample{{M: measurement{Wall: secs(85), Output: "a\nmc: <ERROR> Failed to copy x. Please reduce your request rate.\nb"}, Err: errString("exit 1"), Stored: 1999}}},
		{ID: "rclone-throttled", Label: "rclone", Samples: []sample{{Err: errString("timed out after 20m0s"), Stored: 522}}},
	}}
	md := renderThrottle(tr)
	for _, want := range []string{
		"| upload | 1/1 | 2,000 of 2,000 | 100.00 | 20.0 | 2,000 | 3.1 |",
		"| mc | 0/1 | 1,999 of 2,000 | 85.00 (failed) |",
		"| rclone | 0/1 | 522 of 2,000 | over 20m0s (killed) |",
		"its first error line: `mc: <ERROR> Failed to copy x. Please reduce your request rate.`",
		"met (100.00 s vs 400.00 s: 0.25× s5cmd's time)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
}
