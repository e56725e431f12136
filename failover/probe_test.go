package failover_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// probeEnv is an env with probes every 10s and a 10-minute open period, on
// a manual clock, whose primary has opened on a signature failure.
func probeEnv(t *testing.T) *env {
	e := newEnv(t, envConfig{manual: true, opts: failover.Options{
		Probe:   failover.ProbeOptions{Interval: 10 * time.Second},
		Breaker: failover.BreakerOptions{OpenTimeout: 10 * time.Minute},
	}})
	e.clouds[0].Script(memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403})
	if res, err := e.upload("a"); err != nil || res.Target != "secondary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if e.state("primary") != failover.Open {
		t.Fatal("primary not open")
	}
	return e
}

// tick moves the clock one probe interval, once the probe loop sleeps, and
// returns once the round it starts is over (the loop sleeps again).
func (e *env) tick() {
	e.t.Helper()
	e.clk.WaitSleeping(1, nil)
	e.clk.Advance(10 * time.Second)
	e.clk.WaitSleeping(1, nil)
}

// TestProbeReadmitsOnEvidence: while the primary is open, a probe every
// interval puts and deletes a tiny object; the first that succeeds ends the
// open period long before OpenTimeout, and the next upload is the half-open
// trial that closes the breaker.
func TestProbeReadmitsOnEvidence(t *testing.T) {
	e := probeEnv(t)
	primary := e.clouds[0]
	always(primary, memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403})
	e.tick()
	ts := e.target("primary")
	if ts.Probes != 1 || ts.ProbeFailures != 1 || ts.State != failover.Open {
		t.Fatalf("after a failed probe: %+v", ts)
	}
	if ev := e.eventsOf(failover.EventProbe); len(ev) != 1 || ev[0].OK || ev[0].Kind != uploader.SignatureMismatch {
		t.Fatalf("probe events %+v", ev)
	}
	primary.Heal()
	deletes := primary.Deletes()
	e.tick()
	if primary.Deletes() != deletes+1 {
		t.Errorf("the probe did not delete its object")
	}
	if keys := primary.Keys(); len(keys) != 0 {
		t.Errorf("probe left %v", keys)
	}
	if s := e.state("primary"); s != failover.HalfOpen {
		t.Fatalf("after a good probe, 20s into a 10m open period, breaker is %v, want half-open", s)
	}
	if res, err := e.upload("b"); err != nil || res.Target != "primary" {
		t.Fatalf("%v on %q", err, res.Target)
	}
	if s := e.state("primary"); s != failover.Closed {
		t.Fatalf("breaker %v after the trial", s)
	}
	ev := e.eventsOf(failover.EventProbe)
	if len(ev) != 2 || !ev[1].OK {
		t.Errorf("probe events %+v", ev)
	}
	// A closed target is not probed.
	puts := primary.Puts()
	e.tick()
	if primary.Puts() != puts {
		t.Errorf("a closed target was probed")
	}
}

// TestProbeNeedsDeleter: a target whose backend cannot delete is not
// probed (the probe would leave objects behind).
func TestProbeNeedsDeleter(t *testing.T) {
	e := newEnv(t, envConfig{manual: true,
		opts: failover.Options{Probe: failover.ProbeOptions{Interval: 10 * time.Second}},
		backends: func(e *env) []failover.Target {
			return []failover.Target{{Backend: memtest.Plain(e.clouds[0])}, {Backend: e.clouds[1]}}
		}})
	e.clouds[0].Script(memtest.Fault{Kind: uploader.AccessDenied})
	e.upload("a")
	puts := e.clouds[0].Puts()
	e.tick()
	if e.clouds[0].Puts() != puts {
		t.Errorf("a target without Delete was probed")
	}
}

// TestCloseStopsProbes: Close ends the probe loop: no timer stays pending and
// no probe runs after it.
func TestCloseStopsProbes(t *testing.T) {
	e := probeEnv(t)
	e.clk.WaitSleeping(1, nil)
	if err := e.u.Close(); err != nil {
		t.Fatal(err)
	}
	if n := e.clk.Pending(); n != 0 {
		t.Fatalf("%d timers pending after Close", n)
	}
	puts := e.clouds[0].Puts()
	e.clk.Advance(time.Hour)
	if e.clouds[0].Puts() != puts {
		t.Errorf("probe after Close")
	}
	e.u.Close() // idempotent
	if res, err := e.u.Upload(context.Background(), object("after")); err != nil || res.Target == "" {
		t.Errorf("upload after Close: %v", err)
	}
}
