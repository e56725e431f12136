package failover_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestBreakerEventsTellTheTruth: an opening emits closed→open alone, even
// when a call admitted before the opening ends afterwards (gobreaker then
// turns half-open inside, while the open period still refuses every call);
// open→half-open comes only when a trial is let through, at that time on
// the clock, then half-open→closed when the trial succeeds.
func TestBreakerEventsTellTheTruth(t *testing.T) {
	e := newEnv(t, envConfig{})
	primary := e.clouds[0]
	bStarted := make(chan struct{})
	release := make(chan struct{})
	primary.FaultFunc(func(_ int, key string) memtest.Fault {
		switch key {
		case "a": // fails fatally once b is in flight: opens the breaker
			return memtest.Fault{Kind: uploader.AccessDenied, Status: 403, Before: func() { <-bStarted }}
		case "b": // in flight while the breaker opens; ends after
			return memtest.Fault{Before: func() { close(bStarted); <-release }}
		}
		return memtest.Fault{}
	})
	bDone := make(chan error, 1)
	go func() {
		_, err := e.u.Upload(context.Background(), object("b"))
		bDone <- err
	}()
	if res, err := e.upload("a"); err != nil || res.Target != "secondary" {
		t.Fatalf("upload a: %v on %q, want stored on secondary", err, res.Target)
	}
	close(release)
	if err := <-bDone; err != nil {
		t.Fatalf("upload b: %v", err)
	}
	transitions := func() []string {
		var tr []string
		for _, ev := range e.eventsOf(failover.EventBreaker) {
			tr = append(tr, ev.From.String()+">"+ev.To.String()+"@"+ev.Time.Sub(t0).String())
		}
		return tr
	}
	if got, want := transitions(), []string{"closed>open@0s"}; !slices.Equal(got, want) {
		t.Fatalf("after the opening: transitions %v, want %v", got, want)
	}
	if s := e.state("primary"); s != failover.Open {
		t.Fatalf("breaker %v, want open", s)
	}
	// Still refused, and still no half-open event.
	e.clk.Advance(10 * time.Second)
	if res, _ := e.upload("c"); res.Target != "secondary" {
		t.Fatalf("10s after opening: stored on %q", res.Target)
	}
	if got, want := transitions(), []string{"closed>open@0s"}; !slices.Equal(got, want) {
		t.Fatalf("while open: transitions %v, want %v", got, want)
	}
	// The open period ends at 30s; the trial is let through at 45s.
	e.clk.Advance(35 * time.Second)
	if res, err := e.upload("d"); err != nil || res.Target != "primary" {
		t.Fatalf("trial: %v on %q, want primary", err, res.Target)
	}
	if got, want := transitions(), []string{"closed>open@0s", "open>half-open@45s", "half-open>closed@45s"}; !slices.Equal(got, want) {
		t.Fatalf("transitions %v, want %v", got, want)
	}
}
