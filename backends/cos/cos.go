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
// CRC64 check stays on: it compares the
// x-cos-hash-crc64ecma of each PUT and UploadPart reply with what was sent,
// and a mismatch is Kind Integrity. A multipart upload's parts carry their
// Content-MD5; after completion, the object's CRC64 that COS returns is
// compared with the one combined from the parts' (which catches parts
// assembled out of order), and the stored size is checked with a HEAD. An
// object that fails these checks is deleted. A HEAD refused with 403 (a key
// that may write but not read, as COS's sample upload policy grants) is no
// failure and no reason to delete: the upload is "not verified by
// reading" (Result.Unverified).
//
// # Retries
//
// The SDK's retries are off (RetryOpt.Count is 1, a single try; note that
// the SDK treats 0 as 1 as well): the failover package owns retries. The only
// retry here is the one skew-corrected attempt.
package cos

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

// Put stores obj: one PUT with Content-MD5 up to the multipart threshold, a
// parallel multipart upload above it. See [uploader.Backend].
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
	if obj.Size > b.sizes.MultipartThreshold {
		return b.putMultipart(ctx, obj, res)
	}
	return b.putSingle(ctx, obj, res)
}

func (b *Backend) putSingle(ctx context.Context, obj uploader.Object, res uploader.Result) (uploader.Result, error) {
	sec, body, err := obj.Reader()
	if err != nil {
		return res, b.own(err)
	}
	defer body.Close()
	sum := obj.MD5
	if sum == nil {
		if sum, err = xfer.MD5(body, 0, obj.Size); err != nil {
			return res, b.readErr("put", obj.Key, err)
		}
	}
	opt := &cossdk.ObjectPutOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{
		ContentType:   obj.ContentType,
		ContentMD5:    xfer.Base64(sum),
		ContentLength: obj.Size,
		XCosMetaXXX:   metaHeader(obj.Metadata),
	}}
	opt.ACLHeaderOptions = setAttributes(opt.ObjectPutHeaderOptions, obj)
	// The progress reader lives across both attempts: rewinding it for the
	// corrected one reports the bytes of the first as negative progress.
	counted := xfer.Counting(sec, xfer.Progress(ctx))
	var etag, version, requestID string
	var status int
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		if _, err := counted.Seek(0, io.SeekStart); err != nil {
			return b.readErr("put", obj.Key, err)
		}
		var r io.Reader = counted
		if obj.Size == 0 {
			// A sized empty reader makes the SDK send no body instead of
			// an empty chunked one.
			r = strings.NewReader("")
		}
		resp, err := b.client.Object.Put(sctx, obj.Key, r, opt)
		if err != nil {
			return b.classify(sctx, "put", obj.Key, err)
		}
		etag, version = xfer.UnquoteETag(resp.Header.Get("ETag")), resp.Header.Get("X-Cos-Version-Id")
		status, requestID = resp.StatusCode, resp.Header.Get("X-Cos-Request-Id")
		if xfer.ETagIsMD5(resp.Header) && xfer.ETagDiffers(etag, sum) {
			return b.integrity("put", obj.Key, resp.Header, "the server's ETag %s is not the MD5 %s of the bytes sent", etag, xfer.Hex(sum))
		}
		return nil
	})
	res.Attempts = attempts
	if e := uploader.AsError(err); e != nil && e.Kind == uploader.Integrity && e.Status < 300 {
		// Stored, but not what was sent (or not verified): remove it. A
		// refusal (400 BadDigest) stored nothing, and a previous object
		// under the key stays.
		xfer.Discard(ctx, b.Delete, obj.Key, e)
	}
	if err != nil {
		return res, err
	}
	res.Target, res.URL, res.ETag, res.MD5, res.Size, res.VersionID = b.name, b.objectURLOf(obj.Key), etag, xfer.Hex(sum), obj.Size, version
	xfer.RecordReply(res.Attempts, status, requestID)
	return res, nil
}

// putMultipart uploads obj in parts. Its Result.Attempts are those of the
// initiating request (where a skew refusal shows), the last one extended to
// the end of the upload and carrying its outcome.
//
// Long: resume or initiate, the parts, the complete and the check, in the
// order of the requests; every step is a call into xfer.
func (b *Backend) putMultipart(ctx context.Context, obj uploader.Object, res uploader.Result) (uploader.Result, error) {
	_, body, err := obj.Reader()
	if err != nil {
		return res, b.own(err)
	}
	defer body.Close()
	if obj.MD5 != nil {
		sum, err := xfer.MD5(body, 0, obj.Size)
		if err != nil {
			return res, b.readErr("put", obj.Key, err)
		}
		if hex.EncodeToString(sum) != hex.EncodeToString(obj.MD5) {
			e := b.invalid("put", obj.Key, fmt.Sprintf("the body's MD5 %x differs from the expected %x; nothing was sent", sum, obj.MD5))
			e.Kind = uploader.Integrity
			return res, e
		}
	}
	uploadID, kept, err := xfer.Resume(ctx, obj, body, b.name, b.sizes.PartSize, parts{b, obj.Key})
	if err != nil {
		return res, b.final(ctx, "list_parts", obj.Key, err)
	}
	initOpt := &cossdk.InitiateMultipartUploadOptions{ObjectPutHeaderOptions: &cossdk.ObjectPutHeaderOptions{
		ContentType: obj.ContentType,
		XCosMetaXXX: metaHeader(obj.Metadata),
	}}
	initOpt.ACLHeaderOptions = setAttributes(initOpt.ObjectPutHeaderOptions, obj)
	initStart := time.Now()
	attempts, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		if uploadID != "" {
			return nil // resumed
		}
		sctx := b.signed(ctx, signAt)
		r, _, err := b.client.Object.InitiateMultipartUpload(sctx, obj.Key, initOpt)
		if err != nil {
			return b.classify(sctx, "initiate_multipart", obj.Key, err)
		}
		if r.UploadID == "" {
			return b.invalidReply("initiate_multipart", obj.Key, "the reply holds no UploadId")
		}
		uploadID = r.UploadID
		return nil
	})
	res.Attempts = attempts
	if err != nil {
		xfer.AbortCutInitiate(ctx, b, obj.Key, initStart, err)
		return res, err
	}
	s := &session{b: b, key: obj.Key, uploadID: uploadID, progress: xfer.Progress(ctx)}
	s.resumedCRCs(kept)
	parts, err := xfer.Upload(ctx, body, obj.Size, s, xfer.Options{PartSize: b.sizes.PartSize, Concurrency: b.sizes.PartConcurrency, ContentMD5: true,
		Resume: obj.Resume, Target: b.name, UploadID: uploadID, Resumed: kept})
	if err == nil {
		err = s.verifyCRC(parts)
		if err == nil {
			err = b.verifySize(ctx, obj.Key, obj.Size)
			if err != nil && xfer.ReadRefused(err) {
				res.Unverified = xfer.Unverified(err, s.crcChecked)
				err = nil
			}
		}
		if e := uploader.AsError(err); e != nil && e.Kind == uploader.Integrity {
			// The object is visible but wrong: remove it.
			err = xfer.Discard(ctx, b.Delete, obj.Key, e)
		}
	}
	if err != nil {
		err = b.final(ctx, "put", obj.Key, err)
		last := &res.Attempts[len(res.Attempts)-1]
		corrected := last.SkewCorrected
		*last = uploader.NewAttempt(b.name, Provider, last.Start, b.clock.LocalNow(), err)
		last.SkewCorrected = corrected
		return res, err
	}
	last := &res.Attempts[len(res.Attempts)-1]
	last.Elapsed = b.clock.LocalNow().Sub(last.Start)
	res.Target, res.URL, res.ETag, res.Size, res.VersionID = b.name, b.objectURLOf(obj.Key), s.etag, obj.Size, s.version
	res.Parts = xfer.Parts(parts)
	if obj.MD5 != nil {
		// The body was checked against it before the parts were sent, so
		// a caller (drain) needs no read back to know the stored MD5.
		res.MD5 = xfer.Hex(obj.MD5)
	}
	return res, nil
}

// verifySize checks with a HEAD that key holds size bytes.
func (b *Backend) verifySize(ctx context.Context, key string, size int64) error {
	var got int64 = -1
	var hdr http.Header
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		resp, err := b.client.Object.Head(sctx, key, nil)
		if err != nil {
			return b.classify(sctx, "verify", key, err)
		}
		hdr = resp.Header
		got, err = strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
		if err != nil {
			got = resp.ContentLength
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got != size {
		return b.integrity("verify", key, hdr, "the stored object has %d bytes, %d were sent", got, size)
	}
	return nil
}

// session is one multipart upload, for xfer.Upload.
type session struct {
	b        *Backend
	key      string
	uploadID string
	progress func(int64)

	mu   sync.Mutex
	crcs map[int]uint64 // each part's x-cos-hash-crc64ecma, by number

	// Set by Complete.
	etag, version string
	crc           string // the whole object's x-cos-hash-crc64ecma
	// crcChecked: verifyCRC compared the object's CRC64 with the parts'.
	crcChecked bool
}

// verifyCRC compares the CRC-64 that COS returned for the whole object with
// the one combined from the parts' CRCs (each of which the SDK checked
// against the bytes sent). It passes when the server sent no CRC.
func (s *session) verifyCRC(parts []xfer.Part) error {
	if s.crc == "" {
		return nil
	}
	got, err := strconv.ParseUint(s.crc, 10, 64)
	if err != nil {
		return s.b.integrity("complete_multipart", s.key, nil, "the server's CRC64 %q of the object is not a number", s.crc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want, ok := xfer.CombinedCRC64(parts, func(p xfer.Part) (uint64, bool) { c, ok := s.crcs[p.Number]; return c, ok })
	if !ok {
		return nil // a part's CRC is unknown: nothing to compare
	}
	if got != want {
		return s.b.integrity("complete_multipart", s.key, nil, "the server's CRC64 %d of the assembled object differs from %d, that of the parts sent in order", got, want)
	}
	s.crcChecked = true
	return nil
}

func (s *session) UploadPart(ctx context.Context, p xfer.Part, body io.ReadSeeker) (string, error) {
	opt := &cossdk.ObjectUploadPartOptions{ContentLength: p.Size}
	if p.MD5 != nil {
		opt.ContentMD5 = xfer.Base64(p.MD5)
	}
	counted := xfer.Counting(body, s.progress)
	var etag string
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sctx := s.b.signed(ctx, signAt)
		if _, err := counted.Seek(0, io.SeekStart); err != nil {
			return s.b.readErr("upload_part", s.key, err)
		}
		resp, err := s.b.client.Object.UploadPart(sctx, s.key, s.uploadID, p.Number, counted, opt)
		if err != nil {
			return s.b.classify(sctx, "upload_part", s.key, err)
		}
		if c, err := strconv.ParseUint(resp.Header.Get("X-Cos-Hash-Crc64ecma"), 10, 64); err == nil {
			s.mu.Lock()
			if s.crcs == nil {
				s.crcs = map[int]uint64{}
			}
			s.crcs[p.Number] = c
			s.mu.Unlock()
		}
		etag = xfer.UnquoteETag(resp.Header.Get("ETag"))
		if etag == "" {
			return s.b.invalidReply("upload_part", s.key, fmt.Sprintf("the reply to part %d holds no ETag", p.Number))
		}
		if p.MD5 != nil && xfer.ETagIsMD5(resp.Header) && xfer.ETagDiffers(etag, p.MD5) {
			return s.b.integrity("upload_part", s.key, resp.Header, "part %d: the server's ETag %s is not the MD5 %s of the bytes sent", p.Number, etag, xfer.Hex(p.MD5))
		}
		return nil
	})
	return etag, err
}

func (s *session) Complete(ctx context.Context, parts []xfer.Part) error {
	opt := &cossdk.CompleteMultipartUploadOptions{Parts: make([]cossdk.Object, len(parts))}
	for i, p := range parts {
		opt.Parts[i] = cossdk.Object{PartNumber: p.Number, ETag: `"` + p.ETag + `"`}
	}
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sctx := s.b.signed(ctx, signAt)
		r, resp, err := s.b.client.Object.CompleteMultipartUpload(sctx, s.key, s.uploadID, opt)
		if err != nil {
			return s.b.classify(sctx, "complete_multipart", s.key, err)
		}
		s.etag = xfer.UnquoteETag(r.ETag)
		if resp != nil {
			s.version = resp.Header.Get("X-Cos-Version-Id")
			s.crc = resp.Header.Get("X-Cos-Hash-Crc64ecma")
		}
		return nil
	})
	return err
}

func (s *session) Abort(ctx context.Context) error {
	_, err := s.b.clock.Do(ctx, s.b.name, Provider, func(signAt time.Time) error {
		sctx := s.b.signed(ctx, signAt)
		_, err := s.b.client.Object.AbortMultipartUpload(sctx, s.key, s.uploadID)
		if err != nil {
			e := s.b.classify(sctx, "abort_multipart", s.key, err)
			if e.Status == http.StatusNotFound {
				return nil // already gone
			}
			return e
		}
		return nil
	})
	return err
}

// Stat returns the object's info (with its CRC-64 when the server sends
// it), or an *uploader.Error with Status 404 and
// Code "NoSuchKey" (Kind Invalid) when there is no such object.
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	if err := b.closer.Err(b.name, Provider, "stat", key); err != nil {
		return uploader.ObjectInfo{}, err
	}
	var info uploader.ObjectInfo
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		resp, err := b.client.Object.Head(sctx, key, nil)
		if err != nil {
			return xfer.NotFound(b.classify(sctx, "stat", key, err))
		}
		h := resp.Header
		info = uploader.ObjectInfo{Key: key, ETag: xfer.UnquoteETag(h.Get("ETag")), ContentType: h.Get("Content-Type"),
			CRC64: h.Get("x-cos-hash-crc64ecma")}
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			info.Size = n
		} else {
			info.Size = resp.ContentLength
		}
		if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
			info.LastModified = t
		}
		for k, vs := range h {
			if m, ok := strings.CutPrefix(strings.ToLower(k), "x-cos-meta-"); ok && len(vs) > 0 {
				if info.Metadata == nil {
					info.Metadata = map[string]string{}
				}
				info.Metadata[m] = vs[0]
			}
		}
		vendor.Read(&info, h)
		return nil
	})
	return info, err
}

// Get returns a reader of the object's bytes; the caller closes it.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := b.closer.Err(b.name, Provider, "get", key); err != nil {
		return nil, err
	}
	var body io.ReadCloser
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		resp, err := b.client.Object.Get(sctx, key, nil)
		if err != nil {
			return xfer.NotFound(b.classify(sctx, "get", key, err))
		}
		body = resp.Body
		return nil
	})
	return body, err
}

// Delete removes the object; deleting a missing object is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if err := b.closer.Err(b.name, Provider, "delete", key); err != nil {
		return err
	}
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		_, err := b.client.Object.Delete(sctx, key)
		if err != nil {
			e := b.classify(sctx, "delete", key, err)
			if xfer.Missing(e) {
				return nil
			}
			return e
		}
		return nil
	})
	return err
}

// metaHeader returns the x-cos-meta-* headers of md, or nil.
func metaHeader(md map[string]string) *http.Header {
	if len(md) == 0 {
		return nil
	}
	h := http.Header{}
	for k, v := range md {
		h.Set("x-cos-meta-"+strings.ToLower(k), v)
	}
	return &h
}
