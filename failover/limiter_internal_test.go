package failover

import (
	"context"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover/internal/fakeclock"
	"github.com/resilient-upload/upload/uploader"
)

var lt0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var errThrottled = &uploader.Error{Kind: uploader.Throttled, Status: 503, Code: "SlowDown"}

func newTestLimiter(clk *fakeclock.Clock) *limiter {
	return newLimiter(clk, ThrottleOptions{Decrease: 0.5}.withDefaults())
}

func mustAcquire(t *testing.T, l *limiter) *slot {
	t.Helper()
	s, err := l.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLimiterAIMD: no limit until a throttled reply; then the limit is the
// concurrency times Decrease, lowered once per round (replies to attempts
// sent before the decrease do not lower it again), raised by 1/limit per
// success, and lifted once above the concurrency that was throttled. The
// stats keep the time limited and the lowest and highest limits.
func TestLimiterAIMD(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newTestLimiter(clk)
	var slots []*slot
	for range 8 {
		slots = append(slots, mustAcquire(t, l))
	}
	if st := l.stats(); st.Limit != 0 || st.InFlight != 8 {
		t.Fatalf("before any throttling: %+v", st)
	}
	clk.Advance(time.Second)
	l.release(slots[0], errThrottled) // 8 in flight: limit 4
	if st := l.stats(); st.Limit != 4 || st.Throttled != 1 {
		t.Fatalf("after the first throttled reply: limit %d, want 4", st.Limit)
	}
	for _, s := range slots[1:4] { // sent before the decrease: no change
		l.release(s, errThrottled)
	}
	if st := l.stats(); st.Limit != 4 || st.InFlight != 4 || st.Throttled != 4 {
		t.Fatalf("stale throttled replies lowered the limit: %+v", st)
	}
	// 4 in flight, limit 4: the next acquire waits, in arrival order.
	got := make(chan *slot, 2)
	for range 2 {
		go func() { s, _ := l.acquire(context.Background()); got <- s }()
		waitFor(t, func() bool { return l.stats().Waiting > 0 })
	}
	waitFor(t, func() bool { return l.stats().Waiting == 2 })
	l.release(slots[4], nil) // a success: limit 4.25, one slot free
	fresh := <-got
	if st := l.stats(); st.Waiting != 1 || st.InFlight != 4 {
		t.Fatalf("after one release: %+v, want one waiter served", st)
	}
	l.release(fresh, errThrottled) // sent after the decrease: limit 2
	if st := l.stats(); st.Limit != 2 || st.MinLimit != 2 || st.MaxLimit != 4 {
		t.Fatalf("after a fresh throttled reply: %+v, want limit 2", st)
	}
	// 3 in flight (slots 5-7), limit 2: the waiter waits until two end.
	l.release(slots[5], nil)
	select {
	case <-got:
		t.Fatal("a waiter was served above the limit")
	default:
	}
	l.release(slots[6], nil)
	last := <-got
	l.release(slots[7], nil)
	l.release(last, nil)
	// Successes raise the limit by 1/limit each, up to above 8: lifted.
	clk.Advance(9 * time.Second)
	for range 200 {
		l.release(mustAcquire(t, l), nil)
		if l.stats().Limit == 0 {
			break
		}
	}
	st := l.stats()
	// The limit passes 8 from 7.x: lifted; 7 is the highest it was.
	if st.Limit != 0 || st.MaxLimit != 7 || st.MinLimit != 2 {
		t.Fatalf("after the successes: %+v, want the limit lifted above 8", st)
	}
	if st.ThrottledTime != 9*time.Second || st.PeakInFlight != 8 {
		t.Errorf("throttled for %v (want 9s), peak %d (want 8)", st.ThrottledTime, st.PeakInFlight)
	}
}

// TestLimiterMinAndCancel: the limit never goes below MinConcurrency; a
// waiter whose context ends leaves the queue and takes no slot.
func TestLimiterMinAndCancel(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newTestLimiter(clk)
	s := mustAcquire(t, l)
	l.release(s, errThrottled)
	for range 5 {
		l.release(mustAcquire(t, l), errThrottled)
	}
	if st := l.stats(); st.Limit != 1 {
		t.Fatalf("limit %d, want the minimum 1", st.Limit)
	}
	held := mustAcquire(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := l.acquire(ctx); done <- err }()
	waitFor(t, func() bool { return l.stats().Waiting == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a canceled acquire got a slot")
	}
	if st := l.stats(); st.Waiting != 0 || st.InFlight != 1 {
		t.Fatalf("after the cancel: %+v", st)
	}
	l.release(held, nil)
	l.release(mustAcquire(t, l), nil) // the slot is free again
}

// TestLimiterUsable: a target that throttles every attempt, with no
// success, for UnusableAfter counts as down; one success makes it usable
// again; neutral outcomes change nothing.
func TestLimiterUsable(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newTestLimiter(clk)
	after := 10 * time.Second
	l.release(mustAcquire(t, l), errThrottled)
	clk.Advance(9 * time.Second)
	l.release(mustAcquire(t, l), errThrottled)
	if !l.usable(after) || !l.throttling() {
		t.Fatal("unusable after 9s of throttling")
	}
	clk.Advance(time.Second)
	if l.usable(after) {
		t.Fatal("usable after 10s of nothing but throttled replies")
	}
	if !l.usable(-1) {
		t.Fatal("a negative UnusableAfter must mean never")
	}
	l.release(mustAcquire(t, l), &uploader.Error{Kind: uploader.Canceled})
	if l.usable(after) {
		t.Fatal("a canceled attempt made the target usable")
	}
	l.release(mustAcquire(t, l), nil)
	if !l.usable(after) || l.throttling() {
		t.Fatal("still unusable after a success")
	}
}

// TestRetryBudget: first attempts earn Ratio, time earns Rate per second up
// to 10 seconds' worth; spend fails when empty; reserve goes into debt and
// says how long time takes to pay it.
func TestRetryBudget(t *testing.T) {
	clk := fakeclock.New(lt0)
	b := newRetryBudget(clk, RetryOptions{TargetRetryRatio: 0.5, TargetRetryRate: 0.2})
	// Burst: 10s × 0.2/s = 2 retries.
	if first, second, third := b.spend(), b.spend(), b.spend(); !first || !second || third {
		t.Fatal("the full budget is not 2 retries")
	}
	b.earn()
	b.earn()
	if !b.spend() || b.spend() {
		t.Fatal("two first attempts at 0.5 did not earn exactly one retry")
	}
	clk.Advance(5 * time.Second)
	if !b.spend() || b.spend() {
		t.Fatal("5s at 0.2/s did not earn exactly one retry")
	}
	if d := b.reserve(); d != 5*time.Second {
		t.Fatalf("reserve with an empty budget: wait %v, want 5s", d)
	}
	if d := b.reserve(); d != 10*time.Second {
		t.Fatalf("second reserve: wait %v, want 10s (spaced at the rate)", d)
	}
	if newRetryBudget(clk, RetryOptions{TargetRetryRatio: -1}) != nil {
		t.Fatal("a negative ratio must turn the budget off")
	}
	var off *retryBudget
	if !off.spend() || off.reserve() != 0 {
		t.Fatal("no budget must allow every retry")
	}
}

// waitFor polls cond until goroutines reach the state it checks (up to
// about 30 seconds of scheduling; no result depends on time).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 300000 {
		if cond() {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatal("condition never met")
}
