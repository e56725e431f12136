package oss

import (
	"context"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/uploader"
)

var _ uploader.BucketChecker = (*Backend)(nil)

// CheckBucket lists at most one key of the bucket: a missing bucket gives
// an *uploader.Error with Code "NoSuchBucket" (a LIST reply, unlike a
// HEAD's, carries the error code).
func (b *Backend) CheckBucket(ctx context.Context) error {
	if err := b.closer.Err(b.name, Provider, "check_bucket", ""); err != nil {
		return err
	}
	_, _, err := b.do(ctx, "check_bucket", "", func(opts []oss.Option) error {
		_, err := b.bucket.ListObjectsV2(append(opts, oss.MaxKeys(1))...)
		return err
	})
	return err
}
