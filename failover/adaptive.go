package failover

import (
	"math"
	"math/bits"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// ConcurrencyOptions sets the adaptive concurrency limit of each cloud
// target. With Adaptive off (the zero value) a target has no limit until
// it throttles (see [ThrottleOptions]) and the caller's own concurrency
// sets the pace. With Adaptive on, each target's limiter finds the
// concurrency that the link and the server sustain, so that the caller may
// keep up to Max uploads going and let the limiter decide how many run.
//
// The algorithm is a gradient on latency, in the style of Netflix's
// concurrency-limits and of TCP Vegas: each successful attempt's time is
// compared with the shortest recent time of attempts of a similar size
// (sizes are grouped by powers of four from 64 KiB, and the shortest is
// kept over two 10-second windows), and a moving average of that ratio
// says whether requests queue. While it stays within Tolerance the limit
// grows (by about √limit per attempt, smoothed, so it roughly doubles per
// round trip at first): throughput rises with concurrency when latency
// does not. When latency rises beyond Tolerance the limit shrinks toward
// limit·Tolerance/ratio. A throttled reply (429, 503 SlowDown, the
// vendors' QPS codes) or a timeout multiplies the limit by
// [ThrottleOptions].Decrease (0.7), once per round, as the AIMD does
// without Adaptive; after that the limit grows by one per round at most
// (congestion avoidance), as TCP does after a loss. The limit does not
// grow while fewer than half of it are in flight (no evidence).
//
// The limit stays within [ThrottleOptions].MinConcurrency and Max, and the
// attempts in flight on a target also stay within MemoryBudget: each
// counts the bytes it may hold at once, its size for a single request, or
// part size × PartJobs for a multipart upload (one attempt always may
// start, however large). The Retry-After of a throttled reply, the
// breaker, and the queueing of uploads with nowhere else to go work as
// without Adaptive: one limiter per target does both.
type ConcurrencyOptions struct {
	// Adaptive turns the adaptive limit on.
	Adaptive bool
	// Initial is the limit a target starts with. Zero means 16.
	Initial int
	// Max is the highest limit. Zero means 256, which is also the idle
	// connection pool of each backend's transport, so that every attempt
	// in flight can keep its connection.
	Max int
	// Tolerance is how much longer than the shortest recent time an
	// attempt may take, on average, before the limit shrinks. Zero means 2.
	Tolerance float64
	// MemoryBudget bounds the bytes the attempts in flight on one target
	// may hold (see above). Zero means 256 MiB; a negative value means no
	// bound.
	MemoryBudget int64
	// PartJobs is the parts of one multipart upload in flight at once,
	// for the memory estimate. Zero means 4, the backends' default.
	PartJobs int
}

// Defaults of ConcurrencyOptions.
const (
	DefaultInitialConcurrency = 16
	DefaultMaxConcurrency     = 256
	DefaultTolerance          = 2.0
	DefaultMemoryBudget       = 256 << 20
	DefaultPartJobs           = 4
)

func (o ConcurrencyOptions) withDefaults(minimum int) ConcurrencyOptions {
	if o.Max <= 0 {
		o.Max = DefaultMaxConcurrency
	}
	o.Max = max(o.Max, minimum)
	if o.Initial <= 0 {
		o.Initial = DefaultInitialConcurrency
	}
	o.Initial = min(max(o.Initial, minimum), o.Max)
	if o.Tolerance <= 1 {
		o.Tolerance = DefaultTolerance
	}
	if o.MemoryBudget == 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	if o.PartJobs <= 0 {
		o.PartJobs = DefaultPartJobs
	}
	return o
}

// attemptCost is what an attempt with an object of size bytes counts
// against the memory budget: size for a single request, part size ×
// partJobs (at most size) for a multipart upload.
func (t *target) attemptCost(size int64, partJobs int) int64 {
	if ps, ok := t.b.(uploader.PartSizer); ok {
		if p := ps.PartSize(size); p > 0 {
			return min(size, p*int64(max(partJobs, 1)))
		}
	}
	return size
}

// The gradient's constants.
const (
	// minGradient bounds one round's shrink, maxGrowth one round's growth.
	minGradient, maxGrowth = 0.5, 2.0
	// calmRatio: a round whose latency ratio is at most this ends
	// congestion avoidance (the link has room again).
	calmRatio = 1.2
	// baseWindow is how long the shortest time of a size class is kept:
	// over the current and the previous window, so a link that became
	// slower for good is learnt within two windows.
	baseWindow = 10 * time.Second
	// numClasses is the number of size classes: up to 64 KiB, then
	// powers of four.
	numClasses = 12
)

// gradient is the adaptive limit algorithm (see [ConcurrencyOptions]). It
// changes the limit once per round: when as many attempts as the limit,
// all started after the last change, have succeeded, their mean latency
// ratio (time over the shortest recent time of their size class) sets the
// next limit. Only attempts sent at the current limit speak of it.
type gradient struct {
	min, max  float64
	decrease  float64
	tolerance float64
	// ssthresh is the limit from which growth is additive, set at each
	// decrease (+Inf before the first, and again once latency is calm
	// after a decrease on latency; a throttled reply or a timeout keeps
	// growth additive).
	ssthresh  float64
	onLatency bool // the last decrease was on latency
	// ceiling is the limit before the last throttled decrease; throttled
	// reports that the limit has not grown back to it yet.
	ceiling   float64
	throttled bool
	// The round: it began at changed; n attempts sent since have
	// succeeded, with latency ratios summing to sum.
	changed time.Time
	n       int
	sum     float64
	base    [numClasses]minFilter
}

func newGradient(c ConcurrencyOptions, t ThrottleOptions) *gradient {
	return &gradient{min: float64(t.MinConcurrency), max: float64(c.Max), decrease: t.Decrease,
		tolerance: c.Tolerance, ssthresh: math.Inf(1)}
}

func (g *gradient) limited(float64) bool { return g.throttled }

func (g *gradient) update(limit float64, s sample) (float64, bool) {
	switch {
	case s.Throttled || s.TimedOut:
		if !s.Fresh {
			return limit, false
		}
		if s.Throttled && !g.throttled {
			g.ceiling, g.throttled = limit, true
		}
		nl := max(g.min, math.Floor(limit*g.decrease))
		g.ssthresh, g.onLatency = nl, false
		g.newRound(s.At)
		return nl, true
	case !s.OK:
		return limit, false // the breaker's business, not the limit's
	}
	base := g.base[sizeClass(s.Size)].observe(s.RTT, s.At)
	if s.At.Add(-s.RTT).Before(g.changed) {
		return limit, false // sent before the last change
	}
	r := 1.0
	if base > 0 {
		r = float64(s.RTT) / float64(base)
	}
	g.n++
	g.sum += r
	if float64(g.n) < limit {
		return limit, false
	}
	ratio := g.sum / float64(g.n)
	g.newRound(s.At)
	nl := limit
	switch {
	case ratio > g.tolerance:
		nl = limit * max(minGradient, g.tolerance/ratio)
		g.ssthresh, g.onLatency = nl, true
	case s.Waiting == 0 && float64(s.InFlight) < limit/2:
		// Too few in flight to tell whether more would help.
	case limit < g.ssthresh:
		nl = max(limit+1, limit*min(maxGrowth, g.tolerance/ratio))
		nl = min(nl, max(g.ssthresh, limit+1))
	default:
		nl = limit + 1
		if ratio <= calmRatio && g.onLatency {
			g.ssthresh = math.Inf(1)
		}
	}
	nl = min(g.max, max(g.min, math.Floor(nl)))
	if g.throttled && nl >= g.ceiling {
		g.throttled = false
	}
	return nl, false
}

// newRound starts a round at now.
func (g *gradient) newRound(now time.Time) {
	g.changed, g.n, g.sum = now, 0, 0
}

// sizeClass groups sizes by powers of four from 64 KiB.
func sizeClass(size int64) int {
	const unit = 64 << 10
	if size <= unit {
		return 0
	}
	c := (bits.Len64(uint64((size-1)/unit)) + 1) / 2
	return min(c, numClasses-1)
}

// minFilter keeps the shortest time seen over the current window and the
// previous one.
type minFilter struct {
	start     time.Time
	cur, prev time.Duration
}

// observe adds d, seen at now, and returns the shortest time kept.
func (f *minFilter) observe(d time.Duration, now time.Time) time.Duration {
	if f.start.IsZero() || now.Sub(f.start) >= baseWindow {
		if now.Sub(f.start) >= 2*baseWindow {
			f.cur = 0
		}
		f.prev, f.cur, f.start = f.cur, 0, now
	}
	if d > 0 && (f.cur == 0 || d < f.cur) {
		f.cur = d
	}
	switch {
	case f.prev == 0:
		return f.cur
	case f.cur == 0:
		return f.prev
	}
	return min(f.cur, f.prev)
}
