package failover

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// limiter bounds the attempts in flight on one cloud target. There is one
// per target, shared by every upload to it: an attempt takes a slot before
// Backend.Put and gives it back with its outcome, and the outcome feeds the
// limit algorithm that sets how many slots there are.
//
// The algorithm is the one piece that changes: an AIMD that acts on
// throttled replies only (see [ThrottleOptions]), or, with
// [ConcurrencyOptions].Adaptive, the gradient of adaptive.go, which acts on
// latency, timeouts and throttled replies alike. Both drive the same slots,
// so a target never has two limiters. The adaptive limiter also bounds the
// bytes in flight (see [ConcurrencyOptions].MemoryBudget).
//
// Waiting attempts are served in arrival order; a slot freed is handed to
// the first waiter directly. No timer is involved: slots free up when
// attempts end, so the limiter works the same on any Clock.
type limiter struct {
	clock    Clock
	algo     limitAlgorithm
	min      int
	adaptive bool
	budget   int64 // the most bytes in flight; 0: no bound

	mu       sync.Mutex
	inflight int
	mem      int64   // the bytes in flight (the slots' costs)
	peakMem  int64   // the most bytes ever in flight
	limit    float64 // 0: no limit
	epoch    uint64  // bumped at every multiplicative decrease
	waiters  []*waiter
	limited  bool // the algorithm holds the limit down after throttling

	// The throttle streak: the first throttled reply since the last
	// success (zero: none), for the unusable threshold.
	streakSince time.Time
	// For the stats.
	limitedSince    time.Time // when the limit was set; zero: no limit now
	limitedTotal    time.Duration
	minLimit        int
	maxLimit        int
	peak            int
	throttled       uint64
	lastThrottledAt time.Time
}

type waiter struct {
	ready    chan struct{}
	epoch    uint64
	inflight int
	cost     int64
}

// slot is one attempt's permission to run.
type slot struct {
	epoch uint64
	start time.Time
	// inflight counts the attempts in flight when this one started, itself
	// included.
	inflight int
	// cost is the bytes this attempt may hold in flight (see
	// attemptCost); size the object's size.
	cost, size int64
}

// sample is what the limit algorithm learns from one attempt.
type sample struct {
	// Throttled: the target answered Kind Throttled; TimedOut: the
	// attempt failed with Kind Timeout. Fresh: the attempt started after
	// the last multiplicative decrease, so its reply speaks of the current
	// limit (a reply to an attempt sent at the old rate does not lower the
	// limit twice).
	Throttled, TimedOut, Fresh bool
	// OK: the attempt stored the object.
	OK bool
	// InFlight counts the attempts in flight when it ended, itself
	// included; StartInFlight when it started; RTT is how long it took.
	InFlight, StartInFlight int
	RTT                     time.Duration
	// Waiting counts the attempts waiting for a slot when it ended.
	Waiting int
	// Size is the object's size; At when the attempt ended.
	Size int64
	At   time.Time
}

// limitAlgorithm sets a target's concurrency limit from the attempts'
// outcomes. limit is the current limit, 0 for none; update returns the new
// one (0: none), and cut when it is a multiplicative decrease (a round
// ends: replies to attempts sent before it are not fresh). limited reports
// whether the limit is held down by throttling now, for the stats. Calls
// are serialised by the limiter.
type limitAlgorithm interface {
	update(limit float64, s sample) (newLimit float64, cut bool)
	limited(limit float64) bool
}

// aimd lowers the limit multiplicatively on a fresh throttled reply and
// raises it by one per limit's worth of successes (one per round, as TCP's
// congestion avoidance does); once it is back above the concurrency that
// was throttled, the limit is lifted.
type aimd struct {
	decrease float64
	min      float64
	ceiling  float64 // the concurrency when the limit was set
}

func (a *aimd) update(limit float64, s sample) (float64, bool) {
	switch {
	case s.Throttled && s.Fresh:
		if limit == 0 {
			a.ceiling = float64(s.InFlight)
			limit = float64(s.InFlight)
		}
		return max(a.min, math.Floor(limit*a.decrease)), true
	case s.OK && limit > 0:
		limit += 1 / limit
		if limit > a.ceiling {
			return 0, false
		}
	}
	return limit, false
}

func (a *aimd) limited(limit float64) bool { return limit > 0 }

func newLimiter(clock Clock, o ThrottleOptions) *limiter {
	return &limiter{clock: clock, min: o.MinConcurrency,
		algo: &aimd{decrease: o.Decrease, min: float64(o.MinConcurrency)}}
}

// newTargetLimiter returns a cloud target's limiter for opts (with its
// defaults set): the adaptive one if opts.Concurrency.Adaptive, else the
// AIMD on throttled replies alone.
func newTargetLimiter(clock Clock, opts Options) *limiter {
	if !opts.Concurrency.Adaptive {
		return newLimiter(clock, opts.Throttle)
	}
	c := opts.Concurrency
	g := newGradient(c, opts.Throttle)
	return &limiter{clock: clock, min: opts.Throttle.MinConcurrency, algo: g, adaptive: true,
		budget: max(c.MemoryBudget, 0), limit: float64(c.Initial),
		minLimit: c.Initial, maxLimit: c.Initial}
}

// room reports whether one more attempt of the given cost may start: the
// limit allows it, and so does the memory budget (one attempt always may,
// however large); l.mu is held.
func (l *limiter) room(cost int64) bool {
	if l.limit != 0 && l.inflight >= max(l.min, int(l.limit)) {
		return false
	}
	return l.budget == 0 || l.inflight == 0 || l.mem+cost <= l.budget
}

// acquire waits for a slot, in arrival order, or until ctx ends.
func (l *limiter) acquire(ctx context.Context) (*slot, error) {
	return l.acquireCost(ctx, 0, 0)
}

// acquireCost is acquire for an attempt that may hold cost bytes in
// flight, of an object of size bytes.
func (l *limiter) acquireCost(ctx context.Context, cost, size int64) (*slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if len(l.waiters) == 0 && l.room(cost) {
		s := l.take(cost)
		l.mu.Unlock()
		s.size = size
		return s, nil
	}
	w := &waiter{ready: make(chan struct{}), cost: cost}
	l.waiters = append(l.waiters, w)
	l.mu.Unlock()
	select {
	case <-w.ready:
		return &slot{epoch: w.epoch, start: l.clock.Now(), inflight: w.inflight, cost: cost, size: size}, nil
	case <-ctx.Done():
		l.mu.Lock()
		select {
		case <-w.ready: // granted meanwhile: give the slot back
			l.inflight--
			l.mem -= cost
			l.grant()
		default:
			for i, x := range l.waiters {
				if x == w {
					l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
					break
				}
			}
		}
		l.mu.Unlock()
		return nil, ctx.Err()
	}
}

// take counts one more attempt in flight; l.mu is held.
func (l *limiter) take(cost int64) *slot {
	l.count(cost)
	return &slot{epoch: l.epoch, start: l.clock.Now(), inflight: l.inflight, cost: cost}
}

// count adds one attempt of cost bytes to those in flight; l.mu is held.
func (l *limiter) count(cost int64) {
	l.inflight++
	l.mem += cost
	l.peak = max(l.peak, l.inflight)
	l.peakMem = max(l.peakMem, l.mem)
}

// grant hands free slots to the first waiters; l.mu is held.
func (l *limiter) grant() {
	for len(l.waiters) > 0 && l.room(l.waiters[0].cost) {
		w := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.count(w.cost)
		w.epoch, w.inflight = l.epoch, l.inflight
		close(w.ready)
	}
}

// release gives s back with the attempt's classified outcome.
func (l *limiter) release(s *slot, err error) {
	now := l.clock.Now()
	k := uploader.KindOf(err)
	l.mu.Lock()
	defer l.mu.Unlock()
	inflight := l.inflight
	l.inflight--
	l.mem -= s.cost
	if k.Neutral() || k == uploader.CircuitOpen {
		l.grant()
		return
	}
	smp := sample{Throttled: k == uploader.Throttled, TimedOut: k == uploader.Timeout, OK: err == nil,
		Fresh: s.epoch == l.epoch, InFlight: inflight, StartInFlight: s.inflight, RTT: now.Sub(s.start),
		Waiting: len(l.waiters), Size: s.size, At: now}
	switch {
	case smp.OK:
		l.streakSince = time.Time{}
	case smp.Throttled:
		l.throttled++
		l.lastThrottledAt = now
		if l.streakSince.IsZero() {
			l.streakSince = now
		}
	}
	var cut bool
	l.limit, cut = l.algo.update(l.limit, smp)
	if cut {
		l.epoch++
	}
	if l.limit > 0 {
		if l.minLimit == 0 || int(l.limit) < l.minLimit {
			l.minLimit = int(l.limit)
		}
		l.maxLimit = max(l.maxLimit, int(l.limit))
	}
	switch was, is := l.limited, l.algo.limited(l.limit); {
	case !was && is:
		l.limitedSince = now
	case was && !is:
		l.limitedTotal += now.Sub(l.limitedSince)
		l.limitedSince = time.Time{}
	}
	l.limited = l.algo.limited(l.limit)
	l.grant()
}

// usable reports whether the target still answers: it is not throttling
// every attempt, with no success, for after or longer (after < 0: never
// unusable).
func (l *limiter) usable(after time.Duration) bool {
	if after < 0 {
		return true
	}
	l.mu.Lock()
	since := l.streakSince
	l.mu.Unlock()
	return since.IsZero() || l.clock.Now().Sub(since) < after
}

// throttling reports whether the target's last outcome was a throttled
// reply (no success since).
func (l *limiter) throttling() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.streakSince.IsZero()
}

// stats returns the limiter's part of a target's stats.
func (l *limiter) stats() ThrottleStats {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := ThrottleStats{
		Throttled:      l.throttled,
		Limit:          int(l.limit),
		Adaptive:       l.adaptive,
		Limited:        l.limited,
		InFlight:       l.inflight,
		BytesInFlight:  l.mem,
		PeakBytes:      l.peakMem,
		Waiting:        len(l.waiters),
		PeakInFlight:   l.peak,
		MinLimit:       l.minLimit,
		MaxLimit:       l.maxLimit,
		ThrottledTime:  l.limitedTotal,
		LastThrottled:  l.lastThrottledAt,
		ThrottledSince: l.streakSince,
	}
	if !l.limitedSince.IsZero() {
		st.ThrottledTime += now.Sub(l.limitedSince)
	}
	return st
}
