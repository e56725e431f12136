package s3

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestResume: a multipart upload cut after two parts is resumed through
// the gateway (AWS V4) in front of MinIO, sending only the missing parts;
// one whose data changed is aborted and sent anew.
func TestResume(t *testing.T) {
	_, env := viaGateway(t, nil)
	gatewayharness.CheckResume(t, env, env.Backend(t))
}
