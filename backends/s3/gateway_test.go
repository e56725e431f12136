package s3

import (
	"strings"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/uploader"
)

// viaGateway returns a backend (with mod's changes) through a new gateway
// (OBS dialect: AWS V4 verified by the gateway against its own, skewable
// clock) in front of a new bucket of the shared MinIO.
func viaGateway(t *testing.T, mod func(*Options)) (*Backend, *gatewayharness.Env) {
	t.Helper()
	env := gatewayharness.New(t, testHarness(true))
	return gatewayharness.Open(t, New, testOptions(env.Access()), mod), env
}

// TestGateway runs the gateway conformance cases through a gateway that
// verifies AWS V4 against its own, skewable clock (a MinIO reached
// directly cannot be skewed). minio-go has no signing-time hook, so the
// s3 backend cannot correct skew: the cases that need a correction are
// skipped, and Skew/uncorrected checks that it reports the skew, with the
// server's time and a hint that it cannot correct it.
func TestGateway(t *testing.T) {
	gatewayharness.RunGateway(t, gatewayharness.Suite{
		Harness:         testHarness(true),
		SkewCode:        "RequestTimeTooSkewed",
		UncorrectedHint: "cannot correct skew",
		WrongSecret:     "a-wrong-fake-secret",
		UnknownKey:      "nosuchkey",
		CheckWrongSecret: func(t *testing.T, e *uploader.Error) {
			// The StringToSign the gateway sends, as AWS does.
			if !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n") || len(e.Hints) < 3 {
				t.Errorf("StringToSign %q, hints %q", e.StringToSign, e.Hints)
			}
		},
	})
}
