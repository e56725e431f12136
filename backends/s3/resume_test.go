package s3

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestResume: a multipart upload cut after two parts is resumed through
// the gateway (AWS V4) in front of MinIO, sending only the missing parts;
// one whose data changed is aborted and sent anew.
func TestResume(t *testing.T) {
	b, env := viaGateway(t, func(o *Options) { o.PartConcurrency = 1 })
	gatewayharness.CheckResume(t, env, b)
}
