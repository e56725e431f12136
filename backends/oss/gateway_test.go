package oss_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

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

// TestGateway runs the gateway conformance cases (skew corrected once,
// wrong secret, unknown key, injected refusals) through the OSS gateway,
// once per signature version.
func TestGateway(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		gatewayharness.RunGateway(t, gatewayharness.Suite{
			Harness: gwHarness(sig),
			Uncorrected: gatewayharness.Using(oss.New, gatewayharness.With(gwOptions(sig),
				func(o *oss.Options) { o.DisableSkewCorrection = true })),
			SkewCode:    "RequestTimeTooSkewed",
			WrongSecret: "not-the-gateway-secret",
			UnknownKey:  "LTAIunknownkey",
			CheckWrongSecret: func(t *testing.T, ue *uploader.Error) {
				// The server's StringToSign, as the backend signed it.
				prefixes := []string{"PUT\n", "POST\n"} // single PUT, multipart initiate
				if sig == 4 {
					prefixes = []string{"OSS4-HMAC-SHA256\n"}
					if !strings.Contains(ue.StringToSign, "/"+gwRegion+"/oss/aliyun_v4_request") {
						t.Errorf("V4 StringToSign %q lacks the scope", ue.StringToSign)
					}
				}
				if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(ue.StringToSign, p) }) {
					t.Errorf("StringToSign = %q, want it to start with one of %q", ue.StringToSign, prefixes)
				}
				h := strings.Join(ue.Hints, "\n")
				for _, want := range []string{"StringToSign", "LTAI****", "secret belongs to access key"} {
					if !strings.Contains(h, want) {
						t.Errorf("hints lack %q:\n%s", want, h)
					}
				}
				if strings.Contains(ue.Explain(), gwAccessKey) {
					t.Errorf("the explanation shows the access key:\n%s", ue.Explain())
				}
			},
			CheckUnknownKey: func(t *testing.T, ue *uploader.Error) {
				if ue.Code != "InvalidAccessKeyId" || !strings.Contains(strings.Join(ue.Hints, "\n"), "unknown to OSS") {
					t.Errorf("code %q, hints %q", ue.Code, ue.Hints)
				}
			},
		})
	})
}

// TestStatRefusals: the vendor codes the gateway injects map to their
// kinds on a HEAD too, whose reply has no body (OSS sends the code in
// x-oss-err). Uploads meet the same codes in TestGateway/Refusals.
func TestStatRefusals(t *testing.T) {
	e := newEnv(t, 4)
	b := newBackend(t, gwOptions(4)(e.Access()))
	for _, tt := range gatewayharness.Refusals {
		t.Run(tt.Fault, func(t *testing.T) {
			a, err := gateway.NamedAction(tt.Fault)
			if err != nil {
				t.Fatal(err)
			}
			id := e.Gateway.Inject(gateway.Fault{Action: a})
			defer e.Gateway.RemoveFault(id)
			_, err = b.Stat(context.Background(), "inject/k")
			if k := uploader.KindOf(err); k != tt.Want {
				t.Errorf("stat: kind %v, want %v (%v)", k, tt.Want, err)
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
