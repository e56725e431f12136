package tos

import (
	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"
	"github.com/volcengine/ve-tos-golang-sdk/v2/tos/enum"

	"github.com/resilient-upload/upload/internal/objattr"
	"github.com/resilient-upload/upload/uploader"
)

// vendor is TOS's names for the portable object attributes.
var vendor = objattr.Vendor{
	Provider: Provider,
	Classes: map[uploader.StorageClass]string{
		uploader.StorageStandard: string(enum.StorageClassStandard), uploader.StorageInfrequent: string(enum.StorageClassIa),
		uploader.StorageArchive: string(enum.StorageClassArchive), uploader.StorageCold: string(enum.StorageClassColdArchive),
	},
	ACLs:   objattr.AllACLs(),
	AES256: "AES256", KMS: "kms",
	Prefix: "x-tos-", KMSKeyHeader: "X-Tos-Server-Side-Encryption-Kms-Key-Id",
}

// setPutAttributes sets obj's attributes on the input of a PUT. The
// storage class and ACL were checked by vendor.Check.
func setPutAttributes(in *tossdk.PutObjectBasicInput, obj uploader.Object) {
	in.CacheControl, in.ContentDisposition, in.ContentEncoding = obj.CacheControl, obj.ContentDisposition, obj.ContentEncoding
	c, _ := vendor.Class(obj.Key, obj.StorageClass)
	a, _ := vendor.ACL(obj.Key, obj.ACL)
	in.StorageClass, in.ACL = enum.StorageClassType(c), enum.ACLType(a)
	in.ServerSideEncryption, in.ServerSideEncryptionKeyID = vendor.SSE(obj.SSE)
	in.Tagging = objattr.Tagging(obj.Tags)
}

// withInitAttributes sets obj's attributes on the input of a multipart
// initiate, and returns it.
func withInitAttributes(in *tossdk.CreateMultipartUploadV2Input, obj uploader.Object) *tossdk.CreateMultipartUploadV2Input {
	in.CacheControl, in.ContentDisposition, in.ContentEncoding = obj.CacheControl, obj.ContentDisposition, obj.ContentEncoding
	c, _ := vendor.Class(obj.Key, obj.StorageClass)
	a, _ := vendor.ACL(obj.Key, obj.ACL)
	in.StorageClass, in.ACL = enum.StorageClassType(c), enum.ACLType(a)
	in.ServerSideEncryption, in.ServerSideEncryptionKeyID = vendor.SSE(obj.SSE)
	in.Tagging = objattr.Tagging(obj.Tags)
	return in
}

var _ uploader.AttributeChecker = (*Backend)(nil)

// CheckAttributes returns an *uploader.Error of Kind Invalid for a storage
// class or canned ACL the provider does not define; it sends nothing.
func (b *Backend) CheckAttributes(a uploader.Attributes) error {
	return vendor.Check(uploader.Object{Attributes: a})
}
