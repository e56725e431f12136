package tos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
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
		Common: provider.Common{Name: "tos-gw", Endpoint: endpoint, Region: gwRegion, Bucket: bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: backendtest.ResponseTimeout, MultipartThreshold: gwThreshold, PartSize: gatewayharness.PartSize},
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

// TestGateway runs the gateway conformance cases (skew corrected once,
// wrong secret, unknown key, injected refusals) through the TOS gateway,
// which verifies TOS4-HMAC-SHA256.
func TestGateway(t *testing.T) {
	gatewayharness.RunGateway(t, gatewayharness.Suite{
		Harness: gwHarness,
		Uncorrected: gatewayharness.Using(New, gatewayharness.With(gwOptions,
			func(o *Options) { o.DisableSkewCorrection = true })),
		SkewCode:    "RequestTimeTooSkewed",
		WrongSecret: "d3Jvbmctc2VjcmV0LWZvci10ZXN0cw==",
		UnknownKey:  "AKLTunknown",
		CheckWrongSecret: func(t *testing.T, ue *uploader.Error) {
			hints := strings.Join(ue.Hints, "\n")
			// The gateway's fake key "gwtestkey" is not of the AKLT form.
			for _, want := range []string{"does not start with AKLT", "must not be decoded", "region (cn-beijing)", "belongs to access key"} {
				if !strings.Contains(hints, want) {
					t.Errorf("hints lack %q:\n%s", want, hints)
				}
			}
		},
		CheckUnknownKey: func(t *testing.T, ue *uploader.Error) {
			if ue.Code != "InvalidAccessKeyId" || !strings.Contains(ue.Hints[0], "AKLT****") {
				t.Errorf("code %q, hints %q; want InvalidAccessKeyId and the key masked", ue.Code, ue.Hints)
			}
		},
	})
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
