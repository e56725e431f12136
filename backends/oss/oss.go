// Package oss is the Alibaba Cloud OSS backend, over the official v1 SDK
// (github.com/aliyun/aliyun-oss-go-sdk).
//
// # Signing
//
// Requests are signed with OSS4-HMAC-SHA256 (V4) by default, since Aliyun is
// retiring the V1 signature; [Options.SignatureVersion] = 1 selects V1
// (HMAC-SHA1). V4 puts the region in the signature's scope, so it needs a
// region: [Options.Region], or the one the endpoint names.
//
// The signing time of every request comes from the backend's clock-skew
// estimate (package internal/skew), which every reply's Date header feeds:
// the SDK signs with the Date header (V1) or the x-oss-date header (V4), and
// the backend sets both itself for each call. After a RequestTimeTooSkewed
// refusal, Put signs again once with the corrected time. A refusal is
// classified with the correction its request was signed with
// (errclass.Reply.Corrected): a 403 to a request signed with the server's
// time is not blamed on the clock, so a wrong secret on a skewed machine is
// SignatureMismatch, not ClockSkew.
//
// # Transport
//
// The SDK gets an *http.Client over the shared transport (internal/transport):
// the SDK's own timeout settings do not apply, [Options.ConnectTimeout] and
// [Options.ResponseTimeout] do, and a request body that stops moving fails
// with Kind Timeout. Redirects are not followed. The v1 SDK never retries, so
// each Put makes one attempt (plus at most one skew-corrected retry); the
// failover package owns retries.
//
// # Integrity
//
// A single PUT carries Content-MD5 (computed, or [uploader.Object.MD5]), so
// the server refuses a body that differs; the ETag it returns is compared
// with the MD5 too. The SDK checks every PUT and part against the server's
// CRC64 (x-oss-hash-crc64ecma), computed as the bytes are sent, so a part
// carries no Content-MD5, whose hashing would cost more CPU than the
// transfer; the first part whose reply has no CRC64 (a store that computes
// none, so verified nothing) is sent again with Content-MD5, and so is every
// later part of the Backend. A completed multipart upload is checked
// against the CRC64 combined from its parts, or its size when the server sends
// no CRC64; a HEAD refused with 403 (a key that may write but not read) is no
// failure, the result says "not verified by reading"
// ([uploader.Result.Unverified]). Under KMS encryption (the reply's
// x-oss-server-side-encryption: KMS) no ETag is compared with an MD5. An
// object found corrupt after it was stored is deleted.
//
// Endpoints: oss-<region>.aliyuncs.com, the internal
// oss-<region>-internal.aliyuncs.com, and the acceleration endpoints
// oss-accelerate.aliyuncs.com and oss-accelerate-overseas.aliyuncs.com,
// which name no region (Options.Region must be set for V4). Options.CustomDomain
// addresses a custom domain bound to the bucket (the SDK's UseCname).
//
// # Errors
//
// [Backend.ErrorKind] is the one classification of this backend's errors. The
// SDK's oss.ServiceError is a value type; its raw XML body gives the server's
// StringToSign and ServerTime, which land in [uploader.Error]. Network errors
// are the raw *url.Error of net/http. A reply whose body is not OSS XML is
// classified by its HTTP status, which the backend records for every call.
package oss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/creds"
	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Provider is the provider name this backend reports.
const Provider = "oss"

// MaxSinglePut is the largest object OSS accepts in one PUT (5 GiB).
const MaxSinglePut = 5 << 30

// Options configures an OSS backend: the common options
// ([provider.Common]) and OSS's own. The zero value of every field is usable
// except Endpoint, Bucket and the keys. What the common options mean for
// OSS:
//   - Endpoint: "oss-cn-hangzhou.aliyuncs.com", the internal
//     oss-<region>-internal.aliyuncs.com, an acceleration endpoint
//     (oss-accelerate.aliyuncs.com, oss-accelerate-overseas.aliyuncs.com,
//     which name no region: Region must then be set), or a custom domain
//     with CustomDomain. No scheme means https (the SDK itself would use
//     http). It must not name the bucket (bucket.oss-cn-hangzhou... is
//     refused) nor hold a path.
//   - Region: e.g. "cn-hangzhou"; default the region the endpoint names.
//     V4 signing needs one, so an endpoint that names none (an IP, a
//     custom domain) needs it set.
//   - The keys (or Credentials) are required: the SDK cannot send
//     anonymous requests.
type Options struct {
	// Common holds the options every cloud backend takes in the same
	// sense; the type's documentation above says what is OSS's own.
	provider.Common

	// SignatureVersion is 4 (OSS4-HMAC-SHA256) or 1 (HMAC-SHA1). Default
	// (0): 4.
	SignatureVersion int
	// PathStyle addresses the bucket in the path (host/bucket/key)
	// instead of the host (bucket.host/key). Default: false; endpoints that
	// are IP literals or localhost always use path style.
	PathStyle bool
	// CustomDomain says Endpoint is a custom domain bound to the bucket (`cname:
	// true`): requests go to it with the key at its root (the SDK's
	// UseCname). V4 signing then needs Region. Default: off.
	CustomDomain bool
	// Now returns the local time; tests inject a fake clock. Default:
	// time.Now.
	Now func() time.Time
}

// Backend stores objects in one OSS bucket. It is safe for concurrent use.
type Backend struct {
	name      string
	endpoint  string // with scheme
	region    string
	bucketNm  string
	pathStyle bool
	cname     bool // a custom domain: keys at the host's root
	sigV4     bool
	sizes     xfer.Sizes // checked, with the defaults filled in
	cfg       diag.Config
	clock     *skew.Clock
	creds     *creds.Source // nil: static keys
	bucket    *oss.Bucket
	http      *http.Client
	closer    xfer.Closer
	// partMD5: a part's reply carried no CRC-64 (a store that computes
	// none), so every part is sent with Content-MD5 from then on.
	partMD5 atomic.Bool
}

var (
	_ uploader.Backend      = (*Backend)(nil)
	_ uploader.Stater       = (*Backend)(nil)
	_ uploader.Getter       = (*Backend)(nil)
	_ uploader.Deleter      = (*Backend)(nil)
	_ uploader.Describer    = (*Backend)(nil)
	_ uploader.SkewReporter = (*Backend)(nil)
)

// New returns a Backend for opts. It refuses, with an error saying what to
// change, a configuration that cannot work: no endpoint, bucket or
// credentials; an endpoint set to a bucket domain or holding a path; a region
// that contradicts the endpoint; V4 signing without a region; an unknown
// signature version; a bucket name OSS does not allow; credentials with
// whitespace.
func New(opts Options) (*Backend, error) {
	if opts.Name == "" {
		opts.Name = Provider
	}
	fail := func(format string, args ...any) (*Backend, error) {
		return nil, xfer.ConfigError(Provider, opts.Name, fmt.Errorf(format, args...))
	}
	switch opts.SignatureVersion {
	case 0, 4:
		opts.SignatureVersion = 4
	case 1:
	default:
		return fail("signature version %d is not supported: use 4 (OSS4-HMAC-SHA256, the default) or 1", opts.SignatureVersion)
	}
	if opts.Credentials != nil && (opts.AccessKeyID != "" || opts.SecretAccessKey != "" || opts.SessionToken != "") {
		return fail("both Credentials and access keys are set; set one")
	}
	if opts.Credentials == nil && (opts.AccessKeyID == "" || opts.SecretAccessKey == "") {
		return fail("the access key ID and the secret must both be set: the OSS SDK cannot send anonymous requests")
	}
	cfg := diag.Config{Provider: Provider, Endpoint: opts.Endpoint, Region: opts.Region, Bucket: opts.Bucket,
		AccessKeyID: opts.AccessKeyID, Secret: opts.SecretAccessKey}
	cfg.CustomDomain = opts.CustomDomain
	if opts.CustomDomain && opts.PathStyle {
		return fail("CustomDomain and PathStyle are both set: a custom domain serves the bucket at its root; unset one")
	}
	if err := diag.Validate(cfg); err != nil {
		return fail("%v", err)
	}
	endpoint, err := normalizeEndpoint(opts.Endpoint)
	if err != nil {
		return fail("%v", err)
	}
	if err := oss.CheckBucketName(opts.Bucket); err != nil {
		return fail("%v (OSS bucket names are 3 to 63 lowercase letters, digits and hyphens)", err)
	}
	region := opts.Region
	if region == "" {
		region, _ = diag.EndpointRegion(Provider, endpoint)
	}
	if region == "" && opts.SignatureVersion == 4 {
		return fail("V4 signing needs a region and the endpoint %s names none: set the region (e.g. cn-hangzhou), or select signature version 1", diag.Host(endpoint))
	}
	cfg.Region = region
	cfg.Endpoint = endpoint

	clock := skew.New(skew.Options{Disabled: opts.DisableSkewCorrection, Now: opts.Now})
	var src *creds.Source
	var copts0 []oss.ClientOption
	if opts.Credentials != nil {
		src = creds.New(opts.Name, Provider, opts.Credentials, opts.Now)
		clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection, Now: opts.Now, Credentials: src})
		copts0 = append(copts0, oss.SetCredentialsProvider(sdkCredentials{src}))
	}
	rt := transport.Capturing(closeRedirects{transport.New(transport.Options{
		ConnectTimeout:  opts.ConnectTimeout,
		ResponseTimeout: opts.ResponseTimeout,
		Clock:           clock,
	})})
	hc := &http.Client{
		Transport: rt,
		// A signed request is valid only for the host it was signed for.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	pathStyle := (opts.PathStyle || diag.IsLocal(endpoint)) && !opts.CustomDomain
	copts := []oss.ClientOption{
		oss.HTTPClient(hc),
		oss.ForcePathStyle(pathStyle),
		oss.UseCname(opts.CustomDomain),
		oss.EnableCRC(true),
		// Content-MD5 is computed per request by the backend; the SDK's
		// EnableMD5 would spool bodies to memory or temporary files.
		oss.EnableMD5(false),
	}
	if region != "" {
		copts = append(copts, oss.Region(region))
	}
	if opts.SignatureVersion == 4 {
		copts = append(copts, oss.AuthVersion(oss.AuthV4))
	} else {
		copts = append(copts, oss.AuthVersion(oss.AuthV1))
	}
	if opts.SessionToken != "" {
		copts = append(copts, oss.SecurityToken(opts.SessionToken))
	}
	client, err := oss.New(endpoint, opts.AccessKeyID, opts.SecretAccessKey, append(copts, copts0...)...)
	if err != nil {
		return fail("%v", err)
	}
	bucket, err := client.Bucket(opts.Bucket)
	if err != nil {
		return fail("%v", err)
	}
	sizes := xfer.Sizes{PartSize: opts.PartSize, PartConcurrency: opts.PartConcurrency, MultipartThreshold: opts.MultipartThreshold}
	if err := sizes.Check(); err != nil {
		return fail("%v", err)
	}
	sizes = sizes.WithDefaults()
	return &Backend{
		name: opts.Name, endpoint: endpoint, region: region, bucketNm: opts.Bucket,
		pathStyle: pathStyle, cname: opts.CustomDomain, sigV4: opts.SignatureVersion == 4,
		sizes: sizes,
		cfg:   cfg, clock: clock, bucket: bucket, http: hc, creds: src,
	}, nil
}

// PartSize returns the size of every part but the last that Put uses for
// an object of size bytes, or 0 when Put sends it in one request
// ([uploader.PartSizer]; [xfer.Sizes.PartSizeFor] says how).
func (b *Backend) PartSize(size int64) int64 { return b.sizes.PartSizeFor(size) }

// maxRedirectBody is the most of a 3xx reply's body closeRedirects keeps.
const maxRedirectBody = 64 << 10

// closeRedirects reads and closes the body of every 3xx reply, handing on
// a copy of its start: the SDK turns a 3xx into an error without closing
// the body, which would hold the connection forever.
type closeRedirects struct{ base http.RoundTripper }

// CloseIdleConnections closes the idle connections of the base transport,
// so that Close leaves no connection behind.
func (t closeRedirects) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t closeRedirects) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRedirectBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// normalizeEndpoint returns the endpoint with its scheme (https when none is
// given) and without a trailing slash; it refuses other schemes and paths.
func normalizeEndpoint(ep string) (string, error) {
	ep = strings.TrimSpace(ep)
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil {
		return "", fmt.Errorf("the endpoint %q is not a URL: %v", ep, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("the endpoint's scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("the endpoint %q has no host", ep)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("the endpoint %q holds a path, query or user: set it to %s://%s and the bucket separately", ep, u.Scheme, u.Host)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Name returns the target's name.
func (b *Backend) Name() string { return b.name }

// Describe says which endpoint, region and bucket the backend writes to.
func (b *Backend) Describe() uploader.Description {
	return uploader.Description{Name: b.name, Provider: Provider, Endpoint: b.endpoint, Region: b.region, Bucket: b.bucketNm}
}

// Skew returns the measured offset of the server's clock (server minus
// local) and whether one was measured yet.
func (b *Backend) Skew() (time.Duration, bool) { return b.clock.Offset() }

// Close marks the backend closed and closes the idle connections of its
// transport; every later call fails with Kind Invalid ([xfer.Closer]).
func (b *Backend) Close() error {
	b.closer.Close(b.http)
	return nil
}

// ObjectURL returns the URL of key: https://bucket.endpoint/key, or
// scheme://endpoint/bucket/key in path style.
func (b *Backend) ObjectURL(key string) string {
	u, _ := url.Parse(b.endpoint)
	if b.cname {
		u.Path = "/" + key
	} else if b.pathStyle {
		u.Path = "/" + b.bucketNm + "/" + key
	} else {
		u.Host = b.bucketNm + "." + u.Host
		u.Path = "/" + key
	}
	return u.String()
}

// v4Time is the x-oss-date format of V4 signatures.
const v4Time = "20060102T150405Z"

// call runs one SDK call, signed at signAt, with ctx, capturing the reply's
// headers and status; it returns the call's error classified.
func (b *Backend) call(ctx context.Context, op, key string, signAt time.Time, fn func(opts []oss.Option) error, extra ...oss.Option) (http.Header, error) {
	sg := b.signingAt(signAt)
	var h http.Header
	cctx, capt := transport.WithCapture(ctx)
	opts := make([]oss.Option, 0, len(extra)+5)
	opts = append(opts,
		oss.WithContext(cctx),
		oss.GetResponseHeader(&h),
		oss.SetHeader(oss.HTTPHeaderDate, signAt.UTC().Format(http.TimeFormat)),
	)
	if b.sigV4 {
		opts = append(opts, oss.SetHeader(oss.HttpHeaderOssDate, signAt.UTC().Format(v4Time)))
	}
	opts = append(opts, extra...)
	err := fn(opts)
	if err != nil {
		if h == nil {
			h = capt.Header()
		}
		return h, b.classify(ctx, op, key, err, h, capt.Status(), sg)
	}
	return h, nil
}

// do runs an SDK call that builds its own request body, if any, through
// the skew clock: at most one retry, signed with the corrected time, after a
// clock-skew refusal.
func (b *Backend) do(ctx context.Context, op, key string, fn func(opts []oss.Option) error, extra ...oss.Option) (http.Header, []uploader.Attempt, error) {
	var h http.Header
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		var err error
		h, err = b.call(ctx, op, key, signAt, fn, extra...)
		return err
	})
	return h, attempts, err
}

// wrapErr returns err as an *uploader.Error naming this target. When err
// joins the *uploader.Error with other errors (xfer joins a failed abort to
// the failure that caused it), their text is added to the message and err
// stays reachable through Unwrap.
func (b *Backend) wrapErr(err error, op, key string) error {
	var e *uploader.Error
	if !errors.As(err, &e) {
		//lint:ignore SA1012 a nil context means "the caller's context is unknown" to classify
		return b.classify(nil, op, key, err, nil, 0, signing{})
	}
	c := *e
	if c.Target == "" {
		c.Target = b.name
	}
	c.Provider = Provider
	if c.Op == "" {
		c.Op = op
	}
	if c.Key == "" {
		c.Key = key
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, other := range joined.Unwrap() {
			if !errors.Is(other, e) {
				c.Message += "; " + other.Error()
			}
		}
		c.Err = err
	}
	return &c
}

// target is the errclass description of this backend.
func (b *Backend) target() errclass.Target {
	return errclass.Target{Name: b.name, Provider: Provider, Clock: b.clock, Hints: b.hints}
}
