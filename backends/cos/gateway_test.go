package cos

import (
	"context"
	"os"
	"strings"
	"testing"

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
// small, so the multipart cases stay fast (two 5 MiB parts).
const gwThreshold = gatewayharness.Threshold

// gwOptions returns the options of a backend of the gateway tests.
func gwOptions(endpoint, bucket, ak, sk string) Options {
	return Options{
		Common: provider.Common{Name: "cos-gw", Endpoint: endpoint, Bucket: bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: backendtest.ResponseTimeout, MultipartThreshold: gwThreshold, PartSize: gatewayharness.PartSize},
	}
}

// gwHarness is a MinIO bucket behind a COS-dialect gateway. Its bucket
// names have the COS form name-APPID.
var gwHarness = gatewayharness.Options{
	Gateway:      gateway.Options{Dialect: gateway.COS},
	BucketPrefix: "cos",
	BucketSuffix: "-1250000000",
	NewBackend:   gatewayharness.Using(New, gwOptions),
	NewStallBackend: gatewayharness.Using(New, gatewayharness.With(gwOptions,
		func(o *Options) { o.ResponseTimeout = backendtest.StallTimeout })),
}

// newGatewayEnv starts a COS gateway in front of the shared MinIO, with a
// bucket of its own; both go away in t.Cleanup. It skips without MinIO
// (fails with UPLOAD_REQUIRE_MINIO=1).
func newGatewayEnv(t testing.TB) *gatewayharness.Env { return gatewayharness.New(t, gwHarness) }

// gwBackend returns a backend over e's bucket, with mod's changes.
func gwBackend(t testing.TB, e *gatewayharness.Env, mod func(*Options)) *Backend {
	return gatewayharness.Open(t, New, gwOptions(e.Access()), mod)
}

// TestConformance runs the conformance suite through the COS gateway in
// front of a real MinIO.
func TestConformance(t *testing.T) {
	backendtest.Run(t, gatewayharness.Maker(gwHarness))
}

// TestGateway runs the gateway conformance cases (skew corrected once,
// wrong secret, unknown key, injected refusals) through the COS gateway,
// which verifies the q-sign-time and the signature. COS refuses a skewed
// request with 403 RequestTimeTooSkewed or AccessDenied "Request has
// expired", depending on the signature's window.
func TestGateway(t *testing.T) {
	gatewayharness.RunGateway(t, gatewayharness.Suite{
		Harness: gwHarness,
		Uncorrected: gatewayharness.Using(New, gatewayharness.With(gwOptions,
			func(o *Options) { o.DisableSkewCorrection = true })),
		WrongSecret: "a-wrong-but-long-fake-secret",
		UnknownKey:  "AKIDunknown",
		CheckWrongSecret: func(t *testing.T, ue *uploader.Error) {
			h := strings.Join(ue.Hints, "\n")
			if !strings.Contains(h, "does not start with AKID") || !strings.Contains(h, "SecretKey is the one paired with this SecretId") {
				t.Errorf("hints = %q", h)
			}
		},
		CheckUnknownKey: func(t *testing.T, ue *uploader.Error) {
			if !strings.Contains(ue.Hints[0], "AKID****") {
				t.Errorf("hints %q, want the first to name the masked key", ue.Hints)
			}
		},
	})
}

func TestGatewayMetadataAndContentType(t *testing.T) {
	e := newGatewayEnv(t)
	b := gwBackend(t, e, nil)
	obj := uploader.BytesObject("meta/k.txt", []byte("hello"))
	obj.ContentType = "text/plain"
	obj.Metadata = map[string]string{"Origin": "camera-7"}
	res, err := b.Put(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	if res.URL != e.Gateway.URL()+"/"+e.Bucket+"/meta/k.txt" || res.MD5 != "5d41402abc4b2a76b9719d911017c592" {
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
