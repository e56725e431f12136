package cos

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// gwThreshold is the multipart threshold of the backends the harness makes:
// above the suite's 5 MiB+1 round trip, so that case is a single PUT, and
// small, so the multipart cases stay fast (two 5 MiB parts).
const gwThreshold = 6 << 20

// cosBucketName returns a unique MinIO bucket name of the COS form
// name-APPID.
func cosBucketName(prefix string) string {
	return miniotest.UniqueBucketName(prefix) + "-1250000000"
}

// gwEnv is a MinIO bucket behind a COS-dialect gateway.
type gwEnv struct {
	t      testing.TB
	srv    *miniotest.Server
	gw     *gateway.Gateway
	bucket string
}

// newGatewayEnv starts a COS gateway in front of the shared MinIO, with a
// bucket of its own; both go away in t.Cleanup. It skips without MinIO
// (fails with UPLOAD_REQUIRE_MINIO=1).
func newGatewayEnv(t testing.TB) *gwEnv {
	t.Helper()
	srv := miniotest.Shared(t)
	e := &gwEnv{t: t, srv: srv, bucket: cosBucketName("cos")}
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
		Dialect:  gateway.COS,
		Upstream: gateway.Upstream{URL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	e.gw = gw
	return e
}

// options returns the backend options for the gateway, with its
// credentials.
func (e *gwEnv) options() Options {
	ak, sk := e.gw.Credentials()
	return Options{
		Name: "cos-gw", Endpoint: e.gw.URL(), Bucket: e.bucket, AccessKeyID: ak, SecretAccessKey: sk,
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

// harness is the backendtest.Harness over a gateway environment.
type harness struct {
	e *gwEnv
}

func (h *harness) MakeBackend(ctx context.Context) (uploader.Backend, error) {
	return New(h.e.options())
}

func (h *harness) MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error) {
	o := h.e.options()
	o.Bucket = cosBucketName("missing")
	return New(o)
}

func (h *harness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	obj, err := h.e.srv.Client().GetObject(ctx, h.e.bucket, key, minio.GetObjectOptions{})
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

// TestConformance runs the conformance suite through the COS gateway in
// front of a real MinIO.
func TestConformance(t *testing.T) {
	backendtest.Run(t, func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		return &harness{e: newGatewayEnv(t)}, nil
	})
}

func TestGatewayClockSkewCorrectedOnce(t *testing.T) {
	for _, offset := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
		t.Run(offset.String(), func(t *testing.T) {
			e := newGatewayEnv(t)
			e.gw.SetClockOffset(offset)
			b := e.backend(nil)
			u := uploader.New(b)
			ctx := context.Background()
			for _, size := range []int{1000, gwThreshold + 1} { // single PUT, then multipart
				key := fmt.Sprintf("skew/%d", size)
				if size > 1000 {
					// A fresh backend, so that the multipart upload meets
					// the skew too.
					b = e.backend(nil)
					u = uploader.New(b)
				}
				data := backendtest.Data(int64(size), uint64(size))
				res, err := u.Upload(ctx, uploader.BytesObject(key, data))
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				if len(res.Attempts) != 2 {
					t.Fatalf("%s: %d attempts %+v, want 2", key, len(res.Attempts), res.Attempts)
				}
				a0, a1 := res.Attempts[0], res.Attempts[1]
				if a0.Kind != uploader.ClockSkew || a0.SkewCorrected || (a0.Skew-offset).Abs() > 5*time.Second {
					t.Errorf("%s: first attempt %+v, want ClockSkew with skew ≈ %v", key, a0, offset)
				}
				if a1.Err != nil || !a1.SkewCorrected || (a1.Skew-offset).Abs() > 5*time.Second {
					t.Errorf("%s: second attempt %+v, want a corrected success", key, a1)
				}
				res, err = u.Upload(ctx, uploader.BytesObject(key+"-again", data))
				if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
					t.Errorf("%s again: %v, attempts %+v; want one corrected attempt", key, err, res.Attempts)
				}
			}
		})
	}
}

func TestGatewayConcurrentPutsShareTheEstimate(t *testing.T) {
	e := newGatewayEnv(t)
	e.gw.SetClockOffset(31 * time.Minute)
	b := e.backend(nil)
	u := uploader.New(b)
	const n = 8
	var wg sync.WaitGroup
	attempts := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := u.Upload(context.Background(), uploader.BytesObject(fmt.Sprintf("c/%d", i), backendtest.Data(4096, uint64(i))))
			attempts[i], errs[i] = len(res.Attempts), err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || attempts[i] < 1 || attempts[i] > 2 {
			t.Errorf("put %d: %v after %d attempts", i, errs[i], attempts[i])
		}
	}
	// Every refusal was a skew refusal, at most one per put.
	if r := e.gw.CountOutcome(gateway.OpPut, gateway.OutcomeRejected); r > n {
		t.Errorf("%d refusals for %d puts", r, n)
	}
	res, err := u.Upload(context.Background(), uploader.BytesObject("after", []byte("x")))
	if err != nil || len(res.Attempts) != 1 {
		t.Errorf("put after: %v, %d attempts", err, len(res.Attempts))
	}
}

func TestGatewaySkewWithoutCorrection(t *testing.T) {
	e := newGatewayEnv(t)
	e.gw.SetClockOffset(31 * time.Minute)
	b := e.backend(func(o *Options) { o.DisableSkewCorrection = true })
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("abc")))
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.ClockSkew {
		t.Fatalf("err = %v, want clock_skew", err)
	}
	if len(res.Attempts) != 1 || (ue.Skew-31*time.Minute).Abs() > 5*time.Second || ue.Status != 403 {
		t.Errorf("attempts %+v, error %+v", res.Attempts, ue)
	}
	if h := strings.Join(ue.Hints, "\n"); !strings.Contains(h, "skew correction is off") {
		t.Errorf("hints = %q", h)
	}
}

func TestGatewayWrongSecretIsSignatureMismatch(t *testing.T) {
	e := newGatewayEnv(t)
	b := e.backend(func(o *Options) { o.SecretAccessKey = "a-wrong-but-long-fake-secret" })
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("abc")))
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Code != "SignatureDoesNotMatch" || ue.RequestID == "" {
		t.Fatalf("err = %#v, want signature_mismatch", err)
	}
	h := strings.Join(ue.Hints, "\n")
	if !strings.Contains(h, "does not start with AKID") || !strings.Contains(h, "SecretKey is the one paired with this SecretId") {
		t.Errorf("hints = %q", h)
	}
	if strings.Contains(ue.Explain(), "a-wrong-but-long-fake-secret") {
		t.Error("the error shows the secret")
	}
}

func TestGatewayUnknownKeyIsInvalidCredentials(t *testing.T) {
	e := newGatewayEnv(t)
	b := e.backend(func(o *Options) { o.AccessKeyID = "AKIDunknown" })
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("abc")))
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.InvalidCredentials || len(ue.Hints) == 0 || !strings.Contains(ue.Hints[0], "AKID****") {
		t.Fatalf("err = %v (hints %q), want invalid_credentials with a hint naming the key", err, ue.Hints)
	}
}

func TestGatewayMetadataAndContentType(t *testing.T) {
	e := newGatewayEnv(t)
	b := e.backend(nil)
	obj := uploader.BytesObject("meta/k.txt", []byte("hello"))
	obj.ContentType = "text/plain"
	obj.Metadata = map[string]string{"Origin": "camera-7"}
	res, err := b.Put(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	if res.URL != e.gw.URL()+"/"+e.bucket+"/meta/k.txt" || res.MD5 != "5d41402abc4b2a76b9719d911017c592" {
		t.Errorf("result = %+v", res)
	}
	info, err := b.Stat(context.Background(), "meta/k.txt")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "text/plain" || info.Metadata["origin"] != "camera-7" || info.Size != 5 {
		t.Errorf("Stat = %+v", info)
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
		u := uploader.New(e.backend(func(o *Options) { o.SecretAccessKey = "a-wrong-but-long-fake-secret" }))
		for i, want := range [][]uploader.Kind{
			{uploader.ClockSkew, uploader.SignatureMismatch},
			{uploader.SignatureMismatch},
		} {
			res, err := u.Upload(context.Background(), uploader.BytesObject("k", make([]byte, size)))
			ue := uploader.AsError(err)
			if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Code != "SignatureDoesNotMatch" || (ue.Skew-31*time.Minute).Abs() > 5*time.Second {
				t.Fatalf("size %d, upload %d: err = %v, want signature_mismatch with skew ≈ 31m", size, i, err)
			}
			if len(res.Attempts) != len(want) {
				t.Fatalf("size %d, upload %d: %d attempts %+v, want %v", size, i, len(res.Attempts), res.Attempts, want)
			}
			for j, a := range res.Attempts {
				if corrected := len(want) == 1 || j > 0; a.Kind != want[j] || a.SkewCorrected != corrected {
					t.Errorf("size %d, upload %d, attempt %d: kind %v corrected %v, want %v corrected %v", size, i, j, a.Kind, a.SkewCorrected, want[j], corrected)
				}
			}
		}
	}
	if n, _ := (&harness{e}).PendingMultipart(context.Background()); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}
