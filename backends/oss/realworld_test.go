package oss_test

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
)

// TestLeastPrivilegeThroughGateway: a key that may write but not read
// (HEAD and GET refused with 403 AccessDenied) uploads a single PUT and a
// multipart object, verified by the replies' CRC-64; a refused HEAD would
// be recorded as "not verified by reading", never as a failure.
func TestLeastPrivilegeThroughGateway(t *testing.T) {
	e := newEnv(t, 4)
	gatewayharness.CheckLeastPrivilege(t, e, e.Backend(t))
}

// TestKMSEncryptedBucketThroughGateway: a bucket encrypted by default with
// a KMS key (x-oss-server-side-encryption: KMS, ETags that are not MD5s)
// takes single and multipart uploads.
func TestKMSEncryptedBucketThroughGateway(t *testing.T) {
	e := newEnv(t, 4)
	gatewayharness.CheckKMSEncryption(t, e, e.Backend(t))
}
