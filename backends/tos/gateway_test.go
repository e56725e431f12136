package tos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// gwThreshold is the multipart threshold of the backends the harness makes:
// above the suite's 5 MiB+1 round trip, so that case is a single PUT, and
// small, so that the multipart cases stay fast (two 5 MiB parts).
const gwThreshold = gatewayharness.Threshold

// gwRegion is the region the backends sign with; the gateway takes the
// region from the credential scope.
const gwRegion = "cn-beijing"

// gwOptions returns the options of a backend of the gateway tests.
func gwOptions(endpoint, bucket, ak, sk string) Options {
	return Options{
		Name: "tos-gw", Endpoint: endpoint, Region: gwRegion, Bucket: bucket,
		AccessKeyID: ak, SecretAccessKey: sk,
		ResponseTimeout: backendtest.ResponseTimeout, MultipartThreshold: gwThreshold, PartSize: gatewayharness.PartSize,
	}
}

// gwHarness is a MinIO bucket behind a TOS-dialect gateway.
var gwHarness = gatewayharness.Options{
	Gateway:      gateway.Options{Dialect: gateway.TOS},
	BucketPrefix: "tos",
	NewBackend:   gatewayharness.Using(New, gwOptions),
	NewStallBackend: gatewayharness.Using(New, gatewayharness.With(gwOptions,
		func(o *Options) { o.ResponseTimeout = backendtest.StallTimeout })),
}

// newGatewayEnv starts a TOS gateway in front of the shared MinIO, with a
// bucket of its own; both go away in t.Cleanup. Without MinIO it skips t
// (fails it with UPLOAD_REQUIRE_MINIO=1).
func newGatewayEnv(t testing.TB) *gatewayharness.Env { return gatewayharness.New(t, gwHarness) }

// gwBackend returns a backend over e's bucket, with mod's changes.
func gwBackend(t testing.TB, e *gatewayharness.Env, mod func(*Options)) *Backend {
	return gatewayharness.Open(t, New, gwOptions(e.Access()), mod)
}

// TestConformance runs the conformance suite through the TOS gateway
// (TOS4-HMAC-SHA256 verified, TOS JSON errors and multipart bodies, CRC64
// headers) in front of a real MinIO.
func TestConformance(t *testing.T) {
	backendtest.Run(t, gatewayharness.Maker(gwHarness))
}

// TestGatewayClockSkewCorrectedOnce: with the gateway's clock 31 minutes
// off, a Put succeeds after one correction (single PUT and multipart, each
// on a fresh backend), the next Put succeeds at once, and concurrent Puts on
// a fresh backend share the estimate.
func TestGatewayClockSkewCorrectedOnce(t *testing.T) {
	for _, offset := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
		t.Run(offset.String(), func(t *testing.T) {
			e := newGatewayEnv(t)
			gatewayharness.CheckSkewCorrected(t, e, offset, "RequestTimeTooSkewed")
			gatewayharness.CheckSkewShared(t, e, offset, 8)
		})
	}
}

// TestGatewayClockSkewWithCorrectionOff: without correction the refusal is
// reported, with the measured skew and hints.
func TestGatewayClockSkewWithCorrectionOff(t *testing.T) {
	e := newGatewayEnv(t)
	b := gwBackend(t, e, func(o *Options) { o.DisableSkewCorrection = true })
	gatewayharness.CheckSkewUncorrected(t, e, b, "RequestTimeTooSkewed")
}

// TestGatewayWrongSecret: the gateway verifies TOS4-HMAC-SHA256, so a wrong
// secret is a real SignatureDoesNotMatch, reported with the diagnostics.
func TestGatewayWrongSecret(t *testing.T) {
	e := newGatewayEnv(t)
	b := gwBackend(t, e, func(o *Options) { o.SecretAccessKey = "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw==" })
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
	if n, _ := e.PendingMultipart(context.Background()); n != 0 {
		t.Errorf("%d multipart uploads left", n)
	}
}

func TestGatewayUnknownKey(t *testing.T) {
	e := newGatewayEnv(t)
	b := gwBackend(t, e, func(o *Options) { o.AccessKeyID = "AKLTunknown" })
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
	b := gwBackend(t, e, nil)
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
			e.Gateway.ClearFaults()
			e.Gateway.Inject(gateway.Fault{Action: tt.action})
			defer e.Gateway.ClearFaults()
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
// a wrong secret, the corrected retry is refused for its signature and the
// upload fails with signature_mismatch, not clock_skew (the first attempt
// was clock_skew); the next upload fails with signature_mismatch at once.
func TestGatewayWrongSecretWhileSkewed(t *testing.T) {
	gatewayharness.CheckWrongSecretWhileSkewed(t, newGatewayEnv(t), "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw==")
}
