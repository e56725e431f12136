package oss_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

func newBackend(t testing.TB, o oss.Options) *oss.Backend {
	t.Helper()
	b, err := oss.New(o)
	if err != nil {
		t.Fatalf("oss.New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func sigVersions(t *testing.T, fn func(t *testing.T, sig int)) {
	for _, sig := range []int{4, 1} {
		t.Run(fmt.Sprintf("V%d", sig), func(t *testing.T) { fn(t, sig) })
	}
}

func near(d, want time.Duration) bool { return d > want-time.Minute && d < want+time.Minute }

// TestSkewCorrection: with the gateway's clock 31 minutes off, the first
// upload is refused once and succeeds signed with the corrected time; the
// next one succeeds at once.
func TestSkewCorrection(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		for _, offset := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
			for _, size := range []int64{1000, partSize + 1} {
				t.Run(fmt.Sprintf("%v/%dB", offset, size), func(t *testing.T) {
					e := newEnv(t, gateway.Options{})
					e.gw.SetClockOffset(offset)
					b := newBackend(t, e.options(sig))
					u := uploader.New(b)
					ctx := context.Background()

					res, err := u.Upload(ctx, uploader.BytesObject("skew/first", make([]byte, size)))
					if err != nil {
						t.Fatalf("Upload: %v", err)
					}
					if len(res.Attempts) != 2 {
						t.Fatalf("%d attempts, want 2: %+v", len(res.Attempts), res.Attempts)
					}
					a0, a1 := res.Attempts[0], res.Attempts[1]
					if a0.Kind != uploader.ClockSkew || a0.Code != "RequestTimeTooSkewed" || a0.SkewCorrected || !near(a0.Skew, offset) {
						t.Errorf("first attempt: kind %v code %q corrected %v skew %v; want clock_skew, about %v", a0.Kind, a0.Code, a0.SkewCorrected, a0.Skew, offset)
					}
					if a1.Err != nil || !a1.SkewCorrected {
						t.Errorf("second attempt: err %v corrected %v; want a corrected success", a1.Err, a1.SkewCorrected)
					}
					if d, ok := b.Skew(); !ok || !near(d, offset) {
						t.Errorf("Skew() = %v, %v", d, ok)
					}

					res, err = u.Upload(ctx, uploader.BytesObject("skew/second", make([]byte, size)))
					if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
						t.Errorf("next upload: err %v, attempts %+v; want one corrected attempt", err, res.Attempts)
					}
				})
			}
		}
	})
}

// TestSkewConcurrent: concurrent first uploads on a skewed gateway all
// succeed, sharing the estimate (run with -race).
func TestSkewConcurrent(t *testing.T) {
	e := newEnv(t, gateway.Options{})
	e.gw.SetClockOffset(31 * time.Minute)
	b := newBackend(t, e.options(4))
	u := uploader.New(b)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			res, err := u.Upload(context.Background(), uploader.BytesObject(fmt.Sprintf("skew/c%02d", i), []byte("data")))
			if err == nil && len(res.Attempts) > 2 {
				err = fmt.Errorf("%d attempts", len(res.Attempts))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Upload: %v", err)
		}
	}
}

// TestSkewCorrectionDisabled: without correction the refusal is reported,
// with the measured skew and hints.
func TestSkewCorrectionDisabled(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, gateway.Options{})
		e.gw.SetClockOffset(31 * time.Minute)
		o := e.options(sig)
		o.DisableSkewCorrection = true
		b := newBackend(t, o)
		for i := range 2 {
			res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("skew/off", []byte("x")))
			ue := uploader.AsError(err)
			if ue == nil || ue.Kind != uploader.ClockSkew {
				t.Fatalf("upload %d: err %v, want clock_skew", i, err)
			}
			if !near(ue.Skew, 31*time.Minute) || ue.ServerTime.IsZero() || len(res.Attempts) != 1 {
				t.Errorf("upload %d: skew %v server time %v attempts %d", i, ue.Skew, ue.ServerTime, len(res.Attempts))
			}
			if h := strings.Join(ue.Hints, "\n"); !strings.Contains(h, "skew correction is off") || !strings.Contains(h, "31m") {
				t.Errorf("hints %q", ue.Hints)
			}
		}
	})
}

// TestWrongSecret: a wrong secret gives SignatureMismatch with the server's
// StringToSign (as the backend signed it) and hints.
func TestWrongSecret(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, gateway.Options{})
		o := e.options(sig)
		o.SecretAccessKey = "not-the-gateway-secret"
		b := newBackend(t, o)
		for _, size := range []int64{10, partSize + 1} {
			_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("sig/k", make([]byte, size)))
			ue := uploader.AsError(err)
			if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Status != 403 || ue.Code != "SignatureDoesNotMatch" {
				t.Fatalf("size %d: err %v, want signature_mismatch", size, err)
			}
			if ue.RequestID == "" || ue.Target != o.Name || ue.Provider != "oss" {
				t.Errorf("request id %q target %q provider %q", ue.RequestID, ue.Target, ue.Provider)
			}
			wantPrefix := "PUT\n"
			if size > partSize {
				wantPrefix = "POST\n" // the initiate call
			}
			if sig == 4 {
				wantPrefix = "OSS4-HMAC-SHA256\n"
			}
			if !strings.HasPrefix(ue.StringToSign, wantPrefix) || !strings.Contains(ue.StringToSign, e.bucket) && sig == 1 {
				t.Errorf("StringToSign = %q, want it to start with %q", ue.StringToSign, wantPrefix)
			}
			if sig == 4 && !strings.Contains(ue.StringToSign, "/"+gwRegion+"/oss/aliyun_v4_request") {
				t.Errorf("V4 StringToSign %q lacks the scope", ue.StringToSign)
			}
			h := strings.Join(ue.Hints, "\n")
			for _, want := range []string{"StringToSign", "LTAI****", "secret belongs to access key"} {
				if !strings.Contains(h, want) {
					t.Errorf("hints lack %q:\n%s", want, h)
				}
			}
			if strings.Contains(ue.Explain(), o.SecretAccessKey) || strings.Contains(ue.Explain(), gwAccessKey) {
				t.Errorf("the explanation shows a credential:\n%s", ue.Explain())
			}
			if keys := e.keys(t); len(keys) != 0 {
				t.Errorf("keys stored after a refused upload: %q", keys)
			}
		}
	})
}

// TestUnknownKey: an access key the server does not know gives
// InvalidCredentials with hints.
func TestUnknownKey(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, gateway.Options{})
		o := e.options(sig)
		o.AccessKeyID = "LTAIunknownkey"
		b := newBackend(t, o)
		_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
		ue := uploader.AsError(err)
		if ue == nil || ue.Kind != uploader.InvalidCredentials || ue.Code != "InvalidAccessKeyId" {
			t.Fatalf("err %v, want invalid_credentials", err)
		}
		if !strings.Contains(strings.Join(ue.Hints, "\n"), "unknown to OSS") {
			t.Errorf("hints %q", ue.Hints)
		}
	})
}

// TestInjectedRefusals: the vendor codes the gateway can inject map to
// their kinds on put, multipart and HEAD (bodiless: x-oss-err).
func TestInjectedRefusals(t *testing.T) {
	e := newEnv(t, gateway.Options{})
	b := newBackend(t, e.options(4))
	for _, tt := range []struct {
		fault string
		want  uploader.Kind
	}{
		{"SignatureDoesNotMatch", uploader.SignatureMismatch},
		{"InvalidAccessKeyId", uploader.InvalidCredentials},
		{"RequestTimeTooSkewed", uploader.ClockSkew},
		{"AccessDenied", uploader.AccessDenied},
		{"NoSuchBucket", uploader.BucketNotFound},
		{"500", uploader.Unavailable},
		{"503-slowdown", uploader.Throttled},
		{"429", uploader.Throttled},
		{"reset", uploader.Unavailable},
	} {
		t.Run(tt.fault, func(t *testing.T) {
			a, err := gateway.NamedAction(tt.fault)
			if err != nil {
				t.Fatal(err)
			}
			id := e.gw.Inject(gateway.Fault{Action: a})
			defer e.gw.RemoveFault(id)
			for _, size := range []int64{10, partSize + 1} {
				_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("inject/k", make([]byte, size)))
				if k := uploader.KindOf(err); k != tt.want {
					t.Errorf("put %d bytes: kind %v, want %v (%v)", size, k, tt.want, err)
				}
			}
			_, err = b.Stat(context.Background(), "inject/k")
			if k := uploader.KindOf(err); k != tt.want {
				t.Errorf("stat: kind %v, want %v (%v)", k, tt.want, err)
			}
		})
	}
	if keys := e.keys(t); len(keys) != 0 {
		t.Errorf("keys stored: %q", keys)
	}
}

func (e *env) keys(t testing.TB) []string {
	t.Helper()
	h := &harness{env: e}
	keys, err := h.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestMetadataRoundTrip: content type and user metadata reach the server
// and come back through Stat.
func TestMetadataRoundTrip(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, gateway.Options{})
		b := newBackend(t, e.options(sig))
		for _, size := range []int64{3, partSize + 1} {
			obj := uploader.BytesObject("meta/obj", make([]byte, size))
			obj.ContentType = "image/x-test"
			obj.Metadata = map[string]string{"Origin": "camera-7", "batch": "42"}
			res, err := uploader.New(b).Upload(context.Background(), obj)
			if err != nil {
				t.Fatal(err)
			}
			info, err := b.Stat(context.Background(), "meta/obj")
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != size || info.ContentType != "image/x-test" || info.Metadata["origin"] != "camera-7" || info.Metadata["batch"] != "42" {
				t.Errorf("size %d: Stat = %+v", size, info)
			}
			if info.ETag != res.ETag {
				t.Errorf("Stat ETag %q, Put ETag %q", info.ETag, res.ETag)
			}
		}
	})
}

// TestWrongSecretWhileSkewed: with the gateway 31 minutes ahead and a wrong
// secret, the first request is refused for skew and the corrected retry for
// its signature, so the upload fails with signature_mismatch (not
// clock_skew); the next upload, signed with the corrected time from the
// start, fails with signature_mismatch at once. Single PUT and multipart
// (the initiating request), each on a fresh backend.
func TestWrongSecretWhileSkewed(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, gateway.Options{})
		e.gw.SetClockOffset(31 * time.Minute)
		for _, size := range []int64{10, partSize + 1} {
			o := e.options(sig)
			o.SecretAccessKey = "not-the-gateway-secret"
			u := uploader.New(newBackend(t, o))
			for i, want := range [][]uploader.Kind{
				{uploader.ClockSkew, uploader.SignatureMismatch},
				{uploader.SignatureMismatch},
			} {
				res, err := u.Upload(context.Background(), uploader.BytesObject("sig/k", make([]byte, size)))
				ue := uploader.AsError(err)
				if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Code != "SignatureDoesNotMatch" || ue.StringToSign == "" || !near(ue.Skew, 31*time.Minute) {
					t.Fatalf("size %d, upload %d: err %v, want signature_mismatch with the StringToSign and skew ≈ 31m", size, i, err)
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
		if keys := e.keys(t); len(keys) != 0 {
			t.Errorf("keys stored after refused uploads: %q", keys)
		}
	})
}
