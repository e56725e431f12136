package obs

import (
	"strings"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/uploader"
)

// TestGateway runs the gateway conformance cases (skew corrected once,
// wrong secret, unknown key, injected refusals) through the OBS gateway,
// which verifies the signatures, once per signature.
func TestGateway(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			gatewayharness.RunGateway(t, gatewayharness.Suite{
				Harness: testHarness(true, sig),
				Uncorrected: gatewayharness.Using(New, gatewayharness.With(testOptions(sig),
					func(o *Options) { o.DisableSkewCorrection = true })),
				SkewCode:    "RequestTimeTooSkewed",
				WrongSecret: "a-wrong-fake-secret",
				UnknownKey:  "nosuchkey",
				CheckWrongSecret: func(t *testing.T, e *uploader.Error) {
					// The server's StringToSign, as the backend signed it.
					prefixes := []string{"PUT\n", "POST\n"} // single PUT, multipart initiate
					if sig == SignatureV4 {
						prefixes = []string{"AWS4-HMAC-SHA256\n"}
					}
					if !strings.HasPrefix(e.StringToSign, prefixes[0]) && !strings.HasPrefix(e.StringToSign, prefixes[len(prefixes)-1]) {
						t.Errorf("StringToSign %q, want it to start with one of %q", e.StringToSign, prefixes)
					}
					if len(e.Hints) < 3 || !strings.Contains(e.Explain(), "server's StringToSign") {
						t.Errorf("explain:\n%s", e.Explain())
					}
				},
			})
		})
	}
}

// viaGateway returns a backend (with mod's changes) through a new
// OBS-dialect gateway in front of a new bucket of the shared MinIO.
func viaGateway(t *testing.T, mod func(*Options)) (*Backend, *gatewayharness.Env) {
	t.Helper()
	env := gatewayharness.New(t, testHarness(true, ""))
	return gatewayharness.Open(t, New, testOptions("")(env.Access()), mod), env
}
