package main

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
)

// interruptWatch reads the interrupts (SIGINT, SIGTERM) while a command
// runs: the first calls first, the second calls second. The end of the
// command's context counts as an interrupt too.
type interruptWatch struct {
	signals     <-chan os.Signal
	done, ended chan struct{}
	once        sync.Once
	count       atomic.Int32
}

// watchInterrupts starts reading a.signals; either callback may be nil.
// The caller calls stop when the work ends, and before it reports.
func (a *app) watchInterrupts(ctx context.Context, first, second func()) *interruptWatch {
	w := &interruptWatch{signals: a.signals, done: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(w.ended)
		for _, call := range []func(){first, second} {
			select {
			case <-w.signals:
			case <-ctx.Done():
			case <-w.done:
				return
			}
			w.count.Add(1)
			if call != nil {
				call()
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()
	return w
}

// interrupted reports whether an interrupt has been read so far.
func (w *interruptWatch) interrupted() bool { return w.count.Load() > 0 }

// stop stops the watch and reports whether the command was interrupted.
// An interrupt delivered but not yet read when the work ended counts: the
// user asked to stop, and the exit status says so however quickly the
// work finished. stop may be called more than once.
func (w *interruptWatch) stop() bool {
	w.once.Do(func() {
		close(w.done)
		<-w.ended
		select {
		case <-w.signals:
			w.count.Add(1)
		default:
		}
	})
	return w.interrupted()
}
