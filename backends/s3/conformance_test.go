package s3

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/provider"
)

// testOptions returns the options of the harness's backends: multipart
// above 6 MiB in 5 MiB parts, so the suite's multipart cases stay small.
func testOptions(endpoint, bucket, ak, sk string) Options {
	return Options{Common: provider.Common{Name: "s3-test", Endpoint: endpoint, Bucket: bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: backendtest.ResponseTimeout, MultipartThreshold: gatewayharness.Threshold, PartSize: gatewayharness.PartSize}}
}

// testHarness configures a bucket of the shared MinIO, reached directly or,
// with through, by the vendor gateway in its OBS dialect, which verifies
// AWS V4 signatures (OBS's S3-compatible mode) and re-signs what it
// forwards.
func testHarness(through bool) gatewayharness.Options {
	o := gatewayharness.Options{BucketPrefix: "s3-conf", NewBackend: gatewayharness.Using(New, testOptions),
		NewStallBackend: gatewayharness.Using(New, gatewayharness.With(testOptions,
			func(o *Options) { o.ResponseTimeout = backendtest.StallTimeout }))}
	if through {
		o.Gateway.Dialect = gateway.OBS
	}
	return o
}

// TestConformance runs the suite straight at MinIO (signatures verified by
// MinIO) and through the gateway's OBS dialect (AWS V4 verified by the
// gateway, faults injected there).
func TestConformance(t *testing.T) {
	t.Run("minio", func(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(testHarness(false))) })
	t.Run("gateway", func(t *testing.T) { backendtest.Run(t, gatewayharness.Maker(testHarness(true))) })
}
