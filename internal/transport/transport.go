// Package transport builds the HTTP transport every cloud backend hands to
// its SDK: bounded connect and response timeouts, enough idle connections
// for concurrent uploads, a watchdog that gives up on a request whose body
// stopped moving, and the clock-skew probe of package skew.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/resilient-upload/upload/internal/skew"
)

// Options configures a transport. The zero value is ready to use.
type Options struct {
	// ConnectTimeout bounds dialing and the TLS handshake. Zero means 10 s.
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the wait for a reply's headers once the request
	// is sent, and the time a request body may stay without progress (the
	// server stopped reading). Zero means 60 s.
	ResponseTimeout time.Duration
	// IdleConnTimeout is how long an idle connection is kept. Zero means 90 s.
	IdleConnTimeout time.Duration
	// MaxConnsPerHost caps connections per host; zero means no cap.
	MaxConnsPerHost int
	// MaxIdleConnsPerHost is the idle pool per host. Zero means 256, the
	// highest adaptive concurrency limit of a target (the failover
	// package's DefaultMaxConcurrency, what `--jobs auto` may reach), so
	// that every attempt in flight keeps its connection instead of
	// churning them.
	MaxIdleConnsPerHost int
	// TLSClientConfig is used for https endpoints; nil means the defaults.
	TLSClientConfig *tls.Config
	// Proxy selects a proxy; nil means [http.ProxyFromEnvironment].
	Proxy func(*http.Request) (*url.URL, error)
	// DialContext dials connections; nil means a [net.Dialer].
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Clock, if set, is fed from every reply's Date header.
	Clock *skew.Clock
}

// New returns the RoundTripper for one backend: an [http.Transport] with
// the options' timeouts, wrapped by the stall watchdog and, if opts.Clock is
// set, by a [skew.Transport]. It has a CloseIdleConnections method, which
// closes the idle connections of its pool (call it when the backend
// closes).
func New(opts Options) http.RoundTripper {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.ResponseTimeout <= 0 {
		opts.ResponseTimeout = 60 * time.Second
	}
	if opts.IdleConnTimeout <= 0 {
		opts.IdleConnTimeout = 90 * time.Second
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 256
	}
	if opts.Proxy == nil {
		opts.Proxy = http.ProxyFromEnvironment
	}
	dial := opts.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	t := &http.Transport{
		Proxy:                 opts.Proxy,
		DialContext:           dial,
		TLSClientConfig:       opts.TLSClientConfig,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.ResponseTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       opts.IdleConnTimeout,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
		MaxConnsPerHost:       opts.MaxConnsPerHost,
		ForceAttemptHTTP2:     false,
		// Uploads are already-compressed or opaque bytes; asking for gzip
		// replies only costs CPU.
		DisableCompression: true,
		WriteBufferSize:    64 << 10,
		ReadBufferSize:     64 << 10,
	}
	var rt http.RoundTripper = &watchdog{base: t, idle: opts.ResponseTimeout}
	if opts.Clock != nil {
		rt = &skew.Transport{Base: rt, Clock: opts.Clock}
	}
	return rt
}

// StallError is returned when a request body made no progress for the
// response timeout: the server stopped reading. It is a [net.Error] whose
// Timeout method returns true.
type StallError struct {
	// Idle is how long the body had not moved.
	Idle time.Duration
}

func (e *StallError) Error() string {
	return "request body made no progress for " + e.Idle.String() + " (the server stopped reading)"
}

// Timeout returns true.
func (e *StallError) Timeout() bool { return true }

// Temporary returns true.
func (e *StallError) Temporary() bool { return true }

var _ net.Error = (*StallError)(nil)

// errStalled is the cancel cause the watchdog sets.
var errStalled = errors.New("stalled")

// watchdog cancels a request whose body stops being read for idle.
type watchdog struct {
	base http.RoundTripper
	idle time.Duration
}

// CloseIdleConnections closes the idle connections of the underlying
// transport, so that a backend's Close releases them.
func (w *watchdog) CloseIdleConnections() { closeIdle(w.base) }

// closeIdle calls rt's CloseIdleConnections method, if it has one.
func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (w *watchdog) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return w.base.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	body := &progressBody{rc: req.Body}
	timer := time.AfterFunc(w.idle, func() { cancel(errStalled) })
	body.onRead = func() { timer.Reset(w.idle) }
	r2 := req.WithContext(ctx)
	r2.Body = body
	resp, err := w.base.RoundTrip(r2)
	timer.Stop()
	if err != nil {
		stalled := errors.Is(context.Cause(ctx), errStalled)
		cancel(nil)
		if stalled && req.Context().Err() == nil {
			return nil, &StallError{Idle: w.idle}
		}
		return nil, err
	}
	// The reply's body is read under ctx; cancel it when the body is closed.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

type progressBody struct {
	rc     io.ReadCloser
	onRead func()
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.onRead()
	}
	return n, err
}

func (b *progressBody) Close() error { return b.rc.Close() }

type cancelOnClose struct {
	io.ReadCloser
	once   sync.Once
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.once.Do(c.cancel)
	return err
}
