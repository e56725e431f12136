package gateway

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/resilient-upload/upload/internal/netem"
)

// Link is the emulated network between the clients and a gateway: a
// one-way delay and a bandwidth cap in each direction, the cap shared by
// every connection to the gateway (a slow or distant network, not a
// per-request limit like the [Bandwidth] fault). Up is from the clients to
// the gateway (request bodies), Down back (replies). The zero Link is
// loopback as it is.
type Link struct {
	// UpDelay and DownDelay are the one-way delays; a round trip costs
	// their sum.
	UpDelay, DownDelay time.Duration
	// UpBytesPerSecond and DownBytesPerSecond cap each direction, all
	// connections together. Zero: unlimited.
	UpBytesPerSecond, DownBytesPerSecond int64
}

// SymmetricLink returns a link with rtt/2 of delay and bytesPerSecond
// (0: unlimited) each way.
func SymmetricLink(rtt time.Duration, bytesPerSecond int64) Link {
	return Link{UpDelay: rtt / 2, DownDelay: rtt / 2, UpBytesPerSecond: bytesPerSecond, DownBytesPerSecond: bytesPerSecond}
}

// RTT returns the round-trip time: both delays.
func (l Link) RTT() time.Duration { return l.UpDelay + l.DownDelay }

func (l Link) netem() netem.Config {
	return netem.Config{
		Up:   netem.Direction{Delay: l.UpDelay, BytesPerSecond: l.UpBytesPerSecond},
		Down: netem.Direction{Delay: l.DownDelay, BytesPerSecond: l.DownBytesPerSecond},
	}
}

// errNoLink is SetLink's answer on a gateway whose connections do not go
// through the emulator.
var errNoLink = errors.New("gateway: this gateway's connections do not cross an emulated link: start it with Options.Link or Options.EmulateLink, or serve it on Gateway.Listener(ln)")

// Listener returns ln with every connection put on the gateway's link, for
// a gateway made by [New] and served by the caller; [Start] does it itself
// when Options.Link or Options.EmulateLink is set. From then on
// [Gateway.SetLink] works.
func (g *Gateway) Listener(ln net.Listener) net.Listener {
	g.emulated.Store(true)
	return g.link.Listener(ln)
}

// SetLink changes the link for every connection, open or new, from the
// next byte on. It fails on a negative setting, and on a gateway whose
// connections do not go through the emulator (see [Gateway.Listener]).
func (g *Gateway) SetLink(l Link) error {
	if err := l.netem().Validate(); err != nil {
		return err
	}
	if !g.emulated.Load() {
		return errNoLink
	}
	return g.link.Set(l.netem())
}

// Link returns the current link.
func (g *Gateway) Link() Link {
	c := g.link.Config()
	return Link{UpDelay: c.Up.Delay, DownDelay: c.Down.Delay, UpBytesPerSecond: c.Up.BytesPerSecond, DownBytesPerSecond: c.Down.BytesPerSecond}
}

// LinkBytes returns the bytes that crossed the link each way so far
// (zero when the connections do not go through the emulator).
func (g *Gateway) LinkBytes() (up, down int64) {
	s := g.link.Stats()
	return s.Up, s.Down
}

// clock is the gateway's offset from its Clock, which may drift: the
// offset at since plus drift per second of Clock since then.
type clock struct {
	mu    sync.Mutex
	base  time.Duration
	drift time.Duration // per second
	since time.Time
}

func (c *clock) offset(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drift == 0 {
		return c.base
	}
	elapsed := now.Sub(c.since)
	return c.base + time.Duration(float64(c.drift)*elapsed.Seconds())
}

func (c *clock) set(now time.Time, offset time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.since = offset, now
}

func (c *clock) setDrift(now time.Time, perSecond time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drift != 0 {
		c.base += time.Duration(float64(c.drift) * now.Sub(c.since).Seconds())
	}
	c.drift, c.since = perSecond, now
}

func (c *clock) rate() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.drift
}

// SetClockDrift makes the gateway's clock drift: from now on its offset
// grows by perSecond for every second of its Clock (negative: it falls
// behind), starting from the offset it has now. 0 stops the drift and
// keeps the offset reached. [Gateway.SetClockOffset] sets the offset
// without changing the drift.
func (g *Gateway) SetClockDrift(perSecond time.Duration) {
	g.clock.setDrift(g.opts.Clock.Now(), perSecond)
}

// ClockDrift returns the drift set by [Gateway.SetClockDrift], per second.
func (g *Gateway) ClockDrift() time.Duration { return g.clock.rate() }
