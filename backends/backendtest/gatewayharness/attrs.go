package gatewayharness

import (
	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/uploader"
)

var _ backendtest.AttributesHarness = (*Env)(nil)

// Attributes returns the attributes the conformance suite's Attributes case
// sends: all of [backendtest.Attributes] through a gateway (which keeps
// each vendor's attribute headers), [backendtest.MinIOAttributes] straight
// at MinIO (which refuses other storage classes and, without a KMS,
// encryption).
func (e *Env) Attributes() uploader.Attributes {
	if e.Gateway == nil {
		return backendtest.MinIOAttributes()
	}
	return backendtest.Attributes()
}
