package s3

import (
	"os"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/miniotest"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// direct returns a new bucket of the shared MinIO, reached straight by
// backends named "minio" (no stalls are injected here: the long response
// timeout of testOptions).
func direct(t *testing.T) *gatewayharness.Env {
	return gatewayharness.New(t, gatewayharness.Options{BucketPrefix: "s3", NewBackend: gatewayharness.Using(New,
		func(endpoint, bucket, ak, sk string) Options {
			o := testOptions(endpoint, bucket, ak, sk)
			o.Name = "minio"
			return o
		})})
}

func TestPutSingleAndMultipartAgainstMinIO(t *testing.T) {
	gatewayharness.CheckPutSizes(t, direct(t), "minio", Provider)
}

func TestWrongMD5IsIntegrityAndStoresNothing(t *testing.T) {
	gatewayharness.CheckWrongMD5(t, direct(t))
}

func TestCredentialFailuresAgainstMinIO(t *testing.T) {
	gatewayharness.CheckCredentialFailures(t, direct(t))
}

// TestStatGetDeleteAgainstMinIO: Stat returns the metadata keys as
// minio-go gives them (canonical header case).
func TestStatGetDeleteAgainstMinIO(t *testing.T) {
	gatewayharness.CheckStatGetDelete(t, direct(t), "Owner")
}

// TestCancelMidMultipartLeavesNothing cancels a multipart upload once some
// bytes went out: the error is Canceled, no key and no pending upload stay.
func TestCancelMidMultipartLeavesNothing(t *testing.T) {
	gatewayharness.CheckCancelMidMultipart(t, direct(t))
}

func TestConcurrentPutsAgainstMinIO(t *testing.T) {
	gatewayharness.CheckConcurrentPuts(t, direct(t))
}
