package failover_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

var slowDown = memtest.Fault{Kind: uploader.Throttled, Status: 503, Code: "SlowDown"}

// halfThrottled throttles every other Put of b.
func halfThrottled(b *memtest.Backend) {
	b.FaultFunc(func(n int, _ string) memtest.Fault {
		if n%2 == 0 {
			return memtest.Fault{}
		}
		return slowDown
	})
}

// TestThrottledIsNotDown: a target that throttles half of its Puts, alone
// (no backup), stores every upload with the default policy: its breaker
// never opens, the throttled attempts count neither toward MaxAttempts nor
// toward the upload's Budget, and its concurrency limit is set.
func TestThrottledIsNotDown(t *testing.T) {
	oneCloud := func(e *env) []failover.Target { return []failover.Target{{Backend: e.clouds[0]}} }
	e := newEnv(t, envConfig{backends: oneCloud})
	halfThrottled(e.clouds[0])
	for i := range 200 {
		if _, err := e.upload(fmt.Sprintf("k%03d", i)); err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	ts := e.target("primary")
	if ts.Opens != 0 || ts.State != failover.Closed || ts.WindowFailures != 0 {
		t.Errorf("breaker: %d opens, %v, %d failures counted; want none", ts.Opens, ts.State, ts.WindowFailures)
	}
	if ts.Failures[uploader.Throttled] != 200 || ts.Throttle.Throttled != 200 || ts.Retries != 200 {
		t.Errorf("throttled %d (%d in the limiter), retries %d; want 200 each",
			ts.Failures[uploader.Throttled], ts.Throttle.Throttled, ts.Retries)
	}
	if ts.Throttle.MinLimit != 1 || ts.Throttle.ThrottledTime <= 0 {
		t.Errorf("limiter: %+v, want a limit of 1 and time throttled", ts.Throttle)
	}

	// More throttled replies in a row than MaxAttempts and Budget allow:
	// still stored on the primary.
	e.clouds[0].Heal()
	for range 12 {
		e.clouds[0].Script(slowDown)
	}
	res, err := e.upload("many")
	if err != nil || len(res.Attempts) != 13 {
		t.Fatalf("%v after %d attempts, want stored after 13", err, len(res.Attempts))
	}
}

// TestThrottledKeepsFilesWithBackup: with a backup, a throttled target
// keeps its uploads (slower) while it is usable; once it has throttled
// every attempt for UnusableAfter, its throttled failures count and the
// uploads go to the backup; a target that is down goes there as before.
func TestThrottledKeepsFilesWithBackup(t *testing.T) {
	oneCloud := func(e *env) []failover.Target {
		return []failover.Target{{Backend: e.clouds[0]}, {Backend: e.spool}}
	}
	t.Run("half", func(t *testing.T) {
		e := newEnv(t, envConfig{backends: oneCloud})
		halfThrottled(e.clouds[0])
		for i := range 100 {
			res, err := e.upload(fmt.Sprintf("k%03d", i))
			if err != nil || res.BackedUp {
				t.Fatalf("upload %d: %v, backed up %v", i, err, res.BackedUp)
			}
		}
	})
	t.Run("unusable", func(t *testing.T) {
		e := newEnv(t, envConfig{backends: oneCloud, opts: failover.Options{
			Throttle: failover.ThrottleOptions{UnusableAfter: 10 * time.Second}}})
		always(e.clouds[0], slowDown)
		start := e.clk.Now()
		res, err := e.upload("k")
		if err != nil || !res.BackedUp {
			t.Fatalf("%v, backed up %v", err, res.BackedUp)
		}
		if waited := e.clk.Now().Sub(start); waited < 10*time.Second {
			t.Errorf("went to the backup after %v, before UnusableAfter", waited)
		}
		if ts := e.target("primary"); ts.WindowFailures != 3 {
			t.Errorf("%d failures counted, want the 3 after UnusableAfter", ts.WindowFailures)
		}
	})
	t.Run("down", func(t *testing.T) {
		e := newEnv(t, envConfig{backends: oneCloud})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable})
		start := e.clk.Now()
		res, err := e.upload("k")
		if err != nil || !res.BackedUp || e.clouds[0].Puts() != 3 {
			t.Fatalf("%v, backed up %v after %d puts; want the backup after 3", err, res.BackedUp, e.clouds[0].Puts())
		}
		if waited := e.clk.Now().Sub(start); waited > 2*time.Second {
			t.Errorf("took %v to fail over", waited)
		}
	})
}

// TestBackupForOutagesOnly: with the backup kept for outages, an upload to
// a throttled target that became unusable waits for it (queued behind its
// breaker) instead of going to the backup; a target that is down still
// sends its uploads to the backup.
func TestBackupForOutagesOnly(t *testing.T) {
	oneCloud := func(e *env) []failover.Target {
		return []failover.Target{{Backend: e.clouds[0]}, {Backend: e.spool}}
	}
	opts := failover.Options{Throttle: failover.ThrottleOptions{UnusableAfter: 10 * time.Second, BackupForOutagesOnly: true}}
	t.Run("throttled-waits", func(t *testing.T) {
		e := newEnv(t, envConfig{backends: oneCloud, opts: opts})
		// Throttled for about two minutes of the clock, then fine.
		stop := t0.Add(2 * time.Minute)
		e.clouds[0].FaultFunc(func(int, string) memtest.Fault {
			if e.clk.Now().Before(stop) {
				return slowDown
			}
			return memtest.Fault{}
		})
		res, err := e.upload("k")
		if err != nil || res.BackedUp || res.Target != "primary" {
			t.Fatalf("%v on %q (backed up %v), want the primary", err, res.Target, res.BackedUp)
		}
		if e.spool.Len() != 0 {
			t.Errorf("the backup holds %d copies", e.spool.Len())
		}
		if ts := e.target("primary"); ts.Opens == 0 {
			t.Errorf("the breaker never opened on the unusable target")
		}
	})
	t.Run("down-goes-to-backup", func(t *testing.T) {
		e := newEnv(t, envConfig{backends: oneCloud, opts: opts})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		res, err := e.upload("k")
		if err != nil || !res.BackedUp {
			t.Fatalf("%v, backed up %v", err, res.BackedUp)
		}
	})
}

// TestRetryAfterOnLastResort: with nowhere else to go, a Retry-After above
// MaxRetryAfter is waited out rather than failing the upload.
func TestRetryAfterOnLastResort(t *testing.T) {
	oneCloud := func(e *env) []failover.Target { return []failover.Target{{Backend: e.clouds[0]}} }
	e := newEnv(t, envConfig{backends: oneCloud})
	e.clouds[0].Script(memtest.Fault{Kind: uploader.Throttled, Status: 429, RetryAfter: 2 * time.Minute})
	start := e.clk.Now()
	res, err := e.upload("k")
	if err != nil || res.Target != "primary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if waited := e.clk.Now().Sub(start); waited != 2*time.Minute {
		t.Errorf("waited %v, want the 2m Retry-After", waited)
	}
}

// TestTargetRetryBudget: the retries after failures other than throttled
// replies are bounded by the target's budget, shared by every upload:
// once it is spent, an upload that another target can take fails over at
// once, and the budget comes back with first attempts and with time.
func TestTargetRetryBudget(t *testing.T) {
	// Burst 10s × 0.1/s = 1 retry; each first attempt earns 0.5.
	e := newEnv(t, envConfig{opts: failover.Options{
		Retry:   failover.RetryOptions{TargetRetryRatio: 0.5, TargetRetryRate: 0.1},
		Breaker: failover.BreakerOptions{Failures: 100},
	}})
	always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable})
	// 1 + 0.5 capped at 1: one retry, then the budget (0.04 after the
	// 400ms backoff) is spent: 2 puts, not 3.
	res, err := e.upload("a")
	if err != nil || res.Target != "secondary" || e.clouds[0].Puts() != 2 {
		t.Fatalf("%v on %q after %d puts on the primary, want the secondary after 2", err, res.Target, e.clouds[0].Puts())
	}
	// 0.04 + 0.5: no retry.
	if res, _ := e.upload("b"); e.clouds[0].Puts() != 3 || res.Target != "secondary" {
		t.Fatalf("%d puts on the primary, want 3 (no retry)", e.clouds[0].Puts())
	}
	// 0.54 + 0.5 earned by the next first attempt: one retry.
	if e.upload("c"); e.clouds[0].Puts() != 5 {
		t.Fatalf("%d puts on the primary, want 5 (one retry)", e.clouds[0].Puts())
	}
	// Throttled replies do not spend it.
	e.clouds[0].Heal()
	for range 5 {
		e.clouds[0].Script(slowDown)
	}
	if res, err := e.upload("d"); err != nil || res.Target != "primary" {
		t.Fatalf("%v on %q, want the primary after its throttled replies", err, res.Target)
	}
}

// TestDrainDoesNotQueue: Drain never waits for an open breaker (the copy
// is safe in the backup): with the only cloud down, it reports the copies
// as failed without waiting for a trial.
func TestDrainDoesNotQueue(t *testing.T) {
	oneCloud := func(e *env) []failover.Target {
		return []failover.Target{{Backend: e.clouds[0]}, {Backend: e.spool}}
	}
	e := newEnv(t, envConfig{backends: oneCloud, opts: failover.Options{
		Breaker: failover.BreakerOptions{Consecutive: 1, OpenTimeout: time.Hour}}})
	always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable, Status: 503})
	for _, k := range []string{"a", "b"} {
		if res, err := e.upload(k); err != nil || !res.BackedUp {
			t.Fatalf("upload %s: %v, backed up %v", k, err, res.BackedUp)
		}
	}
	start := e.clk.Now()
	rep, err := e.u.Drain(context.Background(), failover.DrainOptions{})
	if err == nil || rep.Failed != 2 {
		t.Fatalf("drain: %v, %d failed; want both failed", err, rep.Failed)
	}
	if waited := e.clk.Now().Sub(start); waited >= time.Hour {
		t.Errorf("drain waited %v for the open breaker", waited)
	}
}

// TestRetryAfterDoesNotCompound: a Retry-After makes its own wait longer,
// not the backoffs after it: with rand 0.5 and BaseDelay 200ms the backoffs
// are 400ms, 700ms, 1.15s, and each wait is at least the 1s asked for.
func TestRetryAfterDoesNotCompound(t *testing.T) {
	oneCloud := func(e *env) []failover.Target { return []failover.Target{{Backend: e.clouds[0]}} }
	e := newEnv(t, envConfig{backends: oneCloud})
	for range 3 {
		e.clouds[0].Script(memtest.Fault{Kind: uploader.Throttled, Status: 503, Code: "SlowDown", RetryAfter: time.Second})
	}
	if _, err := e.upload("k"); err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for _, ev := range e.eventsOf(failover.EventRetry) {
		got = append(got, ev.Wait)
	}
	want := []time.Duration{time.Second, time.Second, 1150 * time.Millisecond}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
}
