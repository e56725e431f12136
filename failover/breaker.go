package failover

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/resilient-upload/upload/uploader"
)

// State is the state of a target's circuit breaker.
type State int

// The breaker states.
const (
	// Closed: calls go through; failures are counted.
	Closed State = iota
	// HalfOpen: a few trial calls go through; their outcome closes or
	// reopens the breaker.
	HalfOpen
	// Open: every call is refused (Kind CircuitOpen) until the open period
	// ends or a health probe succeeds.
	Open
)

// String returns "closed", "half-open" or "open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return "unknown"
}

// errReleased is passed to gobreaker to give back a call it admitted that
// this layer then refused; gobreaker excludes it from every count.
var errReleased = errors.New("failover: call released")

// breaker is the circuit breaker of one cloud target: a gobreaker v2
// TwoStepCircuitBreaker for the state machine (closed, open, half-open, the
// half-open trial count, generations, exclusions), plus the two pieces that
// depend on time, kept here on the injected Clock because gobreaker reads
// time.Now itself:
//
//   - the rolling window of counted failures, whose verdict gobreaker reads
//     through ReadyToTrip; and
//   - the open period (the gate): gobreaker's own Timeout is 1ns, so
//     gobreaker would go half-open on its next call; the gate refuses every
//     call until the open period has passed on Clock, or a probe lifts it.
//
// gobreaker calls IsExcluded, IsSuccessful, ReadyToTrip and OnStateChange
// under its own mutex, in that order for one outcome; tripNext and cause are
// only touched there.
type breaker struct {
	name  string
	clock Clock
	opts  BreakerOptions
	cb    *gobreaker.TwoStepCircuitBreaker[struct{}]
	win   window

	gate  atomic.Int64 // UnixNano on clock until which calls are refused; 0: none
	opens atomic.Uint64

	// Under gobreaker's mutex.
	tripNext bool
	cause    uploader.Kind
	streak   int // counted failures in a row

	// fatalOpen reports that the breaker last opened on a fatal Kind;
	// reopened, that it opened again after a failed half-open trial (the
	// target is still down after an open period). Both end when it closes.
	fatalOpen atomic.Bool
	reopened  atomic.Bool

	// paced, if set, reports a throttled reply from a target that is
	// still usable: excluded from every count (see ThrottleOptions).
	paced func(error) bool

	pendMu  sync.Mutex
	pending []Event
	// halfOpen is gobreaker's open→half-open change, held back until a
	// trial is let through (see trialAdmitted); nil if none is held.
	halfOpen *Event
	emit     func(Event)
}

func newBreaker(name string, clock Clock, opts BreakerOptions, emit func(Event)) *breaker {
	b := &breaker{name: name, clock: clock, opts: opts, emit: emit}
	b.win.init(opts.Window, opts.BucketPeriod)
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: uint32(opts.HalfOpenRequests),
		// No Interval or BucketPeriod: the window is ours, on Clock.
		// Timeout 1ns: the open period is ours, on Clock (the gate).
		Timeout:       time.Nanosecond,
		IsExcluded:    b.isExcluded,
		IsSuccessful:  b.isSuccessful,
		ReadyToTrip:   b.readyToTrip,
		OnStateChange: b.onStateChange,
	})
	return b
}

// excluded reports whether an outcome is neither a success nor a failure of
// the target: the caller gave up or the request was wrong (Neutral kinds),
// or a nested breaker refused it.
func excluded(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errReleased) {
		return true
	}
	k := uploader.KindOf(err)
	return k.Neutral() || k == uploader.CircuitOpen
}

func (b *breaker) isExcluded(err error) bool {
	return excluded(err) || (b.paced != nil && b.paced(err))
}

func (b *breaker) isSuccessful(err error) bool {
	ok := err == nil
	fails, total := b.win.record(b.clock.Now(), !ok)
	b.tripNext = false
	if ok {
		b.streak = 0
	} else {
		b.streak++
		k := uploader.KindOf(err)
		b.cause = k
		b.tripNext = k.Fatal() ||
			(b.opts.Consecutive > 0 && b.streak >= b.opts.Consecutive) ||
			(b.opts.Failures > 0 && fails >= b.opts.Failures) ||
			(b.opts.Ratio > 0 && total >= b.opts.MinRequests && float64(fails) >= b.opts.Ratio*float64(total))
	}
	return ok
}

func (b *breaker) readyToTrip(gobreaker.Counts) bool {
	t := b.tripNext
	b.tripNext = false
	return t
}

func (b *breaker) onStateChange(_ string, from, to gobreaker.State) {
	now := b.clock.Now()
	ev := Event{Type: EventBreaker, Time: now, Target: b.name, From: stateOf(from), To: stateOf(to)}
	if to == gobreaker.StateOpen {
		b.gate.Store(now.Add(b.opts.OpenTimeout).UnixNano())
		b.opens.Add(1)
		b.fatalOpen.Store(b.cause.Fatal())
		b.reopened.Store(from == gobreaker.StateHalfOpen)
		ev.Kind = b.cause
	}
	if to == gobreaker.StateClosed {
		b.fatalOpen.Store(false)
		b.reopened.Store(false)
	}
	b.streak = 0
	b.win.reset()
	b.pendMu.Lock()
	if to == gobreaker.StateHalfOpen {
		// gobreaker turns half-open on whatever call comes after its 1ns
		// Timeout, even one the gate refuses or the end of a call admitted
		// before the opening: report the change when a trial goes through.
		b.halfOpen = &ev
	} else {
		b.halfOpen = nil
		b.pending = append(b.pending, ev)
	}
	b.pendMu.Unlock()
}

// trialAdmitted queues the held open→half-open change, if any, dated now:
// a call has just been let through as a half-open trial.
func (b *breaker) trialAdmitted() {
	b.pendMu.Lock()
	if ev := b.halfOpen; ev != nil {
		b.halfOpen = nil
		ev.Time = b.clock.Now()
		b.pending = append(b.pending, *ev)
	}
	b.pendMu.Unlock()
}

// flush emits the state changes gobreaker reported, outside its lock.
func (b *breaker) flush() {
	b.pendMu.Lock()
	p := b.pending
	b.pending = nil
	b.pendMu.Unlock()
	for _, ev := range p {
		b.emit(ev)
	}
}

func stateOf(s gobreaker.State) State {
	switch s {
	case gobreaker.StateClosed:
		return Closed
	case gobreaker.StateHalfOpen:
		return HalfOpen
	}
	return Open
}

// gated reports whether the open period is still running.
func (b *breaker) gated() bool {
	g := b.gate.Load()
	return g != 0 && b.clock.Now().UnixNano() < g
}

// allow asks the breaker to let one call through. It returns the function
// that reports the call's outcome (the classified error, nil for success),
// or an error if the breaker refuses the call.
func (b *breaker) allow() (done func(error), err error) {
	if b.gated() {
		return nil, gobreaker.ErrOpenState
	}
	d, err := b.cb.Allow()
	b.flush()
	if err != nil {
		return nil, err
	}
	// The breaker may have opened between the check above and Allow; then
	// Allow admitted this call as a half-open trial, which the gate forbids.
	if b.gated() {
		d(errReleased)
		b.flush()
		return nil, gobreaker.ErrOpenState
	}
	b.trialAdmitted()
	b.flush()
	return func(err error) {
		d(err)
		b.flush()
	}, nil
}

// state returns the breaker's state now.
func (b *breaker) state() State {
	if b.gated() {
		return Open
	}
	s := b.cb.State()
	b.flush()
	return stateOf(s)
}

// lift ends the open period now (a probe succeeded); it reports whether the
// breaker was open.
func (b *breaker) lift() bool {
	for {
		g := b.gate.Load()
		if g == 0 || b.clock.Now().UnixNano() >= g {
			return false
		}
		if b.gate.CompareAndSwap(g, 0) {
			return true
		}
	}
}

// window counts outcomes in a rolling window on the injected clock: a ring
// of buckets, each BucketPeriod long, that together span Window.
type window struct {
	mu      sync.Mutex
	period  int64
	buckets []bucket
}

type bucket struct {
	idx          int64 // which period (time / period) the counts are of
	fails, total int
}

func (w *window) init(span, period time.Duration) {
	w.period = int64(period)
	n := int(span / period)
	if n < 1 {
		n = 1
	}
	w.buckets = make([]bucket, n)
}

// record adds one outcome at now and returns the failures and outcomes in
// the window ending at now.
func (w *window) record(now time.Time, failed bool) (fails, total int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cur := now.UnixNano() / w.period
	n := int64(len(w.buckets))
	bk := &w.buckets[((cur%n)+n)%n]
	if bk.idx != cur {
		*bk = bucket{idx: cur}
	}
	bk.total++
	if failed {
		bk.fails++
	}
	for _, b := range w.buckets {
		if b.idx > cur-n && b.idx <= cur {
			fails += b.fails
			total += b.total
		}
	}
	return fails, total
}

// counts returns the failures and outcomes in the window ending at now.
func (w *window) counts(now time.Time) (fails, total int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cur := now.UnixNano() / w.period
	n := int64(len(w.buckets))
	for _, b := range w.buckets {
		if b.idx > cur-n && b.idx <= cur {
			fails += b.fails
			total += b.total
		}
	}
	return fails, total
}

func (w *window) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.buckets {
		w.buckets[i] = bucket{}
	}
}
