package s3

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestLeastPrivilegeThroughGateway: a key that may write but not read
// (HEAD and GET refused with 403 AccessDenied) uploads a single PUT and a
// multipart object; the multipart one is verified by its composite ETag,
// and the refused HEAD is recorded as "not verified by reading", never as
// a failure.
func TestLeastPrivilegeThroughGateway(t *testing.T) {
	b, e := viaGateway(t, nil)
	gatewayharness.CheckLeastPrivilege(t, e, b)
}

// TestKMSEncryptedBucketThroughGateway: a bucket encrypted by default with
// SSE-KMS (x-amz-server-side-encryption: aws:kms, ETags that are not MD5s)
// takes single and multipart uploads without SkipETagCheck.
func TestKMSEncryptedBucketThroughGateway(t *testing.T) {
	b, e := viaGateway(t, nil)
	gatewayharness.CheckKMSEncryption(t, e, b)
}

// TestCompositeETag: a multipart upload is verified by the complete
// reply's composite ETag: a wrong one is Integrity (the object removed),
// the right one stands when the HEAD is refused.
func TestCompositeETag(t *testing.T) { gatewayharness.CheckCompositeETag(t, fakeBackend) }
