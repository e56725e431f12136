package cos

import (
	"context"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

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
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		if _, _, err := b.client.Bucket.Get(sctx, &cossdk.BucketGetOptions{MaxKeys: 1}); err != nil {
			return b.classify(sctx, "check_bucket", "", err)
		}
		return nil
	})
	return err
}
