package oss

import (
	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/objattr"
	"github.com/resilient-upload/upload/uploader"
)

// vendor is OSS's names for the portable object attributes.
var vendor = objattr.Vendor{
	Provider: Provider,
	Classes: map[uploader.StorageClass]string{
		uploader.StorageStandard: string(oss.StorageStandard), uploader.StorageInfrequent: string(oss.StorageIA),
		uploader.StorageArchive: string(oss.StorageArchive), uploader.StorageCold: string(oss.StorageColdArchive),
	},
	ACLs: map[uploader.ACL]string{
		uploader.ACLPrivate: string(oss.ACLPrivate), uploader.ACLPublicRead: string(oss.ACLPublicRead),
		uploader.ACLPublicReadWrite: string(oss.ACLPublicReadWrite),
	},
	AES256: "AES256", KMS: "KMS",
	Prefix: "x-oss-", KMSKeyHeader: "X-Oss-Server-Side-Encryption-Key-Id",
}

// attributeOptions are the options of obj's attributes, for a PUT and for
// a multipart initiate. The storage class and ACL were checked by
// vendor.Check.
func attributeOptions(obj uploader.Object) []oss.Option {
	var opts []oss.Option
	for _, h := range []struct {
		v   string
		opt func(string) oss.Option
	}{{obj.CacheControl, oss.CacheControl}, {obj.ContentDisposition, oss.ContentDisposition}, {obj.ContentEncoding, oss.ContentEncoding}} {
		if h.v != "" {
			opts = append(opts, h.opt(h.v))
		}
	}
	if c, _ := vendor.Class(obj.Key, obj.StorageClass); c != "" {
		opts = append(opts, oss.ObjectStorageClass(oss.StorageClassType(c)))
	}
	if a, _ := vendor.ACL(obj.Key, obj.ACL); a != "" {
		opts = append(opts, oss.ObjectACL(oss.ACLType(a)))
	}
	if sse, id := vendor.SSE(obj.SSE); sse != "" {
		opts = append(opts, oss.ServerSideEncryption(sse))
		if id != "" {
			opts = append(opts, oss.ServerSideEncryptionKeyID(id))
		}
	}
	if t := objattr.Tagging(obj.Tags); t != "" {
		opts = append(opts, oss.SetHeader("X-Oss-Tagging", t))
	}
	return opts
}

var _ uploader.AttributeChecker = (*Backend)(nil)

// CheckAttributes returns an *uploader.Error of Kind Invalid for a storage
// class or canned ACL the provider does not define; it sends nothing.
func (b *Backend) CheckAttributes(a uploader.Attributes) error {
	return vendor.Check(uploader.Object{Attributes: a})
}
