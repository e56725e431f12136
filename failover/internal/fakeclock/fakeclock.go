// Package fakeclock is a clock for the failover tests whose time moves only
// when told to, so that no test sleeps. It satisfies failover.Clock.
//
// Time moves in two ways. Advance moves it forward and runs the functions of
// the timers that fall due, in time order, in the calling goroutine. And
// with SetAuto(max), a Sleep of at most max returns at once, having moved
// the clock forward by its duration (running any timer then due): backoff
// waits pass instantly, while timers (attempt timeouts) and longer sleeps
// (probe intervals) wait for Advance.
package fakeclock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a manual clock. The zero value is not usable; call New.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	auto    time.Duration
	seq     int
	timers  []*timer
	waits   []time.Duration
	changed chan struct{}
}

type timer struct {
	when  time.Time
	seq   int
	f     func()
	sleep bool // a Sleep's, not an AfterFunc's
}

// New returns a clock that reads start.
func New(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// SetAuto makes a Sleep of at most max return at once (see the package
// doc). Zero turns auto mode off.
func (c *Clock) SetAuto(max time.Duration) {
	c.mu.Lock()
	c.auto = max
	c.mu.Unlock()
}

// Sleep waits until d has passed on the clock or ctx is done. In auto mode,
// a d of at most the auto limit moves the clock forward by d at once. It
// records d (see Waits).
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	auto := c.auto > 0 && d <= c.auto
	if auto {
		c.waits = append(c.waits, d)
		target := c.now.Add(d)
		c.mu.Unlock()
		c.runUntil(target)
		return nil
	}
	c.mu.Unlock()
	fired := make(chan struct{})
	stop := c.add(d, true, func() { close(fired) })
	select {
	case <-fired:
		return nil
	case <-ctx.Done():
		stop()
		return ctx.Err()
	}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc registers f to run once d has passed on the clock; it records d
// (see Waits). Auto mode does not apply.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	return c.add(d, false, f)
}

func (c *Clock) add(d time.Duration, sleep bool, f func()) func() bool {
	c.mu.Lock()
	c.seq++
	t := &timer{when: c.now.Add(d), seq: c.seq, f: f, sleep: sleep}
	c.waits = append(c.waits, d)
	c.timers = append(c.timers, t)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.timers {
			if x == t {
				c.timers = slices.Delete(c.timers, i, i+1)
				return true
			}
		}
		return false
	}
}

// Advance moves the clock forward by d, running every timer that falls due,
// in time order, each at its own time.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.runUntil(target)
}

func (c *Clock) runUntil(target time.Time) {
	for {
		c.mu.Lock()
		i := -1
		for j, t := range c.timers {
			if t.when.After(target) {
				continue
			}
			if i < 0 || t.when.Before(c.timers[i].when) || (t.when.Equal(c.timers[i].when) && t.seq < c.timers[i].seq) {
				i = j
			}
		}
		if i < 0 {
			if target.After(c.now) {
				c.now = target
			}
			c.mu.Unlock()
			return
		}
		t := c.timers[i]
		c.timers = slices.Delete(c.timers, i, i+1)
		if t.when.After(c.now) {
			c.now = t.when
		}
		c.mu.Unlock()
		t.f()
	}
}

// Pending returns the number of timers not yet fired or stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitPending blocks until at least n timers (of Sleep or AfterFunc) are
// pending, or done is closed; it reports whether n were.
func (c *Clock) WaitPending(n int, done <-chan struct{}) bool {
	return c.wait(n, false, done)
}

// WaitSleeping blocks until at least n goroutines sleep in Sleep, or done is
// closed; it reports whether n did.
func (c *Clock) WaitSleeping(n int, done <-chan struct{}) bool {
	return c.wait(n, true, done)
}

func (c *Clock) wait(n int, sleeps bool, done <-chan struct{}) bool {
	for {
		c.mu.Lock()
		count := 0
		for _, t := range c.timers {
			if t.sleep || !sleeps {
				count++
			}
		}
		if count >= n {
			c.mu.Unlock()
			return true
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-done:
			return false
		}
	}
}

// Waits returns the duration of every Sleep and timer so far, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}
