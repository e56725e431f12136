package transport

import (
	"context"
	"io"
	"net/http"
	"sync"
)

// MaxCapturedBody is the most bytes of an error reply's body that a
// [Capture] keeps. Error bodies are small XML or JSON documents; a longer
// body is kept truncated.
const MaxCapturedBody = 16 << 10

// Capture records what the server answered to the requests of one call,
// for SDKs whose error values lose part of the reply: the headers (Date,
// Retry-After, request IDs) and, for an error status, the start of the body
// (where OSS, OBS and AWS put the StringToSign). It is safe for concurrent
// use.
type Capture struct {
	mu     sync.Mutex
	status int
	header http.Header
	body   []byte
	n      int
}

type captureKey struct{}

// WithCapture returns a copy of ctx that carries a new Capture, and the
// Capture. Requests sent with that context through a [Capturing] transport
// record their replies in it; the last reply wins.
func WithCapture(ctx context.Context) (context.Context, *Capture) {
	c := &Capture{}
	return context.WithValue(ctx, captureKey{}, c), c
}

func captureFrom(ctx context.Context) *Capture {
	c, _ := ctx.Value(captureKey{}).(*Capture)
	return c
}

// Status returns the last reply's HTTP status, 0 if none came.
func (c *Capture) Status() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Header returns the last reply's headers, nil if none came.
func (c *Capture) Header() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.header
}

// Body returns the start of the last error reply's body (at most
// [MaxCapturedBody] bytes, and only the bytes the SDK read), nil for a
// successful reply.
func (c *Capture) Body() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.body[:c.n:c.n]
}

func (c *Capture) record(resp *http.Response) *captureBody {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.header, c.body, c.n = resp.StatusCode, resp.Header.Clone(), nil, 0
	if resp.StatusCode < 300 || resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	c.body = make([]byte, MaxCapturedBody)
	return &captureBody{ReadCloser: resp.Body, c: c}
}

// captureBody copies what the SDK reads of an error body into the Capture,
// up to MaxCapturedBody bytes. It adds no read of its own, so a body the SDK
// never reads is never waited for.
type captureBody struct {
	io.ReadCloser
	c *Capture
}

func (b *captureBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.c.mu.Lock()
		if b.c.n < len(b.c.body) {
			b.c.n += copy(b.c.body[b.c.n:], p[:n])
		}
		b.c.mu.Unlock()
	}
	return n, err
}

// Capturing returns a RoundTripper that sends requests through base and
// records each reply in the [Capture] its request's context carries (see
// [WithCapture]); requests without one pass through untouched.
func Capturing(base http.RoundTripper) http.RoundTripper {
	return &capturing{base: base}
}

type capturing struct{ base http.RoundTripper }

// CloseIdleConnections closes the idle connections of base, if it can.
func (t *capturing) CloseIdleConnections() { closeIdle(t.base) }

func (t *capturing) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	if c := captureFrom(req.Context()); c != nil {
		if cb := c.record(resp); cb != nil {
			resp.Body = cb
		}
	}
	return resp, nil
}
