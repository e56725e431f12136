package failover

import (
	"fmt"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// ThrottleOptions sets what a throttled target does to the uploads to it.
// A throttled reply (Kind Throttled: 429, 503 SlowDown, the vendors' QPS
// and bandwidth limits) is the server asking for less, not a failure of
// the target: it lowers the target's concurrency, the upload that got it
// waits its backoff (at least the Retry-After) and tries the same target
// again, and it neither counts toward the breaker nor toward MaxAttempts
// and the upload's Budget, as long as the target is usable. The zero value
// works; each field documents its default.
type ThrottleOptions struct {
	// MinConcurrency is the fewest attempts in flight that a throttled
	// target's limiter lets through. Zero means 1.
	MinConcurrency int
	// Decrease multiplies the target's concurrency limit at a throttled
	// reply, once per round: a throttled reply to an attempt that started
	// before the last decrease does not lower it again. Each success then
	// raises the limit by 1/limit (one per round), and once it is above the
	// concurrency that was throttled the limit is lifted. Zero means 0.7.
	Decrease float64
	// UnusableAfter is how long a target may throttle every attempt, with
	// no success, before it counts as down: its throttled failures then
	// count like other transient failures (toward MaxAttempts, the Budget
	// and the breaker), so its uploads fail over, and to the backup when
	// nothing else takes them. Zero means 60 seconds; a negative value
	// means never.
	UnusableAfter time.Duration
	// BackupForOutagesOnly keeps the backup for outages: an upload never
	// goes to the backup because the last cloud target is throttling it,
	// even past UnusableAfter; it waits for that target (within the
	// Deadline) as it would with no backup. A target that is down still
	// sends its uploads to the backup.
	BackupForOutagesOnly bool
}

// Defaults of ThrottleOptions and of the retry budget.
const (
	DefaultMinConcurrency   = 1
	DefaultDecrease         = 0.7
	DefaultUnusableAfter    = 60 * time.Second
	DefaultFirstDelay       = 25 * time.Millisecond
	DefaultTargetRetryRatio = 0.2
	DefaultTargetRetryRate  = 10.0
	// DefaultQueuePoll is how often an upload waiting for an open breaker
	// whose trial is taken looks again (jittered by ±50%).
	DefaultQueuePoll = time.Second
)

func (o ThrottleOptions) withDefaults() ThrottleOptions {
	if o.MinConcurrency <= 0 {
		o.MinConcurrency = DefaultMinConcurrency
	}
	if o.Decrease <= 0 || o.Decrease >= 1 {
		o.Decrease = DefaultDecrease
	}
	if o.UnusableAfter == 0 {
		o.UnusableAfter = DefaultUnusableAfter
	}
	return o
}

// ThrottleStats is a snapshot of a cloud target's limiter and throttling.
type ThrottleStats struct {
	// Throttled counts the throttled replies.
	Throttled uint64
	// Limit is the concurrency limit now, 0 when there is none (the target
	// has not throttled, or has recovered); MinLimit and MaxLimit are the
	// lowest and highest limits it had (0: never limited). With Adaptive,
	// there always is a limit, from [ConcurrencyOptions].Initial on.
	Limit, MinLimit, MaxLimit int
	// Adaptive reports that the limit is the adaptive one
	// ([ConcurrencyOptions].Adaptive). Limited reports that throttling
	// holds the limit down now: without Adaptive, whenever Limit is set;
	// with it, from a throttled reply until the limit is back where it was.
	Adaptive, Limited bool
	// InFlight counts the attempts on the target now, Waiting those
	// waiting for a slot, and PeakInFlight the most ever in flight.
	InFlight, Waiting, PeakInFlight int
	// BytesInFlight is what the attempts in flight count against the
	// memory budget ([ConcurrencyOptions].MemoryBudget) now, PeakBytes the
	// most ever; both 0 without Adaptive.
	BytesInFlight, PeakBytes int64
	// Queued counts the uploads waiting for the target's open breaker to
	// let a trial through, with nowhere else to go; NextTrial is how long
	// until it does (0: now, or not open).
	Queued    int
	NextTrial time.Duration
	// ThrottledTime is how long the target's concurrency was limited, in
	// total, the current stretch included.
	ThrottledTime time.Duration
	// ThrottledSince is the first throttled reply since the last success
	// (zero: the last outcome was not throttled); LastThrottled the last
	// throttled reply.
	ThrottledSince, LastThrottled time.Time
}

// throttleStats is t's ThrottleStats now.
func (t *target) throttleStats() ThrottleStats {
	st := t.lim.stats()
	st.Queued = int(t.queued.Load())
	if d, ok := t.br.untilTrial(); ok {
		st.NextTrial = d
	}
	return st
}

// paced reports whether err is a throttled reply from a target that is
// still usable: a reason to slow down, not a failure of the target. The
// breaker leaves such outcomes out of its counts.
func (t *target) paced(err error) bool {
	return err != nil && uploader.KindOf(err) == uploader.Throttled && t.lim.usable(t.unusableAfter)
}

// limitedAttempt makes one attempt on t within t's limiter; first marks
// the upload's first attempt there, which earns the target's retry budget.
func (r *run) limitedAttempt(t *target, first bool) (uploader.Result, error) {
	s, err := t.lim.acquireCost(r.ctx, t.attemptCost(r.obj.Size, r.u.opts.Concurrency.PartJobs), r.obj.Size)
	if err != nil {
		return uploader.Result{}, canceled(r.ctx, t, r.obj.Key)
	}
	if first {
		t.budget.earn()
	}
	res, err := r.attempt(t)
	t.lim.release(s, err)
	return res, err
}

// nowhereElse reports whether an upload that failed on t with Kind k has
// no other place to go: t is the last resort, or t is the last cloud
// target, k is Throttled, and the backup is for outages only.
func (r *run) nowhereElse(t *target, k uploader.Kind) bool {
	if r.lastResort(t) {
		return true
	}
	u := r.u
	return k == uploader.Throttled && u.opts.Throttle.BackupForOutagesOnly && t == u.clouds[len(u.clouds)-1]
}

// retryWait returns the wait before the next attempt on t after err, and
// the backoff part of it (for the next call's prev: a Retry-After makes
// this wait longer, not the later backoffs), prev being the previous
// backoff here (0: none); or false if the upload should leave t now: a
// Retry-After above MaxRetryAfter, or the target's retry budget spent,
// while another target can take the object. With nowhere else to go, a
// long Retry-After is waited out, and a spent budget is waited for.
func (r *run) retryWait(t *target, err error, prev time.Duration) (wait, backoff time.Duration, ok bool) {
	u := r.u
	k := uploader.KindOf(err)
	var ra time.Duration
	status := 0
	if e := uploader.AsError(err); e != nil {
		ra, status = e.RetryAfter, e.Status
	}
	backoff = u.backoff(prev, status >= 500 && ra <= 0)
	wait = backoff
	stay := r.nowhereElse(t, k)
	if ra > 0 {
		if ra > u.opts.Retry.MaxRetryAfter && !stay {
			return 0, 0, false
		}
		wait = max(wait, ra)
	}
	if k != uploader.Throttled && !t.budget.spend() {
		if !stay {
			r.why = fmt.Sprintf("the retry budget of %s is spent", t.name)
			return 0, 0, false
		}
		wait = max(wait, t.budget.reserve())
	}
	return wait, backoff, true
}

// backoff returns the wait before a retry with decorrelated jitter:
// min(MaxDelay, base + rand·(3·prev − base)), where prev is the previous
// wait of this upload on this target (base for the first) and base is
// FirstDelay after a server error (5xx) without Retry-After, BaseDelay
// otherwise.
func (u *Uploader) backoff(prev time.Duration, serverError bool) time.Duration {
	base := u.opts.Retry.BaseDelay
	if serverError {
		base = min(base, u.opts.Retry.FirstDelay)
	}
	prev = max(prev, base)
	d := base + time.Duration(u.opts.Rand()*float64(3*prev-base))
	return min(d, u.opts.Retry.MaxDelay)
}

// queues reports whether an upload that t refused (or whose failure opened
// t's breaker) should wait for t rather than end: t's breaker is not open
// on a fatal Kind, and there is no backup, or the backup is for outages
// only and t is throttling. Drain never waits: its copy is safe in the
// backup until a later run.
func (r *run) queues(t *target) bool {
	u := r.u
	if t.br.fatalOpen.Load() || r.plan.noBackup {
		return false
	}
	if u.backup == nil {
		return true
	}
	return u.opts.Throttle.BackupForOutagesOnly && t.lim.throttling()
}

// queuePoll is the jittered wait of a queued upload before it looks again
// at a half-open breaker whose trials are taken.
func (u *Uploader) queuePoll() time.Duration {
	return DefaultQueuePoll/2 + time.Duration(u.opts.Rand()*float64(DefaultQueuePoll))
}

// untilTrial reports whether the breaker is open on transient failures (not
// a fatal Kind), and how long until it lets a trial through (zero when it
// is half-open, or its open period is over).
func (b *breaker) untilTrial() (time.Duration, bool) {
	if b.fatalOpen.Load() {
		return 0, false
	}
	if g := b.gate.Load(); g != 0 {
		if d := time.Duration(g - b.clock.Now().UnixNano()); d > 0 {
			return d, true
		}
	}
	return 0, b.state() != Closed
}

// onlyRefusals reports whether every attempt in as is a breaker refusal.
func onlyRefusals(as []uploader.Attempt) bool {
	for _, a := range as {
		if a.Kind != uploader.CircuitOpen {
			return false
		}
	}
	return true
}
