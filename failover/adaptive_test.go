package failover_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// gated is a backend whose Puts wait for open to be closed, counting how
// many are inside at once.
type gated struct {
	*memtest.Backend
	open     chan struct{}
	in, peak atomic.Int64
	peakMu   sync.Mutex
}

func (g *gated) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	n := g.in.Add(1)
	g.peakMu.Lock()
	g.peak.Store(max(g.peak.Load(), n))
	g.peakMu.Unlock()
	defer g.in.Add(-1)
	<-g.open
	return g.Backend.Put(ctx, obj)
}

// TestAdaptiveBoundsUploads: with Concurrency.Adaptive, a caller may start
// many uploads at once: the target's limiter lets Initial of them reach
// the backend and queues the rest, and every one is stored; no more run
// at once than the limit allows.
func TestAdaptiveBoundsUploads(t *testing.T) {
	var g *gated
	e := newEnv(t, envConfig{
		opts: failover.Options{Concurrency: failover.ConcurrencyOptions{Adaptive: true, Initial: 8}},
		backends: func(e *env) []failover.Target {
			g = &gated{Backend: e.clouds[0], open: make(chan struct{})}
			return []failover.Target{{Backend: g}}
		},
	})
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := e.u.Upload(context.Background(), object(fmt.Sprintf("k%02d", i)))
			errs <- err
		}()
	}
	// The limiter counts a slot before its upload reaches the backend's
	// Put: wait for both, or the check below races the eighth goroutine.
	waitUntil(t, func() bool {
		th := e.target("primary").Throttle
		return th.InFlight == 8 && th.Waiting == n-8 && g.in.Load() == 8
	})
	if th := e.target("primary").Throttle; !th.Adaptive || th.Limit != 8 || g.in.Load() != 8 {
		t.Fatalf("limiter %+v with %d Puts running, want 8 of %d running under an adaptive limit of 8", th, g.in.Load(), n)
	}
	if p := g.peak.Load(); p != 8 {
		t.Fatalf("%d Puts ran at once, want the limit of 8", p)
	}
	// Once they succeed, the limit may grow (rounds of successes), never
	// letting more run than it allows.
	close(g.open)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if th := e.target("primary").Throttle; g.peak.Load() > int64(th.MaxLimit) || th.PeakInFlight > th.MaxLimit {
		t.Errorf("%d Puts ran at once, above the highest limit %d", g.peak.Load(), th.MaxLimit)
	}
	if got := len(e.clouds[0].Keys()); got != n {
		t.Errorf("%d objects stored, want %d", got, n)
	}
}

// TestAdaptiveThrottledIsNotDown: the rules for throttled replies hold
// with the adaptive limiter: a target that throttles half of its Puts,
// alone, stores every upload; its breaker never opens; the limit is cut
// and the target counts as limited for a while.
func TestAdaptiveThrottledIsNotDown(t *testing.T) {
	oneCloud := func(e *env) []failover.Target { return []failover.Target{{Backend: e.clouds[0]}} }
	e := newEnv(t, envConfig{backends: oneCloud,
		opts: failover.Options{Concurrency: failover.ConcurrencyOptions{Adaptive: true}}})
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
	th := ts.Throttle
	if th.Throttled != 200 || !th.Adaptive || th.MinLimit != 1 || th.MaxLimit != failover.DefaultInitialConcurrency || th.ThrottledTime <= 0 {
		t.Errorf("limiter: %+v, want 200 throttled replies, the limit cut from its start to 1, time throttled", th)
	}
}

// waitUntil polls cond until goroutines reach the state it checks (a
// safety net of about a minute; no result depends on time).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for range 600000 {
		if cond() {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatal("condition never met")
}
