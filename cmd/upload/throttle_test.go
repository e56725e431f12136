package main

import (
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
)

// TestThrottleConfig: the throttle: section and the new retry: keys reach
// failover.Options; a bad value is an error naming the key and its line.
func TestThrottleConfig(t *testing.T) {
	env := func(string) (string, bool) { return "", false }
	cfg, err := parseConfig("upload.yaml", []byte(`targets:
  - {provider: local, path: x}
throttle: {min_concurrency: 2, decrease: 0.5, unusable_after: 2m, backup: outages}
retry: {first_delay: 10ms, target_retry_ratio: 0.3, target_retry_rate: 20}
`), env)
	if err != nil {
		t.Fatal(err)
	}
	o := failoverOptions(cfg)
	want := failover.ThrottleOptions{MinConcurrency: 2, Decrease: 0.5, UnusableAfter: 2 * time.Minute, BackupForOutagesOnly: true}
	if o.Throttle != want {
		t.Errorf("throttle options %+v, want %+v", o.Throttle, want)
	}
	if r := o.Retry; r.FirstDelay != 10*time.Millisecond || r.TargetRetryRatio != 0.3 || r.TargetRetryRate != 20 {
		t.Errorf("retry options %+v", r)
	}
	_, err = parseConfig("upload.yaml", []byte("targets:\n  - {provider: local, path: x}\nthrottle:\n  backup: sometimes\n  decrease: 1\n"), env)
	for _, w := range []string{`upload.yaml:4: throttle.backup: "sometimes" is neither outages`, `upload.yaml:5: throttle.decrease: 1 would never lower`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v, want %q", err, w)
		}
	}
}

// TestThrottleState: the progress line of a throttled target says how many
// attempts are in flight and, with files queued behind its open breaker,
// how long until its trial.
func TestThrottleState(t *testing.T) {
	for _, tc := range []struct {
		th   failover.ThrottleStats
		s    failover.State
		want string
	}{
		{failover.ThrottleStats{InFlight: 3, Queued: 12, NextTrial: 3600 * time.Millisecond}, failover.Open,
			"throttled: 3 in flight, waiting 4s (12 files queued)"},
		{failover.ThrottleStats{InFlight: 3, Limit: 3, Waiting: 5}, failover.Closed, "throttled: 3 in flight (limit 3, 5 waiting)"},
		{failover.ThrottleStats{InFlight: 1, Limit: 2}, failover.Closed, "throttled: 1 in flight (limit 2)"},
	} {
		if got := throttleState(tc.th, tc.s); got != tc.want {
			t.Errorf("throttleState(%+v, %v) = %q, want %q", tc.th, tc.s, got, tc.want)
		}
	}
}
