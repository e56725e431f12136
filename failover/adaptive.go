package failover

import (
	"math"
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
// The algorithm climbs the throughput curve, the way TCP and Netflix's
// concurrency-limits (Gradient2) look for the knee where requests start to
// queue, but on throughput measured by Little's law rather than on a
// latency baseline (on a busy machine, the shortest latency is a poor
// baseline). It works in rounds: a round ends when as many attempts as the
// limit (half the limit in slow start, at least 8), all sent after the
// round began, have succeeded. Their mean concurrency N and mean time R
// give the round's throughput N/R. The limit starts at Initial, 128, so
// that a long round trip (a cross-region upload) starts near its pace. A
// step is the rounds at one limit: when concurrency went up from the
// previous step and at least 10% of it turned into throughput, the limit
// grows again: doubling per round at first (slow start, about one round
// trip per doubling), then by half (a step large enough to stand out of
// noisy rounds). When it did not, the step gets a second round, and the
// two rounds averaged decide, so that one slow round on a busy machine
// does not undo a doubling: if the added requests only queued, the limit
// goes half way back after a doubling (which ends slow start), else to 0.9
// times the previous step's, so that it keeps probing the knee from both
// sides. When the mean time of two rounds grew by Tolerance or more at no
// higher concurrency (the link or the server slowed down), the limit is
// multiplied by [ThrottleOptions].Decrease (0.7); one slow round leaves it
// alone. So is it at a throttled reply (429, 503 SlowDown, the vendors'
// QPS codes) or a timeout, at once and once per round, as the AIMD does
// without Adaptive; after a throttled reply it grows by one per round
// until it is back where it was. The limit does not grow while fewer than
// half of it are in flight (no evidence).
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
	// Initial is the limit a target starts with. Zero means 128: about
	// what a cross-region round trip (80 ms) needs for small files, so
	// that a short batch is not spent ramping up; on a short round trip,
	// the limit comes down where concurrency no longer pays.
	Initial int
	// Max is the highest limit. Zero means 256, which is also the idle
	// connection pool of each backend's transport, so that every attempt
	// in flight can keep its connection.
	Max int
	// Tolerance is how much the mean time of a round may grow over the
	// previous round's, at no higher concurrency, before the limit is cut.
	// Zero means 2.
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
	DefaultInitialConcurrency = 128
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

// The algorithm's constants.
const (
	// minRound is the fewest fresh successes that end a round.
	minRound = 8
	// minGain is the share of added concurrency that must turn into
	// throughput for the limit to keep growing. It is well below 1: the
	// attempts that follow a raise also open new connections, which
	// costs them a round trip more; and the last doublings before the
	// link's pace is reached pay little each (on a loaded 2-core machine
	// at 80 ms, 256 small files at once still beat 128), while a limit
	// past the knee only queues, which costs no throughput. A smaller
	// share is lost in the noise of one round; decisions down average
	// two.
	minGain = 0.1
	// appLimited: a round whose mean concurrency is below this share of
	// the limit says nothing about a higher limit. (Right after a raise,
	// the attempts started at once have a mean concurrency of three
	// quarters of the new limit; the first round's, half.)
	appLimited = 0.5
	// stepDown multiplies the previous limit when a raise did not pay.
	stepDown = 0.9
	// sameN: concurrencies within this ratio count as the same.
	sameN = 1.05
)

// gradient is the adaptive limit algorithm (see [ConcurrencyOptions]). It
// works in rounds: a round ends when as many attempts as the limit (half
// the limit in slow start; at least minRound), all sent after the round
// began, have succeeded. Their mean concurrency N (attempts in flight when
// each started) and mean time R give the round's throughput X = N/R
// (Little's law), with no clock window to bias it. A step is the rounds
// at one limit, one or two: each decision compares the step with the
// previous one, and a decision to go down (or to end slow start) is only
// taken on two rounds averaged, so that one noisy round holds the limit
// instead. Compared with the previous step: when concurrency went up and
// at least minGain of the added concurrency turned into throughput, the
// limit grows again (doubling in slow start, then by half; by one per
// round after a throttled reply until it is back where it was); when it
// did not, the requests only queued: the limit goes half way back after a
// doubling (which ends slow start), else back to 0.9 times the previous
// step's, so that it keeps probing the knee from both sides; when latency
// rose by Tolerance or more at no higher concurrency (throughput fell), the
// limit is cut by Decrease.
type gradient struct {
	min, max  float64
	decrease  float64
	tolerance float64
	// slowStart: the limit doubles per round until growth stops paying.
	slowStart bool
	// ceiling is the limit before the last throttled decrease; throttled
	// reports that the limit has not grown back to it yet.
	ceiling   float64
	throttled bool
	// The round: it began at changed; n attempts sent since have
	// succeeded.
	changed time.Time
	n       int
	// The step: the rounds at this limit (rounds, 0 to 2), their
	// successes summing to m, their concurrencies to sumN and their times
	// (in seconds) to sumR.
	rounds     int
	m          int
	sumN, sumR float64
	// The previous step's limit, mean concurrency and time (0: none).
	prevLimit, prevN, prevR float64
}

func newGradient(c ConcurrencyOptions, t ThrottleOptions) *gradient {
	return &gradient{min: float64(t.MinConcurrency), max: float64(c.Max), decrease: t.Decrease,
		tolerance: c.Tolerance, slowStart: true}
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
		g.slowStart = false
		g.newStep(s.At)
		return max(g.min, math.Floor(limit*g.decrease)), true
	case !s.OK:
		return limit, false // the breaker's business, not the limit's
	}
	if s.At.Add(-s.RTT).Before(g.changed) {
		return limit, false // sent before this round
	}
	g.n++
	g.m++
	g.sumN += float64(s.StartInFlight)
	g.sumR += max(s.RTT.Seconds(), 1e-6)
	if g.n < g.roundSize(limit) {
		return limit, false
	}
	g.rounds++
	n, r := g.sumN/float64(g.m), g.sumR/float64(g.m)
	nl, hold := g.decide(limit, n, r)
	if hold {
		g.changed, g.n = s.At, 0 // one more round at this limit
		return limit, false
	}
	g.prevLimit, g.prevN, g.prevR = limit, n, r
	g.newStep(s.At)
	nl = min(g.max, max(g.min, math.Floor(nl)))
	if g.throttled && nl >= g.ceiling {
		g.throttled = false
	}
	return nl, false
}

// roundSize is the fresh successes that end a round at limit: in slow
// start half the limit, the attempts a doubling added (sent at once, they
// end first, one round trip later), else the limit.
func (g *gradient) roundSize(limit float64) int {
	if g.slowStart {
		return max(int(limit)/2, minRound)
	}
	return max(int(limit), minRound)
}

// decide returns the next limit from the step's mean concurrency n and
// time r, or hold: measure one more round before going down.
func (g *gradient) decide(limit, n, r float64) (nl float64, hold bool) {
	pl, pn, pr := g.prevLimit, g.prevN, g.prevR
	confirmed := g.rounds >= 2
	switch {
	case pn > 0 && n <= pn*sameN && r >= pr*g.tolerance:
		// Latency rose at no higher concurrency (so throughput fell): the
		// link or the server slowed down; ask for less, unless it was one
		// slow round.
		if !confirmed {
			return limit, true
		}
		g.slowStart = false
		return limit * g.decrease, false
	case n < appLimited*limit:
		// Too few in flight to tell whether more would help.
		return limit, false
	case pn > 0 && n > pn*sameN:
		// Concurrency went up: keep going while it pays.
		gain := (n/r*pr/pn - 1) / (n/pn - 1)
		switch {
		case gain >= minGain:
			return g.grow(limit), false
		case !confirmed:
			return limit, true
		case g.slowStart:
			// Half way back: the doubling paid in part.
			g.slowStart = false
			return min(limit, (pl+limit)/2), false
		}
		// Past the knee: back, and a step further down, so that the limit
		// keeps looking for the knee from both sides.
		return min(limit, pl*stepDown), false
	}
	return g.grow(limit), false
}

// grow returns the next limit up from limit.
func (g *gradient) grow(limit float64) float64 {
	switch {
	case g.throttled:
		return limit + 1
	case g.slowStart:
		return 2 * limit
	}
	return limit + max(1, limit/2)
}

// newStep starts a step (and its first round) at now.
func (g *gradient) newStep(now time.Time) {
	g.changed, g.n, g.rounds, g.m, g.sumN, g.sumR = now, 0, 0, 0, 0, 0
}
