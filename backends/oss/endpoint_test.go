package oss_test

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// endpointBackend makes the backend of the endpoint tests.
func endpointBackend(endpoint, region string, cname bool) (uploader.Backend, func(string) string, error) {
	b, err := oss.New(oss.Options{Common: provider.Common{Endpoint: endpoint, Region: region, Bucket: "bkt", AccessKeyID: "LTAIendpointtest", SecretAccessKey: "oss-endpoint-fake-secret"}, CustomDomain: cname})
	if err != nil {
		return nil, nil, err
	}
	return b, b.ObjectURL, nil
}

// TestEndpointForms: every OSS endpoint form, with the region it gives the
// backend, the URL of an object, or the refusal. The acceleration
// endpoints name no region (not "accelerate", not "accelerate-overseas"):
// one that is set is taken, none is refused.
func TestEndpointForms(t *testing.T) {
	gatewayharness.CheckEndpointForms(t, endpointBackend, []gatewayharness.EndpointCase{
		{Endpoint: "oss-cn-hangzhou.aliyuncs.com", WantRegion: "cn-hangzhou", URL: "https://bkt.oss-cn-hangzhou.aliyuncs.com/k"},
		{Endpoint: "oss-cn-hangzhou-internal.aliyuncs.com", WantRegion: "cn-hangzhou", URL: "https://bkt.oss-cn-hangzhou-internal.aliyuncs.com/k"},
		{Endpoint: "oss-accelerate.aliyuncs.com", Region: "cn-hangzhou", WantRegion: "cn-hangzhou", URL: "https://bkt.oss-accelerate.aliyuncs.com/k"},
		{Endpoint: "oss-accelerate-overseas.aliyuncs.com", Region: "ap-southeast-1", WantRegion: "ap-southeast-1", URL: "https://bkt.oss-accelerate-overseas.aliyuncs.com/k"},
		{Endpoint: "oss-accelerate-overseas.aliyuncs.com", Refused: "acceleration endpoint, which names no region"},
		{Endpoint: "https://static.example.com", Region: "cn-hangzhou", CustomDomain: true, WantRegion: "cn-hangzhou", URL: "https://static.example.com/k"},
		{Endpoint: "https://static.example.com", CustomDomain: true, Refused: "needs a region"},
		{Endpoint: "oss-cn-hangzhou.aliyuncs.com", CustomDomain: true, Refused: "cname is set"},
	})
}

// TestCNAMEAddressing: with CNAME the SDK sends requests to the endpoint
// with the key at its root, no bucket in host or path (at localhost: the
// SDK addresses an IP literal path-style).
func TestCNAMEAddressing(t *testing.T) {
	gatewayharness.CheckCustomDomainAddressing(t, endpointBackend, "cn-hangzhou", true)
}
