// Package cos is the Tencent Cloud COS backend, over the official SDK
// github.com/tencentyun/cos-go-sdk-v5.
//
// # Addressing
//
// COS serves a bucket only at its own host,
// <bucket>-<appid>.cos.<region>.myqcloud.com; the bucket name always carries
// its -APPID suffix. [New] derives that host from Bucket and Region when
// Endpoint is empty, or from an endpoint of the form cos.<region>.myqcloud.com
// (a bucket domain naming the same bucket is accepted too), or
// cos.<region>.tencentcos.cn, or the internal
// cos-internal.<region>.tencentcos.cn, or the global acceleration endpoint
// cos.accelerate.myqcloud.com (which names no region: Region must be set).
// Any other endpoint is not COS: with [Options.CustomDomain] it is a domain
// bound to the bucket, keys at its root; a local one (an IP literal or
// localhost, such as the test gateway) is addressed path-style,
// http://host:port/<bucket>/<key>, and so is any endpoint when
// [Options.PathStyle] is set; another domain without PathStyle is taken for
// a domain bound to the bucket too.
// The SDK itself cannot address path-style (it drops the path of its bucket
// URL), so a RoundTripper puts the bucket in front of every request path.
//
// # Signing and clock skew
//
// Requests are signed by this package's own RoundTripper with
// cos.AddAuthorizationHeader (q-sign-algorithm=sha1), not by the SDK's
// AuthorizationTransport, which always signs with time.Now and an hour's
// validity. The signature's q-sign-time starts at the signing time that
// [skew.Clock.Do] hands to each attempt (local time corrected by the
// endpoint's measured offset) minus one minute, and ends
// [Options.SignExpiry] after it. Every reply's Date header feeds the offset,
// so after a refusal for clock skew (COS: 403 AccessDenied "Request has
// expired") Put signs once more with the server's time, and later requests
// are signed right at once. The signing time travels to the RoundTripper in
// the request's context, with the correction it carries; a refusal is
// classified with that correction (errclass.Reply.Corrected), so a 403 to a
// request signed with the server's time is not blamed on the clock: a wrong
// secret on a skewed machine is SignatureMismatch, not ClockSkew.
//
// # Integrity
//
// A single PUT carries Content-MD5 (the caller's [uploader.Object.MD5] if
// given), so COS refuses a body that differs, and the returned ETag is
// compared with the MD5 (not when the reply says the object is encrypted
// with cos/kms or a customer key: then the ETag is not the MD5). The SDK's
// CRC64 check (EnableCRC) stays on: it computes the CRC-64/ECMA of the
// bytes as it sends them and compares it with the x-cos-hash-crc64ecma of
// the PUT or UploadPart reply; a single PUT whose reply differs or has no
// such header is Kind Integrity.
//
// A multipart upload's part carries no Content-MD5, whose hashing would
// cost more CPU than the transfer: the CRC-64 that COS returns for the
// part, compared by the SDK with that of the bytes sent, verifies it, and
// a part whose CRC-64 differs is Kind Integrity (the upload is aborted). A
// part's reply without a CRC-64 comes from a store that computes none, so
// it verified nothing: that part is sent again with Content-MD5 (which the
// store checks), and so is every later part of the Backend, in this upload
// and the later ones; a part sent with Content-MD5 has its ETag compared
// with the MD5 as well. After completion, the object's CRC64 that COS
// returns is compared with the one combined from the parts' (which catches
// parts assembled out of order; resumed parts count with the CRC-64 of the
// bytes they were checked against), and the stored size is checked with a
// HEAD. An object that fails these checks is deleted. A HEAD refused with
// 403 (a key that may write but not read, as COS's sample upload policy
// grants) is no failure and no reason to delete: the upload is "not
// verified by reading" (Result.Unverified).
//
// # Retries
//
// The SDK's retries are off (RetryOpt.Count is 1, a single try; note that
// the SDK treats 0 as 1 as well): the failover package owns retries. The only
// retry here is the one skew-corrected attempt.
package cos

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/creds"
	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Provider is the provider name of this backend.
const Provider = "cos"

// Options configures a COS backend: the common options
// ([provider.Common]) and COS's own. The zero value of every field but
// Bucket and Endpoint or Region is a working default. What the common
// options mean for COS:
//   - Endpoint: cos.<region>.myqcloud.com, cos.<region>.tencentcos.cn, the
//     internal cos-internal.<region>.tencentcos.cn, the acceleration
//     endpoint cos.accelerate.myqcloud.com, or a non-COS endpoint such as
//     a local gateway (http://127.0.0.1:9000) or a custom domain. Empty
//     means the bucket's own host, built from Bucket and Region (https).
//   - Region: e.g. ap-guangzhou; required when Endpoint is empty or the
//     acceleration endpoint.
//   - Bucket: the full name with its -APPID suffix, as the console shows
//     it (e.g. photos-1250000000).
//   - AccessKeyID and SecretAccessKey are the SecretId (AKID...) and
//     SecretKey.
type Options struct {
	// Common holds the options every cloud backend takes in the same
	// sense; the type's documentation above says what is COS's own.
	provider.Common

	// CustomDomain says Endpoint is a custom domain bound to the bucket
	// (`cname: true`): the SDK's base URL is the domain, keys at its root.
	// Not with PathStyle, nor with a COS endpoint. Default: off (a domain
	// that is not COS's is still taken for a custom one, unless it is
	// local or PathStyle is set).
	CustomDomain bool
	// PathStyle addresses the bucket in the path (scheme://host/bucket/key)
	// instead of the host. It is implied for a local endpoint (an IP
	// literal or localhost) and refused with a COS endpoint, which serves
	// buckets only at their own host.
	PathStyle bool
	// SignExpiry is how long a request's signature stays valid after its
	// signing time (the end of q-sign-time). Zero means 15 minutes, the
	// tolerance of the other providers; a longer one hides a clock that
	// lags the server's by more.
	SignExpiry time.Duration
}

// Backend stores objects in one COS bucket. It is safe for concurrent use.
type Backend struct {
	name      string
	opts      Options
	region    string
	endpoint  string   // as described
	bucketURL *url.URL // the SDK's base URL
	objectURL string   // the prefix of object URLs in results, ending in "/"
	pathStyle bool
	clock     *skew.Clock
	creds     *creds.Source // nil: static keys or anonymous
	client    *cossdk.Client
	sizes     xfer.Sizes        // checked, with the defaults filled in
	rt        http.RoundTripper // the transport, whose idle connections Close closes
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

// New returns a backend for opts. It refuses, with a message saying what to
// change, a bucket without its -APPID suffix, a missing endpoint and region,
// an endpoint that names another bucket, a region that contradicts the
// endpoint, PathStyle with a COS endpoint, and malformed credentials.
func New(opts Options) (*Backend, error) {
	if opts.Name == "" {
		opts.Name = Provider
	}
	fail := func(format string, args ...any) (*Backend, error) {
		return nil, xfer.ConfigError(Provider, opts.Name, fmt.Errorf(format, args...))
	}
	if err := diag.Validate(opts.diagConfig()); err != nil {
		return fail("%v", err)
	}
	if opts.SignExpiry < 0 {
		return fail("negative SignExpiry %s", opts.SignExpiry)
	}
	if opts.SignExpiry == 0 {
		opts.SignExpiry = 15 * time.Minute
	}
	sizes := xfer.Sizes{PartSize: opts.PartSize, PartConcurrency: opts.PartConcurrency, MultipartThreshold: opts.MultipartThreshold}
	if err := sizes.Check(); err != nil {
		return fail("%v", err)
	}
	sizes = sizes.WithDefaults()
	b := &Backend{name: opts.Name, opts: opts, region: opts.Region}
	if err := b.resolveEndpoint(); err != nil {
		return fail("%v", err)
	}
	if !(&cossdk.BaseURL{BucketURL: b.bucketURL}).Check() {
		// The SDK would refuse every request ("invalid bucket format").
		return fail("the COS SDK refuses the bucket URL %s; use the endpoint form cos.<region>.myqcloud.com and the bucket name-APPID", b.bucketURL)
	}
	b.sizes = sizes
	b.clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection})
	if opts.Credentials != nil {
		if opts.AccessKeyID != "" || opts.SecretAccessKey != "" || opts.SessionToken != "" {
			return fail("both Credentials and access keys are set; set one")
		}
		b.creds = creds.New(opts.Name, Provider, opts.Credentials, nil)
		b.clock = skew.New(skew.Options{Disabled: opts.DisableSkewCorrection, Credentials: b.creds})
	}

	b.rt = transport.New(transport.Options{
		ConnectTimeout:  opts.ConnectTimeout,
		ResponseTimeout: opts.ResponseTimeout,
		Clock:           b.clock,
	})
	rt := b.rt
	// Path style: the bucket goes in front of the path after signing, so
	// the signature covers the object path as COS defines it (/key).
	if b.pathStyle {
		rt = &pathStyle{bucket: opts.Bucket, next: rt}
	}
	rt = &signer{
		id: opts.AccessKeyID, secret: opts.SecretAccessKey, token: opts.SessionToken, creds: b.creds,
		expiry: opts.SignExpiry, now: b.clock.Now, next: rt,
	}
	b.client = cossdk.NewClient(&cossdk.BaseURL{BucketURL: b.bucketURL}, &http.Client{Transport: rt})
	// One try per call: our failover layer owns retries. (The SDK reads
	// any Count <= 1 as a single try.)
	b.client.Conf.RetryOpt = cossdk.RetryOptions{Count: 1}
	b.client.Conf.EnableCRC = true
	return b, nil
}

// PartSize returns the size of every part but the last that Put uses for
// an object of size bytes, or 0 when Put sends it in one request
// ([uploader.PartSizer]; [xfer.Sizes.PartSizeFor] says how).
func (b *Backend) PartSize(size int64) int64 { return b.sizes.PartSizeFor(size) }

func (o Options) diagConfig() diag.Config {
	return diag.Config{Provider: Provider, Endpoint: o.Endpoint, Region: o.Region, Bucket: o.Bucket,
		AccessKeyID: o.AccessKeyID, Secret: o.SecretAccessKey, CustomDomain: o.CustomDomain}
}

// resolveEndpoint sets the bucket URL, the object URL prefix, the region and
// whether requests are path-style. diag.Validate has run.
func (b *Backend) resolveEndpoint() error {
	o := b.opts
	if o.Endpoint == "" {
		u, err := cossdk.NewBucketURL(o.Bucket, o.Region, true)
		if err != nil {
			return fmt.Errorf("cannot build the bucket's URL from bucket %q and region %q: %v", o.Bucket, o.Region, err)
		}
		b.bucketURL, b.endpoint = u, "cos."+o.Region+".myqcloud.com"
		b.objectURL = u.String() + "/"
		return nil
	}
	raw := o.Endpoint
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("endpoint %q is not a URL or host name; use e.g. cos.ap-guangzhou.myqcloud.com", o.Endpoint)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("endpoint %q has scheme %q; use https:// or http://", o.Endpoint, u.Scheme)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return fmt.Errorf("endpoint %q has a path or query; give only the scheme and host (the bucket is set separately)", o.Endpoint)
	}
	b.endpoint = u.Host
	return b.resolveForm(u)
}

// resolveForm sets the addressing for the endpoint u, by its form: a COS
// endpoint (public, internal, acceleration, or a bucket domain under one)
// addresses the bucket at <bucket>.<endpoint>; any other is a custom
// domain, or path-style when local or asked for.
func (b *Backend) resolveForm(u *url.URL) error {
	o := b.opts
	e := diag.ParseEndpoint(Provider, o.Endpoint)
	switch e.Form {
	case diag.FormPublic, diag.FormInternal, diag.FormAccelerate, diag.FormBucket:
		if o.PathStyle {
			return fmt.Errorf("PathStyle is set but %s is a COS endpoint, which serves a bucket only at its own host; unset PathStyle", u.Hostname())
		}
		b.region = e.Region
		if b.region == "" {
			b.region = o.Region // the acceleration endpoint names none
		}
		b.endpoint = e.Base
		host := o.Bucket + "." + e.Base
		if p := u.Port(); p != "" {
			host += ":" + p
		}
		b.bucketURL = &url.URL{Scheme: u.Scheme, Host: host}
		b.objectURL = b.bucketURL.String() + "/"
		return nil
	}
	if o.CustomDomain && o.PathStyle {
		return fmt.Errorf("CustomDomain and PathStyle are both set: a custom domain serves the bucket at its root; unset one")
	}
	root := &url.URL{Scheme: u.Scheme, Host: u.Host}
	b.bucketURL = root
	if !o.CustomDomain && (o.PathStyle || diag.IsLocal(o.Endpoint)) {
		b.pathStyle = true
		b.objectURL = root.String() + "/" + o.Bucket + "/"
	} else {
		b.objectURL = root.String() + "/"
	}
	return nil
}

// Name returns the target's name.
func (b *Backend) Name() string { return b.name }

// Describe says what the target is; it holds no secret.
func (b *Backend) Describe() uploader.Description {
	return uploader.Description{Name: b.name, Provider: Provider, Endpoint: b.endpoint, Region: b.region, Bucket: b.opts.Bucket}
}

// Skew returns the measured offset of the server's clock (server minus
// local) and whether one was measured.
func (b *Backend) Skew() (time.Duration, bool) { return b.clock.Offset() }

// Close marks the backend closed and closes the idle connections of its
// transport; every later call fails with Kind Invalid ([xfer.Closer]).
func (b *Backend) Close() error {
	b.closer.Close(b.rt)
	return nil
}

// objectURLOf returns the URL of key for results.
func (b *Backend) objectURLOf(key string) string {
	return b.objectURL + escapeKey(key)
}

// escapeKey percent-encodes key for a URL path, keeping its slashes.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
