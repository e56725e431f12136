package obs

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/provider"
)

// testOptions returns the options function of the harness's backends that
// sign with sig: multipart above 6 MiB in 5 MiB parts, so the suite's
// multipart cases stay small.
func testOptions(sig Signature) func(endpoint, bucket, ak, sk string) Options {
	return func(endpoint, bucket, ak, sk string) Options {
		return Options{Common: provider.Common{Name: "obs-test", Endpoint: endpoint, Bucket: bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: backendtest.ResponseTimeout, MultipartThreshold: gatewayharness.Threshold, PartSize: gatewayharness.PartSize}, Signature: sig}
	}
}

// testHarness configures a bucket of the shared MinIO, reached directly or,
// with through, by the vendor gateway in the OBS dialect, for backends that
// sign with sig.
func testHarness(through bool, sig Signature) gatewayharness.Options {
	o := gatewayharness.Options{BucketPrefix: "obs-conf", NewBackend: gatewayharness.Using(New, testOptions(sig)),
		NewStallBackend: gatewayharness.Using(New, gatewayharness.With(testOptions(sig),
			func(o *Options) { o.ResponseTimeout = backendtest.StallTimeout }))}
	if through {
		o.Gateway.Dialect = gateway.OBS
	}
	return o
}

// TestConformance runs the suite straight at MinIO (AWS V2 and V4
// signatures, verified by MinIO) and through the gateway's OBS dialect
// (signatures verified by the gateway, faults injected there).
func TestConformance(t *testing.T) {
	t.Run("minio-v2", func(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(testHarness(false, SignatureV2))) })
	t.Run("minio-v4", func(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(testHarness(false, SignatureV4))) })
	t.Run("gateway-v2", func(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(testHarness(true, SignatureV2))) })
	t.Run("gateway-v4", func(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(testHarness(true, SignatureV4))) })
}
