package oss_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// Fake credentials the test gateways accept: an OSS-shaped ID (LTAI
// prefix, too short to look real) and an obviously fake secret.
const (
	gwAccessKey = "LTAIgatewaytest"
	gwSecret    = "oss-gateway-fake-secret"
	gwRegion    = "cn-hangzhou"
)

// partSize is the part size and multipart threshold of the conformance
// backends: the smallest part size, so that multipart cases stay small.
const partSize = 5 << 20

// gwOptions returns the options function of the gateway tests' backends
// that sign with sigVersion.
func gwOptions(sigVersion int) func(endpoint, bucket, ak, sk string) oss.Options {
	return func(endpoint, bucket, ak, sk string) oss.Options {
		return oss.Options{
			Common:           provider.Common{Name: fmt.Sprintf("oss-gw-v%d", sigVersion), Endpoint: endpoint, Region: gwRegion, Bucket: bucket, AccessKeyID: ak, SecretAccessKey: sk, ResponseTimeout: backendtest.ResponseTimeout, PartSize: partSize, MultipartThreshold: partSize},
			SignatureVersion: sigVersion,
		}
	}
}

// gwHarness configures a MinIO bucket behind an OSS-dialect gateway, for
// backends that sign with sigVersion.
func gwHarness(sigVersion int) gatewayharness.Options {
	return gatewayharness.Options{
		Gateway:            gateway.Options{Dialect: gateway.OSS, AccessKey: gwAccessKey, SecretKey: gwSecret},
		BucketPrefix:       "oss",
		MultipartThreshold: partSize,
		NewBackend:         gatewayharness.Using(oss.New, gwOptions(sigVersion)),
		NewStallBackend: gatewayharness.Using(oss.New, gatewayharness.With(gwOptions(sigVersion),
			func(o *oss.Options) { o.ResponseTimeout = backendtest.StallTimeout })),
	}
}

// newEnv starts a gateway in front of the shared MinIO with a new bucket;
// both go away when t ends. Without MinIO it skips t (fails it with
// UPLOAD_REQUIRE_MINIO=1).
func newEnv(t testing.TB, sigVersion int) *gatewayharness.Env {
	return gatewayharness.New(t, gwHarness(sigVersion))
}

// TestConformance runs the suite through the OSS gateway, signing with V4
// (the default) and with V1.
func TestConformance(t *testing.T) {
	for _, sig := range []int{4, 1} {
		t.Run(fmt.Sprintf("V%d", sig), func(t *testing.T) {
			backendtest.Run(t, gatewayharness.Maker(gwHarness(sig)))
		})
	}
}
