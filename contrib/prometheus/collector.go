// Package prometheus exports the counters of a [failover.Uploader] as a
// Prometheus collector. It is its own module, so that the core module
// never depends on the Prometheus client:
//
//	u, _ := failover.New(targets, opts)
//	prometheus.MustRegister(uploadprom.NewCollector(u, uploadprom.Options{}))
//
// Each scrape takes one [failover.Uploader.Stats] snapshot. The metrics,
// with the default namespace "upload":
//
//	upload_uploads_total{outcome}                 counter  outcome: stored, backed_up, failed
//	upload_failovers_total                        counter
//	upload_retries_total                          counter
//	upload_landed_total                           counter  timed-out attempts a Stat proved stored
//	upload_drain_runs_total                       counter
//	upload_drain_objects_total{outcome}           counter  drained, already_stored, superseded, failed, gone
//	upload_target_attempts_total{target,provider}   counter
//	upload_target_successes_total{target,provider}  counter
//	upload_target_failures_total{target,provider,kind} counter, one series per Kind
//	upload_target_rejections_total{target,provider} counter  breaker refusals
//	upload_target_breaker_opens_total{target,provider} counter
//	upload_target_breaker_state{target,provider}  gauge    0 closed, 1 half-open, 2 open
//	upload_target_probes_total{target,provider,result} counter result: ok, failed
//	upload_target_clock_skew_seconds{target,provider} gauge, server minus local, once measured
//
// The backup target appears among the targets with provider "local" (or
// its own), and no breaker series.
package prometheus

import (
	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/uploader"
)

// StatsSource is what a Collector reads; [*failover.Uploader] is one.
type StatsSource interface {
	Stats() failover.Stats
}

// Options sets a Collector. The zero value works.
type Options struct {
	// Namespace prefixes every metric name. Empty means "upload".
	Namespace string
	// ConstLabels are added to every metric. Nil means none.
	ConstLabels prom.Labels
}

// Collector is a [prom.Collector] of one StatsSource. It is safe for
// concurrent use.
type Collector struct {
	src StatsSource

	uploads, failovers, retries, landed *prom.Desc
	drainRuns, drainObjects             *prom.Desc
	attempts, successes, failures       *prom.Desc
	rejections, opens, state            *prom.Desc
	probes, skew                        *prom.Desc
	throttled, limit, inFlight, queued  *prom.Desc
}

var _ prom.Collector = (*Collector)(nil)

// NewCollector returns a Collector of src's Stats.
func NewCollector(src StatsSource, opts Options) *Collector {
	ns := opts.Namespace
	if ns == "" {
		ns = "upload"
	}
	d := func(name, help string, labels ...string) *prom.Desc {
		return prom.NewDesc(prom.BuildFQName(ns, "", name), help, labels, opts.ConstLabels)
	}
	t := []string{"target", "provider"}
	return &Collector{
		src:          src,
		uploads:      d("uploads_total", "Uploads by outcome: stored on a cloud target, backed_up in the local backup, or failed.", "outcome"),
		failovers:    d("failovers_total", "Times an upload left a cloud target for the next target or the backup."),
		retries:      d("retries_total", "Backoff waits before another attempt on the same target."),
		landed:       d("landed_total", "Timed-out attempts that a Stat proved stored."),
		drainRuns:    d("drain_runs_total", "Drain runs."),
		drainObjects: d("drain_objects_total", "Backed-up objects handled by Drain, by outcome.", "outcome"),
		attempts:     d("target_attempts_total", "Attempts that reached the target's backend.", t...),
		successes:    d("target_successes_total", "Attempts that stored the object on the target.", t...),
		failures:     d("target_failures_total", "Failed attempts on the target, by kind.", "target", "provider", "kind"),
		rejections:   d("target_rejections_total", "Calls the target's circuit breaker refused.", t...),
		opens:        d("target_breaker_opens_total", "Times the target's circuit breaker opened.", t...),
		state:        d("target_breaker_state", "State of the target's circuit breaker: 0 closed, 1 half-open, 2 open.", t...),
		probes:       d("target_probes_total", "Health probes of the open target, by result.", "target", "provider", "result"),
		skew:         d("target_clock_skew_seconds", "Last measured offset of the target's clock from the local one (server minus local).", t...),
		throttled:    d("target_throttled_seconds_total", "Time the target's concurrency was limited after throttled replies.", t...),
		limit:        d("target_concurrency_limit", "The target's concurrency limit now; 0 when it has none.", t...),
		inFlight:     d("target_in_flight", "Attempts in flight on the target now.", t...),
		queued:       d("target_queued", "Uploads waiting for the target's open breaker to let a trial through.", t...),
	}
}

// Describe sends the descriptors of every metric.
func (c *Collector) Describe(ch chan<- *prom.Desc) {
	for _, d := range []*prom.Desc{c.uploads, c.failovers, c.retries, c.landed, c.drainRuns, c.drainObjects,
		c.attempts, c.successes, c.failures, c.rejections, c.opens, c.state, c.probes, c.skew,
		c.throttled, c.limit, c.inFlight, c.queued} {
		ch <- d
	}
}

// Collect sends the metrics of one Stats snapshot.
func (c *Collector) Collect(ch chan<- prom.Metric) {
	s := c.src.Stats()
	counter := func(d *prom.Desc, v uint64, labels ...string) {
		ch <- prom.MustNewConstMetric(d, prom.CounterValue, float64(v), labels...)
	}
	counter(c.uploads, s.Stored, "stored")
	counter(c.uploads, s.BackedUp, "backed_up")
	counter(c.uploads, s.Failed, "failed")
	counter(c.failovers, s.Failovers)
	counter(c.retries, s.Retries)
	counter(c.landed, s.Landed)
	counter(c.drainRuns, s.Drain.Runs)
	counter(c.drainObjects, s.Drain.Drained, failover.DrainStored.String())
	counter(c.drainObjects, s.Drain.AlreadyStored, failover.DrainAlreadyStored.String())
	counter(c.drainObjects, s.Drain.Superseded, failover.DrainSuperseded.String())
	counter(c.drainObjects, s.Drain.Failed, failover.DrainFailed.String())
	counter(c.drainObjects, s.Drain.Gone, failover.DrainGone.String())
	for _, t := range s.Targets {
		counter(c.attempts, t.Attempts, t.Name, t.Provider)
		counter(c.successes, t.Successes, t.Name, t.Provider)
		for _, k := range uploader.Kinds() {
			if k == uploader.CircuitOpen {
				continue // counted as rejections
			}
			counter(c.failures, t.Failures[k], t.Name, t.Provider, k.String())
		}
		if t.Backup {
			continue
		}
		counter(c.rejections, t.Rejections, t.Name, t.Provider)
		counter(c.opens, t.Opens, t.Name, t.Provider)
		ch <- prom.MustNewConstMetric(c.state, prom.GaugeValue, float64(stateValue(t.State)), t.Name, t.Provider)
		counter(c.probes, t.Probes-t.ProbeFailures, t.Name, t.Provider, "ok")
		counter(c.probes, t.ProbeFailures, t.Name, t.Provider, "failed")
		if t.SkewKnown {
			ch <- prom.MustNewConstMetric(c.skew, prom.GaugeValue, t.Skew.Seconds(), t.Name, t.Provider)
		}
		th := t.Throttle
		ch <- prom.MustNewConstMetric(c.throttled, prom.CounterValue, th.ThrottledTime.Seconds(), t.Name, t.Provider)
		ch <- prom.MustNewConstMetric(c.limit, prom.GaugeValue, float64(th.Limit), t.Name, t.Provider)
		ch <- prom.MustNewConstMetric(c.inFlight, prom.GaugeValue, float64(th.InFlight), t.Name, t.Provider)
		ch <- prom.MustNewConstMetric(c.queued, prom.GaugeValue, float64(th.Queued), t.Name, t.Provider)
	}
}

// stateValue is the gauge value of a breaker state.
func stateValue(s failover.State) int {
	switch s {
	case failover.HalfOpen:
		return 1
	case failover.Open:
		return 2
	}
	return 0
}
