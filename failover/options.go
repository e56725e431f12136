package failover

import (
	"log/slog"
	"math/rand/v2"
	"time"
)

// Options configures an [Uploader]. The zero value works: every field
// documents the default that its zero value stands for.
type Options struct {
	// Breaker sets the circuit breaker of each cloud target.
	Breaker BreakerOptions
	// Retry sets the retries on one target and the limits of one upload.
	Retry RetryOptions
	// Throttle sets what a throttled target does: its concurrency limit,
	// when it counts as down, and whether the backup is for outages only.
	Throttle ThrottleOptions
	// Concurrency turns on and sets the adaptive concurrency limit of each
	// cloud target. The zero value leaves it off.
	Concurrency ConcurrencyOptions
	// AttemptTimeout, when positive, bounds one attempt (one Backend.Put)
	// on a cloud target by wall-clock time: an attempt that passes it while
	// the caller's context is alive fails with Kind Timeout. Zero or a
	// negative value means no such limit (the default): a large upload on
	// a slow link may take as long as it needs, and StallTimeout ends an
	// attempt that stopped moving. It is measured on Clock. Uploads to the
	// backup have no attempt timeout.
	AttemptTimeout time.Duration
	// StallTimeout ends an attempt on a cloud target in which no byte moved
	// for this long (the stall watchdog): no byte was read from the
	// object's body and none was reported sent ([uploader.WithProgress]).
	// Such an attempt fails with Kind Timeout and a message that says it
	// stalled; a slow attempt whose bytes keep moving is never ended by
	// it. The stall is seen between StallTimeout and 5/4 of it after the
	// last byte moved. Zero means 2 minutes; a negative value turns the
	// watchdog off. It is measured on Clock.
	StallTimeout time.Duration
	// Probe turns on health probes of open targets. The zero value turns
	// them off.
	Probe ProbeOptions
	// SkewReport is the clock offset from which an attempt's measured skew is
	// reported as an [EventSkew]: a skew at least this large, first seen or
	// changed by at least this much on a target. A corrected signing time is
	// always reported. Zero means 30 seconds.
	SkewReport time.Duration
	// OnEvent, if set, is called for every [Event], synchronously, from the
	// goroutine that caused it, never with a breaker's lock held; it must be
	// safe for concurrent use, should return quickly, and must not call the
	// Uploader's Upload or Drain (Drain holds a key's lock while its upload
	// emits events).
	OnEvent func(Event)
	// Logger receives one record per event, with the event's fields as
	// attributes. Nil means no logging.
	Logger *slog.Logger
	// Clock is the source of time for backoff waits, attempt timeouts, the
	// breakers' windows and open periods, and probes. Nil means the real
	// clock.
	Clock Clock
	// Rand returns a pseudo-random number in [0, 1) for the backoff jitter.
	// It must be safe for concurrent use. Nil means [rand.Float64] of
	// math/rand/v2.
	Rand func() float64
}

// BreakerOptions sets the circuit breaker of each cloud target. The zero
// value works; each field documents its default.
//
// A fatal failure (SignatureMismatch, ClockSkew, InvalidCredentials,
// AccessDenied, BucketNotFound, TargetRefused) opens the breaker at once, whatever these
// thresholds say. The other counted failures open it when a threshold is
// reached within the rolling Window.
type BreakerOptions struct {
	// Consecutive opens the breaker after this many counted failures in a
	// row, with no success between them: a target that is down.
	Consecutive int
	// Failures opens the breaker when this many counted failures fall within
	// Window, whatever the successes between them.
	Failures int
	// Ratio opens the breaker when at least MinRequests counted outcomes fall
	// within Window and at least this fraction of them are failures.
	//
	// Consecutive, Failures and Ratio are three rules, any of which opens
	// the breaker; a rule whose field is zero or negative is off. When all
	// three are zero, the defaults apply: Consecutive 5 and Ratio 0.5 (with
	// MinRequests 10), so that a target that is down opens at once while a
	// few percent of failures in a busy batch never do; a count within a
	// window alone would open on any steady error rate once the batch is
	// large enough.
	Ratio float64
	// MinRequests is the fewest outcomes within Window for Ratio to apply.
	// Zero means 10.
	MinRequests int
	// Window is the span of the rolling window in which failures are
	// counted. Zero means 60 seconds. It is rounded up to a multiple of
	// BucketPeriod.
	Window time.Duration
	// BucketPeriod is the step by which the window rolls: outcomes older
	// than Window leave it one bucket at a time. Zero means Window/6.
	BucketPeriod time.Duration
	// OpenTimeout is how long an open breaker refuses every call before it
	// lets probes through (half-open). Zero means 30 seconds. A successful
	// health probe (see [ProbeOptions]) ends it early.
	OpenTimeout time.Duration
	// HalfOpenRequests is how many calls a half-open breaker lets through;
	// that many successes in a row close it, and any counted failure opens
	// it again. Zero means 1.
	HalfOpenRequests int
}

// RetryOptions sets the retries on one target and the limits of one
// upload. The zero value works; each field documents its default.
type RetryOptions struct {
	// MaxAttempts is the most attempts of one upload on one target, the
	// first included, when another target (or the backup) can take the
	// object next; on the last cloud target with no backup behind it, only
	// Budget and Deadline bound the attempts. Zero means 3; 1 turns retries
	// off (but for that last target). Integrity and
	// Unknown failures are retried once at most, whatever MaxAttempts says.
	MaxAttempts int
	// Budget is the most attempts of one upload over all cloud targets
	// (breaker rejections are not attempts). When it is spent, the
	// remaining cloud targets are skipped and the backup takes the object.
	// Zero means 10.
	Budget int
	// Deadline bounds the time one upload spends on cloud targets, measured
	// from the start of Upload on Clock: no attempt or backoff wait goes past
	// it (an attempt's timeout is shortened to fit), and once it has passed
	// the backup takes the object. Zero means no deadline but the caller's
	// context.
	Deadline time.Duration
	// BaseDelay is the base of the backoff between retries on a target,
	// with decorrelated jitter: each wait is base + rand·(3·previous −
	// base), at most MaxDelay, the previous wait of the first retry being
	// base. Zero means 200 milliseconds.
	BaseDelay time.Duration
	// FirstDelay is the base instead of BaseDelay after a server error
	// (5xx) with no Retry-After, which most often passes at once. Zero
	// means 25 milliseconds; it is at most BaseDelay.
	FirstDelay time.Duration
	// MaxDelay caps the backoff wait. Zero means 5 seconds.
	MaxDelay time.Duration
	// TargetRetryRatio and TargetRetryRate set each cloud target's retry
	// budget, shared by every upload to it: each upload's first attempt on
	// the target earns TargetRetryRatio of a retry, and time earns
	// TargetRetryRate retries per second, up to 10 seconds' worth; a retry
	// after a failure other than a throttled reply spends one. When it is
	// spent, an upload that another target (or the backup) can take fails
	// over at once, so a sick target does not eat the batch's time; on the
	// last resort the retry waits for the budget, which spaces such retries
	// at TargetRetryRate per second. Zero means 0.2 and 10 per second; a
	// negative TargetRetryRatio turns the budget off.
	TargetRetryRatio float64
	TargetRetryRate  float64
	// MaxRetryAfter is the longest Retry-After ([uploader.Error.RetryAfter])
	// honoured by waiting on the same target; a longer one fails over at
	// once. A Retry-After is honoured by waiting at least that long. Zero
	// means 30 seconds.
	MaxRetryAfter time.Duration
	// OpenWait is the longest an upload waits, queued, when every cloud
	// target refused it with an open breaker (or its failure opened one),
	// no breaker opened on a fatal Kind, and it has nowhere else to go (no
	// backup, or [ThrottleOptions].BackupForOutagesOnly and a throttling
	// target): rather than fail, it waits for the first breaker to let a
	// trial through and tries again; a failed trial opens the breaker
	// again and it keeps waiting. Zero means no limit but the Deadline and
	// the caller's context, so that a batch with nowhere else to go
	// finishes; a negative value turns waiting off (such uploads fail with
	// Kind CircuitOpen).
	OpenWait time.Duration
}

// ProbeOptions turns on health probes: while a cloud target's breaker is
// open, the Uploader puts a tiny object on it and deletes it (the health
// check of a put and a delete), every Interval. A probe that succeeds ends
// the open period at once, so that the next upload is the half-open trial:
// an open target comes back on evidence, not only when OpenTimeout ends.
//
// Only targets whose backend implements [uploader.Deleter] are probed.
type ProbeOptions struct {
	// Interval is the time between probe rounds. Zero turns probes off.
	Interval time.Duration
	// KeyPrefix is prepended to the probe object's key, "probe". Empty means
	// ".upload-health/".
	KeyPrefix string
	// Timeout bounds each probe's put and its delete. Zero means 10 seconds.
	Timeout time.Duration
}

// Defaults of the options, as documented on each field.
const (
	// DefaultAttemptTimeout is zero: no wall-clock limit per attempt (see
	// Options.StallTimeout).
	DefaultAttemptTimeout   = time.Duration(0)
	DefaultStallTimeout     = 2 * time.Minute
	DefaultSkewReport       = 30 * time.Second
	DefaultConsecutive      = 5
	DefaultRatio            = 0.5
	DefaultMinRequests      = 10
	DefaultWindow           = 60 * time.Second
	DefaultOpenTimeout      = 30 * time.Second
	DefaultHalfOpenRequests = 1
	DefaultMaxAttempts      = 3
	DefaultBudget           = 10
	DefaultBaseDelay        = 200 * time.Millisecond
	DefaultMaxDelay         = 5 * time.Second
	DefaultMaxRetryAfter    = 30 * time.Second
	DefaultProbeKeyPrefix   = ".upload-health/"
	DefaultProbeTimeout     = 10 * time.Second
)

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.StallTimeout == 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.SkewReport <= 0 {
		o.SkewReport = DefaultSkewReport
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := &o.Breaker
	if b.Consecutive == 0 && b.Failures == 0 && b.Ratio == 0 {
		b.Consecutive, b.Ratio = DefaultConsecutive, DefaultRatio
	}
	if b.MinRequests <= 0 {
		b.MinRequests = DefaultMinRequests
	}
	if b.Window <= 0 {
		b.Window = DefaultWindow
	}
	if b.BucketPeriod <= 0 {
		b.BucketPeriod = b.Window / 6
		if b.BucketPeriod <= 0 {
			b.BucketPeriod = b.Window
		}
	}
	if b.BucketPeriod > b.Window {
		b.BucketPeriod = b.Window
	}
	b.Window = (b.Window + b.BucketPeriod - 1) / b.BucketPeriod * b.BucketPeriod
	if b.OpenTimeout <= 0 {
		b.OpenTimeout = DefaultOpenTimeout
	}
	if b.HalfOpenRequests <= 0 {
		b.HalfOpenRequests = DefaultHalfOpenRequests
	}
	r := &o.Retry
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.Budget <= 0 {
		r.Budget = DefaultBudget
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = DefaultBaseDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = DefaultMaxDelay
	}
	if r.MaxDelay < r.BaseDelay {
		r.MaxDelay = r.BaseDelay
	}
	if r.FirstDelay <= 0 {
		r.FirstDelay = DefaultFirstDelay
	}
	r.FirstDelay = min(r.FirstDelay, r.BaseDelay)
	if r.TargetRetryRatio == 0 {
		r.TargetRetryRatio = DefaultTargetRetryRatio
	}
	if r.TargetRetryRate <= 0 {
		r.TargetRetryRate = DefaultTargetRetryRate
	}
	o.Throttle = o.Throttle.withDefaults()
	o.Concurrency = o.Concurrency.withDefaults(o.Throttle.MinConcurrency)
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = DefaultMaxRetryAfter
	}
	p := &o.Probe
	if p.KeyPrefix == "" {
		p.KeyPrefix = DefaultProbeKeyPrefix
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultProbeTimeout
	}
	return o
}
