package failover

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover/internal/fakeclock"
	"github.com/resilient-upload/upload/uploader"
)

var errTimeout = &uploader.Error{Kind: uploader.Timeout, Message: "attempt timed out"}

// newAdaptive returns an adaptive limiter with c (and MinConcurrency min).
func newAdaptive(clk *fakeclock.Clock, min int, c ConcurrencyOptions) *limiter {
	c.Adaptive = true
	o := Options{Clock: clk, Throttle: ThrottleOptions{MinConcurrency: min}, Concurrency: c}.withDefaults()
	return newTargetLimiter(clk, o)
}

// tryAcquire takes a slot of cost bytes if one is free now, without
// waiting.
func tryAcquire(l *limiter, cost int64) *slot {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.waiters) > 0 || !l.room(cost) {
		return nil
	}
	return l.take(cost)
}

// flight is an attempt of the simulation: its slot and when it ends.
type flight struct {
	s   *slot
	end time.Time
}

// sim drives a limiter with a model of a server on the fake clock: it
// keeps as many attempts in flight as the limiter lets through (a caller
// with plenty of work, as the CLI with --jobs auto), each taking
// rtt(attempts in flight when it started), and ends them in time order with
// outcome(). It records the limit after each attempt and the completions.
type sim struct {
	t       *testing.T
	clk     *fakeclock.Clock
	l       *limiter
	rtt     func(inflight int) time.Duration
	outcome func() error
	flying  []flight
	limits  []int
	done    int
	// reachedMax is when the limit first reached its Max (0: never).
	reachedMax time.Duration
}

func (s *sim) run(steps int) {
	for range steps {
		for {
			sl := tryAcquire(s.l, 0)
			if sl == nil {
				break
			}
			sl.size = 16 << 10
			s.flying = append(s.flying, flight{sl, s.clk.Now().Add(s.rtt(sl.inflight))})
		}
		if len(s.flying) == 0 {
			s.t.Fatal("the limiter let nothing through")
		}
		i := 0
		for j, f := range s.flying {
			if f.end.Before(s.flying[i].end) {
				i = j
			}
		}
		f := s.flying[i]
		s.flying = slices.Delete(s.flying, i, i+1)
		if d := f.end.Sub(s.clk.Now()); d > 0 {
			s.clk.Advance(d)
		}
		var err error
		if s.outcome != nil {
			err = s.outcome()
		}
		s.l.release(f.s, err)
		s.done++
		st := s.l.stats()
		s.limits = append(s.limits, st.Limit)
		if st.Limit == int(s.l.algo.(*gradient).max) && s.reachedMax == 0 {
			s.reachedMax = s.clk.Now().Sub(lt0)
		}
	}
}

func flat(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }

// TestAdaptiveGrowsWhileLatencyIsFlat: over a link whose latency does not
// rise with concurrency (a long round trip, a server with room), the limit
// grows, never falls, quickly (about doubling per round trip at first), up
// to Max and never past it.
func TestAdaptiveGrowsWhileLatencyIsFlat(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newAdaptive(clk, 1, ConcurrencyOptions{Initial: 4, Max: 64})
	s := &sim{t: t, clk: clk, l: l, rtt: flat(80 * time.Millisecond)}
	s.run(400)
	for i := 1; i < len(s.limits); i++ {
		if s.limits[i] < s.limits[i-1] {
			t.Fatalf("the limit fell from %d to %d at attempt %d with flat latency", s.limits[i-1], s.limits[i], i)
		}
	}
	st := l.stats()
	if st.Limit != 64 || st.MaxLimit != 64 || st.PeakInFlight > 64 {
		t.Fatalf("after 400 attempts: %+v, want the limit at Max 64 and never above", st)
	}
	// Growth is multiplicative (about doubling per round trip): 4 to 64
	// within 8 round trips, where one per round would need 60.
	if s.reachedMax > 8*80*time.Millisecond {
		t.Errorf("the limit reached 64 after %v, more than 8 round trips", s.reachedMax)
	}
	if !st.Adaptive || st.Limited || st.Throttled != 0 {
		t.Errorf("stats: %+v", st)
	}
}

// TestAdaptiveSettlesWhereLatencyRises: against a server that completes
// capacity attempts per round trip, so that latency grows with the
// attempts in flight beyond capacity, the limit settles around capacity
// (throughput within 10% of the server's) and well below Max (no pointless
// queue).
func TestAdaptiveSettlesWhereLatencyRises(t *testing.T) {
	const capacity = 16
	base := 10 * time.Millisecond
	clk := fakeclock.New(lt0)
	l := newAdaptive(clk, 1, ConcurrencyOptions{Initial: 4, Max: 256})
	s := &sim{t: t, clk: clk, l: l, rtt: func(n int) time.Duration {
		return base * time.Duration(max(n, capacity)) / capacity
	}}
	s.run(4000)
	mark := clk.Now()
	s.run(1000)
	last := s.limits[len(s.limits)-1000:]
	lo, hi := slices.Min(last), slices.Max(last)
	if lo < capacity*3/4 || hi > 4*capacity {
		t.Fatalf("over the last 1000 attempts the limit went from %d to %d, want within [%d, %d]", lo, hi, capacity*3/4, 4*capacity)
	}
	// The throughput of the last 1000 is close to the server's: capacity
	// attempts per base.
	if took, best := clk.Now().Sub(mark), 1000*base/capacity; took > best*11/10 {
		t.Errorf("the last 1000 attempts took %v, more than 10%% over the server's best %v", took, best)
	}
}

// TestAdaptiveBacksOffOnLatencyRiseAndRecovers: when every attempt
// suddenly takes four times as long at the same concurrency (a congested
// link), the limit is cut; since throughput then still grows with
// concurrency, it grows back to Max.
func TestAdaptiveBacksOffOnLatencyRiseAndRecovers(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newAdaptive(clk, 1, ConcurrencyOptions{Initial: 64, Max: 64})
	rtt := 10 * time.Millisecond
	s := &sim{t: t, clk: clk, l: l, rtt: func(int) time.Duration { return rtt }}
	s.run(500)
	if got := l.stats().Limit; got != 64 {
		t.Fatalf("limit %d before the rise, want 64", got)
	}
	rtt = 40 * time.Millisecond
	s.run(300)
	low := l.stats().MinLimit
	if low > 44 {
		t.Fatalf("lowest limit %d after latency rose fourfold, want it cut to 44 (64 × 0.7) or below", low)
	}
	for range 100 {
		s.run(500)
		if l.stats().Limit == 64 {
			break
		}
	}
	if st := l.stats(); st.Limit != 64 || st.MinLimit > low {
		t.Fatalf("after %v the limit is %d (lowest %d), want it back at 64", clk.Now().Sub(lt0), st.Limit, st.MinLimit)
	}
}

// TestAdaptiveThrottleAndTimeout: a throttled reply multiplies the limit
// by Decrease once per round (replies to attempts sent before the cut do
// not cut again), growth is then additive (one per round), the target
// counts as limited until the limit is back where it was; a timeout cuts
// the same way without counting as throttling; the limit never goes below
// MinConcurrency.
func TestAdaptiveThrottleAndTimeout(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newAdaptive(clk, 2, ConcurrencyOptions{Initial: 40, Max: 40})
	var slots []*slot
	for range 40 {
		slots = append(slots, tryAcquire(l, 0))
	}
	if slices.Contains(slots, nil) || tryAcquire(l, 0) != nil {
		t.Fatal("the limiter did not let exactly its limit of 40 through")
	}
	clk.Advance(100 * time.Millisecond)
	l.release(slots[0], errThrottled)
	if st := l.stats(); st.Limit != 28 || !st.Limited || st.Throttled != 1 {
		t.Fatalf("after a throttled reply: %+v, want limit 28 (40 × 0.7), limited", st)
	}
	for _, s := range slots[1:10] { // sent before the cut
		l.release(s, errThrottled)
	}
	if st := l.stats(); st.Limit != 28 {
		t.Fatalf("stale throttled replies cut again: limit %d", st.Limit)
	}
	for _, s := range slots[10:] {
		l.release(s, nil)
	}
	// Growth is now additive: one per round of 28 successes, with the
	// attempts in flight at the limit.
	sm := &sim{t: t, clk: clk, l: l, rtt: flat(10 * time.Millisecond)}
	sm.run(28 * 3)
	if got := l.stats().Limit; got < 29 || got > 31 {
		t.Fatalf("limit %d after three rounds of successes following a cut, want 29 to 31 (one per round)", got)
	}
	if !l.stats().Limited {
		t.Fatal("no longer limited before the limit is back at 40")
	}
	start := clk.Now()
	for range 100 {
		if !l.stats().Limited {
			break
		}
		sm.run(40)
	}
	// ThrottledTime runs from the cut to the recovery.
	if st := l.stats(); st.Limited || st.Limit < 40 || st.ThrottledTime < clk.Now().Sub(start) {
		t.Fatalf("after the recovery: %+v, want limit 40, not limited, throttled until then", st)
	}
	for _, f := range sm.flying {
		l.release(f.s, nil)
	}
	// A timeout cuts, fresh only, without counting as throttling.
	l.release(mustAcquire(t, l), errTimeout)
	if st := l.stats(); st.Limit != 28 || st.Limited || st.Throttled != 10 {
		t.Fatalf("after a timeout: %+v, want limit 28, not limited", st)
	}
	// Fresh throttled replies, one after another: down to the minimum.
	for range 20 {
		l.release(mustAcquire(t, l), errThrottled)
	}
	if st := l.stats(); st.Limit != 2 || st.MinLimit != 2 {
		t.Fatalf("after many cuts: %+v, want the minimum 2", st)
	}
	// Other failures are the breaker's business: no change.
	l.release(mustAcquire(t, l), &uploader.Error{Kind: uploader.Unavailable, Status: 500})
	if st := l.stats(); st.Limit != 2 {
		t.Fatalf("a 500 changed the limit to %d", st.Limit)
	}
}

// TestAdaptiveAppLimited: with fewer than half of the limit in flight and
// nobody waiting, successes are no evidence that more would help: the
// limit does not grow.
func TestAdaptiveAppLimited(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newAdaptive(clk, 1, ConcurrencyOptions{Initial: 16, Max: 256})
	for range 1000 {
		s := mustAcquire(t, l)
		clk.Advance(10 * time.Millisecond)
		l.release(s, nil)
	}
	if got := l.stats().Limit; got != 16 {
		t.Fatalf("limit %d after one-at-a-time successes, want 16 unchanged", got)
	}
}

// TestAdaptiveMemoryBudget: the attempts in flight stay within the memory
// budget whatever the limit allows, served in arrival order; one attempt
// larger than the whole budget still runs, alone.
func TestAdaptiveMemoryBudget(t *testing.T) {
	clk := fakeclock.New(lt0)
	l := newAdaptive(clk, 1, ConcurrencyOptions{Initial: 16, MemoryBudget: 100})
	a, b := tryAcquire(l, 40), tryAcquire(l, 40)
	if a == nil || b == nil {
		t.Fatal("two attempts of 40 within a budget of 100 were refused")
	}
	if tryAcquire(l, 40) != nil {
		t.Fatal("a third attempt of 40 went past the budget of 100")
	}
	got := make(chan *slot)
	go func() { s, _ := l.acquireCost(context.Background(), 40, 40); got <- s }()
	waitFor(t, func() bool { return l.stats().Waiting == 1 })
	if tryAcquire(l, 10) != nil {
		t.Fatal("a small attempt went ahead of the waiting one")
	}
	l.release(a, nil)
	c := <-got
	if st := l.stats(); st.BytesInFlight != 80 || st.PeakBytes != 80 {
		t.Fatalf("bytes in flight %d (peak %d), want 80", st.BytesInFlight, st.PeakBytes)
	}
	l.release(b, nil)
	l.release(c, nil)
	huge := tryAcquire(l, 1000)
	if huge == nil {
		t.Fatal("an attempt larger than the budget never runs")
	}
	if tryAcquire(l, 1) != nil {
		t.Fatal("an attempt ran beside one larger than the budget")
	}
	l.release(huge, nil)
	if st := l.stats(); st.BytesInFlight != 0 {
		t.Fatalf("%d bytes still counted in flight", st.BytesInFlight)
	}
}

// partSized is a backend that cuts objects above 64 bytes into parts of 10.
type partSized struct{ uploader.Backend }

func (partSized) PartSize(size int64) int64 {
	if size > 64 {
		return 10
	}
	return 0
}

// TestAttemptCost: a single request counts its size; a multipart upload
// its part size times the parts in flight, at most its size.
func TestAttemptCost(t *testing.T) {
	tg := &target{b: partSized{}}
	for _, c := range []struct {
		size int64
		jobs int
		want int64
	}{{50, 4, 50}, {100, 4, 40}, {100, 20, 100}, {1000, 1, 10}} {
		if got := tg.attemptCost(c.size, c.jobs); got != c.want {
			t.Errorf("cost of %d bytes with %d part jobs: %d, want %d", c.size, c.jobs, got, c.want)
		}
	}
	if got := (&target{}).attemptCost(7, 4); got != 7 {
		t.Errorf("cost without a PartSizer: %d, want the size 7", got)
	}
}

// TestConcurrencyDefaults: the documented defaults, and bounds that make
// sense whatever is asked.
func TestConcurrencyDefaults(t *testing.T) {
	c := ConcurrencyOptions{}.withDefaults(1)
	if c.Initial != 128 || c.Max != 256 || c.Tolerance != 2 || c.MemoryBudget != 256<<20 || c.PartJobs != 4 {
		t.Fatalf("defaults: %+v", c)
	}
	c = ConcurrencyOptions{Initial: 500, Max: 8}.withDefaults(10)
	if c.Max != 10 || c.Initial != 10 {
		t.Fatalf("Max below the minimum, Initial above Max: %+v, want both 10", c)
	}
}

// TestAdaptiveShortBatchOnLongLink: a batch of 1,000 small files over an
// 80 ms round trip to a server whose latency grows smoothly with the
// attempts in flight (each adds 1/600 s: throughput rises with concurrency
// all the way, ever more slowly, as measured through a delaying proxy).
// The adaptive limit, starting from its default, finishes within 10% of
// the time of the best fixed limit (Max): the ramp is short next to the
// batch, and a raise that pays little still pays.
func TestAdaptiveShortBatchOnLongLink(t *testing.T) {
	rtt := func(n int) time.Duration {
		return 80*time.Millisecond + time.Duration(n)*time.Second/600
	}
	batch := func(c ConcurrencyOptions) time.Duration {
		clk := fakeclock.New(lt0)
		s := &sim{t: t, clk: clk, l: newAdaptive(clk, 1, c), rtt: rtt}
		s.run(1000)
		return clk.Now().Sub(lt0)
	}
	fixed := batch(ConcurrencyOptions{Initial: 256, Max: 256})
	auto := batch(ConcurrencyOptions{Max: 256})
	t.Logf("1,000 attempts: fixed 256 in %v, adaptive in %v (%.2fx the throughput)", fixed, auto, fixed.Seconds()/auto.Seconds())
	if auto > fixed*11/10 {
		t.Errorf("the adaptive limit took %v, more than 10%% over the fixed limit's %v", auto, fixed)
	}
}
