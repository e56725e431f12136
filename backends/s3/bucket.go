package s3

import (
	"context"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/uploader"
)

var _ uploader.BucketChecker = (*Backend)(nil)

// CheckBucket lists at most one key of the bucket: a missing bucket gives
// an *uploader.Error with Code "NoSuchBucket" (a LIST reply, unlike a
// HEAD's, carries the error code).
func (b *Backend) CheckBucket(ctx context.Context) error {
	if b.closer.Closed() {
		return b.closedErr("check_bucket", "")
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the listing after its first page
	cctx, c := transport.WithCapture(lctx)
	for oi := range b.client.ListObjects(cctx, b.opts.Bucket, minio.ListObjectsOptions{MaxKeys: 1}) {
		if oi.Err != nil {
			return b.classify(ctx, "check_bucket", "", oi.Err, c, nil)
		}
		//lint:ignore SA4004 the first object (or error) is all a check needs
		break
	}
	return nil
}
