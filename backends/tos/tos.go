// Package tos is the Volcengine TOS backend, over the official SDK
// (github.com/volcengine/ve-tos-golang-sdk/v2).
//
// # What it does with the SDK
//
// The client is built with tos.NewClientV2, the region, the credentials
// (static, or Options.Credentials through the SDK's tos.Credentials hook),
// SDK retries off (the failover package owns retries), CRC64 checking on, and
// the project's HTTP transport ([transport.New]): our connect and response
// timeouts, stall watchdog and clock-skew probe apply; the SDK's own timeout
// options are ignored once a transport is given.
//
// Every request is signed with the time of the backend's [skew.Clock]
// through the SDK's per-request hook GenericInput.RequestDate (which sets
// X-Tos-Date), or, for the calls without that hook (ListObjectsType2), by
// the signer ([clockSigner]); after a RequestTimeTooSkewed refusal the request is signed
// again once with the server's time ([skew.Clock.Do]), and later requests
// use the corrected time from the start. A refusal is classified with the
// correction its request was signed with (errclass.Reply.Corrected): a 403
// to a request signed with the server's time is not blamed on the clock, so
// a wrong secret on a skewed machine is SignatureMismatch, not ClockSkew.
//
// An object up to Options.MultipartThreshold goes in one PUT with
// Content-MD5; a larger one goes in parallel parts (package xfer), read from
// the file through [io.SectionReader]s, so memory stays near PartSize ×
// PartConcurrency. A part carries no Content-MD5, whose hashing would cost
// more CPU than the transfer: the SDK compares the CRC64 of the bytes it
// sends with the part's x-tos-hash-crc64ecma, and a mismatch is Kind
// Integrity. The first part whose reply has none (a store that computes
// none, so verified nothing) is sent again with Content-MD5, and so is every
// later part of the Backend. A failed multipart upload is aborted. After
// completing, the combined CRC64 of the parts is checked against the
// server's when both are known, and the stored size with a HEAD. A HEAD
// refused with 403 (a key that may write but not read) is no failure: the
// result says "not verified by reading" ([uploader.Result.Unverified]) and
// nothing is deleted. A PUT's or part's ETag is compared with its MD5 only
// when the reply names no server-side encryption.
//
// # Addressing
//
// The SDK uses path-style URLs (http://host/bucket/key) only when the
// endpoint's host is an IP literal, and virtual-host URLs
// (bucket.host/key) otherwise. A local gateway must therefore be given as
// http://127.0.0.1:PORT; "localhost" is refused with that advice.
//
// Endpoints: tos-<region>.volces.com, the internal tos-<region>.ivolces.com
// (the region is derived from either), and the acceleration endpoint
// tos-accelerate.volces.com, which names no region: Options.Region must be
// set, it is never derived. A custom domain bound to the bucket
// (Options.CustomDomain) is addressed with the SDK's WithCustomDomain, keys
// at its root.
//
// # Errors
//
// [Backend.ErrorKind] is the one classification of this package: a
// *tos.TosServerError gives a reply (status, code from its JSON body, which
// is empty for a HEAD or a non-JSON body, request ID, and the server's Date
// from its headers) for [errclass.Build]; a 2xx status in it means the
// SDK's CRC64 check of the reply failed (Kind Integrity); status 0 means a
// 2xx reply whose body the SDK could not parse (Kind Unknown). A
// *tos.TosClientError does not unwrap: its Cause is classified as a
// transport failure, and a client error without a cause is the SDK
// refusing the input (Kind Invalid).
package tos

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/creds"
	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Provider is the provider name of this backend, as in Result.Provider.
const Provider = "tos"

// MaxSinglePut is the largest object TOS accepts in one PUT.
const MaxSinglePut = 5 << 30

// Options configures a TOS backend: the common options ([provider.Common])
// and TOS's own. The zero value of every field but Endpoint and Bucket is
// usable. What the common options mean for TOS:
//   - Endpoint: "tos-cn-beijing.volces.com" (https unless a scheme is
//     given), the internal tos-<region>.ivolces.com from inside
//     Volcengine, the acceleration endpoint tos-accelerate.volces.com
//     (which names no region, so Region must be set), or a custom domain
//     with CustomDomain. A local gateway must be an IP literal such as
//     "http://127.0.0.1:9000": the SDK uses path-style addressing only for
//     IP hosts. TOS's S3-compatible endpoints (tos-s3-*) and bucket
//     domains are refused.
//   - Region: e.g. "cn-beijing"; default the region of a tos-<region>
//     endpoint. TOS4-HMAC-SHA256 signs with it, so it is required with
//     credentials on an endpoint that names none.
//   - AccessKeyID starts with AKLT; the secret is used exactly as the
//     console shows it. No keys means anonymous requests.
type Options struct {
	// Common holds the options every cloud backend takes in the same
	// sense; the type's documentation above says what is TOS's own.
	provider.Common

	// CustomDomain says Endpoint is a custom domain bound to the bucket
	// (a CNAME, `cname: true`): requests go to it with the key at its root
	// (the SDK's WithCustomDomain), and Region must be set. Default: off.
	CustomDomain bool
}

// Backend stores objects in one TOS bucket. It is safe for concurrent use.
type Backend struct {
	name      string
	endpoint  string // as configured
	scheme    string
	host      string // host[:port]
	pathStyle bool
	custom    bool // a custom domain: keys at the host's root
	region    string
	bucket    string
	cfg       diag.Config

	sizes xfer.Sizes // checked, with the defaults filled in

	clock  *skew.Clock
	creds  *creds.Source // nil: static keys or anonymous
	rt     http.RoundTripper
	client *tossdk.ClientV2
	target errclass.Target
	closer xfer.Closer
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

var (
	// tos-s3-cn-beijing.volces.com, with or without a bucket in front.
	tosS3Host = regexp.MustCompile(`(^|\.)tos-s3-([a-z0-9-]+?)\.i?volces\.com$`)
	// mybucket.tos-cn-beijing.volces.com
	tosBucketHost = regexp.MustCompile(`^(.+)\.(tos-[a-z0-9-]+?\.i?volces\.com)$`)
)

// New returns a TOS backend. It refuses, with an error that says what to
// change, a configuration that cannot work: no endpoint or bucket, an
// endpoint that is TOS's S3-compatible one, a bucket domain, "localhost", or
// has a path; a region that contradicts the endpoint; credentials without a
// region; half-set or malformed credentials; an invalid bucket name.
func New(opts Options) (*Backend, error) {
	name := opts.Name
	if name == "" {
		name = Provider
	}
	fail := func(format string, args ...any) (*Backend, error) {
		return nil, xfer.ConfigError(Provider, name, fmt.Errorf(format, args...))
	}
	ep := strings.TrimSpace(opts.Endpoint)
	if ep == "" {
		return fail("no endpoint is set; set it to the bucket's regional endpoint, e.g. tos-cn-beijing.volces.com")
	}
	raw := ep
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fail("endpoint %q is not a host or URL; set it to e.g. tos-cn-beijing.volces.com", opts.Endpoint)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fail("endpoint %q has scheme %q; use https:// (or http:// for a local gateway)", opts.Endpoint, u.Scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return fail("endpoint %q has a path, query or user; give only the host, e.g. tos-cn-beijing.volces.com, and the bucket separately", opts.Endpoint)
	}
	host := strings.ToLower(u.Hostname())
	if m := tosS3Host.FindStringSubmatch(host); m != nil {
		return fail("endpoint %s is TOS's S3-compatible endpoint, which expects AWS signatures, but the TOS SDK signs with TOS4-HMAC-SHA256; "+
			"use tos-%s.volces.com with this backend, or configure this target with provider s3 to use the S3 endpoint", host, m[2])
	}
	if m := tosBucketHost.FindStringSubmatch(host); m != nil {
		return fail("endpoint %s is a bucket domain, not an endpoint: the SDK puts the bucket in front of the endpoint itself; "+
			"set the endpoint to %s and the bucket to %q", host, m[2], m[1])
	}
	if (host == "localhost" || strings.HasSuffix(host, ".localhost")) && !opts.CustomDomain {
		return fail("endpoint %s: the TOS SDK addresses buckets path-style only on an IP literal and would send requests to %s.%s; "+
			"use http://127.0.0.1:%s instead", host, opts.Bucket, host, portOr(u.Port(), "PORT"))
	}
	region := opts.Region
	if region == "" {
		region, _ = diag.EndpointRegion(Provider, ep)
	}
	cfg := diag.Config{
		Provider: Provider, Endpoint: ep, Region: region, Bucket: opts.Bucket,
		AccessKeyID: opts.AccessKeyID, Secret: opts.SecretAccessKey,
	}
	cfg.CustomDomain = opts.CustomDomain
	if err := diag.Validate(cfg); err != nil {
		return fail("%v", err)
	}
	if err := tossdk.IsValidBucketName(opts.Bucket); err != nil {
		return fail("bucket %q: %s; use the bucket name as the TOS console shows it", opts.Bucket, clientMessage(err))
	}
	if opts.Credentials != nil && (opts.AccessKeyID != "" || opts.SecretAccessKey != "" || opts.SessionToken != "") {
		return fail("both Credentials and access keys are set; set one")
	}
	anonymous := opts.AccessKeyID == "" && opts.SecretAccessKey == "" && opts.Credentials == nil
	if region == "" && !anonymous {
		return fail("no region is set and endpoint %s names none; set the region (e.g. cn-beijing): TOS4-HMAC-SHA256 signs with it", host)
	}
	sizes := xfer.Sizes{PartSize: opts.PartSize, PartConcurrency: opts.PartConcurrency, MultipartThreshold: opts.MultipartThreshold}
	if err := sizes.Check(); err != nil {
		return fail("%v", err)
	}
	sizes = sizes.WithDefaults()

	b := &Backend{
		name: name, endpoint: ep, scheme: u.Scheme, host: u.Host,
		pathStyle: net.ParseIP(u.Hostname()) != nil,
		region:    region, bucket: opts.Bucket, cfg: cfg,
		sizes: sizes,
	}
	b.custom = opts.CustomDomain
	b.clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection})
	var src *creds.Source
	if opts.Credentials != nil {
		src = creds.New(name, Provider, opts.Credentials, nil)
		b.clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection, Credentials: src})
	}
	b.creds = src
	b.target = errclass.Target{Name: name, Provider: Provider, Clock: b.clock, Hints: b.hints}

	b.rt = transport.New(transport.Options{
		ConnectTimeout:  opts.ConnectTimeout,
		ResponseTimeout: opts.ResponseTimeout,
		Clock:           b.clock,
	})
	copts := []tossdk.ClientOption{
		tossdk.WithHTTPTransport(b.rt),
		tossdk.WithMaxRetryCount(0),
		tossdk.WithEnableCRC(true),
	}
	if opts.CustomDomain {
		copts = append(copts, tossdk.WithCustomDomain(true))
	}
	if region != "" {
		copts = append(copts, tossdk.WithRegion(region))
	}
	if cred := sdkCredentialsFor(src, anonymous, opts.Common); cred != nil {
		copts = append(copts, tossdk.WithCredentials(cred))
		if region != "" {
			// Signs the calls without a RequestDate hook at the corrected time.
			copts = append(copts, tossdk.WithSigner(clockSigner{tossdk.NewSignV4(cred, region), b.clock}))
		}
	}
	client, err := tossdk.NewClientV2(u.Scheme+"://"+u.Host, copts...)
	if err != nil {
		return fail("the TOS SDK refused the configuration: %s", clientMessage(err))
	}
	b.client = client
	return b, nil
}

// PartSize returns the size of every part but the last that Put uses for
// an object of size bytes, or 0 when Put sends it in one request
// ([uploader.PartSizer]; [xfer.Sizes.PartSizeFor] says how).
func (b *Backend) PartSize(size int64) int64 { return b.sizes.PartSizeFor(size) }

func portOr(p, def string) string {
	if p == "" {
		return def
	}
	return p
}

// clientMessage returns the message of an SDK client error without the
// SDK's "tos: request error" wrapping.
func clientMessage(err error) string {
	if ce := asClientError(err); ce != nil {
		return strings.TrimSpace(ce.Message)
	}
	return err.Error()
}

// Name returns the target's name.
func (b *Backend) Name() string { return b.name }

// Close marks the backend closed and closes the idle connections of its
// transport; every later call fails with Kind Invalid ([xfer.Closer]).
func (b *Backend) Close() error {
	b.closer.Close(b.rt)
	return nil
}

// Describe returns the target's name, provider, endpoint, region and bucket.
func (b *Backend) Describe() uploader.Description {
	return uploader.Description{Name: b.name, Provider: Provider, Endpoint: b.endpoint, Region: b.region, Bucket: b.bucket}
}

// Skew returns the measured offset of the server's clock (server minus
// local) and whether one was measured yet.
func (b *Backend) Skew() (time.Duration, bool) { return b.clock.Offset() }

// objectURL returns the URL of key: path-style on an IP endpoint, as the SDK
// addresses it, else virtual-host style.
func (b *Backend) objectURL(key string) string {
	u := url.URL{Scheme: b.scheme, Host: b.host, Path: "/" + b.bucket + "/" + key}
	if b.custom {
		u.Path = "/" + key
	} else if !b.pathStyle {
		u = url.URL{Scheme: b.scheme, Host: b.bucket + "." + b.host, Path: "/" + key}
	}
	return u.String()
}

// Put stores obj in one attempt: one PUT with Content-MD5 up to the
// multipart threshold, else a parallel multipart upload that is aborted on
// failure. It signs with the skew-corrected time and retries once after a
// clock-skew refusal; Result.Attempts lists the tries. See
// [uploader.Backend].
func (b *Backend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	res := uploader.Result{Key: obj.Key, Provider: Provider}
	if err := b.closer.Err(b.name, Provider, "put", obj.Key); err != nil {
		return res, err
	}
	if err := obj.Validate(); err != nil {
		return res, b.own(err)
	}
	if err := vendor.Check(obj); err != nil {
		return res, b.own(err)
	}
	_, body, err := obj.Reader()
	if err != nil {
		return res, b.own(err)
	}
	defer body.Close()
	if obj.Size <= b.sizes.MultipartThreshold {
		err = b.putSingle(ctx, obj, body, &res)
	} else {
		err = b.putMultipart(ctx, obj, body, &res)
	}
	if err != nil {
		res.ETag, res.MD5, res.VersionID, res.Size = "", "", "", 0
		return res, err
	}
	res.Target, res.URL, res.Size = b.name, b.objectURL(obj.Key), obj.Size
	return res, nil
}

// own fills in this target on an *uploader.Error that lacks it.
func (b *Backend) own(err error) error {
	if e := uploader.AsError(err); e != nil {
		if e.Target == "" {
			e.Target = b.name
		}
		if e.Provider == "" {
			e.Provider = Provider
		}
	}
	return err
}

func (b *Backend) putSingle(ctx context.Context, obj uploader.Object, body io.ReaderAt, res *uploader.Result) error {
	sum := obj.MD5
	if sum == nil {
		var err error
		if sum, err = xfer.MD5(body, 0, obj.Size); err != nil {
			return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: "read", Key: obj.Key,
				Message: "reading the source: " + err.Error(), Err: err}
		}
	}
	prog := newProgress(ctx)
	var out *tossdk.PutObjectV2Output
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sg := b.signingAt(signAt)
		in := &tossdk.PutObjectV2Input{
			PutObjectBasicInput: tossdk.PutObjectBasicInput{
				Bucket: b.bucket, Key: obj.Key,
				ContentLength: obj.Size, ContentMD5: xfer.Base64(sum),
				ContentType: obj.ContentType, Meta: obj.Metadata,
			},
			GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		}
		setPutAttributes(&in.PutObjectBasicInput, obj)
		if obj.Size > 0 {
			// A nil body for an empty object: the SDK cannot size
			// another reader of length 0 and would send it chunked.
			in.Content = prog.run(body, 0, obj.Size)
		}
		o, err := b.client.PutObjectV2(ctx, in)
		if err != nil {
			return b.classify(ctx, "put", obj.Key, err, sg)
		}
		out = o
		return nil
	})
	res.Attempts = attempts
	if err != nil {
		if e := uploader.AsError(err); e != nil && e.Kind == uploader.Integrity && e.Status >= 200 && e.Status < 300 {
			// The server stored the object but its CRC64 is not that
			// of the bytes sent.
			xfer.Discard(ctx, b.Delete, obj.Key, e)
		}
		return err
	}
	res.ETag, res.VersionID, res.MD5 = out.ETag, out.VersionID, xfer.Hex(sum)
	// The server checked Content-MD5 and the SDK the CRC64; a plain-MD5
	// ETag is one more witness. Encrypted objects have other ETags.
	if out.ServerSideEncryption == "" && out.SSECAlgorithm == "" && xfer.ETagDiffers(out.ETag, sum) {
		err := &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: "put", Key: obj.Key,
			RequestID: out.RequestID,
			Message:   fmt.Sprintf("the server's ETag %s is not the MD5 %s of the bytes sent", xfer.UnquoteETag(out.ETag), xfer.Hex(sum))}
		xfer.Discard(ctx, b.Delete, obj.Key, err)
		res.Attempts = xfer.FailLast(b.name, Provider, res.Attempts, err)
		return err
	}
	xfer.RecordReply(res.Attempts, out.StatusCode, out.RequestID)
	return nil
}
