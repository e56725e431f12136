package obs

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// endpointBackend makes the backend of the endpoint tests.
func endpointBackend(endpoint, region string, custom bool) (uploader.Backend, func(string) string, error) {
	b, err := New(Options{Common: provider.Common{Endpoint: endpoint, Region: region, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}, CustomDomain: custom})
	if err != nil {
		return nil, nil, err
	}
	return b, b.objectURL, nil
}

// TestEndpointForms: every OBS endpoint form, with the region it gives the
// backend, the URL of an object, or the refusal.
func TestEndpointForms(t *testing.T) {
	gatewayharness.CheckEndpointForms(t, endpointBackend, []gatewayharness.EndpointCase{
		{Endpoint: "obs.cn-north-4.myhuaweicloud.com", WantRegion: "cn-north-4", URL: "https://bkt.obs.cn-north-4.myhuaweicloud.com/k"},
		{Endpoint: "https://obs.eu-west-101.myhuaweicloud.eu", WantRegion: "eu-west-101", URL: "https://bkt.obs.eu-west-101.myhuaweicloud.eu/k"},
		{Endpoint: "https://cdn.example.com", Region: "cn-north-4", CustomDomain: true, WantRegion: "cn-north-4", URL: "https://cdn.example.com/k"},
		{Endpoint: "obs.cn-north-4.myhuaweicloud.com", CustomDomain: true, Refused: "cname is set"},
		{Endpoint: "bkt.obs.cn-north-4.myhuaweicloud.com", Refused: "bucket domain"},
	})
	if _, err := New(Options{Common: provider.Common{Endpoint: "https://cdn.example.com", Bucket: "bkt"}, CustomDomain: true, PathStyle: true}); err == nil {
		t.Error("CustomDomain with PathStyle accepted")
	}
}

// TestCustomDomainAddressing: with CustomDomain the SDK sends requests to
// the endpoint with the key at its root, no bucket in host or path.
func TestCustomDomainAddressing(t *testing.T) {
	gatewayharness.CheckCustomDomainAddressing(t, endpointBackend, "", false)
}
