package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// The throttle tests: a target that answers 503 SlowDown to a share of its
// PUTs is slowed down, never failed. Each runs the command in-process with
// the default policy (a test may shorten the backoff delays, never the
// rules), against a TOS gateway in front of MinIO whose faults are drawn
// from its seeded source and bounded in count.

// slowDownNoRetryAfter is 503 SlowDown without Retry-After.
var slowDownNoRetryAfter = gateway.Respond(503, "SlowDown")

// throttledTarget is one TOS gateway, its bucket and its config lines.
type throttledTarget struct {
	gw     *gateway.Gateway
	bucket string
	yaml   string
}

func newThrottledTarget(t *testing.T, c *cli, srv *miniotest.Server, name string) throttledTarget {
	t.Helper()
	bucket := srv.NewBucket(t, name)
	gw, url := startGateway(t, srv, gateway.TOS, nil)
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	return throttledTarget{gw: gw, bucket: bucket, yaml: fmt.Sprintf(`  - name: %s
    provider: tos
    endpoint: %s
    region: cn-beijing
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
`, name, url, bucket)}
}

// wantAllStored checks the report and MinIO: every file uploaded to bucket,
// none failed, exit 0.
func wantAllStored(t *testing.T, srv *miniotest.Server, r result, bucket string, want map[string]int64) report {
	t.Helper()
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", r.code, tail(r.stderr, 40))
	}
	rep := parseReport(t, r.stdout)
	s := rep.summary
	if s.Files != len(want) || s.Uploaded != len(want) || s.Failed != 0 || s.BackedUp != 0 {
		t.Errorf("summary: %d files, %d uploaded, %d failed, %d backed up; want all %d uploaded",
			s.Files, s.Uploaded, s.Failed, s.BackedUp, len(want))
	}
	got := listBucket(t, srv, bucket)
	missing := 0
	for name, size := range want {
		if got[name] != size {
			missing++
		}
	}
	if missing > 0 || len(got) != len(want) {
		t.Errorf("MinIO holds %d objects, %d of the %d files missing or of the wrong size", len(got), missing, len(want))
	}
	return rep
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// TestThrottledSingleTarget: one target, no backup, half of its PUTs
// answered 503 SlowDown: every file is stored, exit 0. The breaker does not
// give up on a target that is only asking to slow down.
func TestThrottledSingleTarget(t *testing.T) {
	srv := miniotest.Shared(t)
	t.Run("no_retry_after", func(t *testing.T) {
		c := newCLI(t)
		tg := newThrottledTarget(t, c, srv, "primary")
		tg.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: slowDownNoRetryAfter, Probability: 0.5})
		c.config("targets:\n" + tg.yaml)
		want := writeBatch(t, filepath.Join(c.dir, "batch"), 2000)
		start := time.Now()
		r := c.run("--json", "batch")
		t.Logf("2000 files, 50%% SlowDown: exit %d in %s", r.code, time.Since(start).Round(time.Millisecond))
		rep := wantAllStored(t, srv, r, tg.bucket, want)
		t.Logf("the human summary:\n%s", tail(r.stderr, 4))
		ts := rep.summary.Targets[0]
		if ts.Attempts["throttled"] == 0 || ts.Attempts["ok"] != 2000 {
			t.Errorf("primary: attempts %v, want 2000 ok and some throttled", ts.Attempts)
		}
		if ts.BreakerOpens != 0 {
			t.Errorf("primary: the breaker opened %d times on throttling while uploads succeeded", ts.BreakerOpens)
		}
		throttleStory(t, r, rep)
	})
	t.Run("retry_after", func(t *testing.T) {
		// 503 SlowDown with Retry-After: 1 (whole seconds are the least the
		// header says): fewer files, so that the waits the server asks for
		// keep the run short.
		c := newCLI(t)
		tg := newThrottledTarget(t, c, srv, "primary")
		tg.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: gateway.SlowDown(), Probability: 0.5})
		c.config("targets:\n" + tg.yaml)
		want := writeBatch(t, filepath.Join(c.dir, "batch"), 200)
		r := c.run("--json", "batch")
		rep := wantAllStored(t, srv, r, tg.bucket, want)
		if ts := rep.summary.Targets[0]; ts.BreakerOpens != 0 || ts.Attempts["throttled"] == 0 {
			t.Errorf("primary: breaker opens %d, attempts %v", ts.BreakerOpens, ts.Attempts)
		}
		throttleStory(t, r, rep)
	})
}

// throttleStory checks that the summaries tell of the throttling: time
// throttled, the concurrency, retries per file.
func throttleStory(t *testing.T, r result, rep report) {
	t.Helper()
	s := rep.summary
	ts := s.Targets[0]
	if ts.Throttle == nil || ts.Throttle.ThrottledMS <= 0 || ts.Throttle.MinConcurrency < 1 ||
		ts.Throttle.MaxConcurrency < ts.Throttle.MinConcurrency {
		t.Errorf("summary of the primary: throttle %+v, want the time throttled and the concurrency", ts.Throttle)
	}
	if s.Retries.Total == 0 || s.Retries.FilesRetried == 0 || s.Retries.MaxPerFile == 0 {
		t.Errorf("summary: retries %+v", s.Retries)
	}
	total := 0
	for _, f := range rep.files {
		total += len(f.Attempts) - 1
	}
	if total != s.Retries.Total {
		t.Errorf("summary: %d retries, the files' attempts say %d", s.Retries.Total, total)
	}
	if !strings.Contains(r.stderr, "throttled for") || !strings.Contains(r.stderr, "retries:") {
		t.Errorf("the human summary does not tell of the throttling:\n%s", tail(r.stderr, 20))
	}
}

// TestThrottledBurstThenClear: 90% of the PUTs throttled for a while (the
// first 1,500 that the fault draws), then none: every file is stored once
// the burst is over, none failed.
func TestThrottledBurstThenClear(t *testing.T) {
	srv := miniotest.Shared(t)
	c := newCLI(t)
	tg := newThrottledTarget(t, c, srv, "primary")
	fault := tg.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: slowDownNoRetryAfter, Probability: 0.9, Times: 1500})
	// Shorter backoff delays than the defaults keep the run short; the
	// rules are the default policy's.
	c.config("targets:\n" + tg.yaml + "retry: {base_delay: 5ms, max_delay: 50ms}\n")
	want := writeBatch(t, filepath.Join(c.dir, "batch"), 500)
	r := c.run("--json", "batch")
	wantAllStored(t, srv, r, tg.bucket, want)
	if hits := tg.gw.FaultHits(fault); hits != 1500 {
		t.Errorf("the burst hit %d PUTs, want all 1500", hits)
	}
}

// TestThrottledKeepsFilesWithBackup: with a local backup, a target that
// throttles half of its PUTs keeps at least 95% of the files (slower);
// the backup is for outages.
func TestThrottledKeepsFilesWithBackup(t *testing.T) {
	srv := miniotest.Shared(t)
	c := newCLI(t)
	tg := newThrottledTarget(t, c, srv, "primary")
	tg.gw.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpPut}, Action: slowDownNoRetryAfter, Probability: 0.5})
	c.config("targets:\n" + tg.yaml + "backup: ./spool\nretry: {base_delay: 5ms, max_delay: 50ms}\n")
	const n = 1000
	writeBatch(t, filepath.Join(c.dir, "batch"), n)
	r := c.run("--json", "batch")
	rep := parseReport(t, r.stdout)
	s := rep.summary
	if s.Failed != 0 || s.Uploaded+s.BackedUp != n {
		t.Fatalf("summary: %+v\n%s", s, tail(r.stderr, 20))
	}
	if s.Uploaded < n*95/100 {
		t.Errorf("the throttled primary kept %d of %d files (%d went to the backup), want at least 95%%", s.Uploaded, n, s.BackedUp)
	}
	if got := len(listBucket(t, srv, tg.bucket)); got != s.Uploaded {
		t.Errorf("MinIO holds %d objects, the report says %d uploaded", got, s.Uploaded)
	}
}

// TestRefusingTargetFailsOverAtOnce: a target whose port refuses
// connections is down, not throttled: its files go to the backup as
// before, the breaker opens after a few refusals and the rest are turned
// away without waiting.
func TestRefusingTargetFailsOverAtOnce(t *testing.T) {
	c := newCLI(t)
	c.env["GW_AK"], c.env["GW_SK"] = "AKLTtest", "c2VjcmV0"
	c.config(`targets:
  - name: primary
    provider: tos
    endpoint: http://127.0.0.1:1
    region: cn-beijing
    bucket: photos
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
backup: ./spool
`)
	const n = 200
	writeBatch(t, filepath.Join(c.dir, "batch"), n)
	r := c.run("--json", "batch")
	if r.code != exitBackedUp {
		t.Errorf("exit %d, want %d (all in the backup)\n%s", r.code, exitBackedUp, tail(r.stderr, 10))
	}
	rep := parseReport(t, r.stdout)
	s := rep.summary
	if s.BackedUp != n || s.Failed != 0 {
		t.Fatalf("summary: %+v", s)
	}
	ts := s.Targets[0]
	if ts.BreakerOpens == 0 || ts.Attempts["circuit_open"] == 0 {
		t.Errorf("primary: breaker opens %d, attempts %v; want it opened and files turned away", ts.BreakerOpens, ts.Attempts)
	}
	if ts.Attempts["throttled"] != 0 || (ts.Throttle != nil && ts.Throttle.ThrottledMS != 0) {
		t.Errorf("primary: refused connections were taken for throttling: %v %+v", ts.Attempts, ts.Throttle)
	}
	for _, f := range rep.files {
		if len(f.Attempts) > 4 {
			t.Errorf("%s: %d attempts before the backup, want at most the 3 on the primary", f.Key, len(f.Attempts))
			break
		}
	}
}
