package tos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestIncomplete lists and aborts uploads left incomplete, through the
// TOS gateway (TOS4-HMAC-SHA256, the list translated to TOS JSON) in front
// of MinIO.
func TestIncomplete(t *testing.T) {
	e := newGatewayEnv(t)
	gatewayharness.CheckIncomplete(t, e, gwBackend(t, e, nil))
}
