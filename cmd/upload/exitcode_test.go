package main

import (
	"testing"

	"github.com/resilient-upload/upload/failover"
)

// TestExitCodeOrder: one rule for upload, drain and drain --check; an
// interrupt beats a failure, which beats files kept only in the backup.
func TestExitCodeOrder(t *testing.T) {
	for _, c := range []struct {
		interrupted          bool
		failed, onlyInBackup int
		want                 int
	}{
		{false, 0, 0, exitOK},
		{false, 0, 2, exitBackedUp},
		{false, 1, 2, exitFailed},
		{true, 1, 2, exitInterrupted},
		{true, 0, 0, exitInterrupted},
	} {
		if got := exitCode(c.interrupted, c.failed, c.onlyInBackup); got != c.want {
			t.Errorf("exitCode(%v, %d, %d) = %d, want %d", c.interrupted, c.failed, c.onlyInBackup, got, c.want)
		}
	}
	for s, want := range map[failover.State]string{failover.Closed: "ok", failover.Open: "breaker open", failover.HalfOpen: "half-open (trying)"} {
		if got := breakerText(s); got != want {
			t.Errorf("breakerText(%v) = %q, want %q", s, got, want)
		}
	}
}
