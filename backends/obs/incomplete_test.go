package obs

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestIncomplete lists and aborts uploads left incomplete, through the
// OBS gateway in front of MinIO, with each signature.
func TestIncomplete(t *testing.T) {
	for _, sig := range []Signature{"", SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			e := gatewayharness.New(t, testHarness(true, sig))
			gatewayharness.CheckIncomplete(t, e, gatewayharness.Open(t, New, testOptions(sig)(e.Access()), nil))
		})
	}
}
