package oss_test

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestIncomplete lists and aborts uploads left incomplete, through the
// OSS gateway (V4 and V1 signatures) in front of MinIO.
func TestIncomplete(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, sig)
		gatewayharness.CheckIncomplete(t, e, newBackend(t, gwOptions(sig)(e.Access())))
	})
}
