package oss_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// newBackend returns a backend with options o after mods, closed when t
// ends.
func newBackend(t testing.TB, o oss.Options, mods ...func(*oss.Options)) *oss.Backend {
	t.Helper()
	return gatewayharness.Open(t, oss.New, o, mods...)
}

func sigVersions(t *testing.T, fn func(t *testing.T, sig int)) {
	for _, sig := range []int{4, 1} {
		t.Run(fmt.Sprintf("V%d", sig), func(t *testing.T) { fn(t, sig) })
	}
}

// TestSkewCorrection: with the gateway's clock 31 minutes off, the first
// upload (single PUT, then multipart on a fresh backend) is refused once
// and succeeds signed with the corrected time; the next one succeeds at
// once.
func TestSkewCorrection(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		for _, offset := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
			t.Run(offset.String(), func(t *testing.T) {
				gatewayharness.CheckSkewCorrected(t, newEnv(t, sig), offset, "RequestTimeTooSkewed")
			})
		}
	})
}

// TestSkewConcurrent: concurrent first uploads on a skewed gateway all
// succeed, sharing the estimate (run with -race).
func TestSkewConcurrent(t *testing.T) {
	gatewayharness.CheckSkewShared(t, newEnv(t, 4), 31*time.Minute, 12)
}

// TestSkewCorrectionDisabled: without correction the refusal is reported,
// with the measured skew and hints.
func TestSkewCorrectionDisabled(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, sig)
		b := newBackend(t, gwOptions(sig)(e.Access()), func(o *oss.Options) { o.DisableSkewCorrection = true })
		gatewayharness.CheckSkewUncorrected(t, e, b, "RequestTimeTooSkewed")
	})
}

// TestWrongSecret: a wrong secret gives SignatureMismatch with the server's
// StringToSign (as the backend signed it) and hints.
func TestWrongSecret(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, sig)
		o := gwOptions(sig)(e.Access())
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
			if !strings.HasPrefix(ue.StringToSign, wantPrefix) || !strings.Contains(ue.StringToSign, e.Bucket) && sig == 1 {
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
			if keys := e.MustKeys(t); len(keys) != 0 {
				t.Errorf("keys stored after a refused upload: %q", keys)
			}
		}
	})
}

// TestUnknownKey: an access key the server does not know gives
// InvalidCredentials with hints.
func TestUnknownKey(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, sig)
		o := gwOptions(sig)(e.Access())
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
	e := newEnv(t, 4)
	b := newBackend(t, gwOptions(4)(e.Access()))
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
			id := e.Gateway.Inject(gateway.Fault{Action: a})
			defer e.Gateway.RemoveFault(id)
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
	if keys := e.MustKeys(t); len(keys) != 0 {
		t.Errorf("keys stored: %q", keys)
	}
}

// TestMetadataRoundTrip: content type and user metadata reach the server
// and come back through Stat.
func TestMetadataRoundTrip(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, sig)
		b := newBackend(t, gwOptions(sig)(e.Access()))
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
// secret, the corrected retry is refused for its signature and the upload
// fails with signature_mismatch (with the server's StringToSign), not
// clock_skew (the first attempt was clock_skew); the next upload fails with
// signature_mismatch at once.
func TestWrongSecretWhileSkewed(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		for i, ue := range gatewayharness.CheckWrongSecretWhileSkewed(t, newEnv(t, sig), "not-the-gateway-secret") {
			if ue.StringToSign == "" {
				t.Errorf("upload %d: no StringToSign", i)
			}
		}
	})
}
