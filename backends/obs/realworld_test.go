package obs

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

// TestKMSEncryptedBucketThroughGateway: a bucket with default encryption by
// a KMS key (x-amz-server-side-encryption: aws:kms, ETags that are not
// MD5s) takes single and multipart uploads: no ETag-equals-MD5 check when
// the reply says the object is encrypted.
func TestKMSEncryptedBucketThroughGateway(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			b, e := viaGateway(t, func(o *Options) { o.Signature = sig })
			gatewayharness.CheckKMSEncryption(t, e, b)
		})
	}
}

// TestCompositeETag: a multipart upload is verified by the complete
// reply's composite ETag: a wrong one is Integrity (the object removed),
// the right one stands when the HEAD is refused.
func TestCompositeETag(t *testing.T) { gatewayharness.CheckCompositeETag(t, fakeBackend) }
