package oss_test

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/backends/oss"
)

// TestResume: a multipart upload cut after two parts is resumed through
// the OSS gateway (V4 and V1 signatures), sending only the missing parts;
// one whose data changed is aborted and sent anew.
func TestResume(t *testing.T) {
	sigVersions(t, func(t *testing.T, sig int) {
		e := newEnv(t, sig)
		gatewayharness.CheckResume(t, e, newBackend(t, gwOptions(sig)(e.Access()), func(o *oss.Options) { o.PartConcurrency = 1 }))
	})
}
