// Package obs is the backend for Huawei Cloud OBS, over the official SDK
// github.com/huaweicloud/huaweicloud-sdk-go-obs.
//
// # How it uses the SDK
//
// The SDK takes a context only per client (WithRequestContext), so Put
// builds a client per call: obs.New with the backend's one shared
// *http.Client (transport.New underneath) and the call's context. That costs
// about 3 µs, 1.8 KB and 18 allocations (BenchmarkClientPerCall on a 2-core
// test machine), against a round trip of milliseconds.
//
// The SDK's retries are off (WithMaxRetryCount(0)): a retry there re-stamps
// the Date header with the local time, sleeps without watching the context,
// and re-sends only *strings.Reader bodies. The failover layer owns retries.
//
// A single PUT streams the body from an [io.SectionReader] with its
// Content-MD5; above the multipart threshold [xfer.Upload] sends the parts in
// parallel, each streamed from its SectionReader with its own Content-MD5,
// and aborts the upload on any failure. The SDK has no CRC64: after a
// multipart upload the complete reply's ETag is checked against the
// composite of the parts' MD5s, and the stored size with a HEAD; a HEAD
// refused with 403 (a key that may write but not read) is no failure, the
// result says "not verified by reading" ([uploader.Result.Unverified]). A
// single PUT's ETag is compared with the MD5 only when the reply names no
// server-side encryption (under SSE the ETag is not the MD5).
//
// Endpoints: obs.<region>.myhuaweicloud.com (the same name inside a VPC);
// Options.CustomDomain addresses a domain bound to the bucket with the
// SDK's WithCustomDomainName.
//
// # Signatures and clock skew
//
// Options.Signature selects AWS V2 (the SDK's default, and the default here),
// AWS V4, or the native OBS signature. Every request is signed with the time
// of the backend's [skew.Clock]: the Date header for V2 and OBS, x-amz-date
// (ISO 8601, which MinIO also requires) for V4, set per call with
// obs.WithCustomHeader. A refusal for skew (403 RequestTimeTooSkewed, or any
// 403 while the measured skew is beyond the threshold) is retried once with
// the corrected time; the next uploads are signed correctly from the start.
// A 403 to a request signed with a correction that covers the measured
// offset keeps the kind its code says (errclass.Reply.Corrected), so a wrong
// secret on a skewed machine is reported as SignatureMismatch, not as skew.
//
// # Errors
//
// obs.ObsError is a value type: [Backend.ErrorKind] finds it with errors.As
// on a value (and on a pointer, in case a caller made one). Its
// ResponseHeaders keys are lower-cased with the x-obs-/x-amz- prefix
// removed, so the server time is ResponseHeaders["date"] and the request ID
// ResponseHeaders["request-id"]. The SDK keeps no error body; the transport
// captures the start of it for the call (see transport.WithCapture), and
// the backend reads the StringToSign and ServerTime an OBS error body
// carries into the *uploader.Error. Failures without a reply (a *url.Error
// from the http.Client) go through errclass.Transport.
package obs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/creds"
	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Provider is the provider name of this backend.
const Provider = "obs"

// DefaultRegion is the signing region when neither Options.Region nor the
// endpoint names one: the region MinIO and other S3-compatible stores expect
// (it matters only for V4 signatures).
const DefaultRegion = "us-east-1"

// Signature is a signing algorithm the SDK offers.
type Signature string

// The signatures.
const (
	// SignatureV2 is AWS signature V2 (HMAC-SHA1, "AWS ak:sig"), signed
	// with the Date header. OBS's S3-compatible default.
	SignatureV2 Signature = "v2"
	// SignatureV4 is AWS signature V4 (AWS4-HMAC-SHA256, scope service
	// s3), signed with x-amz-date.
	SignatureV4 Signature = "v4"
	// SignatureOBS is OBS's native signature ("OBS ak:sig", x-obs-
	// headers). The SDK silently falls back to V2 with path-style
	// addressing, so it needs a domain endpoint without PathStyle.
	SignatureOBS Signature = "obs"
)

// Options configures an OBS backend: the common options
// ([provider.Common]) and OBS's own. The zero value of every field but
// Endpoint and Bucket is a working default. What the common options mean
// for OBS:
//   - Endpoint: the regional "obs.<region>.myhuaweicloud.com" (the same
//     name reaches OBS over the intranet inside a Huawei Cloud VPC), a
//     local "http://127.0.0.1:PORT", or a custom domain with CustomDomain.
//     A bucket domain (<bucket>.obs.<region>.myhuaweicloud.com) is
//     refused: the SDK adds the bucket itself and OBS answers
//     SignatureDoesNotMatch.
//   - Region: used by V4 signing; default the region the endpoint names,
//     else DefaultRegion.
type Options struct {
	// Common holds the options every cloud backend takes in the same
	// sense; the type's documentation above says what is OBS's own.
	provider.Common

	// Signature is the signing algorithm. Default: SignatureV2.
	Signature Signature
	// PathStyle addresses buckets as http://host/bucket/key. Default:
	// virtual hosts (bucket.host) for domain endpoints; IP endpoints are
	// always path style (the SDK's rule).
	PathStyle bool
	// CustomDomain says Endpoint is a custom domain bound to the bucket
	// (`cname: true`): requests go to it with the key at its root (the
	// SDK's WithCustomDomainName). Not with PathStyle. Default: off.
	CustomDomain bool
	// SkipETagCheck turns off the comparison of a single PUT's ETag with the
	// MD5 of the bytes sent, and of a multipart upload's ETag with the
	// parts' composite, for stores whose ETags are not MD5s and do not say
	// so. A reply that names a server-side encryption skips the comparison
	// by itself. The server's Content-MD5 check stays on. Default: the
	// check is on.
	SkipETagCheck bool
	// Now returns local time; nil means time.Now. Tests inject a clock.
	Now func() time.Time
}

// Backend stores objects in one OBS bucket. It is safe for concurrent use.
type Backend struct {
	name       string
	opts       Options
	endpoint   string // as the SDK wants it: scheme://host[:port]
	sig        Signature
	httpClient *http.Client
	// newClient returns an SDK client whose requests run under ctx.
	newClient func(ctx context.Context) (*hwobs.ObsClient, error)
	clock     *skew.Clock
	creds     *creds.Source // nil: static keys or anonymous
	baseURL   string
	cfg       diag.Config
	sizes     xfer.Sizes // checked, with the defaults filled in
	closer    xfer.Closer
}

var (
	_ uploader.Backend      = (*Backend)(nil)
	_ uploader.Stater       = (*Backend)(nil)
	_ uploader.Getter       = (*Backend)(nil)
	_ uploader.Deleter      = (*Backend)(nil)
	_ uploader.Describer    = (*Backend)(nil)
	_ uploader.SkewReporter = (*Backend)(nil)
)

// obsBucket is OBS's bucket naming rule: 3 to 63 lower-case letters, digits,
// hyphens and periods, starting and ending with a letter or digit.
var obsBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// New returns a Backend for opts. It refuses, with a message that says what
// to change: a missing endpoint or bucket; a bucket domain given as the
// endpoint (OBS answers SignatureDoesNotMatch, as its signature troubleshooting guide says); an endpoint with a
// path, or an IPv6 literal (the SDK splits host:port on ':'); a region that
// contradicts the endpoint; an unknown signature, or the OBS signature
// where the SDK would silently sign V2 (path style); a bucket name OBS
// cannot have; and the credential mistakes [diag.Validate] knows.
func New(opts Options) (*Backend, error) {
	b, err := newBackend(opts)
	if err != nil {
		return nil, xfer.ConfigError(Provider, opts.Name, err)
	}
	return b, nil
}

// PartSize returns the size of every part but the last that Put uses for
// an object of size bytes, or 0 when Put sends it in one request
// ([uploader.PartSizer]; [xfer.Sizes.PartSizeFor] says how).
func (b *Backend) PartSize(size int64) int64 { return b.sizes.PartSizeFor(size) }

// newBackend is New, its errors without the target they are about.
func newBackend(opts Options) (*Backend, error) {
	sizes := xfer.Sizes{PartSize: opts.PartSize, PartConcurrency: opts.PartConcurrency, MultipartThreshold: opts.MultipartThreshold}
	if err := sizes.Check(); err != nil {
		return nil, err
	}
	sizes = sizes.WithDefaults()
	ep, u, err := parseEndpoint(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	region := opts.Region
	fromEndpoint, named := diag.EndpointRegion(Provider, opts.Endpoint)
	if region == "" {
		region = DefaultRegion
		if named {
			region = fromEndpoint
		}
	}
	cfg := diag.Config{Provider: Provider, Endpoint: opts.Endpoint, Region: region, Bucket: opts.Bucket,
		AccessKeyID: opts.AccessKeyID, Secret: opts.SecretAccessKey}
	cfg.CustomDomain = opts.CustomDomain
	if opts.CustomDomain && opts.PathStyle {
		return nil, errors.New("CustomDomain and PathStyle are both set: a custom domain serves the bucket at its root; unset one")
	}
	if err := diag.Validate(cfg); err != nil {
		return nil, err
	}
	if !obsBucket.MatchString(opts.Bucket) || strings.Contains(opts.Bucket, "..") {
		return nil, fmt.Errorf("bucket %q is not a valid OBS bucket name: use the bucket's exact name (3-63 lower-case letters, digits, hyphens and periods)", opts.Bucket)
	}
	sig := opts.Signature
	if sig == "" {
		sig = SignatureV2
	}
	var sdkSig hwobs.SignatureType
	switch sig {
	case SignatureV2:
		sdkSig = hwobs.SignatureV2
	case SignatureV4:
		sdkSig = hwobs.SignatureV4
	case SignatureOBS:
		sdkSig = hwobs.SignatureObs
		if opts.PathStyle || net.ParseIP(u.Hostname()) != nil {
			return nil, fmt.Errorf("the OBS signature cannot be used with path-style addressing (PathStyle or an IP endpoint): the SDK would silently sign with V2; use signature v2 or v4, or a domain endpoint without PathStyle")
		}
	default:
		return nil, fmt.Errorf("unknown signature %q: use v2, v4 or obs", opts.Signature)
	}

	b := &Backend{name: opts.Name, opts: opts, endpoint: ep, sig: sig, cfg: cfg}
	if b.name == "" {
		b.name = Provider
	}
	b.clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection, Now: opts.Now})
	if opts.Credentials != nil {
		if opts.AccessKeyID != "" || opts.SecretAccessKey != "" || opts.SessionToken != "" {
			return nil, errors.New("both Credentials and access keys are set; set one")
		}
		b.creds = creds.New(b.name, Provider, opts.Credentials, opts.Now)
		b.clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection, Now: opts.Now, Credentials: b.creds})
	}
	b.httpClient = &http.Client{
		Transport: transport.Capturing(transport.New(transport.Options{
			ConnectTimeout:  opts.ConnectTimeout,
			ResponseTimeout: opts.ResponseTimeout,
			Clock:           b.clock,
		})),
		// The SDK follows redirects itself (and counts them).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// The SDK's option type is unexported: collect infers it.
	cfgs := collect(
		hwobs.WithHttpClient(b.httpClient),
		hwobs.WithSignature(sdkSig),
		hwobs.WithRegion(region),
		hwobs.WithPathStyle(opts.PathStyle),
		hwobs.WithMaxRetryCount(0), // one try: the failover layer owns retries
		hwobs.WithCustomDomainName(opts.CustomDomain),
	)
	if opts.SessionToken != "" {
		cfgs = append(cfgs, hwobs.WithSecurityToken(opts.SessionToken))
	}
	ak, sk := opts.AccessKeyID, opts.SecretAccessKey
	b.newClient = func(ctx context.Context) (*hwobs.ObsClient, error) {
		ak, sk, cfgs := ak, sk, cfgs[:len(cfgs):len(cfgs)]
		if b.creds != nil {
			// The SDK's security providers are unexported; the keys
			// go in through New and WithSecurityToken on each client.
			v := b.creds.Cached()
			ak, sk = v.AccessKeyID, v.SecretAccessKey
			if v.SessionToken != "" {
				cfgs = append(cfgs, hwobs.WithSecurityToken(v.SessionToken))
			}
		}
		return hwobs.New(ak, sk, ep, append(cfgs, hwobs.WithRequestContext(ctx))...)
	}
	// Check once that the SDK accepts the configuration.
	if _, err := b.newClient(context.Background()); err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", opts.Endpoint, err)
	}
	if opts.CustomDomain {
		b.baseURL = u.Scheme + "://" + u.Host
	} else if opts.PathStyle || net.ParseIP(u.Hostname()) != nil {
		b.baseURL = u.Scheme + "://" + u.Host + "/" + opts.Bucket
	} else {
		b.baseURL = u.Scheme + "://" + opts.Bucket + "." + u.Host
	}
	sizes.PartSize = xfer.PartSize(0, sizes.PartSize) // raised to 5 MiB once
	b.sizes = sizes
	return b, nil
}

// collect returns its arguments as a slice; it names the SDK's unexported
// option type by inference.
func collect[T any](xs ...T) []T { return xs }

// parseEndpoint returns the endpoint as the SDK wants it and parsed.
func parseEndpoint(endpoint string) (string, *url.URL, error) {
	e := strings.TrimSpace(endpoint)
	if e == "" {
		return "", nil, errors.New("no endpoint is set: set it, e.g. https://obs.cn-north-4.myhuaweicloud.com")
	}
	if e != endpoint {
		return "", nil, errors.New("the endpoint has leading or trailing whitespace: remove it")
	}
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" {
		return "", nil, fmt.Errorf("endpoint %q is not a URL or host[:port]: use e.g. https://obs.cn-north-4.myhuaweicloud.com", endpoint)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", nil, fmt.Errorf("endpoint %q has scheme %q: use http:// or https://", endpoint, u.Scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", nil, fmt.Errorf("endpoint %q has a path or query: give only the scheme and host (the bucket is set separately)", endpoint)
	}
	if strings.Contains(u.Hostname(), ":") {
		return "", nil, fmt.Errorf("endpoint %q is an IPv6 literal, which the OBS SDK cannot address (it splits host:port on ':'): use a host name or an IPv4 address", endpoint)
	}
	return u.Scheme + "://" + u.Host, u, nil
}

// Name returns the target's name.
func (b *Backend) Name() string { return b.name }

// Describe says what the target is, without secrets.
func (b *Backend) Describe() uploader.Description {
	return uploader.Description{Name: b.name, Provider: Provider, Endpoint: b.opts.Endpoint, Region: b.cfg.Region, Bucket: b.opts.Bucket}
}

// Skew returns the measured offset of the server's clock from the local one.
func (b *Backend) Skew() (time.Duration, bool) { return b.clock.Offset() }

// Close marks the backend closed (later calls fail with Kind Invalid) and
// closes its idle connections.
func (b *Backend) Close() error {
	b.closer.Close(b.httpClient)
	return nil
}

func (b *Backend) objectURL(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return b.baseURL + "/" + strings.Join(segs, "/")
}

func (b *Backend) target() errclass.Target {
	return errclass.Target{Name: b.name, Provider: Provider, Clock: b.clock, Hints: b.hints}
}

func (b *Backend) hints(k uploader.Kind, e *uploader.Error) []string {
	off, known := b.clock.Offset()
	switch k {
	case uploader.SignatureMismatch:
		hs := diag.SignatureHints(b.cfg, off, known)
		return append(hs, fmt.Sprintf("check that the server expects the %s signature (Signature: v2, v4 or obs)", b.sig))
	case uploader.ClockSkew:
		return diag.ClockSkewHints(off, known, b.clock.Enabled())
	case uploader.InvalidCredentials:
		return diag.CredentialHints(b.cfg)
	case uploader.BucketNotFound:
		return []string{fmt.Sprintf("bucket %q does not exist at %s: check its name, and that the endpoint is its region's", b.opts.Bucket, b.opts.Endpoint)}
	}
	return nil
}

func (b *Backend) closedErr(op, key string) *uploader.Error {
	return uploader.AsError(b.closer.Err(b.name, Provider, op, key))
}
