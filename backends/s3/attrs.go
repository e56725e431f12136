package s3

import (
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/resilient-upload/upload/internal/objattr"
	"github.com/resilient-upload/upload/uploader"
)

// vendor is S3's names for the portable object attributes.
var vendor = objattr.Vendor{
	Provider: Provider,
	Classes: map[uploader.StorageClass]string{
		uploader.StorageStandard: "STANDARD", uploader.StorageInfrequent: "STANDARD_IA",
		uploader.StorageArchive: "GLACIER", uploader.StorageCold: "DEEP_ARCHIVE",
	},
	ACLs:   objattr.AllACLs(),
	AES256: "AES256", KMS: "aws:kms",
	Prefix: "x-amz-", KMSKeyHeader: "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
}

// setAttributes adds obj's attributes to the options of a PUT or of a
// multipart initiate. The storage class and ACL were checked by
// vendor.Check.
func setAttributes(o *minio.PutObjectOptions, obj uploader.Object) {
	o.CacheControl, o.ContentDisposition, o.ContentEncoding = obj.CacheControl, obj.ContentDisposition, obj.ContentEncoding
	o.StorageClass, _ = vendor.Class(obj.Key, obj.StorageClass)
	if acl, _ := vendor.ACL(obj.Key, obj.ACL); acl != "" {
		// minio-go sends x-amz-acl, found among the user metadata, as a header.
		meta := make(map[string]string, len(o.UserMetadata)+1)
		for k, v := range o.UserMetadata {
			meta[k] = v
		}
		meta["x-amz-acl"] = acl
		o.UserMetadata = meta
	}
	switch obj.SSE.Mode {
	case uploader.SSEAES256:
		o.ServerSideEncryption = encrypt.NewSSE()
	case uploader.SSEKMS:
		o.ServerSideEncryption, _ = encrypt.NewSSEKMS(obj.SSE.KMSKeyID, nil)
	}
	if len(obj.Tags) > 0 {
		o.UserTags = obj.Tags
	}
}

// readAttributes fills info's attributes from a stat.
func readAttributes(info *uploader.ObjectInfo, oi minio.ObjectInfo) {
	vendor.Read(info, oi.Metadata)
	if oi.StorageClass != "" {
		info.StorageClass = vendor.Portable(oi.StorageClass)
	}
	info.TagCount = oi.UserTagCount
}

var _ uploader.AttributeChecker = (*Backend)(nil)

// CheckAttributes returns an *uploader.Error of Kind Invalid for a storage
// class or canned ACL the provider does not define; it sends nothing.
func (b *Backend) CheckAttributes(a uploader.Attributes) error {
	return vendor.Check(uploader.Object{Attributes: a})
}
