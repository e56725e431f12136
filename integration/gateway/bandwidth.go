package gateway

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// ActionBandwidth reads the request's body at most at Rate bytes per second
// (a slow uplink for this request alone), then handles the request
// normally. It is not terminal: the request goes on to the signature check
// and the upstream.
const ActionBandwidth ActionKind = 100

// Bandwidth returns the action that reads a matching request's body at
// most at bytesPerSecond.
func Bandwidth(bytesPerSecond int64) Action {
	return Action{Kind: ActionBandwidth, Rate: bytesPerSecond}
}

// SetUploadRate limits the rate at which the gateway reads request bodies,
// all requests together, to bytesPerSecond: the client's uplink. Zero or a
// negative value removes the limit. It applies to requests that arrive
// after the call.
func (g *Gateway) SetUploadRate(bytesPerSecond int64) {
	g.linkMu.Lock()
	defer g.linkMu.Unlock()
	if bytesPerSecond <= 0 {
		g.uplink = nil
		return
	}
	g.uplink = newPacer(bytesPerSecond)
}

// uplinkPacer returns the pacer of SetUploadRate, or nil.
func (g *Gateway) uplinkPacer() *pacer {
	g.linkMu.Lock()
	defer g.linkMu.Unlock()
	return g.uplink
}

// limitBody wraps a request body so that it is read no faster than p
// allows; a nil p leaves it as it is.
func (g *Gateway) limitBody(ctx context.Context, body io.ReadCloser, p *pacer) io.ReadCloser {
	if p == nil || body == nil || body == http.NoBody {
		return body
	}
	return &pacedBody{ReadCloser: body, p: p, ctx: ctx, closing: g.closing}
}

// pacer hands out the time at which the next bytes may be read, so that
// reads through it average at most rate bytes per second.
type pacer struct {
	rate int64
	mu   sync.Mutex
	next time.Time // when the link is free again
}

func newPacer(rate int64) *pacer { return &pacer{rate: rate} }

// chunk is the most bytes one read takes: a tenth of a second of the rate,
// at least 1 KiB and at most 64 KiB, so the pace is smooth.
func (p *pacer) chunk() int {
	c := p.rate / 10
	switch {
	case c < 1<<10:
		c = 1 << 10
	case c > 64<<10:
		c = 64 << 10
	}
	return int(c)
}

// reserve books n bytes on the link and returns when they may be read.
func (p *pacer) reserve(n int) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	start := p.next
	if start.Before(now) {
		start = now
	}
	p.next = start.Add(time.Duration(int64(n) * int64(time.Second) / p.rate))
	return start
}

// pacedBody reads its body no faster than its pacer allows.
type pacedBody struct {
	io.ReadCloser
	p       *pacer
	ctx     context.Context
	closing <-chan struct{}
}

func (b *pacedBody) Read(buf []byte) (int, error) {
	if c := b.p.chunk(); len(buf) > c {
		buf = buf[:c]
	}
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		if d := time.Until(b.p.reserve(n)); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-b.ctx.Done():
				return n, b.ctx.Err()
			case <-b.closing:
				return n, io.ErrUnexpectedEOF
			}
		}
	}
	return n, err
}
