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
// The algorithm is the one piece meant to change: today an AIMD that acts
// on throttled replies only (see [ThrottleOptions]); an adaptive one (a
// gradient on latency, or AIMD on latency and throttling) implements
// limitAlgorithm and drives the same slots, so a target never has two
// limiters.
//
// Waiting attempts are served in arrival order; a slot freed is handed to
// the first waiter directly. No timer is involved: slots free up when
// attempts end, so the limiter works the same on any Clock.
type limiter struct {
	clock Clock
	algo  limitAlgorithm
	min   int

	mu       sync.Mutex
	inflight int
	limit    float64 // 0: no limit
	epoch    uint64  // bumped at every decrease
	waiters  []*waiter

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
}

// slot is one attempt's permission to run.
type slot struct {
	epoch uint64
	start time.Time
	// inflight counts the attempts in flight when this one started, itself
	// included.
	inflight int
}

// sample is what the limit algorithm learns from one attempt.
type sample struct {
	// Throttled: the target answered Kind Throttled. Fresh: the attempt
	// started after the last decrease, so its reply speaks of the current
	// limit (a reply to an attempt sent at the old rate does not lower the
	// limit twice).
	Throttled, Fresh bool
	// OK: the attempt stored the object.
	OK bool
	// InFlight counts the attempts in flight when it ended, itself
	// included; StartInFlight when it started; RTT is how long it took.
	InFlight, StartInFlight int
	RTT                     time.Duration
}

// limitAlgorithm sets a target's concurrency limit from the attempts'
// outcomes. limit is the current limit, 0 for none; it returns the new one
// (0: none). Calls are serialised by the limiter.
type limitAlgorithm interface {
	update(limit float64, s sample) float64
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

func (a *aimd) update(limit float64, s sample) float64 {
	switch {
	case s.Throttled && s.Fresh:
		if limit == 0 {
			a.ceiling = float64(s.InFlight)
			limit = float64(s.InFlight)
		}
		return max(a.min, math.Floor(limit*a.decrease))
	case s.OK && limit > 0:
		limit += 1 / limit
		if limit > a.ceiling {
			return 0
		}
	}
	return limit
}

func newLimiter(clock Clock, o ThrottleOptions) *limiter {
	return &limiter{clock: clock, min: o.MinConcurrency,
		algo: &aimd{decrease: o.Decrease, min: float64(o.MinConcurrency)}}
}

// room reports whether one more attempt may start; l.mu is held.
func (l *limiter) room() bool {
	return l.limit == 0 || l.inflight < max(l.min, int(l.limit))
}

// acquire waits for a slot, in arrival order, or until ctx ends.
func (l *limiter) acquire(ctx context.Context) (*slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	if len(l.waiters) == 0 && l.room() {
		s := l.take()
		l.mu.Unlock()
		return s, nil
	}
	w := &waiter{ready: make(chan struct{})}
	l.waiters = append(l.waiters, w)
	l.mu.Unlock()
	select {
	case <-w.ready:
		return &slot{epoch: w.epoch, start: l.clock.Now(), inflight: w.inflight}, nil
	case <-ctx.Done():
		l.mu.Lock()
		select {
		case <-w.ready: // granted meanwhile: give the slot back
			l.inflight--
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
func (l *limiter) take() *slot {
	l.inflight++
	l.peak = max(l.peak, l.inflight)
	return &slot{epoch: l.epoch, start: l.clock.Now(), inflight: l.inflight}
}

// grant hands free slots to the first waiters; l.mu is held.
func (l *limiter) grant() {
	for len(l.waiters) > 0 && l.room() {
		w := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.inflight++
		l.peak = max(l.peak, l.inflight)
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
	if k.Neutral() || k == uploader.CircuitOpen {
		l.grant()
		return
	}
	smp := sample{Throttled: k == uploader.Throttled, OK: err == nil, Fresh: s.epoch == l.epoch,
		InFlight: inflight, StartInFlight: s.inflight, RTT: now.Sub(s.start)}
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
	old := l.limit
	l.limit = l.algo.update(old, smp)
	if l.limit < old || (old == 0 && l.limit > 0) {
		l.epoch++
	}
	switch {
	case old == 0 && l.limit > 0:
		l.limitedSince = now
		if l.minLimit == 0 || int(l.limit) < l.minLimit {
			l.minLimit = int(l.limit)
		}
		l.maxLimit = max(l.maxLimit, int(l.limit))
	case old > 0 && l.limit == 0:
		l.limitedTotal += now.Sub(l.limitedSince)
		l.limitedSince = time.Time{}
	case l.limit > 0:
		if int(l.limit) < l.minLimit {
			l.minLimit = int(l.limit)
		}
		l.maxLimit = max(l.maxLimit, int(l.limit))
	}
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
		InFlight:       l.inflight,
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
