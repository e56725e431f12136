// Package skew measures the offset of a server's clock from the local clock
// and corrects signing times by it.
//
// A [Clock] holds one estimate per endpoint. The [Transport] feeds it from
// the Date header of every reply, measured against the midpoint of the times
// the request was sent and the reply received (the cross-SDK clock-skew
// correction rule: serverTime - (sent+received)/2). Only a short round trip
// counts: a request with a body is measured at the reply's arrival alone
// (see [Transport]), so the transfer time of a large body on a slow link
// does not pass for a server clock ahead by half of it. Cached replies (an Age header) and
// absurd server times are ignored, and every new reply replaces the
// estimate, so it heals when the clocks realign.
//
// Backends sign with [Clock.Now]: local time plus the estimate, once the
// estimate is at least [Options.MinCorrection] and correction is enabled.
//
// [Clock.Do] is where every SDK call of a backend runs, so it also carries
// the backend's [Credentials] when keys may expire: fetched before the
// call, and after a refusal of expired keys fetched anew for one more call.
package skew

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Options configures a Clock. The zero value is ready to use.
type Options struct {
	// Disabled turns correction off: Now returns local time, though the
	// offset is still measured and reported.
	Disabled bool
	// MinCorrection is the smallest offset Now applies; smaller ones are
	// measurement noise (the Date header has one-second resolution). Zero
	// means 2 seconds.
	MinCorrection time.Duration
	// Threshold is the offset above which a 403 is taken for a clock-skew
	// refusal whatever its code says (see [Clock.Skewed]). Zero means 5
	// minutes; vendors refuse beyond 15.
	Threshold time.Duration
	// Now returns local time; nil means time.Now. Tests inject a fake clock.
	Now func() time.Time
	// Credentials, when set, is consulted around each call of Do: keys
	// are made ready before the first run, and a refusal of expired keys
	// gets one refresh and one more run (see [Credentials]).
	Credentials Credentials
}

// Clock is the skew estimate of one endpoint. It is safe for concurrent use.
type Clock struct {
	opts   Options
	offset atomic.Int64 // nanoseconds, server minus local
	known  atomic.Bool
	seq    atomic.Uint64 // bumped on every accepted observation
}

// New returns a Clock with no estimate yet.
func New(opts Options) *Clock {
	if opts.MinCorrection <= 0 {
		opts.MinCorrection = 2 * time.Second
	}
	if opts.Threshold <= 0 {
		opts.Threshold = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Clock{opts: opts}
}

// earliest is the earliest server time taken seriously: a server whose clock
// says 1970 is broken, not skewed.
var earliest = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Observe records a reply whose server time was server (the Date header,
// which is truncated to the second), for a request sent at sent and answered
// at received, both local times. It reports whether the observation was
// accepted.
func (c *Clock) Observe(server, sent, received time.Time) bool {
	if server.Before(earliest) || received.Before(sent) {
		return false
	}
	// The Date header is truncated to the second: the server's clock was,
	// on average, half a second later.
	server = server.Add(500 * time.Millisecond)
	mid := sent.Add(received.Sub(sent) / 2)
	off := server.Sub(mid)
	if off > 100*365*24*time.Hour || off < -100*365*24*time.Hour {
		return false
	}
	c.offset.Store(int64(off))
	c.known.Store(true)
	c.seq.Add(1)
	return true
}

// Offset returns the latest estimate (server minus local) and whether there
// is one.
func (c *Clock) Offset() (time.Duration, bool) {
	if !c.known.Load() {
		return 0, false
	}
	return time.Duration(c.offset.Load()), true
}

// Version returns a number that changes with every accepted observation; a
// caller compares two versions to learn whether a new measurement arrived.
func (c *Clock) Version() uint64 { return c.seq.Load() }

// Correction returns the offset Now applies: the estimate if correction is
// enabled and the estimate is at least MinCorrection, else zero.
func (c *Clock) Correction() time.Duration {
	if c.opts.Disabled {
		return 0
	}
	off, ok := c.Offset()
	if !ok || abs(off) < c.opts.MinCorrection {
		return 0
	}
	return off
}

// Now returns the time to sign with: local time plus [Clock.Correction].
func (c *Clock) Now() time.Time { return c.opts.Now().Add(c.Correction()) }

// LocalNow returns the uncorrected local time.
func (c *Clock) LocalNow() time.Time { return c.opts.Now() }

// Enabled reports whether correction is on.
func (c *Clock) Enabled() bool { return !c.opts.Disabled }

// Skewed reports whether the estimate is beyond Threshold: a 403 received
// while Skewed is a clock-skew refusal.
func (c *Clock) Skewed() bool {
	off, ok := c.Offset()
	return ok && abs(off) >= c.opts.Threshold
}

// Threshold returns the configured threshold.
func (c *Clock) Threshold() time.Duration { return c.opts.Threshold }

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Transport is an [http.RoundTripper] that feeds Clock from the Date header
// of every reply, errors included, then returns the reply unchanged.
//
// The round trip it measures is short whatever the body. A bodiless
// request is measured from the time it was sent to the reply (the midpoint
// rule). A request with a body is measured at the reply alone: the server
// writes its Date once it has read the whole body (or refused it), so the
// reply's arrival is the local time closest to it. Neither the time the
// request started nor the time the body was written whole (httptrace
// WroteRequest) will do: the first is a whole transfer earlier, and the
// second can precede the server's last read by what the socket buffers
// still held, megabytes on a slow link, seconds at a few MB/s.
type Transport struct {
	// Base is the transport that sends requests; nil means
	// http.DefaultTransport.
	Base http.RoundTripper
	// Clock receives the observations.
	Clock *Clock
}

// CloseIdleConnections closes the idle connections of Base, if it has such a
// method (http.DefaultTransport's are left alone when Base is nil).
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.Base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// hasBody reports whether req sends a body.
func hasBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0
}

// RoundTrip implements [http.RoundTripper].
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	sent := t.Clock.LocalNow()
	resp, err := base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	received := t.Clock.LocalNow()
	if hasBody(req) {
		sent = received
	}
	if resp.Header.Get("Age") == "" {
		if d := resp.Header.Get("Date"); d != "" {
			if server, perr := http.ParseTime(d); perr == nil {
				t.Clock.Observe(server, sent, received)
			}
		}
	}
	return resp, nil
}

// Do runs op, which signs with the time it is given and returns a
// classified error, at most twice: again only if the first run failed with
// Kind ClockSkew, correction is enabled, the caller's context is alive, and
// the correction changed meanwhile by at least MinCorrection (the refusal's
// own Date header is a new measurement). It returns one Attempt per run,
// each with the offset measured and whether it was signed with a corrected
// time, and the last run's error.
func (c *Clock) Do(ctx context.Context, target, provider string, op func(signAt time.Time) error) ([]uploader.Attempt, error) {
	if c.opts.Credentials != nil {
		return c.doRefreshing(ctx, target, provider, op)
	}
	return c.do(ctx, target, provider, op)
}

func (c *Clock) do(ctx context.Context, target, provider string, op func(signAt time.Time) error) ([]uploader.Attempt, error) {
	run := func(corr time.Duration) (uploader.Attempt, error) {
		start := c.opts.Now()
		err := op(start.Add(corr))
		a := uploader.NewAttempt(target, provider, start, c.opts.Now(), err)
		a.SkewCorrected = corr != 0
		if off, ok := c.Offset(); ok && a.Skew == 0 && (corr != 0 || abs(off) >= c.opts.MinCorrection) {
			a.Skew = off
		}
		return a, err
	}
	used := c.Correction()
	first, err := run(used)
	if err == nil || uploader.KindOf(err) != uploader.ClockSkew || !c.Enabled() || ctx.Err() != nil {
		return []uploader.Attempt{first}, err
	}
	next := c.Correction()
	if next == 0 || abs(next-used) < c.opts.MinCorrection {
		return []uploader.Attempt{first}, err
	}
	second, err := run(next)
	return []uploader.Attempt{first, second}, err
}
