// Package gatewayharness is the test harness the cloud backends share: a
// bucket of a test MinIO (package integration/miniotest), reached straight
// or through a vendor gateway (package integration/gateway) that speaks
// TOS, OSS, OBS or COS. An [Env] is the [backendtest.Harness] of the
// conformance suite; the backend under test is made by a [NewBackend]
// function, and the storage is checked behind its back with minio-go.
//
// Besides the harness it holds what the backends' tests repeated: the
// checks of a backend straight at MinIO ([CheckPutSizes] and the other
// Check functions), the peak-RSS benchmark of a 1 GiB upload
// ([PutPeakRSS]) and the small-put rate ([PutRate]), bodies that cost no
// memory ([Zeroes], [Generated]) and a fake S3 server for crafted replies
// ([NewFake]).
//
// Only _test.go files import this package (imports_test.go checks it).
//
// # Use
//
//	// options returns the backend's test options for an endpoint, a
//	// bucket and keys (ResponseTimeout backendtest.ResponseTimeout, ...).
//	func options(endpoint, bucket, ak, sk string) tos.Options { ... }
//
//	var gw = gatewayharness.Options{
//		Gateway:    gateway.Options{Dialect: gateway.TOS},
//		NewBackend: gatewayharness.Using(tos.New, options),
//		NewStallBackend: gatewayharness.Using(tos.New, gatewayharness.With(options,
//			func(o *tos.Options) { o.ResponseTimeout = backendtest.StallTimeout })),
//	}
//
//	func TestConformance(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(gw)) }
//
//	func TestSomething(t *testing.T) {
//		e := gatewayharness.New(t, gw) // bucket and gateway go away with t
//		e.Gateway.SetClockOffset(31 * time.Minute)
//		b := gatewayharness.Open(t, tos.New, options(e.Access()), func(o *tos.Options) { ... })
//		...
//	}
package gatewayharness

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// Threshold and PartSize are the multipart threshold and part size the
// backends' test harnesses use: multipart above 6 MiB (so the suite's
// 5 MiB+1 round trip is a single PUT) in 5 MiB parts (the smallest S3
// allows), so that the multipart cases stay small.
const (
	Threshold = 6 << 20
	PartSize  = 5 << 20
)

// NewBackend makes the backend under test for an endpoint, a bucket and a
// key pair, with the backend's test options otherwise (a response timeout
// of [backendtest.ResponseTimeout], or [backendtest.StallTimeout] for the
// stall case's backend, and the multipart threshold the [Options] name).
type NewBackend func(endpoint, bucket, accessKey, secretKey string) (uploader.Backend, error)

// Using returns the NewBackend that makes a backend with newB from the
// options options returns for the endpoint, bucket and keys:
//
//	NewBackend: gatewayharness.Using(tos.New, options)
func Using[O any, B uploader.Backend](newB func(O) (B, error), options func(endpoint, bucket, accessKey, secretKey string) O) NewBackend {
	return func(endpoint, bucket, accessKey, secretKey string) (uploader.Backend, error) {
		b, err := newB(options(endpoint, bucket, accessKey, secretKey))
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}

// With returns the options function that is options with mod applied to
// its result: the stall case's options are the usual ones with a short
// response timeout.
func With[O any](options func(endpoint, bucket, accessKey, secretKey string) O, mod func(*O)) func(endpoint, bucket, accessKey, secretKey string) O {
	return func(endpoint, bucket, accessKey, secretKey string) O {
		o := options(endpoint, bucket, accessKey, secretKey)
		mod(&o)
		return o
	}
}

// Options configures an [Env]. The zero value of every field but
// NewBackend works.
type Options struct {
	// Gateway configures the vendor gateway in front of MinIO; its
	// Upstream is set to the server. An empty Dialect means no gateway:
	// the backend talks to MinIO straight, and Inject reports false.
	Gateway gateway.Options
	// Server is the MinIO; nil means [miniotest.Shared].
	Server *miniotest.Server
	// BucketPrefix starts the bucket's name ([miniotest.UniqueBucketName]).
	// Default: "gw" through a gateway, "minio" without.
	BucketPrefix string
	// BucketSuffix ends every bucket name the Env makes up, the missing
	// bucket's too; COS needs "-<APPID>". Default: none.
	BucketSuffix string
	// MultipartThreshold is the threshold of the backends NewBackend
	// makes, which the suite uploads above. Default: [Threshold].
	MultipartThreshold int64
	// NewBackend makes the backend under test (MakeBackend and
	// MakeBackendForMissingBucket). Required for those two. Its backends'
	// response timeout should be [backendtest.ResponseTimeout]: long, so
	// that a busy machine never makes an ordinary request time out.
	NewBackend NewBackend
	// NewStallBackend makes the backend of the suite's Faults/stall case
	// (MakeBackendForStall): NewBackend's, with a response timeout of
	// [backendtest.StallTimeout]. Required through a gateway: without it
	// the stall case fails.
	NewStallBackend NewBackend
}

// Env is one bucket of a MinIO, straight or behind a vendor gateway, for
// one test. It implements [backendtest.Harness]. Its bucket and gateway go
// away when the test that made it ends.
type Env struct {
	// Server is the MinIO.
	Server *miniotest.Server
	// Gateway is the vendor gateway, nil straight at MinIO.
	Gateway *gateway.Gateway
	// Bucket is the bucket's name.
	Bucket string

	t    testing.TB
	opts Options
}

var _ backendtest.StallHarness = (*Env)(nil)

// New makes a bucket in the MinIO and, if o names a dialect, starts a
// gateway in front of it; both are removed in t.Cleanup. Without MinIO it
// skips t (fails it with UPLOAD_REQUIRE_MINIO=1).
func New(t testing.TB, o Options) *Env {
	t.Helper()
	if o.MultipartThreshold == 0 {
		o.MultipartThreshold = Threshold
	}
	if o.BucketPrefix == "" {
		o.BucketPrefix = "minio"
		if o.Gateway.Dialect != "" {
			o.BucketPrefix = "gw"
		}
	}
	srv := o.Server
	if srv == nil {
		srv = miniotest.Shared(t)
	}
	e := &Env{Server: srv, Bucket: miniotest.UniqueBucketName(o.BucketPrefix) + o.BucketSuffix, t: t, opts: o}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.MakeBucket(ctx, e.Bucket); err != nil {
		t.Fatalf("creating bucket %s: %v", e.Bucket, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.RemoveBucket(ctx, e.Bucket)
	})
	if o.Gateway.Dialect != "" {
		g := o.Gateway
		g.Upstream = gateway.MinIO(srv)
		gw, err := gateway.Start(g)
		if err != nil {
			t.Fatalf("starting the %s gateway: %v", g.Dialect, err)
		}
		t.Cleanup(func() { gw.Close() })
		e.Gateway = gw
	}
	return e
}

// Maker returns the [backendtest.HarnessMaker] of Envs configured by o: a
// new bucket (and gateway) per case.
func Maker(o Options) backendtest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		return New(t, o), nil
	}
}

// Access returns what a backend needs to reach the bucket: the endpoint
// (the gateway's, or MinIO's), the bucket, and the key pair that endpoint
// accepts. Its results fit a [NewBackend] or a backend's options function.
func (e *Env) Access() (endpoint, bucket, accessKey, secretKey string) {
	if e.Gateway != nil {
		ak, sk := e.Gateway.Credentials()
		return e.Gateway.URL(), e.Bucket, ak, sk
	}
	return e.Server.URL, e.Bucket, e.Server.AccessKey, e.Server.SecretKey
}

// MissingBucket returns the name of a bucket that does not exist.
func (e *Env) MissingBucket() string {
	return miniotest.UniqueBucketName("missing") + e.opts.BucketSuffix
}

// MakeBackend returns a backend over the Env's bucket.
func (e *Env) MakeBackend(context.Context) (uploader.Backend, error) {
	return e.newBackend(e.Bucket)
}

// MakeBackendForMissingBucket returns a backend over a bucket that does not
// exist.
func (e *Env) MakeBackendForMissingBucket(context.Context) (uploader.Backend, error) {
	return e.newBackend(e.MissingBucket())
}

// MakeBackendForStall returns a backend over the Env's bucket made by
// Options.NewStallBackend: one with a short response timeout, for the
// stall case.
func (e *Env) MakeBackendForStall(context.Context) (uploader.Backend, error) {
	if e.opts.NewStallBackend == nil {
		return nil, errors.New("gatewayharness: Options.NewStallBackend is not set (the stall case needs a backend whose response timeout is backendtest.StallTimeout)")
	}
	endpoint, _, ak, sk := e.Access()
	return e.opts.NewStallBackend(endpoint, e.Bucket, ak, sk)
}

func (e *Env) newBackend(bucket string) (uploader.Backend, error) {
	if e.opts.NewBackend == nil {
		return nil, errors.New("gatewayharness: Options.NewBackend is not set")
	}
	endpoint, _, ak, sk := e.Access()
	return e.opts.NewBackend(endpoint, bucket, ak, sk)
}

// Backend returns a backend over the Env's bucket, closed when t ends; it
// fails t if the backend cannot be made.
func (e *Env) Backend(t testing.TB) uploader.Backend {
	t.Helper()
	b, err := e.MakeBackend(context.Background())
	if err != nil {
		t.Fatalf("making the backend: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Read returns the bytes stored under key, read with minio-go straight from
// MinIO, and whether the key exists.
func (e *Env) Read(ctx context.Context, key string) ([]byte, bool, error) {
	obj, err := e.Server.Client().GetObject(ctx, e.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, false, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	return data, true, nil
}

// Keys returns every key in the bucket.
func (e *Env) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	for o := range e.Server.Client().ListObjects(ctx, e.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

// PendingMultipart returns the number of multipart uploads in the bucket
// that were started and neither completed nor aborted.
func (e *Env) PendingMultipart(ctx context.Context) (int, error) {
	n := 0
	for u := range e.Server.Client().ListIncompleteUploads(ctx, e.Bucket, "", true) {
		if u.Err != nil {
			return 0, u.Err
		}
		n++
	}
	return n, nil
}

// MustRead is Read that fails t on an error or a missing key.
func (e *Env) MustRead(t testing.TB, key string) []byte {
	t.Helper()
	data, ok, err := e.Read(context.Background(), key)
	if err != nil || !ok {
		t.Fatalf("reading back %s: exists %v, %v", key, ok, err)
	}
	return data
}

// MustKeys is Keys that fails t on an error.
func (e *Env) MustKeys(t testing.TB) []string {
	t.Helper()
	keys, err := e.Keys(context.Background())
	if err != nil {
		t.Fatalf("listing %s: %v", e.Bucket, err)
	}
	return keys
}

// MustPending is PendingMultipart that fails t on an error.
func (e *Env) MustPending(t testing.TB) int {
	t.Helper()
	n, err := e.PendingMultipart(context.Background())
	if err != nil {
		t.Fatalf("listing the multipart uploads of %s: %v", e.Bucket, err)
	}
	return n
}

// MultipartThreshold returns Options.MultipartThreshold.
func (e *Env) MultipartThreshold() int64 { return e.opts.MultipartThreshold }

// Inject makes the gateway answer every request with the action named
// like f's type ([gateway.NamedAction]). Straight at MinIO there is no way
// to inject a fault: it reports false. A fault the gateway does not know
// fails the test.
func (e *Env) Inject(f backendtest.Fault) bool {
	if e.Gateway == nil {
		return false
	}
	a, err := gateway.NamedAction(f.Type.String())
	if err != nil {
		e.t.Errorf("no gateway action for fault %s: %v", f.Type, err)
		return false
	}
	e.Gateway.Inject(gateway.Fault{Action: a})
	return true
}

// ClearFaults removes every fault injected into the gateway.
func (e *Env) ClearFaults() {
	if e.Gateway != nil {
		e.Gateway.ClearFaults()
	}
}

// Close does nothing: the bucket and the gateway go away with the test.
func (e *Env) Close() {}

// Open returns newB(o) after each mod has changed o, closed when t ends;
// it fails t if newB does. It turns a backend's New and options into the
// backend of one test:
//
//	b := gatewayharness.Open(t, tos.New, options(e.Access()), func(o *tos.Options) { o.DisableSkewCorrection = true })
func Open[O any, B io.Closer](t testing.TB, newB func(O) (B, error), o O, mods ...func(*O)) B {
	t.Helper()
	for _, mod := range mods {
		if mod != nil {
			mod(&o)
		}
	}
	b, err := newB(o)
	if err != nil {
		t.Fatalf("making the backend: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
