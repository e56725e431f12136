package failover

import (
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Stats is a snapshot of an Uploader's counters, from its creation. Every
// counter only grows.
type Stats struct {
	// Uploads counts calls of Upload; Stored those that ended on a cloud
	// target, BackedUp those that ended in the backup, Failed those stored
	// nowhere (Invalid and Canceled included). Drain's uploads are counted
	// in Drain, not here.
	Uploads, Stored, BackedUp, Failed uint64
	// Failovers counts the times an upload (Drain's included) left a cloud
	// target for the next target or the backup, breaker refusals included;
	// Retries the waits before another attempt on the same target; Landed
	// the timed-out attempts that a Stat proved stored.
	Failovers, Retries, Landed uint64
	// Drain counts what Drain did.
	Drain DrainStats
	// Targets has one entry per target, in the order given to New.
	Targets []TargetStats
}

// DrainStats counts the objects Drain handled, by outcome, over all runs.
type DrainStats struct {
	Runs                                             uint64
	Drained, AlreadyStored, Superseded, Failed, Gone uint64
}

// TargetStats is a snapshot of one target's counters.
type TargetStats struct {
	Name     string
	Provider string
	// Backup reports that this target is the backup; it has no breaker.
	Backup bool
	// State is the breaker's state now (Closed for the backup).
	State State
	// Attempts counts the calls that reached the backend (Put, or Backup
	// for the backup); Successes those that stored the object.
	Attempts, Successes uint64
	// Failures counts the failed attempts by Kind.
	Failures map[uploader.Kind]uint64
	// Rejections counts the calls the breaker refused (Kind CircuitOpen).
	Rejections uint64
	// Retries counts the waits before another attempt on this target.
	Retries uint64
	// Throttle is the target's limiter and throttling (zero for the
	// backup).
	Throttle ThrottleStats
	// Opens counts the times the breaker opened.
	Opens uint64
	// WindowFailures and WindowOutcomes are the breaker's counts in its
	// rolling window now.
	WindowFailures, WindowOutcomes int
	// Probes and ProbeFailures count health probes.
	Probes, ProbeFailures uint64
	// Skew is the last clock offset measured on this target (server minus
	// local); SkewKnown reports whether one was.
	Skew      time.Duration
	SkewKnown bool
}

// numKinds sizes the per-kind counters.
var numKinds = len(uploader.Kinds()) + 1

type targetCounters struct {
	attempts, successes, rejections atomic.Uint64
	retries                         atomic.Uint64
	failures                        []atomic.Uint64
	probes, probeFailures           atomic.Uint64
	skew                            atomic.Int64
	skewKnown                       atomic.Bool
	skewReported                    atomic.Int64
}

type counters struct {
	uploads, stored, backedUp, failed   atomic.Uint64
	failovers, retries, landed          atomic.Uint64
	drainRuns, drained, already, supers atomic.Uint64
	drainFailed, gone                   atomic.Uint64
}

// Stats returns a snapshot of the counters. It is safe to call at any time,
// from any goroutine.
func (u *Uploader) Stats() Stats {
	s := Stats{
		Uploads:   u.c.uploads.Load(),
		Stored:    u.c.stored.Load(),
		BackedUp:  u.c.backedUp.Load(),
		Failed:    u.c.failed.Load(),
		Failovers: u.c.failovers.Load(),
		Retries:   u.c.retries.Load(),
		Landed:    u.c.landed.Load(),
		Drain: DrainStats{
			Runs:          u.c.drainRuns.Load(),
			Drained:       u.c.drained.Load(),
			AlreadyStored: u.c.already.Load(),
			Superseded:    u.c.supers.Load(),
			Failed:        u.c.drainFailed.Load(),
			Gone:          u.c.gone.Load(),
		},
	}
	now := u.clock.Now()
	for _, t := range u.all {
		ts := TargetStats{
			Name:          t.name,
			Provider:      t.provider,
			Backup:        t.br == nil,
			Attempts:      t.c.attempts.Load(),
			Successes:     t.c.successes.Load(),
			Rejections:    t.c.rejections.Load(),
			Retries:       t.c.retries.Load(),
			Probes:        t.c.probes.Load(),
			ProbeFailures: t.c.probeFailures.Load(),
			Failures:      map[uploader.Kind]uint64{},
			Skew:          time.Duration(t.c.skew.Load()),
			SkewKnown:     t.c.skewKnown.Load(),
		}
		for k := range t.c.failures {
			if n := t.c.failures[k].Load(); n > 0 {
				ts.Failures[uploader.Kind(k)] = n
			}
		}
		if t.br != nil {
			ts.State = t.br.state()
			ts.Opens = t.br.opens.Load()
			ts.WindowFailures, ts.WindowOutcomes = t.br.win.counts(now)
			ts.Throttle = t.throttleStats()
		}
		s.Targets = append(s.Targets, ts)
	}
	return s
}

// countAttempt adds one finished attempt on t to its counters.
func (t *target) countAttempt(k uploader.Kind) {
	if k == uploader.CircuitOpen {
		t.c.rejections.Add(1)
		return
	}
	t.c.attempts.Add(1)
	if k == uploader.OK {
		t.c.successes.Add(1)
		return
	}
	if int(k) < len(t.c.failures) {
		t.c.failures[k].Add(1)
	}
}
