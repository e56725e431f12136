package netem

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Clock is the time a link runs on.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// SleepUntil waits until t, or until stop is closed; it reports
	// whether t came.
	SleepUntil(t time.Time, stop <-chan struct{}) bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) SleepUntil(t time.Time, stop <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-stop:
		return false
	}
}

// piece is bytes in flight and when the receiver may have them.
type piece struct {
	b   []byte
	due time.Time
}

// line is one direction of one connection: the pieces in flight, in
// order, at most MaxInFlight bytes.
type line struct {
	mu     sync.Mutex
	cond   *sync.Cond
	q      []piece
	bytes  int
	eof    bool  // the sender is done; deliver what is queued, then stop
	err    error // why the sender is done (nil: a clean EOF)
	stop   chan struct{}
	closed bool
}

func newLine() *line {
	l := &line{stop: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// push queues p, waiting while the line is full; false: the line was
// aborted.
func (l *line) push(p piece) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.closed && l.bytes > 0 && l.bytes+len(p.b) > MaxInFlight {
		l.cond.Wait()
	}
	if l.closed {
		return false
	}
	l.q = append(l.q, p)
	l.bytes += len(p.b)
	l.cond.Broadcast()
	return true
}

// finish marks the sender's end.
func (l *line) finish(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.eof, l.err = true, err
	l.cond.Broadcast()
}

// pop returns the next piece, waiting for one; ok false: the sender is
// done (err says why) or the line was aborted.
func (l *line) pop() (p piece, ok bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.closed && len(l.q) == 0 && !l.eof {
		l.cond.Wait()
	}
	if l.closed {
		return p, false, net.ErrClosed
	}
	if len(l.q) == 0 {
		return p, false, l.err
	}
	return l.q[0], true, nil
}

// done removes the piece pop returned.
func (l *line) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || len(l.q) == 0 { // aborted meanwhile
		return
	}
	l.bytes -= len(l.q[0].b)
	l.q[0] = piece{}
	l.q = l.q[1:]
	l.cond.Broadcast()
}

// abort drops what is in flight and wakes everyone.
func (l *line) abort() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.stop)
		l.q, l.bytes = nil, 0
		l.cond.Broadcast()
	}
}

// carry moves src to dst through direction dir of the link until src ends
// (then it returns nil once everything in flight is delivered) or dst
// fails. abort, when closed, ends it at once.
func (lk *Link) carry(dst io.Writer, src io.Reader, dir int, ln *line) error {
	go func() {
		buf := make([]byte, maxChunk)
		for {
			n, err := src.Read(buf[:lk.chunk(dir)])
			if n > 0 {
				sent, due := lk.schedule(dir, lk.clock.Now(), n)
				// The sender waits for the bottleneck: that is its
				// backpressure. Then the bytes fly.
				if !lk.clock.SleepUntil(sent, ln.stop) {
					return
				}
				b := make([]byte, n)
				copy(b, buf[:n])
				if !ln.push(piece{b: b, due: due}) {
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				ln.finish(err)
				return
			}
		}
	}()
	for {
		p, ok, err := ln.pop()
		if !ok {
			return err
		}
		if !lk.clock.SleepUntil(p.due, ln.stop) {
			return net.ErrClosed
		}
		// Counted as it is released, so that the count is complete by
		// the time the receiver has the bytes.
		lk.delivered(dir, len(p.b))
		if _, err := dst.Write(p.b); err != nil {
			ln.abort()
			return err
		}
		ln.done()
	}
}
