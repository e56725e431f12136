package obs

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestResume: a multipart upload cut after two parts is resumed through
// the OBS gateway, with each signature, sending only the missing parts;
// one whose data changed is aborted and sent anew.
func TestResume(t *testing.T) {
	for _, sig := range []Signature{"", SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			e := gatewayharness.New(t, testHarness(true, sig))
			gatewayharness.CheckResume(t, e, gatewayharness.Open(t, New, testOptions(sig)(e.Access()), func(o *Options) { o.PartConcurrency = 1 }))
		})
	}
}
