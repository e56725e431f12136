package obs

import (
	"net/http"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/objattr"
	"github.com/resilient-upload/upload/uploader"
)

// vendor is OBS's names for the portable object attributes. The SDK
// translates WARM and COLD to STANDARD_IA and GLACIER for the AWS
// signatures; tags go as x-obs-tagging (x-amz-tagging when AWS-signed).
var vendor = objattr.Vendor{
	Provider: Provider,
	Classes: map[uploader.StorageClass]string{
		uploader.StorageStandard: string(hwobs.StorageClassStandard), uploader.StorageInfrequent: string(hwobs.StorageClassWarm),
		uploader.StorageArchive: string(hwobs.StorageClassCold), uploader.StorageCold: string(hwobs.StorageClassDeepArchive),
	},
	ACLs: map[uploader.ACL]string{
		uploader.ACLPrivate: string(hwobs.AclPrivate), uploader.ACLPublicRead: string(hwobs.AclPublicRead),
		uploader.ACLPublicReadWrite: string(hwobs.AclPublicReadWrite), uploader.ACLBucketOwnerFullControl: string(hwobs.AclBucketOwnerFullControl),
	},
	AES256: "AES256", KMS: "kms",
	Prefix: "x-obs-", KMSKeyHeader: "X-Obs-Server-Side-Encryption-Kms-Key-Id",
}

// setAttributes sets obj's attributes on the input of a PUT or of a
// multipart initiate. The storage class and ACL were checked by
// vendor.Check.
func setAttributes(in *hwobs.ObjectOperationInput, hh *hwobs.HttpHeader, obj uploader.Object) {
	hh.CacheControl, hh.ContentDisposition, hh.ContentEncoding = obj.CacheControl, obj.ContentDisposition, obj.ContentEncoding
	c, _ := vendor.Class(obj.Key, obj.StorageClass)
	in.StorageClass = hwobs.StorageClassType(c)
	a, _ := vendor.ACL(obj.Key, obj.ACL)
	in.ACL = hwobs.AclType(a)
	switch obj.SSE.Mode {
	case uploader.SSEAES256:
		// The SDK sends the value as given: x-obs- (or x-amz-)
		// server-side-encryption: AES256.
		in.SseHeader = hwobs.SseKmsHeader{Encryption: "AES256"}
	case uploader.SSEKMS:
		// An empty Encryption is the SDK's KMS value for the signature.
		in.SseHeader = hwobs.SseKmsHeader{Key: obj.SSE.KMSKeyID}
	}
}

// tagHeader returns the header that carries obj's tags, x-obs-tagging
// (x-amz-tagging when AWS-signed), or, for an object without tags, the
// header (name, value) again: the SDK's extensions cannot be left out
// conditionally, as their type is unexported.
func (b *Backend) tagHeader(obj uploader.Object, name, value string) (string, string) {
	t := objattr.Tagging(obj.Tags)
	switch {
	case t == "":
		return name, value
	case b.sig == SignatureOBS:
		return "x-obs-tagging", t
	}
	return "x-amz-tagging", t
}

// readAttributes fills info's attributes from a HEAD reply, whose headers
// the SDK keeps lower-cased and without their x-obs- or x-amz- prefix.
func readAttributes(info *uploader.ObjectInfo, out *hwobs.GetObjectMetadataOutput) {
	h := http.Header{}
	for k, v := range out.ResponseHeaders {
		h[http.CanonicalHeaderKey(k)] = v
		h[http.CanonicalHeaderKey("x-obs-"+k)] = v
	}
	if v, ok := out.ResponseHeaders["server-side-encryption-aws-kms-key-id"]; ok {
		h[http.CanonicalHeaderKey(vendor.KMSKeyHeader)] = v
	}
	vendor.Read(info, h)
	if out.StorageClass != "" { // WARM and COLD, also when the server said STANDARD_IA or GLACIER
		info.StorageClass = vendor.Portable(string(out.StorageClass))
	}
}

var _ uploader.AttributeChecker = (*Backend)(nil)

// CheckAttributes returns an *uploader.Error of Kind Invalid for a storage
// class or canned ACL the provider does not define; it sends nothing.
func (b *Backend) CheckAttributes(a uploader.Attributes) error {
	return vendor.Check(uploader.Object{Attributes: a})
}
