package failover

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// errStalled is the cause of an attempt context that the stall watchdog
// ended.
var errStalled = errors.New("failover: attempt stalled")

// stallChecks is how many times per StallTimeout the watchdog looks at the
// byte count: a stall is seen between StallTimeout and 5/4 of it after the
// last byte moved.
const stallChecks = 4

// stallWatch is the stall watchdog of one attempt. Every byte read from the
// object's body, and every byte the backend reports as sent
// ([uploader.WithProgress]), counts as movement; when nothing moved for the
// stall period, it cancels the attempt's context with errStalled. It reads
// time only from the Uploader's Clock.
type stallWatch struct {
	clock  Clock
	period time.Duration
	cancel context.CancelCauseFunc
	moved  atomic.Int64 // bytes moved (read or sent), the sum of |n|
	sent   atomic.Int64 // bytes the backend reports as sent, net of rewinds

	mu       sync.Mutex
	last     int64     // moved at the previous check
	lastMove time.Time // when movement was last seen
	stop     func() bool
	done     bool
	fired    bool
}

// watchStall returns ctx and obj wired to a stall watchdog of period d, and
// the function that ends the watch and reports whether the watchdog fired
// and how many bytes the backend reported as sent. A d <= 0 turns the
// watchdog off.
func watchStall(ctx context.Context, c Clock, d time.Duration, obj uploader.Object) (context.Context, uploader.Object, func() (bool, int64)) {
	if d <= 0 {
		return ctx, obj, func() (bool, int64) { return false, 0 }
	}
	wctx, cancel := context.WithCancelCause(ctx)
	w := &stallWatch{clock: c, period: d, cancel: cancel, lastMove: c.Now()}
	prev := uploader.ProgressFunc(ctx)
	wctx = uploader.WithProgress(wctx, func(n int64) {
		w.sent.Add(n)
		w.add(n)
		if prev != nil {
			prev(n)
		}
	})
	if open := obj.Open; open != nil {
		obj.Open = func() (uploader.Body, error) {
			b, err := open()
			if err != nil || b == nil {
				return b, err
			}
			return &watchedBody{Body: b, w: w}, nil
		}
	}
	w.mu.Lock()
	w.arm()
	w.mu.Unlock()
	return wctx, obj, func() (bool, int64) {
		w.mu.Lock()
		w.done = true
		if w.stop != nil {
			w.stop()
		}
		fired := w.fired
		w.mu.Unlock()
		cancel(context.Canceled)
		return fired, w.sent.Load()
	}
}

func (w *stallWatch) add(n int64) {
	if n < 0 {
		n = -n
	}
	if n > 0 {
		w.moved.Add(n)
	}
}

// arm schedules the next check; w.mu is held.
func (w *stallWatch) arm() {
	w.stop = w.clock.AfterFunc(w.period/stallChecks, w.check)
}

func (w *stallWatch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	now := w.clock.Now()
	if m := w.moved.Load(); m != w.last {
		w.last, w.lastMove = m, now
	} else if now.Sub(w.lastMove) >= w.period {
		w.fired = true
		w.cancel(errStalled)
		return
	}
	w.arm()
}

// watchedBody counts the bytes read from an object's body.
type watchedBody struct {
	uploader.Body
	w *stallWatch
}

func (b *watchedBody) ReadAt(p []byte, off int64) (int, error) {
	n, err := b.Body.ReadAt(p, off)
	b.w.add(int64(n))
	return n, err
}

// stallError is the failure of an attempt that the watchdog ended.
func stallError(t *target, key string, d time.Duration, sent, size int64, cause error) *uploader.Error {
	msg := fmt.Sprintf("the upload stalled: no byte moved for %s (the stall timeout)", d)
	if sent > 0 {
		msg += fmt.Sprintf("; %d of %d bytes had been sent", sent, size)
	}
	return &uploader.Error{Kind: uploader.Timeout, Target: t.name, Provider: t.provider, Op: "put", Key: key,
		Message: msg, Err: cause}
}
