package cos

import (
	"net/http"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/objattr"
	"github.com/resilient-upload/upload/uploader"
)

// vendor is COS's names for the portable object attributes.
var vendor = objattr.Vendor{
	Provider: Provider,
	Classes: map[uploader.StorageClass]string{
		uploader.StorageStandard: "STANDARD", uploader.StorageInfrequent: "STANDARD_IA",
		uploader.StorageArchive: "ARCHIVE", uploader.StorageCold: "DEEP_ARCHIVE",
	},
	ACLs: map[uploader.ACL]string{
		uploader.ACLPrivate: "private", uploader.ACLPublicRead: "public-read",
		uploader.ACLBucketOwnerRead: "bucket-owner-read", uploader.ACLBucketOwnerFullControl: "bucket-owner-full-control",
	},
	AES256: "AES256", KMS: "cos/kms",
	Prefix: "x-cos-", KMSKeyHeader: "X-Cos-Server-Side-Encryption-Cos-Kms-Key-Id",
}

// setAttributes sets obj's attributes on the headers of a PUT or of a
// multipart initiate and returns the ACL headers. The storage class and
// ACL were checked by vendor.Check.
func setAttributes(h *cossdk.ObjectPutHeaderOptions, obj uploader.Object) *cossdk.ACLHeaderOptions {
	h.CacheControl, h.ContentDisposition, h.ContentEncoding = obj.CacheControl, obj.ContentDisposition, obj.ContentEncoding
	h.XCosStorageClass, _ = vendor.Class(obj.Key, obj.StorageClass)
	sse, id := vendor.SSE(obj.SSE)
	h.XCosServerSideEncryption = sse
	extra := http.Header{}
	if id != "" {
		extra.Set(vendor.KMSKeyHeader, id)
	}
	if t := objattr.Tagging(obj.Tags); t != "" {
		extra.Set("X-Cos-Tagging", t)
	}
	if len(extra) > 0 {
		if h.XOptionHeader != nil {
			for k, v := range *h.XOptionHeader {
				extra[k] = v
			}
		}
		h.XOptionHeader = &extra
	}
	acl, _ := vendor.ACL(obj.Key, obj.ACL)
	if acl == "" {
		return nil
	}
	return &cossdk.ACLHeaderOptions{XCosACL: acl}
}

var _ uploader.AttributeChecker = (*Backend)(nil)

// CheckAttributes returns an *uploader.Error of Kind Invalid for a storage
// class or canned ACL the provider does not define; it sends nothing.
func (b *Backend) CheckAttributes(a uploader.Attributes) error {
	return vendor.Check(uploader.Object{Attributes: a})
}
