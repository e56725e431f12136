package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// Bandwidth handles the request normally but reads its body, and writes
// its reply, no faster than bytesPerSecond each: a slow link for one
// request. The limit is per request; a wait ends early when the client
// gives up or the gateway closes.
func Bandwidth(bytesPerSecond int64) Action {
	return Action{Kind: ActionBandwidth, BytesPerSecond: bytesPerSecond}
}

// errLinkClosed ends a paced read or write whose wait was cut short.
var errLinkClosed = errors.New("gateway: bandwidth-limited transfer ended: the client went away or the gateway closed")

// pacer spaces n bytes so that they take n/rate seconds from the first
// read or write.
type pacer struct {
	rate  int64
	n     int64
	start time.Time
	now   func() time.Time
	sleep func(time.Duration) bool // false: stop
}

func newPacer(g *Gateway, ctx context.Context, rate int64) *pacer {
	return &pacer{rate: rate, now: g.opts.Clock.Now,
		sleep: func(d time.Duration) bool { return g.sleep(ctx, d) }}
}

// chunk is the most bytes passed on at once: a tenth of a second's worth,
// at least 1 and at most 64 KiB. The first call starts the clock.
func (p *pacer) chunk() int {
	if p.start.IsZero() {
		p.start = p.now()
	}
	c := p.rate / 10
	if c < 1 {
		c = 1
	}
	if c > 64<<10 {
		c = 64 << 10
	}
	return int(c)
}

// done records n bytes moved and waits until they are due.
func (p *pacer) done(n int) error {
	p.n += int64(n)
	due := p.start.Add(time.Duration(float64(p.n) / float64(p.rate) * float64(time.Second)))
	if d := due.Sub(p.now()); d > 0 && !p.sleep(d) {
		return errLinkClosed
	}
	return nil
}

type pacedBody struct {
	io.ReadCloser
	p *pacer
}

func (b *pacedBody) Read(buf []byte) (int, error) {
	if c := b.p.chunk(); len(buf) > c {
		buf = buf[:c]
	}
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		if perr := b.p.done(n); perr != nil {
			return n, perr
		}
	}
	return n, err
}

// pacedWriter paces a reply; it keeps the Flusher and Hijacker of the
// writer it wraps.
type pacedWriter struct {
	http.ResponseWriter
	p *pacer
}

func (w *pacedWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		c := min(len(b), w.p.chunk())
		n, err := w.ResponseWriter.Write(b[:c])
		written += n
		if err != nil {
			return written, err
		}
		if f, ok := w.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		if err := w.p.done(n); err != nil {
			return written, err
		}
		b = b[c:]
	}
	return written, nil
}

func (w *pacedWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *pacedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}

func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limitBandwidth paces r's body and the reply written to the returned
// writer at rate bytes per second each; a rate of 0 or less leaves them
// as they are.
func (g *Gateway) limitBandwidth(w http.ResponseWriter, r *http.Request, rate int64) http.ResponseWriter {
	if rate <= 0 {
		return w
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &pacedBody{ReadCloser: r.Body, p: newPacer(g, r.Context(), rate)}
	}
	return &pacedWriter{ResponseWriter: w, p: newPacer(g, r.Context(), rate)}
}
