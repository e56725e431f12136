package failover_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestBackoffIsDecorrelatedJitter: each wait is base + rand·(3·previous −
// base), at most MaxDelay, with the injected rand; base is BaseDelay, or
// FirstDelay after a 5xx without Retry-After; and the clock shows exactly
// those waits.
func TestBackoffIsDecorrelatedJitter(t *testing.T) {
	rnd := []float64{0, 1, 0.5, 0.25, 0, 1}
	for _, tc := range []struct {
		name  string
		fault memtest.Fault
		want  []time.Duration
	}{
		{"no-reply", memtest.Fault{Kind: uploader.Unavailable}, []time.Duration{
			100 * time.Millisecond, // prev=base 100ms, rand 0
			300 * time.Millisecond, // prev 100ms, rand 1: 3·100
			500 * time.Millisecond, // prev 300ms, rand .5: 100 + .5·800
			450 * time.Millisecond, // prev 500ms, rand .25: 100 + .25·1400
			100 * time.Millisecond, // rand 0
		}},
		{"5xx", memtest.Fault{Kind: uploader.Unavailable, Status: 503}, []time.Duration{
			10 * time.Millisecond, // FirstDelay 10ms, rand 0
			30 * time.Millisecond, // rand 1
			50 * time.Millisecond, // prev 30ms, rand .5: 10 + .5·80
			45 * time.Millisecond, // prev 50ms, rand .25: 10 + .25·140
			10 * time.Millisecond, // rand 0
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := 0
			e := newEnv(t, envConfig{opts: failover.Options{
				Retry: failover.RetryOptions{MaxAttempts: 6, Budget: 6, BaseDelay: 100 * time.Millisecond,
					FirstDelay: 10 * time.Millisecond, MaxDelay: 800 * time.Millisecond},
				Breaker: failover.BreakerOptions{Failures: 10},
				Rand:    func() float64 { v := rnd[i%len(rnd)]; i++; return v },
			}})
			always(e.clouds[0], tc.fault)
			before := e.clk.Now()
			e.upload("k")
			var got []time.Duration
			for _, ev := range e.eventsOf(failover.EventRetry) {
				got = append(got, ev.Wait)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("waits %v, want %v", got, tc.want)
			}
			var sum time.Duration
			for _, w := range tc.want {
				sum += w
			}
			if elapsed := e.clk.Now().Sub(before); elapsed != sum {
				t.Errorf("clock moved %v, want the sum of the waits %v", elapsed, sum)
			}
			for _, w := range tc.want {
				if !slices.Contains(e.clk.Waits(), w) {
					t.Errorf("no timer of %v on the clock", w)
				}
			}
		})
	}
	t.Run("capped", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: failover.Options{
			Retry:   failover.RetryOptions{MaxAttempts: 6, Budget: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: 250 * time.Millisecond},
			Breaker: failover.BreakerOptions{Failures: 10},
			Rand:    func() float64 { return 1 },
		}})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Timeout})
		e.upload("k")
		var got []time.Duration
		for _, ev := range e.eventsOf(failover.EventRetry) {
			got = append(got, ev.Wait)
		}
		want := []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
		if !slices.Equal(got, want) {
			t.Fatalf("waits %v, want %v (3·100ms capped at 250ms)", got, want)
		}
	})
}

// TestRetryAfterHonoured: a Throttled reply's Retry-After is waited out on
// the clock before the retry on the same target; one above MaxRetryAfter
// fails over at once.
func TestRetryAfterHonoured(t *testing.T) {
	t.Run("wait", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		e.clouds[0].Script(memtest.Fault{Kind: uploader.Throttled, Status: 503, Code: "SlowDown", RetryAfter: 7 * time.Second})
		before := e.clk.Now()
		res, err := e.upload("k")
		if err != nil || res.Target != "primary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if elapsed := e.clk.Now().Sub(before); elapsed != 7*time.Second {
			t.Errorf("clock moved %v, want the 7s Retry-After", elapsed)
		}
		r := e.eventsOf(failover.EventRetry)
		if len(r) != 1 || r[0].Wait != 7*time.Second || r[0].Kind != uploader.Throttled || r[0].Attempt != 1 {
			t.Errorf("retry events %+v", r)
		}
		if res.Attempts[1].Start.Sub(res.Attempts[0].Start) != 7*time.Second {
			t.Errorf("retry started %v after the first attempt", res.Attempts[1].Start.Sub(res.Attempts[0].Start))
		}
	})
	t.Run("too-long", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		e.clouds[0].Script(memtest.Fault{Kind: uploader.Throttled, Status: 429, RetryAfter: 2 * time.Minute})
		before := e.clk.Now()
		res, err := e.upload("k")
		if err != nil || res.Target != "secondary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if e.clouds[0].Puts() != 1 || e.clk.Now() != before {
			t.Errorf("primary puts %d, clock moved %v: want one put and no wait", e.clouds[0].Puts(), e.clk.Now().Sub(before))
		}
	})
}

// TestBudgetSpentGoesToBackup: the per-upload attempt budget caps the
// attempts over all cloud targets; the backup then takes the object, and the
// error-free result says so.
func TestBudgetSpentGoesToBackup(t *testing.T) {
	e := newEnv(t, envConfig{clouds: []string{"a", "b", "c"}, opts: failover.Options{Retry: failover.RetryOptions{Budget: 4}}})
	for _, b := range e.clouds {
		always(b, memtest.Fault{Kind: uploader.Unavailable, Status: 500})
	}
	res, err := e.upload("k")
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if !res.BackedUp || res.Target != "backup" || res.Provider != "local" {
		t.Fatalf("result %+v, want backed up", res)
	}
	if a, b, c := e.clouds[0].Puts(), e.clouds[1].Puts(), e.clouds[2].Puts(); a != 3 || b != 1 || c != 0 {
		t.Errorf("puts a=%d b=%d c=%d, want 3, 1, 0 (budget 4)", a, b, c)
	}
	if got, want := targetsOf(res.Attempts), []string{"a", "a", "a", "b", "backup"}; !slices.Equal(got, want) {
		t.Errorf("attempts on %v, want %v", got, want)
	}
	sp, data, ok := e.spool.Held("k")
	if !ok || string(data) != string(payload("k")) {
		t.Fatalf("backup holds %q (%v)", data, ok)
	}
	if len(sp.Failed) != 4 {
		t.Errorf("backup recorded %d failed attempts, want 4", len(sp.Failed))
	}
}

// TestDeadline: no backoff wait and no attempt goes past Retry.Deadline; the
// backup takes the object once it has passed.
func TestDeadline(t *testing.T) {
	e := newEnv(t, envConfig{opts: failover.Options{Retry: failover.RetryOptions{
		Deadline: 10 * time.Second, MaxAttempts: 10, Budget: 20, BaseDelay: 4 * time.Second, MaxDelay: 4 * time.Second}}})
	always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable})
	always(e.clouds[1], memtest.Fault{Kind: uploader.Unavailable})
	before := e.clk.Now()
	res, err := e.upload("k")
	if err != nil || !res.BackedUp {
		t.Fatalf("%v, backed up %v", err, res.BackedUp)
	}
	// Waits of 4s (the cap): attempts at 0, 4, 8 on the primary; the next
	// wait would end at 12 > 10, so it fails over; the secondary's first
	// attempt at 8; its retry would end past 10: backup.
	if p, s := e.clouds[0].Puts(), e.clouds[1].Puts(); p != 3 || s != 1 {
		t.Errorf("puts primary=%d secondary=%d, want 3 and 1", p, s)
	}
	if elapsed := e.clk.Now().Sub(before); elapsed > 10*time.Second {
		t.Errorf("upload took %v on the clock, past its 10s deadline", elapsed)
	}
}

// TestAttemptTimeoutIsTimeoutNotCanceled: an attempt that outlives
// AttemptTimeout while the caller's context is alive fails with Kind
// Timeout and is retried; the clock, not the wall, ends it.
func TestAttemptTimeoutIsTimeoutNotCanceled(t *testing.T) {
	e := newEnv(t, envConfig{manual: true, opts: failover.Options{
		AttemptTimeout: time.Minute, Retry: failover.RetryOptions{MaxAttempts: 2}}})
	primary := e.clouds[0]
	primary.Script(memtest.Fault{Kind: uploader.Timeout, Hang: true})
	var res uploader.Result
	var err error
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		res, err = e.upload("k")
	}()
	// The attempt's timer is the only one: advance past it.
	e.clk.WaitPending(1, nil)
	e.clk.Advance(time.Minute)
	// Then the backoff's sleep (400ms): advance past it.
	if e.clk.WaitSleeping(1, finished) {
		e.clk.Advance(time.Second)
	}
	<-finished
	if err != nil || res.Target != "primary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Timeout, uploader.OK}) {
		t.Fatalf("attempts %v, want [timeout ok]", got)
	}
	if el := res.Attempts[0].Elapsed; el != time.Minute {
		t.Errorf("timed-out attempt took %v on the clock, want 1m", el)
	}
	if !strings.Contains(res.Attempts[0].Err.Error(), "timed out") {
		t.Errorf("error %q", res.Attempts[0].Err)
	}
}

// TestCallerCancelIsNeutral: a caller that cancels gets Canceled at once:
// no retry, no failover, no backup, nothing counted by the breaker.
func TestCallerCancelIsNeutral(t *testing.T) {
	e := newEnv(t, envConfig{manual: true})
	primary := e.clouds[0]
	ctx, cancel := context.WithCancel(context.Background())
	primary.Script(memtest.Fault{Hang: true, Before: cancel})
	res, err := e.u.Upload(ctx, object("k"))
	if uploader.KindOf(err) != uploader.Canceled {
		t.Fatalf("err %v (kind %v), want canceled", err, uploader.KindOf(err))
	}
	if primary.Puts() != 1 || e.clouds[1].Puts() != 0 || e.spool.Len() != 0 {
		t.Errorf("puts %d/%d backup %d: a canceled upload must stop", primary.Puts(), e.clouds[1].Puts(), e.spool.Len())
	}
	if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Canceled}) {
		t.Errorf("attempts %v", got)
	}
	ts := e.target("primary")
	if ts.WindowOutcomes != 0 || ts.State != failover.Closed {
		t.Errorf("breaker counted a cancel: window %d, state %v", ts.WindowOutcomes, ts.State)
	}
	if e.u.Stats().Failed != 1 {
		t.Errorf("stats failed %d", e.u.Stats().Failed)
	}
}

// TestCancelDuringBackoff: canceling while waiting to retry ends the upload
// with Canceled and no more attempts.
func TestCancelDuringBackoff(t *testing.T) {
	e := newEnv(t, envConfig{manual: true})
	ctx, cancel := context.WithCancel(context.Background())
	always(e.clouds[0], memtest.Fault{Kind: uploader.Unavailable})
	done := make(chan error, 1)
	go func() {
		_, err := e.u.Upload(ctx, object("k"))
		done <- err
	}()
	e.clk.WaitSleeping(1, nil) // in the backoff
	cancel()
	if err := <-done; uploader.KindOf(err) != uploader.Canceled {
		t.Fatalf("err %v", err)
	}
	if e.clouds[0].Puts() != 1 || e.clouds[1].Puts() != 0 {
		t.Errorf("puts %d/%d", e.clouds[0].Puts(), e.clouds[1].Puts())
	}
}

// TestAmbiguousTimeoutLanded: after a Timeout, a Stater's Stat that finds
// the object whole counts as success on the same target: no retry, no
// duplicate on another target.
func TestAmbiguousTimeoutLanded(t *testing.T) {
	t.Run("landed", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		primary := e.clouds[0]
		primary.Script(memtest.Fault{Kind: uploader.Timeout, Land: true})
		res, err := e.upload("k")
		if err != nil || res.Target != "primary" || res.BackedUp {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if primary.Puts() != 1 || e.clouds[1].Puts() != 0 {
			t.Errorf("puts %d/%d, want 1/0", primary.Puts(), e.clouds[1].Puts())
		}
		if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Timeout, uploader.OK}) {
			t.Errorf("attempts %v", got)
		}
		if res.Size != int64(len(payload("k"))) || res.MD5 == "" {
			t.Errorf("result size %d md5 %q", res.Size, res.MD5)
		}
		if len(e.eventsOf(failover.EventLanded)) != 1 || e.u.Stats().Landed != 1 {
			t.Errorf("landed events %d, stat %d", len(e.eventsOf(failover.EventLanded)), e.u.Stats().Landed)
		}
		if ts := e.target("primary"); ts.WindowFailures != 0 {
			t.Errorf("a landed attempt counted as a breaker failure")
		}
	})
	t.Run("reply-lost-landed", func(t *testing.T) {
		// The connection broke after the body was sent (no status): the
		// object landed, so it is not sent again, nor to another target.
		e := newEnv(t, envConfig{})
		primary := e.clouds[0]
		primary.Script(memtest.Fault{Kind: uploader.Unavailable, Land: true})
		res, err := e.upload("k")
		if err != nil || res.Target != "primary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Unavailable, uploader.OK}) {
			t.Errorf("attempts %v", got)
		}
		if primary.Puts() != 1 || e.clouds[1].Puts() != 0 || primary.Stats() != 1 {
			t.Errorf("puts %d/%d stats %d, want 1/0 and 1", primary.Puts(), e.clouds[1].Puts(), primary.Stats())
		}
	})
	t.Run("last-resort-retries-beyond-max-attempts", func(t *testing.T) {
		// One cloud target, no backup: a file meeting more transient
		// failures in a row than MaxAttempts is still stored.
		e := newEnv(t, envConfig{noSpool: true, clouds: []string{"primary"},
			opts: failover.Options{Breaker: failover.BreakerOptions{Consecutive: 100}}})
		primary := e.clouds[0]
		primary.Script(memtest.Fault{Kind: uploader.Unavailable, Status: 503}, memtest.Fault{Kind: uploader.Unavailable, Status: 503},
			memtest.Fault{Kind: uploader.Unavailable, Status: 503}, memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		res, err := e.upload("k")
		if err != nil || res.Target != "primary" || primary.Puts() != 5 {
			t.Fatalf("%v on %q after %d puts", err, res.Target, primary.Puts())
		}
	})
	t.Run("server-refusal-is-not-ambiguous", func(t *testing.T) {
		// A 503 is the server's own answer: nothing landed, no Stat.
		e := newEnv(t, envConfig{})
		primary := e.clouds[0]
		primary.Script(memtest.Fault{Kind: uploader.Unavailable, Status: 503})
		res, err := e.upload("k")
		if err != nil || res.Target != "primary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if primary.Stats() != 0 || primary.Puts() != 2 {
			t.Errorf("stats %d puts %d, want 0 and 2", primary.Stats(), primary.Puts())
		}
	})
	t.Run("older-object-same-size", func(t *testing.T) {
		// An older object of the same size but other bytes is not taken
		// for the upload: the MD5 ETag differs.
		e := newEnv(t, envConfig{})
		primary := e.clouds[0]
		other := []byte(strings.Repeat("x", len(payload("k"))))
		primary.Store("k", other, t0.Add(-time.Hour), nil)
		primary.Script(memtest.Fault{Kind: uploader.Timeout})
		res, err := e.upload("k")
		if err != nil || res.Target != "primary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Timeout, uploader.OK}) || primary.Puts() != 2 {
			t.Errorf("attempts %v, puts %d: want a real retry", got, primary.Puts())
		}
		stored(t, primary, "k", payload("k"))
	})
	t.Run("no-stater-fails-over-after-retries", func(t *testing.T) {
		e := newEnv(t, envConfig{backends: func(e *env) []failover.Target {
			return []failover.Target{{Backend: memtest.Plain(e.clouds[0])}, {Backend: e.clouds[1]}}
		}})
		always(e.clouds[0], memtest.Fault{Kind: uploader.Timeout, Land: true})
		res, err := e.upload("k")
		if err != nil || res.Target != "secondary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if e.clouds[0].Stats() != 0 {
			t.Errorf("Stat called on a backend that is no Stater")
		}
	})
	t.Run("wrong-size", func(t *testing.T) {
		e := newEnv(t, envConfig{})
		primary := e.clouds[0]
		primary.Store("k", []byte("short"), t0, nil)
		always(primary, memtest.Fault{Kind: uploader.Timeout})
		res, err := e.upload("k")
		if err != nil || res.Target != "secondary" {
			t.Fatalf("%v on %q", err, res.Target)
		}
		if primary.Stats() != 3 {
			t.Errorf("%d Stats for 3 timeouts", primary.Stats())
		}
	})
}
