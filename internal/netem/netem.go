// Package netem emulates a network link between clients and a server on
// one machine: a one-way delay and a bandwidth cap in each direction, the
// cap shared by every connection that crosses the link, as a slow or
// distant network would impose.
//
// A [Link] is the shared part: its configuration and one token bucket per
// direction (golang.org/x/time/rate). It is put on connections three ways:
//
//   - [Link.Listener] wraps a server's listener: what the server reads went
//     up the link, what it writes comes down it.
//   - [Link.Proxy] is a TCP proxy in front of a server, for clients whose
//     code cannot be changed (benchmarks of other tools).
//   - [Link.Conn] wraps one established connection on the server's side.
//
// # The model
//
// Each direction of each connection is a delay line. Bytes read from the
// sender are first passed through the direction's token bucket (the
// bottleneck, shared by all connections: they queue for it as packets do
// at a router) and are then in flight for the direction's delay before the
// receiver may read them. Bytes are stamped, not slept on: a stream of
// writes is pipelined, so that a long transfer on a distant link is
// limited by the bandwidth, not by one round trip per write, as on a real
// network with a large enough TCP window. The sender is held back while
// its bytes wait for the bottleneck, and a connection keeps at most
// [MaxInFlight] bytes in flight per direction (the emulated window).
//
// The delay applies to data, not to connection set-up: a new connection
// is accepted at once. A request/response exchange therefore costs one
// round trip (Up.Delay + Down.Delay) plus its bytes at the bandwidth.
//
// [Link.Set] changes the delays and rates for every connection, at once
// for bytes sent from then on. [Link.Stats] counts the bytes that crossed.
//
// Time comes from a [Clock], the real one by default; tests pass a fake
// one to check the schedule without depending on the machine's speed.
package netem

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Direction is one direction of a link.
type Direction struct {
	// Delay is the one-way delay: how long a byte is in flight after it
	// passed the bandwidth cap. Zero: none.
	Delay time.Duration
	// BytesPerSecond caps the direction's throughput, shared by every
	// connection of the link. Zero: unlimited.
	BytesPerSecond int64
}

// Config is a link's two directions.
type Config struct {
	// Up is from the clients to the server (requests, uploads).
	Up Direction
	// Down is from the server to the clients (replies, downloads).
	Down Direction
}

// Symmetric returns a link with rtt/2 of delay and bytesPerSecond (0:
// unlimited) in each direction.
func Symmetric(rtt time.Duration, bytesPerSecond int64) Config {
	d := Direction{Delay: rtt / 2, BytesPerSecond: bytesPerSecond}
	return Config{Up: d, Down: d}
}

// RTT returns the round-trip time of the link: the sum of both delays.
func (c Config) RTT() time.Duration { return c.Up.Delay + c.Down.Delay }

// Zero reports whether the link neither delays nor limits anything.
func (c Config) Zero() bool { return c == Config{} }

// Validate returns an error naming the first negative setting.
func (c Config) Validate() error {
	for _, d := range []struct {
		name string
		d    Direction
	}{{"up", c.Up}, {"down", c.Down}} {
		if d.d.Delay < 0 {
			return fmt.Errorf("netem: %s delay %v is negative", d.name, d.d.Delay)
		}
		if d.d.BytesPerSecond < 0 {
			return fmt.Errorf("netem: %s bandwidth %d B/s is negative", d.name, d.d.BytesPerSecond)
		}
	}
	return nil
}

// String describes the link, like "up 20ms 2.5 MB/s, down 20ms unlimited".
func (c Config) String() string {
	dir := func(d Direction) string {
		bw := "unlimited"
		if d.BytesPerSecond > 0 {
			bw = FormatRate(d.BytesPerSecond)
		}
		return d.Delay.String() + " " + bw
	}
	return "up " + dir(c.Up) + ", down " + dir(c.Down)
}

// MaxInFlight is the most bytes one connection keeps in flight in one
// direction (read from the sender, not yet delivered): the emulated TCP
// window. It bounds the memory of a connection whose receiver is slow; it
// also caps one connection's throughput at MaxInFlight per delay (160 MiB/s
// at 50 ms one way), well above the links the package is meant for.
const MaxInFlight = 8 << 20

// maxChunk is the most bytes moved as one piece.
const maxChunk = 64 << 10

// Stats counts what crossed a link.
type Stats struct {
	// Up and Down are the bytes released to the receiver in each
	// direction (counted before they are written to it).
	Up, Down int64
	// Conns is the number of connections put on the link so far.
	Conns int64
}

// Link is an emulated link shared by any number of connections. Its
// methods are safe for concurrent use.
type Link struct {
	clock Clock

	mu   sync.Mutex
	cfg  Config
	lims [2]*rate.Limiter

	up, down, conns atomic.Int64
}

// direction indexes.
const (
	up   = 0
	down = 1
)

// New returns a link with cfg on the real clock; it panics on a negative
// setting (see [Config.Validate]).
func New(cfg Config) *Link { return NewWithClock(cfg, nil) }

// NewWithClock is [New] with the given clock (nil: the real one).
func NewWithClock(cfg Config, clock Clock) *Link {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if clock == nil {
		clock = realClock{}
	}
	l := &Link{clock: clock}
	now := clock.Now()
	for i := range l.lims {
		l.lims[i] = rate.NewLimiter(rate.Inf, maxChunk)
	}
	l.setLocked(cfg, now)
	return l
}

// Set changes the link for every connection, for the bytes sent from now
// on; it returns an error, and changes nothing, on a negative setting.
func (l *Link) Set(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setLocked(cfg, l.clock.Now())
	return nil
}

func (l *Link) setLocked(cfg Config, now time.Time) {
	l.cfg = cfg
	for i, d := range []Direction{cfg.Up, cfg.Down} {
		lim := l.lims[i]
		if d.BytesPerSecond <= 0 {
			lim.SetLimitAt(now, rate.Inf)
			lim.SetBurstAt(now, maxChunk)
			continue
		}
		lim.SetLimitAt(now, rate.Limit(d.BytesPerSecond))
		lim.SetBurstAt(now, burst(d.BytesPerSecond))
	}
}

// burst is the token bucket's depth for a rate: a tenth of a second's
// worth, from 1 byte to maxChunk.
func burst(bytesPerSecond int64) int {
	return int(min(max(bytesPerSecond/10, 1), maxChunk))
}

// Config returns the link's current configuration.
func (l *Link) Config() Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg
}

// Stats returns what crossed the link so far.
func (l *Link) Stats() Stats {
	return Stats{Up: l.up.Load(), Down: l.down.Load(), Conns: l.conns.Load()}
}

// chunk is the most bytes one read of direction dir may take, so that a
// reservation never exceeds the bucket's depth.
func (l *Link) chunk(dir int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lims[dir].Burst()
}

// schedule reserves n bytes of direction dir's bandwidth for bytes read at
// now and returns when they have passed the cap (sent) and when the
// receiver may have them (due = sent + the delay).
func (l *Link) schedule(dir int, now time.Time, n int) (sent, due time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.lims[dir]
	delay := l.cfg.Up.Delay
	if dir == down {
		delay = l.cfg.Down.Delay
	}
	sent = now
	if lim.Limit() != rate.Inf {
		for n > 0 {
			// A chunk read before Set lowered the depth may be larger
			// than it: reserve it in pieces.
			k := min(n, lim.Burst())
			r := lim.ReserveN(now, k)
			if !r.OK() {
				break
			}
			if t := now.Add(r.DelayFrom(now)); t.After(sent) {
				sent = t
			}
			n -= k
		}
	}
	return sent, sent.Add(delay)
}

func (l *Link) delivered(dir, n int) {
	if dir == up {
		l.up.Add(int64(n))
	} else {
		l.down.Add(int64(n))
	}
}

// ParseRate reads a bandwidth: a number of bytes per second with an
// optional unit, "B/s" implied. Units: kB, MB, GB (powers of 1000), KiB,
// MiB, GiB (of 1024), each optionally followed by "/s"; and bits per
// second: kbit, Mbit, Gbit (powers of 1000, divided by 8). "0" or ""
// is unlimited. Examples: "100Mbit" (12.5 MB/s), "20MB", "2MiB/s", "262144".
func ParseRate(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" || t == "0" {
		return 0, nil
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSuffix(strings.TrimSpace(t[i:]), "/s")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("bandwidth %q: want a number with an optional unit, like 100Mbit, 20MB or 2MiB", s)
	}
	mult, ok := rateUnits[strings.ToLower(unit)]
	if unit == "Mb" || unit == "Gb" || unit == "kb" || unit == "Kb" {
		ok = false // ambiguous: bits or bytes
	}
	if !ok {
		return 0, fmt.Errorf("bandwidth %q: unknown unit %q; one of B, kB, MB, GB, KiB, MiB, GiB (bytes per second) or kbit, Mbit, Gbit", s, unit)
	}
	r := v * mult
	if r > math.MaxInt64/2 {
		return 0, fmt.Errorf("bandwidth %q is too large", s)
	}
	if r > 0 && r < 1 {
		return 0, fmt.Errorf("bandwidth %q is under one byte per second", s)
	}
	return int64(r), nil
}

var rateUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
	"kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8,
}

// FormatRate writes bytes per second the way people read them: "12.5 MB/s".
func FormatRate(bytesPerSecond int64) string {
	v := float64(bytesPerSecond)
	for _, u := range []struct {
		div  float64
		name string
	}{{1e9, "GB/s"}, {1e6, "MB/s"}, {1e3, "kB/s"}} {
		if v >= u.div {
			return strconv.FormatFloat(v/u.div, 'f', -1, 64) + " " + u.name
		}
	}
	return strconv.FormatInt(bytesPerSecond, 10) + " B/s"
}
