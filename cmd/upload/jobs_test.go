package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestParseJobs: --jobs is auto (the default) or a number of at least 1;
// anything else is a usage error naming the flag.
func TestParseJobs(t *testing.T) {
	for in, want := range map[string]jobsSetting{"auto": {auto: true}, "AUTO": {auto: true}, "1": {n: 1}, "64": {n: 64}} {
		got, err := parseJobs(in)
		if err != nil || got != want {
			t.Errorf("parseJobs(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{"0": "--jobs 0: at least 1", "-3": "--jobs -3: at least 1", "many": "--jobs many: a number"} {
		_, err := parseJobs(in)
		if _, ok := err.(*usageError); !ok || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseJobs(%q): %v, want a usage error with %q", in, err, msg)
		}
	}
	c := newCLI(t)
	c.write(map[string]string{"f": "x"})
	if r := c.run("--jobs", "lots", "f"); r.code != exitUsage || !strings.Contains(r.stderr, "--jobs lots") {
		t.Errorf("--jobs lots: exit %d, %q", r.code, r.stderr)
	}
}

// TestJobsOptions: auto turns each cloud target's adaptive limit on, with
// the parts of one file in flight for its memory estimate, and keeps up
// to the limit's maximum files in flight; a number leaves the options
// alone and is the number of files in flight.
func TestJobsOptions(t *testing.T) {
	env := func(string) (string, bool) { return "", false }
	cfg, err := parseConfig("upload.yaml", []byte(`targets:
  - {provider: s3, name: a, endpoint: 'http://127.0.0.1:1', bucket: bkt, region: us-east-1, part_jobs: 6, access_key_id: AKFAKE, secret_access_key: fake}
  - {provider: s3, name: b, endpoint: 'http://127.0.0.1:1', bucket: bkt, region: us-east-1, part_jobs: 3, access_key_id: AKFAKE, secret_access_key: fake}
`), env)
	if err != nil {
		t.Fatal(err)
	}
	auto := jobsSetting{auto: true}
	o := auto.options(failoverOptions(cfg), cfg, overrides{})
	if !o.Concurrency.Adaptive || o.Concurrency.PartJobs != 6 {
		t.Errorf("auto: %+v, want adaptive with the highest part_jobs, 6", o.Concurrency)
	}
	if o := auto.options(failoverOptions(cfg), cfg, overrides{PartJobs: 2}); o.Concurrency.PartJobs != 2 {
		t.Errorf("auto with --part-jobs 2: %+v", o.Concurrency)
	}
	if o := (jobsSetting{n: 8}).options(failoverOptions(cfg), cfg, overrides{}); o.Concurrency.Adaptive {
		t.Errorf("--jobs 8 turned the adaptive limit on")
	}
	set, err := buildTargets(cfg, overrides{}, o)
	if err != nil {
		t.Fatal(err)
	}
	defer set.close()
	if got := auto.files(set); got != failover.DefaultMaxConcurrency {
		t.Errorf("auto keeps %d files in flight, want %d", got, failover.DefaultMaxConcurrency)
	}
	if got := (jobsSetting{n: 8}).files(set); got != 8 {
		t.Errorf("--jobs 8 keeps %d files in flight", got)
	}
	if got := auto.files(&targetSet{}); got != localJobs {
		t.Errorf("auto with the local target alone keeps %d files in flight, want %d", got, localJobs)
	}
	for _, ts := range set.fo.Stats().Targets {
		if th := ts.Throttle; !th.Adaptive || th.Limit != failover.DefaultInitialConcurrency {
			t.Errorf("%s: %+v, want an adaptive limit starting at %d", ts.Name, th, failover.DefaultInitialConcurrency)
		}
	}
	// The progress display shows each target's limit.
	b := &batch{set: set, tally: newTally(set)}
	want := fmt.Sprintf("ok, limit %d, 0 stored", failover.DefaultInitialConcurrency)
	for _, st := range b.states() {
		if st.State != want {
			t.Errorf("%s: state %q, want %q", st.Name, st.State, want)
		}
	}
}

// TestJobsAutoMinIO: the default, --jobs auto, uploads a batch to MinIO
// with every file stored, and the summary tells the adaptive limit of the
// target (JSON and human), which never let more than its maximum run.
func TestJobsAutoMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	c := newCLI(t)
	tt := newThrottledTarget(t, c, srv, "minio")
	c.config("targets:\n" + tt.yaml)
	writeBatch(t, filepath.Join(c.dir, "batch"), 300)
	r := c.run("--json", "batch")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	if rep.summary.Uploaded != 300 {
		t.Fatalf("%d uploaded, want 300", rep.summary.Uploaded)
	}
	cs := rep.summary.Targets[0].Concurrency
	if cs == nil || cs.LastLimit < 1 || cs.MinLimit < 1 || cs.MaxLimit > failover.DefaultMaxConcurrency ||
		cs.PeakInFlight < 1 || cs.PeakInFlight > cs.MaxLimit {
		t.Fatalf("concurrency summary %+v", cs)
	}
	if !strings.Contains(r.stderr, "minio: 300 files stored (concurrency limit ") {
		t.Errorf("the human summary does not tell the limit:\n%s", r.stderr)
	}
}
