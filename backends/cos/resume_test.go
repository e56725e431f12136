package cos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestResume: a multipart upload cut after two parts is resumed through
// the gateway in front of MinIO, sending only the missing parts; one whose
// data changed is aborted and sent anew.
func TestResume(t *testing.T) {
	e := newGatewayEnv(t)
	gatewayharness.CheckResume(t, e, gwBackend(t, e, func(o *Options) { o.PartConcurrency = 1 }))
}
