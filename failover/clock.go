package failover

import (
	"context"
	"errors"
	"time"
)

// Clock is the Uploader's source of time. Every wait, timeout and window of
// this package goes through it, so a test can drive time without sleeping.
// A Clock is safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits until d has passed, or until ctx is done; it returns
	// ctx.Err() in that case, else nil. The Uploader sleeps for backoff
	// waits and between probe rounds.
	Sleep(ctx context.Context, d time.Duration) error
	// AfterFunc arranges for f to be called, in its own goroutine or in
	// the one that moves time forward, once d has passed. stop cancels the
	// call; it reports whether it did so before f was called. The Uploader
	// uses it for attempt timeouts.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// realClock is the Clock of the time package.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errTimedOut is the cause of an attempt context whose timeout passed.
var errTimedOut = errors.New("failover: attempt timed out")

// withTimeout returns a context that is canceled, with cause errTimedOut,
// once d has passed on c. A d <= 0 means no timeout.
func withTimeout(ctx context.Context, c Clock, d time.Duration) (context.Context, func()) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	actx, cancel := context.WithCancelCause(ctx)
	stop := c.AfterFunc(d, func() { cancel(errTimedOut) })
	return actx, func() {
		stop()
		cancel(context.Canceled)
	}
}

// timedOut reports whether actx, made by withTimeout from ctx, ended by its
// own timeout while ctx is still alive.
func timedOut(ctx, actx context.Context) bool {
	return ctx.Err() == nil && errors.Is(context.Cause(actx), errTimedOut)
}
