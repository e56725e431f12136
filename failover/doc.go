// Package failover is the Uploader users hold: an [uploader.Uploader] over an
// ordered list of targets (say TOS cn-beijing, TOS cn-shanghai, OSS
// cn-hangzhou, then the local backup) with a circuit breaker per cloud
// target, retries, a backup that takes an object when every cloud failed,
// a drain that moves the backup to the clouds later, health probes, events
// and counters.
//
// # Composition
//
// Policies wrap the backend's Put, outermost first:
//
//	Failover(targets) → Retry(budget, backoff) → Breaker(gobreaker v2) → Limiter → stall watchdog → Backend.Put
//
// Failover walks the cloud targets in order, and goes to the backup only
// when none stored the object. On each target, Retry makes up to
// [RetryOptions].MaxAttempts attempts, within the upload's Budget and
// Deadline. Each attempt asks the target's breaker first (a refusal is
// recorded as an Attempt of Kind CircuitOpen and fails over at once), then
// calls Backend.Put under the stall watchdog. Every attempt hands Put the
// same [uploader.Object], whose Open gives a fresh body: a consumed reader
// is never re-sent.
//
// The stall watchdog ends an attempt in which no byte moved for
// [Options].StallTimeout (2 minutes by default): no byte was read from the
// body and none was reported sent through [uploader.WithProgress]. It
// fails with Kind Timeout and a message that says the upload stalled. An
// attempt has no wall-clock limit unless [Options].AttemptTimeout sets one:
// a large file on a slow link takes the time it needs, as long as its bytes
// keep moving.
//
// # Policy
//
// Each failure is classified once, by the backend ([uploader.Classify]),
// and its Kind alone decides what happens:
//
//	Kind                retry same target          fail over        breaker
//	SignatureMismatch   no                         yes              opens at once
//	ClockSkew           no (see below)             yes              opens at once
//	InvalidCredentials  no                         yes              opens at once
//	AccessDenied        no                         yes              opens at once
//	BucketNotFound      no                         yes              opens at once
//	TargetRefused       no                         yes              opens at once
//	Throttled           yes: paced (see below)     when unusable    excluded while usable
//	Unavailable         yes: backoff               yes, when spent  counts
//	Timeout             yes: Stat, then backoff    yes, when spent  counts
//	Integrity           once                       yes              counts
//	Unknown             once                       yes              counts
//	Invalid             no                         no: upload ends  excluded
//	Canceled            no                         no: upload ends  excluded
//	CircuitOpen         no                         yes              (the refusal)
//
// TargetRefused is a refusal by the target itself, not by the caller's
// input: a wrong endpoint or region, an endpoint the account may not use
// (OSS PublicEndpointForbidden), a bucket policy or setting, a missing KMS
// key, or a 400 whose code no vendor table lists. Another target may take
// the object, so it fails over and, with no cloud left, goes to the backup.
// Invalid is kept for the caller's own input (key, size, body, settings),
// which no target would take: it ends the upload.
//
// "Once" is one retry. "When spent": once MaxAttempts, the Budget or the
// Deadline is spent. On the last cloud target with no backup behind it,
// where failing over is not possible, MaxAttempts does not apply: it is
// retried until the Budget or the Deadline is spent, or its breaker opens.
//
// Throttled: a throttled reply (429, 503 SlowDown, the vendors' QPS and
// bandwidth limits) asks for less, it does not say the target is down. It
// lowers the target's concurrency limit (below), the upload waits its
// backoff, at least the Retry-After, and tries the same target again; it
// counts neither toward MaxAttempts, the Budget nor the breaker, as long as
// the target is usable: some attempt succeeded there within
// [ThrottleOptions].UnusableAfter (60s). A target that throttled every
// attempt for that long counts as down: its throttled failures then count
// like Unavailable ones, and the uploads fail over, to the backup if
// nothing else takes them, unless [ThrottleOptions].BackupForOutagesOnly.
//
// ClockSkew: a backend corrects its signing time and retries once inside
// Put; a ClockSkew that reaches this package means correction failed or is
// turned off, so it is treated as fatal. A corrected attempt is reported
// ([EventSkew], Attempt.SkewCorrected) and is not a failure.
//
// Retries wait a backoff with decorrelated jitter on the injected Clock:
// each wait is min(MaxDelay, base + rand·(3·previous − base)), the
// previous wait of the first retry being base, where base is FirstDelay
// (25ms) after a 5xx with no Retry-After and BaseDelay (200ms) otherwise.
// A Retry-After from the server ([uploader.Error].RetryAfter) is honoured:
// the wait is at least that long; one above MaxRetryAfter fails over at
// once, unless there is nowhere else to go. A failure that opens the
// breaker fails over at once too. No wait or attempt goes past the
// upload's Deadline; when the Budget or the Deadline is spent, the
// remaining cloud targets are skipped.
//
// Each cloud target has a retry budget shared by every upload to it
// ([RetryOptions].TargetRetryRatio, TargetRetryRate): a retry after a
// failure other than a throttled reply spends one, each first attempt
// earns 0.2 and time earns 10 per second, up to 10 seconds' worth. When it
// is spent, an upload that another target or the backup can take fails
// over at once, so a sick target does not eat the batch; on the last
// resort the retry waits for the budget instead.
//
// # Concurrency limit
//
// Each cloud target has one limiter, shared by every upload to it: an
// attempt takes a slot before Backend.Put and gives it back with its
// outcome. There is no limit until the target throttles; a throttled reply
// then sets the limit to the attempts in flight times
// [ThrottleOptions].Decrease (0.7), once per round (replies to attempts
// sent before the last decrease do not lower it again), never below
// MinConcurrency (1); each success raises it by 1/limit, and once it is
// above the concurrency that was throttled it is lifted. Waiting attempts
// are served in arrival order. [TargetStats].Throttle reports the limit,
// the time spent limited, and the attempts in flight and waiting.
//
// With [ConcurrencyOptions].Adaptive the same limiter runs an adaptive
// limit instead: it starts at 128 and, once per round of successes, climbs
// while added concurrency turns into throughput (measured as concurrency
// over latency), doubling at first (about once per round trip); it goes
// back when the added requests only queue, and is cut by Decrease when
// latency rises at no higher concurrency, both judged on two rounds
// averaged so that one slow round does not count, and at once at a
// throttled reply or a timeout (then grows by one per round until it is
// back). It stays within MinConcurrency and 256, and
// the attempts in flight on a target within a memory budget (256 MiB: a
// single request counts its size, a multipart upload part size × parts in
// flight). A caller may then keep many uploads going and let each
// target's limiter decide how many run.
//
// Cancellation is neutral: the caller's context ending gives Canceled, which
// is never retried, never counted and never failed over, and the backup is
// not tried. An attempt's own timeout is told apart from it by the caller's
// ctx.Err() being nil, and gives Timeout.
//
// Cancellation is also clean or honest. When the caller cancels an attempt
// that had read the whole body (so the server may have it all; the backend
// aborts an unfinished multipart upload itself), the upload checks what the
// key holds, with a context of its own bounded to 10s: the object, proved
// by its content, means the attempt stored it after all, and the upload
// succeeds there ([EventLanded]); no object, or one whose content is not
// the object's (see below), means nothing of the upload is there for a
// multipart upload (aborted by the backend, so it cannot complete later;
// the one case not seen is a complete request the server is still
// processing when the abort and the check arrive), and the error is
// Canceled; for a single PUT it proves nothing (a server
// that has the whole body may commit it after the check), and neither does
// a missing Stater, a failed Stat or content that nothing proves: then the
// Canceled error has [uploader.Error].MayHaveLanded set and names the
// target. So has a Canceled error after an earlier ambiguous failure that
// the check below could neither confirm nor rule out. Nothing is deleted:
// an object with the very bytes of this one may have been under the key
// before.
//
// An ambiguous failure, one that leaves open whether the object was stored
// (a Timeout, or an Unavailable or Unknown failure with no reply: the
// connection broke or the reply was cut after the body was sent), is
// checked where the backend is an [uploader.Stater]. The check compares
// content, never time: the object a Stat finds counts as this upload only
// if it has the body's size and what the server reports proves its bytes,
// by the first of these the reply allows: the CRC-64 that TOS, OSS and COS
// report ([uploader.ObjectInfo].CRC64) equals the body's; a plain MD5 ETag
// equals the body's MD5; a multipart ETag ("hex-N") equals the MD5 of the
// MD5s of the parts the backend, an [uploader.PartSizer], cuts the body
// into. Reading the body again for the digests is bounded like the Stat. Then the upload counts as stored there: the Attempts show the
// failure followed by a successful Attempt on the same target, and
// [EventLanded] is emitted. Otherwise (an older object of the same size, or
// one nothing proves, such as an ETag that is no digest with no CRC-64) the
// failure is retried or failed over; without a Stater the object may then
// exist twice, once on each target. A server's own refusal (a reply with a
// status) is never ambiguous and costs no Stat.
//
// # Breakers
//
// Each cloud target has its own github.com/sony/gobreaker/v2 breaker
// (TwoStepCircuitBreaker), which keeps the states closed, open and
// half-open, lets [BreakerOptions].HalfOpenRequests trial calls through when
// half-open, closes after that many successes and reopens on any counted
// failure, and leaves excluded outcomes (IsExcluded: Invalid, Canceled) out
// of every count. A fatal Kind opens it at once: IsSuccessful, which
// gobreaker calls under its lock just before ReadyToTrip, records the
// outcome's Kind, and ReadyToTrip returns true for it. Counted failures open
// it by any of three rules: Consecutive of them in a row, Failures of them
// within a rolling Window, or a Ratio of at least MinRequests outcomes in
// the Window.
//
// gobreaker reads time.Now itself and has no clock to inject, so the two
// parts of a breaker that depend on time live here, on [Options].Clock: the
// rolling window (buckets of BucketPeriod; gobreaker's own Interval is off)
// whose verdict gobreaker gets through ReadyToTrip, and the open period.
// gobreaker's own Timeout is one nanosecond, so it would turn half-open on
// its next call; a gate in front of it refuses every call until OpenTimeout
// has passed on the Clock, or a health probe has succeeded. Tests therefore
// move breakers through every state without sleeping.
//
// Defaults (each [Options] field documents its own): 5 counted failures in
// a row, or half of at least 10 outcomes within 60s (rolling in 10s
// buckets), open a breaker, so a target that is down opens at once while a
// few percent of failures in a long batch never do; it stays open 30s, then
// lets 1 trial through; 3 attempts per target, 10 per upload, backoff from
// 200ms (25ms after a 5xx) to 5s, Retry-After honoured up to 30s, an
// attempt ended after 2 minutes without a byte moving (and no wall-clock
// limit), no upload deadline, no probes.
//
// With nowhere else to go (no backup, or a backup for outages only and a
// throttling target), an upload that every cloud target refuses with a
// breaker opened by transient failures, or whose failure opened one, does
// not fail: it is queued. It waits for the first breaker to let a trial
// through, and tries again; when the trial is taken by another upload it
// looks again after about a second ([DefaultQueuePoll], jittered); a
// failed trial opens the breaker again and the upload keeps waiting. Only
// its Deadline, [RetryOptions].OpenWait (both off by default, so that the
// batch finishes) and the caller's context end the wait. A breaker opened
// by a fatal Kind is not waited for (its target needs a fix, not time):
// those uploads fail at once, with Kind CircuitOpen, until it closes.
// [ThrottleStats].Queued and NextTrial tell how many wait and how long.
//
// # Backup and drain
//
// The backup is the target whose backend implements [uploader.Spool] (the
// local backend), or one marked [Target].Backup. It takes an object only
// after every cloud target failed or refused it, with the attempts that
// failed; the Result then has BackedUp set and names it. If it fails too,
// the upload fails.
//
// [Uploader.Drain] moves every spooled copy to the first cloud target that
// takes it, along the same path minus the backup. It verifies each copy
// before sending it, declines to overwrite a newer object under the same
// key (nor, when the copy is dated later than now, any different object),
// verifies what the cloud stored, and only then removes the copy, by its
// ID, so a copy backed up again meanwhile stays. A copy the backup lists as
// damaged is neither sent nor removed. It is safe while uploads go on and
// after a crash: running it again finishes the work. Its report lists, for
// each copy, the key, the file, the outcome ([DrainOutcome]), the target and
// the error.
//
// # Health probes
//
// With [ProbeOptions].Interval set, a goroutine puts and deletes a tiny
// object on every open target that is an [uploader.Deleter], once per
// interval, on the Clock. A success ends the open period at once, so the
// next upload is the half-open trial: a target comes back on evidence.
// [Uploader.Close] stops the probes.
//
// # Observing
//
// [Options].OnEvent receives an [Event] for each breaker state change,
// retry, failover, reported skew, backup, landed timeout, drained object
// and probe; [Options].Logger gets one log/slog record for each. The
// counters are read with [Uploader.Stats], for instance by the Prometheus
// collector of the nested module
// github.com/resilient-upload/upload/contrib/prometheus, so that this
// package does not depend on Prometheus.
//
// This package imports the uploader package and gobreaker, and never a
// backend.
package failover
