// Package s3 is the backend for Amazon S3 and every S3-compatible store
// (MinIO, Ceph, the S3 endpoints of the vendors), over minio-go v7.
//
// # How it uses minio-go
//
// The backend drives minio.Core, not the high-level PutObject: with a
// per-part checksum the high-level call reads every part into a buffer of
// the part size, and it retries up to ten times on its own. Here a single
// PUT streams the body from an [io.SectionReader] with its Content-MD5;
// above the multipart threshold [xfer.Upload] sends the parts in parallel,
// each streamed from its own SectionReader with its CRC-32C
// (x-amz-checksum-crc32c, the upload initiated with
// x-amz-checksum-algorithm CRC32C), so memory stays near PartConcurrency ×
// the copy buffers, not the part size. The payload is not SHA-256-hashed
// (UNSIGNED-PAYLOAD): the signed Content-MD5 or CRC-32C header protects the
// body, which the server checks before it stores it, at a fraction of the
// CPU (the CRC-32C, computed with the CPU's CRC32 instruction, costs far
// less than an MD5).
//
// A part's reply must echo its CRC-32C: a different value fails the upload
// (Kind Integrity); no echo means the store ignored the checksum (an
// S3-compatible store without flexible checksums) and verified nothing, so
// that part is sent again with Content-MD5, and so are the later parts and
// the backend's later uploads. A resumed upload keeps the checksum it was
// initiated with.
//
// A multipart upload is verified by the complete reply's composite
// CRC-32C (the CRC-32C of the parts' CRC-32Cs, "-", the count), or, when
// the parts were sent with Content-MD5 or the reply carries no composite
// CRC-32C, by its composite ETag (the MD5 of the parts' MD5s, "-", the
// count; the MD5 of parts sent with a CRC-32C is then computed for it), and
// by the stored size (HEAD); a HEAD refused with 403 (a key that may write
// but not read) is no failure, the result says "not verified by reading"
// ([uploader.Result.Unverified]). No ETag is compared with an MD5 when the
// reply names SSE-KMS or SSE-C; the composite CRC-32C is compared even then.
//
// Addressing: virtual hosts for AWS (minio-go's rule) and for the
// S3-compatible endpoints of COS, TOS (tos-s3-*), OSS and OBS, whose region
// is also derived from the host (COS refuses path style for buckets made
// since 2024-01-01); path style for IP literals and other hosts, unless
// Options.VirtualHost is set.
//
// minio-go's retries are off (Options.MaxRetries = 1, and bodies are handed
// over without their Seek method, so minio-go could not rewind them anyway):
// the failover layer owns retries. minio-go still waits up to 200 ms after a
// retryable failure before it returns it (its retry timer sleeps once after
// the last try); that delay is bounded and ends with the context.
//
// # Clock skew
//
// minio-go signs every request with time.Now and offers no hook to sign with
// another time, so this backend cannot correct a skewed clock. It measures
// the skew (every reply's Date feeds a [skew.Clock]), reports it in
// [uploader.Error.Skew] and [uploader.Attempt.Skew], turns a 403 received
// while the clock is beyond the threshold into Kind ClockSkew, and says in
// the hints that the clock must be synced. Options.DisableSkewCorrection has
// no effect here. The vendor backends (tos, oss, obs, cos) do correct skew.
//
// # Errors
//
// [Backend.ErrorKind] is the one classification: minio.ErrorResponse (a
// value type) gives the status, code, message and request ID; the reply's
// headers (Date, Retry-After) and the start of an error body (AWS's
// StringToSign) are captured by the transport for the call; failures without
// a reply go through errclass.Transport. minio-go invents codes for bodiless
// replies (AccessDenied for any 403 HEAD, NoSuchKey for a 404); when the
// reply had no body and no x-minio-error-code header the backend drops the
// invented code, so Error.Code is only ever what the server said.
package s3

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	icreds "github.com/resilient-upload/upload/internal/creds"
	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Provider is the provider name of this backend.
const Provider = "s3"

// DefaultRegion is the region used when neither Options.Region nor the
// endpoint names one: the region MinIO and most S3-compatible stores expect.
const DefaultRegion = "us-east-1"

// Options configures an S3 backend: the common options ([provider.Common])
// and S3's own. The zero value of every field but Endpoint and Bucket is a
// working default. What the common options mean here:
//   - Endpoint: "https://s3.eu-west-1.amazonaws.com",
//     "http://127.0.0.1:9000", or host[:port] (https); the scheme decides
//     TLS.
//   - Region: the signing region; default the region the endpoint names
//     (s3.<region>.amazonaws.com), else DefaultRegion.
//   - Credentials may be [InstanceRole], minio-go's IAM provider.
//   - DisableSkewCorrection has no effect: minio-go cannot sign with a
//     corrected time (see the package documentation). Skew is measured
//     and reported either way.
type Options struct {
	// Common holds the options every cloud backend takes in the same
	// sense; the type's documentation above says what is S3's own.
	provider.Common

	// PathStyle forces path-style addressing (http://host/bucket/key).
	// Default: path style for IP-literal and other endpoints, virtual
	// hosts for AWS (minio-go's rule) and for the S3-compatible endpoints
	// of COS, TOS, OSS and OBS, which serve buckets at virtual hosts only
	// (COS refuses path style for buckets made since 2024-01-01).
	PathStyle bool
	// VirtualHost forces virtual-host addressing (bucket.host/key) on any
	// endpoint (`virtual_host: true`). Not with PathStyle.
	VirtualHost bool
	// SkipETagCheck turns off the comparison of a single PUT's ETag with the
	// MD5 of the bytes sent, and of a multipart upload's ETag with the
	// parts' composite, for stores whose ETags are not MD5s and do not say
	// so. A reply that names SSE-KMS or SSE-C
	// (x-amz-server-side-encryption: aws:kms, or the customer algorithm)
	// skips the comparison by itself. The server's Content-MD5 check stays
	// on. Default: the check is on.
	SkipETagCheck bool
	// Now returns local time; nil means time.Now. Tests inject a clock.
	Now func() time.Time
}

// Backend stores objects in one S3 bucket. It is safe for concurrent use.
type Backend struct {
	name    string
	opts    Options
	client  *minio.Client
	core    minio.Core
	rt      http.RoundTripper
	clock   *skew.Clock
	baseURL string // scheme://host[/bucket] for object URLs
	cfg     diag.Config
	sizes   xfer.Sizes // checked, with the defaults filled in
	closer  xfer.Closer

	// creds supplies the keys; nil: static keys or anonymous.
	creds *icreds.Source

	// noCRC: a multipart upload found that the store ignores
	// x-amz-checksum-crc32c (no echo), so later ones send Content-MD5
	// from the start (see session.UploadPart).
	noCRC atomic.Bool
}

var (
	_ uploader.Backend      = (*Backend)(nil)
	_ uploader.Stater       = (*Backend)(nil)
	_ uploader.Getter       = (*Backend)(nil)
	_ uploader.Deleter      = (*Backend)(nil)
	_ uploader.Describer    = (*Backend)(nil)
	_ uploader.SkewReporter = (*Backend)(nil)
)

// New returns a Backend for opts. It refuses, with a message that says what
// to change, a missing endpoint or bucket, an endpoint that is not a URL or
// host, a bucket name S3 cannot have, a region that contradicts the
// endpoint, and the credential mistakes [diag.Validate] knows.
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
	ep, secure, err := parseEndpoint(opts.Endpoint)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "https", Host: ep}
	if !secure {
		u.Scheme = "http"
	}
	fromURL := s3utils.GetRegionFromURL(u)
	if fromURL == "" {
		// The S3-compatible endpoints of the vendors name their region too.
		fromURL, _ = diag.EndpointRegion(Provider, opts.Endpoint)
	}
	region := opts.Region
	switch {
	case region == "" && fromURL != "":
		region = fromURL
	case region == "":
		region = DefaultRegion
	case fromURL != "" && fromURL != region:
		return nil, fmt.Errorf("region %q contradicts the endpoint %s, which is in %q; the signature's scope will not match: set region to %q, or use the endpoint of %q",
			region, u.Host, fromURL, fromURL, region)
	}
	cfg := diag.Config{Provider: Provider, Endpoint: opts.Endpoint, Region: region, Bucket: opts.Bucket,
		AccessKeyID: opts.AccessKeyID, Secret: opts.SecretAccessKey}
	if err := diag.Validate(cfg); err != nil {
		return nil, err
	}
	if err := s3utils.CheckValidBucketName(opts.Bucket); err != nil {
		return nil, fmt.Errorf("bucket %q: %v: use the bucket's exact name (3-63 lower-case letters, digits, dots and hyphens)", opts.Bucket, err)
	}

	b := &Backend{name: opts.Name, opts: opts, cfg: cfg}
	if b.name == "" {
		b.name = Provider
	}
	// Correction is impossible with minio-go (no signing-time hook), so the
	// clock only measures: Disabled keeps Clock.Do from a useless retry.
	b.clock = skew.New(skew.Options{Disabled: true, Now: opts.Now})
	if opts.Credentials != nil {
		if opts.AccessKeyID != "" || opts.SecretAccessKey != "" || opts.SessionToken != "" {
			return nil, errors.New("both Credentials and access keys are set; set one")
		}
		b.creds = icreds.New(b.name, Provider, opts.Credentials, opts.Now)
		b.clock = skew.New(skew.Options{Disabled: true, Now: opts.Now, Credentials: b.creds})
	}
	rt := transport.Capturing(transport.New(transport.Options{
		ConnectTimeout:  opts.ConnectTimeout,
		ResponseTimeout: opts.ResponseTimeout,
		Clock:           b.clock,
	}))
	// Empty keys give anonymous requests (credentials.Static's rule).
	creds := credentials.NewStaticV4(opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken)
	if b.creds != nil {
		creds = credentials.New(minioProvider{b.creds})
	}
	lookup, err := bucketLookup(opts, u)
	if err != nil {
		return nil, err
	}
	mo := &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Transport:    rt,
		Region:       region,
		BucketLookup: lookup,
		MaxRetries:   1, // one try: the failover layer owns retries
	}
	b.rt = rt
	b.client, err = minio.New(ep, mo)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", opts.Endpoint, err)
	}
	b.core = minio.Core{Client: b.client}

	if lookup == minio.BucketLookupPath || lookup == minio.BucketLookupAuto && !s3utils.IsVirtualHostSupported(u, opts.Bucket) {
		b.baseURL = u.Scheme + "://" + u.Host + "/" + opts.Bucket
	} else {
		b.baseURL = u.Scheme + "://" + opts.Bucket + "." + u.Host
	}
	sizes.PartSize = xfer.PartSize(0, sizes.PartSize) // raised to 5 MiB once
	b.sizes = sizes
	return b, nil
}

// bucketLookup returns how to address the bucket at u: path style when
// asked for or on an IP literal, virtual hosts when asked for or on a
// vendor's S3-compatible endpoint, else minio-go's rule.
func bucketLookup(opts Options, u url.URL) (minio.BucketLookupType, error) {
	_, _, vendor := diag.S3Compatible(u.Hostname())
	switch {
	case opts.PathStyle && opts.VirtualHost:
		return 0, errors.New("PathStyle and VirtualHost are both set: unset one")
	case opts.VirtualHost:
		return minio.BucketLookupDNS, nil
	case opts.PathStyle || isIP(u.Hostname()):
		return minio.BucketLookupPath, nil
	case vendor:
		return minio.BucketLookupDNS, nil
	}
	return minio.BucketLookupAuto, nil
}

// parseEndpoint returns the host[:port] minio-go wants and whether to use
// TLS.
func parseEndpoint(endpoint string) (hostport string, secure bool, err error) {
	e := strings.TrimSpace(endpoint)
	if e == "" {
		return "", false, errors.New("no endpoint is set: set it, e.g. https://s3.us-east-1.amazonaws.com or http://127.0.0.1:9000")
	}
	if e != endpoint {
		return "", false, errors.New("the endpoint has leading or trailing whitespace: remove it")
	}
	secure = true
	if !strings.Contains(e, "://") {
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil || u.Host == "" {
		return "", false, fmt.Errorf("endpoint %q is not a URL or host[:port]: use e.g. https://s3.us-east-1.amazonaws.com", endpoint)
	}
	switch u.Scheme {
	case "https":
	case "http":
		secure = false
	default:
		return "", false, fmt.Errorf("endpoint %q has scheme %q: use http:// or https://", endpoint, u.Scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", false, fmt.Errorf("endpoint %q has a path or query: give only the scheme and host (the bucket is set separately)", endpoint)
	}
	return u.Host, secure, nil
}

func isIP(host string) bool { return net.ParseIP(host) != nil }

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
	b.closer.Close(b.rt)
	return nil
}

// objectURL returns the object's URL.
func (b *Backend) objectURL(key string) string {
	return b.baseURL + "/" + s3utils.EncodePath(key)
}

func (b *Backend) target() errclass.Target {
	return errclass.Target{Name: b.name, Provider: Provider, Clock: b.clock, Hints: b.hints}
}

// hints returns the hints for an error of kind k.
func (b *Backend) hints(k uploader.Kind, e *uploader.Error) []string {
	off, known := b.clock.Offset()
	switch k {
	case uploader.SignatureMismatch:
		return append(diag.SignatureHints(b.cfg, off, known),
			fmt.Sprintf("check that the region (%s) is the bucket's: AWS V4 signs with the region in its scope", b.cfg.Region))
	case uploader.ClockSkew:
		return []string{
			diag.CheckClock(off, known).String(),
			"the s3 backend cannot correct skew: minio-go signs with this machine's clock and has no hook to shift it; sync the clock (chronyc makestep, or ntpdate/sntp)",
		}
	case uploader.InvalidCredentials:
		return diag.CredentialHints(b.cfg)
	case uploader.BucketNotFound:
		return []string{fmt.Sprintf("bucket %q does not exist at %s (region %s): check its name and the endpoint", b.opts.Bucket, b.opts.Endpoint, b.cfg.Region)}
	}
	return nil
}

func (b *Backend) closedErr(op, key string) *uploader.Error {
	return uploader.AsError(b.closer.Err(b.name, Provider, op, key))
}

// statusText is the message of a bodiless reply.
func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP %d", status)
}
