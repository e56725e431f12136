package cos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestLeastPrivilegeThroughGateway: a key that may write but not read
// (HEAD and GET refused with 403 AccessDenied) uploads a single PUT and a
// multipart object; the multipart one is verified by the CRC-64 of the
// complete reply, and the refused HEAD is recorded as "not verified by
// reading", never as a failure.
func TestLeastPrivilegeThroughGateway(t *testing.T) {
	e := newGatewayEnv(t)
	gatewayharness.CheckLeastPrivilege(t, e, gwBackend(t, e, nil))
}

// TestKMSEncryptedBucketThroughGateway: a bucket encrypted by default with
// a KMS key (x-cos-server-side-encryption: cos/kms, ETags that are not MD5s)
// takes single and multipart uploads.
func TestKMSEncryptedBucketThroughGateway(t *testing.T) {
	e := newGatewayEnv(t)
	gatewayharness.CheckKMSEncryption(t, e, gwBackend(t, e, nil))
}
