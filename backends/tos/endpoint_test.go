package tos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// endpointBackend makes the backend of the endpoint tests.
func endpointBackend(endpoint, region string, custom bool) (uploader.Backend, func(string) string, error) {
	b, err := New(Options{Common: provider.Common{Endpoint: endpoint, Region: region, Bucket: "bkt", AccessKeyID: testAK, SecretAccessKey: testSecret}, CustomDomain: custom})
	if err != nil {
		return nil, nil, err
	}
	return b, b.objectURL, nil
}

// TestEndpointForms: every TOS endpoint form, with the region it gives the
// backend, the URL of an object, or the refusal. The acceleration endpoint
// names no region: one that is set is taken, none is refused.
func TestEndpointForms(t *testing.T) {
	gatewayharness.CheckEndpointForms(t, endpointBackend, []gatewayharness.EndpointCase{
		{Endpoint: "tos-cn-beijing.volces.com", WantRegion: "cn-beijing", URL: "https://bkt.tos-cn-beijing.volces.com/k"},
		{Endpoint: "tos-cn-beijing.ivolces.com", WantRegion: "cn-beijing", URL: "https://bkt.tos-cn-beijing.ivolces.com/k"},
		{Endpoint: "tos-accelerate.volces.com", Region: "cn-shanghai", WantRegion: "cn-shanghai", URL: "https://bkt.tos-accelerate.volces.com/k"},
		{Endpoint: "tos-accelerate.volces.com", Refused: "acceleration endpoint, which names no region"},
		{Endpoint: "https://files.example.com", Region: "cn-beijing", CustomDomain: true, WantRegion: "cn-beijing", URL: "https://files.example.com/k"},
		{Endpoint: "https://files.example.com", CustomDomain: true, Refused: "no region is set"},
		{Endpoint: "tos-cn-beijing.volces.com", CustomDomain: true, Refused: "cname is set"},
		{Endpoint: "tos-s3-cn-beijing.volces.com", Refused: "S3-compatible"},
	})
}

// TestCustomDomainAddressing: with CustomDomain the SDK sends requests to
// the endpoint with the key at its root, no bucket in host or path.
func TestCustomDomainAddressing(t *testing.T) {
	gatewayharness.CheckCustomDomainAddressing(t, endpointBackend, "cn-beijing", false)
}
