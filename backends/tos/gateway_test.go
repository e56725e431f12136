package tos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// gwThreshold is the multipart threshold of the backends the harness makes:
// above the suite's 5 MiB+1 round trip, so that case is a single PUT, and
// small, so that the multipart cases stay fast (two 5 MiB parts).
const gwThreshold = 6 << 20

// gwRegion is the region the backends sign with; the gateway takes the
// region from the credential scope.
const gwRegion = "cn-beijing"

// gwEnv is a MinIO bucket behind a TOS-dialect gateway.
type gwEnv struct {
	t      testing.TB
	srv    *miniotest.Server
	gw     *gateway.Gateway
	bucket string
}

// newGatewayEnv starts a TOS gateway in front of the shared MinIO, with a
// bucket of its own; both go away in t.Cleanup. Without MinIO it skips t
// (fails it with UPLOAD_REQUIRE_MINIO=1).
func newGatewayEnv(t testing.TB) *gwEnv {
	t.Helper()
	srv := miniotest.Shared(t)
	e := &gwEnv{t: t, srv: srv, bucket: miniotest.UniqueBucketName("tos")}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.MakeBucket(ctx, e.bucket); err != nil {
		t.Fatalf("creating bucket %s: %v", e.bucket, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.RemoveBucket(ctx, e.bucket)
	})
	gw, err := gateway.Start(gateway.Options{
		Dialect:  gateway.TOS,
		Upstream: gateway.Upstream{URL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	e.gw = gw
	return e
}

// options returns backend options for the gateway, with its credentials.
func (e *gwEnv) options() Options {
	ak, sk := e.gw.Credentials()
	return Options{
		Name: "tos-gw", Endpoint: e.gw.URL(), Region: gwRegion, Bucket: e.bucket,
		AccessKeyID: ak, SecretAccessKey: sk,
		ResponseTimeout: backendtest.StallTimeout, MultipartThreshold: gwThreshold, PartSize: 5 << 20,
	}
}

func (e *gwEnv) backend(mod func(*Options)) *Backend {
	e.t.Helper()
	o := e.options()
	if mod != nil {
		mod(&o)
	}
	b, err := New(o)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { b.Close() })
	return b
}

// read returns the bytes MinIO holds under key, read with minio-go.
func (e *gwEnv) read(ctx context.Context, key string) ([]byte, bool, error) {
	obj, err := e.srv.Client().GetObject(ctx, e.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, false, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	return data, true, nil
}

// harness is the backendtest.Harness over a gateway environment.
type harness struct{ e *gwEnv }

func (h *harness) MakeBackend(ctx context.Context) (uploader.Backend, error) {
	return New(h.e.options())
}

func (h *harness) MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error) {
	o := h.e.options()
	o.Bucket = miniotest.UniqueBucketName("missing")
	return New(o)
}

func (h *harness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	return h.e.read(ctx, key)
}

func (h *harness) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	for o := range h.e.srv.Client().ListObjects(ctx, h.e.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

func (h *harness) PendingMultipart(ctx context.Context) (int, error) {
	n := 0
	for u := range h.e.srv.Client().ListIncompleteUploads(ctx, h.e.bucket, "", true) {
		if u.Err != nil {
			return 0, u.Err
		}
		n++
	}
	return n, nil
}

func (h *harness) MultipartThreshold() int64 { return gwThreshold }

// Inject maps the suite's fault to the gateway action of the same name.
func (h *harness) Inject(f backendtest.Fault) bool {
	a, err := gateway.NamedAction(f.Type.String())
	if err != nil {
		h.e.t.Errorf("no gateway action for fault %s: %v", f.Type, err)
		return false
	}
	h.e.gw.Inject(gateway.Fault{Action: a})
	return true
}

func (h *harness) ClearFaults() { h.e.gw.ClearFaults() }

func (h *harness) Close() {}

// TestConformance runs the conformance suite through the TOS gateway
// (TOS4-HMAC-SHA256 verified, TOS JSON errors and multipart bodies, CRC64
// headers) in front of a real MinIO.
func TestConformance(t *testing.T) {
	backendtest.Run(t, func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		return &harness{e: newGatewayEnv(t)}, nil
	})
}

// TestGatewayClockSkewCorrectedOnce: with the gateway's clock 31 minutes
// off, a Put succeeds after one correction (single PUT and multipart, each
// on a fresh backend), the next Put succeeds at once, and concurrent Puts on
// a fresh backend share the estimate.
func TestGatewayClockSkewCorrectedOnce(t *testing.T) {
	for _, offset := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
		t.Run(offset.String(), func(t *testing.T) {
			e := newGatewayEnv(t)
			e.gw.SetClockOffset(offset)
			ctx := context.Background()
			for _, size := range []int{1000, gwThreshold + 1} { // single PUT, then multipart
				b := e.backend(nil)
				u := uploader.New(b)
				key := fmt.Sprintf("skew/%d", size)
				data := backendtest.Data(int64(size), uint64(size))
				res, err := u.Upload(ctx, uploader.BytesObject(key, data))
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if len(res.Attempts) != 2 {
					t.Fatalf("%s: %d attempts %+v, want 2", key, len(res.Attempts), res.Attempts)
				}
				a0, a1 := res.Attempts[0], res.Attempts[1]
				if a0.Kind != uploader.ClockSkew || a0.SkewCorrected || (a0.Skew-offset).Abs() > 5*time.Second || a0.Code != "RequestTimeTooSkewed" {
					t.Errorf("%s: first attempt %+v, want RequestTimeTooSkewed with skew ≈ %v", key, a0, offset)
				}
				if a1.Err != nil || !a1.SkewCorrected || (a1.Skew-offset).Abs() > 5*time.Second {
					t.Errorf("%s: second attempt %+v, want a corrected success", key, a1)
				}
				if got, ok, err := e.read(ctx, key); err != nil || !ok || string(got) != string(data) {
					t.Fatalf("%s: stored %d bytes, %v, %v", key, len(got), ok, err)
				}
				res, err = u.Upload(ctx, uploader.BytesObject(key+"/again", data))
				if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
					t.Fatalf("%s again: %v, attempts %+v; want one corrected attempt", key, err, res.Attempts)
				}
			}

			// Concurrent Puts on a fresh backend: each may meet the skew
			// once, none twice, and all share the estimate afterwards.
			b := e.backend(nil)
			u := uploader.New(b)
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					res, err := u.Upload(ctx, uploader.BytesObject(fmt.Sprintf("skew/concurrent/%d", i), []byte("x")))
					if err != nil || len(res.Attempts) > 2 {
						t.Errorf("concurrent %d: %v, %d attempts", i, err, len(res.Attempts))
					}
				})
			}
			wg.Wait()
			if off, ok := b.Skew(); !ok || (off-offset).Abs() > 5*time.Second {
				t.Errorf("Skew() = %v, %v; want ≈ %v", off, ok, offset)
			}
			res, err := u.Upload(ctx, uploader.BytesObject("skew/after-concurrent", []byte("y")))
			if err != nil || len(res.Attempts) != 1 {
				t.Errorf("after the concurrent Puts: %v, %d attempts", err, len(res.Attempts))
			}
		})
	}
}

func TestGatewayClockSkewWithCorrectionOff(t *testing.T) {
	e := newGatewayEnv(t)
	e.gw.SetClockOffset(31 * time.Minute)
	b := e.backend(func(o *Options) { o.DisableSkewCorrection = true })
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.ClockSkew || ue.Code != "RequestTimeTooSkewed" {
		t.Fatalf("err = %v, want RequestTimeTooSkewed / clock_skew", err)
	}
	if (ue.Skew - 31*time.Minute).Abs() > 5*time.Second {
		t.Errorf("Skew = %v", ue.Skew)
	}
	hints := strings.Join(ue.Hints, "\n")
	if !strings.Contains(hints, "31m0s behind the server's") || !strings.Contains(hints, "skew correction is off") {
		t.Errorf("hints:\n%s", hints)
	}
	if len(res.Attempts) != 1 || e.gw.Count(gateway.OpPut) != 1 {
		t.Errorf("%d attempts, %d PUTs; want 1 and 1", len(res.Attempts), e.gw.Count(gateway.OpPut))
	}
}

// TestGatewayWrongSecret: the gateway verifies TOS4-HMAC-SHA256, so a wrong
// secret is a real SignatureDoesNotMatch, reported with the diagnostics.
func TestGatewayWrongSecret(t *testing.T) {
	e := newGatewayEnv(t)
	b := e.backend(func(o *Options) { o.SecretAccessKey = "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw==" })
	for _, size := range []int{100, gwThreshold + 1} {
		_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", make([]byte, size)))
		ue := uploader.AsError(err)
		if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Status != 403 || ue.Code != "SignatureDoesNotMatch" {
			t.Fatalf("size %d: err = %v, want 403 SignatureDoesNotMatch", size, err)
		}
		if ue.RequestID == "" {
			t.Errorf("size %d: no request ID", size)
		}
		hints := strings.Join(ue.Hints, "\n")
		// The gateway's fake key "gwtestkey" is not of the AKLT form.
		for _, want := range []string{"does not start with AKLT", "must not be decoded", "region (cn-beijing)", "belongs to access key"} {
			if !strings.Contains(hints, want) {
				t.Errorf("size %d: hints lack %q:\n%s", size, want, hints)
			}
		}
		if strings.Contains(ue.Explain(), "d3Jvbmctc2VjcmV0") {
			t.Error("the secret leaked into the error")
		}
	}
	if n, _ := (&harness{e}).PendingMultipart(context.Background()); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}

func TestGatewayUnknownKey(t *testing.T) {
	e := newGatewayEnv(t)
	b := e.backend(func(o *Options) { o.AccessKeyID = "AKLTunknown" })
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.InvalidCredentials || ue.Code != "InvalidAccessKeyId" {
		t.Fatalf("err = %v, want InvalidAccessKeyId / invalid_credentials", err)
	}
	if len(ue.Hints) == 0 || !strings.Contains(ue.Hints[0], "AKLT****") {
		t.Errorf("hints = %q", ue.Hints)
	}
}

// TestGatewayErrorKinds classifies SDK errors captured through the gateway:
// crafted vendor replies to a PUT (JSON bodies) and to a HEAD (no body).
func TestGatewayErrorKinds(t *testing.T) {
	e := newGatewayEnv(t)
	b := e.backend(nil)
	tests := []struct {
		action gateway.Action
		head   bool
		want   uploader.Kind
		code   string
	}{
		{gateway.Respond(403, "SignatureDoesNotMatch"), false, uploader.SignatureMismatch, "SignatureDoesNotMatch"},
		{gateway.Respond(403, "RequestTimeTooSkewed"), false, uploader.ClockSkew, "RequestTimeTooSkewed"},
		{gateway.Respond(403, "InvalidAccessKeyId"), false, uploader.InvalidCredentials, "InvalidAccessKeyId"},
		{gateway.Respond(403, "AccessDenied"), false, uploader.AccessDenied, "AccessDenied"},
		{gateway.Respond(404, "NoSuchBucket"), false, uploader.BucketNotFound, "NoSuchBucket"},
		{gateway.SlowDown(), false, uploader.Throttled, "SlowDown"},
		{gateway.TooManyRequests(), false, uploader.Throttled, "TooManyRequests"},
		{gateway.InternalError(), false, uploader.Unavailable, "InternalError"},
		{gateway.Reset(), false, uploader.Unavailable, ""},
		{gateway.Respond(403, "SignatureDoesNotMatch"), true, uploader.AccessDenied, ""}, // HEAD: status only
		{gateway.Respond(503, "ServiceUnavailable"), true, uploader.Unavailable, ""},
		{gateway.Respond(404, "NoSuchKey"), true, uploader.Invalid, "NoSuchKey"}, // Stat: the contract's not-found
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/head=%v", tt.action, tt.head), func(t *testing.T) {
			e.gw.ClearFaults()
			e.gw.Inject(gateway.Fault{Action: tt.action})
			defer e.gw.ClearFaults()
			var err error
			if tt.head {
				_, err = b.Stat(ctx, "k")
			} else {
				_, err = b.Put(ctx, uploader.BytesObject("k", []byte("x")))
			}
			ue := uploader.AsError(err)
			if ue == nil || ue.Kind != tt.want || ue.Code != tt.code {
				t.Fatalf("err = %v (%#v); want Kind %v, code %q", err, ue, tt.want, tt.code)
			}
			if b.ErrorKind(err) != tt.want {
				t.Errorf("ErrorKind = %v", b.ErrorKind(err))
			}
			if ue.Status != 0 && ue.RequestID == "" {
				t.Errorf("no request ID from the X-Tos-Request-Id header")
			}
			var se *tossdk.TosServerError
			if ue.Status != 0 && !errors.As(err, &se) {
				t.Errorf("the SDK's error is not kept: %#v", ue.Err)
			}
		})
	}
	if _, err := b.Stat(ctx, "no/such/key"); !uploader.IsNotFound(err) {
		t.Errorf("Stat of a missing key: %v", err)
	}
}

// TestGatewayWrongSecretWhileSkewed: with the gateway 31 minutes ahead and
// a wrong secret, the first request is refused for skew and the corrected
// retry for its signature, so the upload fails with signature_mismatch (not
// clock_skew); the next upload, signed with the corrected time from the
// start, fails with signature_mismatch at once. Single PUT and multipart
// (the initiating request), each on a fresh backend.
func TestGatewayWrongSecretWhileSkewed(t *testing.T) {
	e := newGatewayEnv(t)
	e.gw.SetClockOffset(31 * time.Minute)
	for _, size := range []int{100, gwThreshold + 1} {
		u := uploader.New(e.backend(func(o *Options) { o.SecretAccessKey = "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw==" }))
		for i, want := range [][]uploader.Kind{
			{uploader.ClockSkew, uploader.SignatureMismatch},
			{uploader.SignatureMismatch},
		} {
			res, err := u.Upload(context.Background(), uploader.BytesObject("k", make([]byte, size)))
			ue := uploader.AsError(err)
			if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Code != "SignatureDoesNotMatch" || (ue.Skew-31*time.Minute).Abs() > 5*time.Second {
				t.Fatalf("size %d, upload %d: err = %v, want signature_mismatch with skew ≈ 31m", size, i, err)
			}
			checkAttempts(t, res.Attempts, want)
		}
	}
	if n, _ := (&harness{e}).PendingMultipart(context.Background()); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}

// checkAttempts asserts the kinds of attempts, and that only the first of
// two was signed without the corrected time.
func checkAttempts(t *testing.T, as []uploader.Attempt, want []uploader.Kind) {
	t.Helper()
	if len(as) != len(want) {
		t.Fatalf("%d attempts %+v, want %v", len(as), as, want)
	}
	for i, a := range as {
		corrected := len(want) == 1 || i > 0
		if a.Kind != want[i] || a.SkewCorrected != corrected {
			t.Errorf("attempt %d: kind %v corrected %v, want %v corrected %v", i, a.Kind, a.SkewCorrected, want[i], corrected)
		}
	}
}
