package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/internal/netem"
)

// Dialect is the vendor a gateway impersonates.
type Dialect string

// The dialects.
const (
	// TOS is Volcengine TOS: TOS4-HMAC-SHA256 signatures, JSON errors and
	// JSON multipart bodies, x-tos-* headers.
	TOS Dialect = "tos"
	// OSS is Aliyun OSS: OSS V1 (HMAC-SHA1) and OSS4-HMAC-SHA256
	// signatures, XML errors with StringToSign, x-oss-* headers.
	OSS Dialect = "oss"
	// OBS is Huawei OBS in its S3-compatible mode: AWS V2, AWS V4 and the
	// native OBS (V2-style) signature, S3 XML errors.
	OBS Dialect = "obs"
	// COS is Tencent COS: q-sign-algorithm=sha1 signatures, XML errors with
	// TraceId, x-cos-* headers.
	COS Dialect = "cos"
)

// Dialects lists every dialect.
var Dialects = []Dialect{TOS, OSS, OBS, COS}

// Defaults of [Options].
const (
	// DefaultAccessKey and DefaultSecretKey are the fake test credentials a
	// gateway accepts when Options leaves them empty.
	DefaultAccessKey = "gwtestkey"
	DefaultSecretKey = "gateway-fake-secret"
	// DefaultSkewWindow is the largest accepted distance between a
	// request's signed time and the gateway's clock (every vendor uses 15
	// minutes).
	DefaultSkewWindow = 15 * time.Minute
	// DefaultMaxStall bounds a stalled request when the client never gives
	// up.
	DefaultMaxStall = 30 * time.Second
)

// Clock tells the time. The gateway reads its clock for fault windows and,
// plus the offset of [Gateway.SetClockOffset] (which may drift, see
// [Gateway.SetClockDrift]), for signature time checks and the Date header.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Upstream is the S3 server behind the gateway (the test MinIO) and the
// credentials the gateway re-signs forwarded requests with.
type Upstream struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:9000". Required.
	URL string
	// AccessKey and SecretKey sign forwarded requests with AWS V4. Empty:
	// requests are forwarded anonymously (the bucket policy decides).
	AccessKey, SecretKey string
	// Region is the AWS V4 region of forwarded requests. Default: us-east-1.
	Region string
}

// Options configures a gateway. Dialect and Upstream.URL are required; every
// other zero value works.
type Options struct {
	// Dialect is the vendor to impersonate.
	Dialect Dialect
	// Upstream is the MinIO behind the gateway.
	Upstream Upstream
	// AccessKey and SecretKey are the only credentials the gateway
	// accepts from clients. Default: [DefaultAccessKey], [DefaultSecretKey].
	AccessKey, SecretKey string
	// Domain enables virtual-host addressing: a request whose Host is
	// "<bucket>.<Domain>[:port]" addresses that bucket. Path-style
	// ("/bucket/key") always works. Default: path-style only.
	Domain string
	// Clock is the gateway's clock. Default: the real clock.
	Clock Clock
	// SkewWindow is the accepted distance between a request's signed time
	// and the gateway's (offset) clock. Default: [DefaultSkewWindow].
	SkewWindow time.Duration
	// MaxStall bounds a stall fault and latency faults. Default:
	// [DefaultMaxStall].
	MaxStall time.Duration
	// Seed seeds the random source of probabilistic faults, so that runs
	// repeat. Default: 1.
	Seed int64
	// Policy is what the key may do (see [WriteOnly]); a request it
	// denies gets 403 AccessDenied. Default: everything is allowed.
	// [Gateway.SetPolicy] changes it.
	Policy Policy
	// KMSEncryption answers as a bucket encrypted by default with a KMS
	// key: the vendor's server-side-encryption header on writes and reads,
	// and ETags that are not MD5s. [Gateway.SetKMSEncryption] changes it.
	KMSEncryption bool
	// Link is the emulated network between the clients and the gateway
	// (delay and bandwidth each way, shared by all connections); [Start]
	// then serves every connection through it. [Gateway.SetLink] changes
	// it. Default: none, loopback as it is.
	Link Link
	// EmulateLink makes [Start] serve every connection through the link
	// emulator even while Link is zero, so that [Gateway.SetLink] can slow
	// down connections opened before. It costs a copy of every byte.
	EmulateLink bool
	// ClockDrift makes the clock drift from the start: see
	// [Gateway.SetClockDrift].
	ClockDrift time.Duration
	// Logf, when set, receives one line per request (method, path,
	// operation, outcome, status). It never receives credentials.
	Logf func(format string, args ...any)
}

// Gateway answers like one vendor in front of an S3 server. It is an
// [http.Handler]; [Start] also serves it on a loopback port. Its methods are
// safe for concurrent use.
type Gateway struct {
	opts      Options
	upstream  *url.URL
	transport *http.Transport
	clock     clock // the offset from Clock, maybe drifting
	link      *netem.Link
	emulated  atomic.Bool // connections cross link
	faults    faultSet
	stats     stats
	parts     partCRCs
	tokens    tokens
	policy    policyState
	kms       atomic.Bool
	idPrefix  string
	idSeq     atomic.Uint64

	mu      sync.Mutex
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup

	srv *http.Server
	ln  net.Listener
}

// New returns a gateway that is not listening: serve it yourself (for
// example in-process from a benchmark). Close it when done.
func New(opts Options) (*Gateway, error) {
	switch opts.Dialect {
	case TOS, OSS, OBS, COS:
	default:
		return nil, fmt.Errorf("gateway: unknown dialect %q", opts.Dialect)
	}
	u, err := url.Parse(opts.Upstream.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("gateway: upstream URL %q: want http://host:port", opts.Upstream.URL)
	}
	if opts.Upstream.Region == "" {
		opts.Upstream.Region = "us-east-1"
	}
	if opts.AccessKey == "" && opts.SecretKey == "" {
		opts.AccessKey, opts.SecretKey = DefaultAccessKey, DefaultSecretKey
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.SkewWindow <= 0 {
		opts.SkewWindow = DefaultSkewWindow
	}
	if opts.MaxStall <= 0 {
		opts.MaxStall = DefaultMaxStall
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	g := &Gateway{
		opts:     opts,
		upstream: u,
		transport: &http.Transport{
			Proxy:               nil,
			DisableCompression:  true,
			MaxIdleConnsPerHost: 64,
			WriteBufferSize:     256 << 10,
			ReadBufferSize:      64 << 10,
			IdleConnTimeout:     30 * time.Second,
		},
		idPrefix: strings.ToUpper(hex.EncodeToString(b[:])),
		closing:  make(chan struct{}),
	}
	if err := opts.Link.netem().Validate(); err != nil {
		return nil, fmt.Errorf("gateway: Options.Link: %w", err)
	}
	g.link = netem.New(opts.Link.netem())
	g.clock.set(opts.Clock.Now(), 0)
	g.clock.setDrift(opts.Clock.Now(), opts.ClockDrift)
	g.faults.init(opts.Seed)
	g.stats.init()
	g.parts.init()
	g.policy.set(opts.Policy)
	g.kms.Store(opts.KMSEncryption)
	return g, nil
}

// Start returns a gateway serving on a free 127.0.0.1 port; see [New].
func Start(opts Options) (*Gateway, error) {
	g, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gateway: listen: %w", err)
	}
	g.ln = ln
	if opts.EmulateLink || opts.Link != (Link{}) {
		ln = g.Listener(ln)
	}
	g.srv = &http.Server{Handler: g, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = g.srv.Serve(ln) }()
	return g, nil
}

// Dialect returns the vendor the gateway impersonates.
func (g *Gateway) Dialect() Dialect { return g.opts.Dialect }

// Endpoint returns "127.0.0.1:PORT" for a gateway made by [Start], "" for
// one made by [New].
func (g *Gateway) Endpoint() string {
	if g.ln == nil {
		return ""
	}
	return g.ln.Addr().String()
}

// URL returns "http://127.0.0.1:PORT" for a gateway made by [Start].
func (g *Gateway) URL() string {
	if g.ln == nil {
		return ""
	}
	return "http://" + g.Endpoint()
}

// Credentials returns the access key and secret the gateway accepts.
func (g *Gateway) Credentials() (accessKey, secretKey string) {
	return g.opts.AccessKey, g.opts.SecretKey
}

// SetClockOffset sets how far the gateway's clock runs ahead of its Clock
// (negative: behind). It affects signature time checks and the Date header
// of every later reply; fault windows use the Clock without offset. A
// drift ([Gateway.SetClockDrift]) goes on from this offset.
func (g *Gateway) SetClockOffset(d time.Duration) { g.clock.set(g.opts.Clock.Now(), d) }

// ClockOffset returns the clock's offset now: the one set by
// [Gateway.SetClockOffset] plus the drift since.
func (g *Gateway) ClockOffset() time.Duration { return g.clock.offset(g.opts.Clock.Now()) }

// Now returns the gateway's clock: Clock plus offset.
func (g *Gateway) Now() time.Time {
	now := g.opts.Clock.Now()
	return now.Add(g.clock.offset(now))
}

// Close stops serving, wakes stalled and delayed requests, and waits for
// every handler to return. It is idempotent.
func (g *Gateway) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	close(g.closing)
	g.mu.Unlock()
	var err error
	if g.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = g.srv.Shutdown(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = g.srv.Close()
		}
	}
	g.wg.Wait()
	g.transport.CloseIdleConnections()
	return err
}

func (g *Gateway) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

func (g *Gateway) newRequestID() string {
	return fmt.Sprintf("%s%016X", g.idPrefix, g.idSeq.Add(1))
}

func (g *Gateway) logf(format string, args ...any) {
	if g.opts.Logf != nil {
		g.opts.Logf(format, args...)
	}
}

// ServeHTTP answers one request: it counts it, applies the first matching
// fault, verifies the vendor signature and the signed time, and forwards it
// to the upstream, translating headers, bodies and errors.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.enter() {
		w.Header().Set("Connection", "close")
		http.Error(w, "gateway closed", http.StatusServiceUnavailable)
		return
	}
	defer g.wg.Done()

	x := &exchange{g: g, r: r, id: g.newRequestID(), now: g.Now()}
	x.ri = g.parseRequest(r)
	g.stats.arrive(x.ri.op)
	x.rec = Record{ID: x.id, Time: g.opts.Clock.Now(), Method: r.Method, Path: r.URL.Path, Op: x.ri.op, Bucket: x.ri.bucket, Key: x.ri.key}
	// A client that went away before any reply still gets a record.
	defer x.commit(OutcomeFaulted, 0, "client-gone")

	truncate := false
	if a, ok := g.faults.match(x.ri, r.Method, g.opts.Clock.Now()); ok {
		x.rec.Fault = a.String()
		switch a.Kind {
		case ActionLatency:
			if !g.sleep(r.Context(), a.Delay) {
				if r.Context().Err() == nil {
					// The gateway is closing: never let the empty
					// handler pass for a 200.
					x.commit(OutcomeFaulted, 0, "closed")
					resetConn(w)
				}
				return
			}
		case ActionTruncate:
			truncate = true
		case ActionBandwidth:
			w = g.limitBandwidth(w, r, a.BytesPerSecond)
		case ActionHold:
			w = &holdWriter{ResponseWriter: w, g: g, x: x, a: a}
		default:
			g.applyFault(w, x, a)
			return
		}
	}
	if e := g.verify(x); e != nil {
		g.reject(w, x, e)
		return
	}
	if e := g.unsupported(x); e != nil {
		g.reject(w, x, e)
		return
	}
	if e := g.denied(x); e != nil {
		g.reject(w, x, e)
		return
	}
	g.forward(w, x, truncate)
}

// reject answers e itself, as the vendor would.
func (g *Gateway) reject(w http.ResponseWriter, x *exchange, e *apiError) {
	drain(x.r)
	x.commit(OutcomeRejected, e.Status, e.Code)
	g.writeError(w, x, e)
}

// exchange is one request in flight.
type exchange struct {
	g   *Gateway
	r   *http.Request
	id  string
	now time.Time // the gateway's clock (with offset) at arrival
	ri  reqInfo
	// auth details for error bodies (OSS StringToSign and friends)
	auth authDetails
	// anonymous: the client sent no signature, so the gateway forwards the
	// request unsigned and the upstream's bucket policy decides.
	anonymous bool

	rec       Record
	committed bool
}

// commit records the request's outcome once, before the reply goes out, so
// that counters are final when the client has its answer.
func (x *exchange) commit(o Outcome, status int, code string) {
	if x.committed {
		return
	}
	x.committed = true
	x.rec.Outcome, x.rec.Status, x.rec.Code = o, status, code
	x.g.stats.add(&x.rec)
	x.g.logf("gateway %s: %s %s op=%s outcome=%s status=%d code=%s fault=%s",
		x.g.opts.Dialect, x.r.Method, x.r.URL.Path, x.rec.Op, o, status, code, x.rec.Fault)
}

// sleep waits d, or less if ctx ends or the gateway closes; it reports
// whether the full time passed.
func (g *Gateway) sleep(ctx context.Context, d time.Duration) bool {
	if d > g.opts.MaxStall {
		d = g.opts.MaxStall
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-g.closing:
	}
	return false
}

// MinIO returns the Upstream for a test server: its URL and root
// credentials, which the gateway re-signs forwarded requests with.
func MinIO(s *miniotest.Server) Upstream {
	return Upstream{URL: s.URL, AccessKey: s.AccessKey, SecretKey: s.SecretKey, Region: miniotest.Region}
}
