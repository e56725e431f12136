package obs

import (
	"context"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

var _ uploader.BucketChecker = (*Backend)(nil)

// CheckBucket lists at most one key of the bucket: a missing bucket gives
// an *uploader.Error with Code "NoSuchBucket" (a LIST reply, unlike a
// HEAD's, carries the error code; OBS answers a HEAD of a missing key in
// a missing bucket with a bare 404).
func (b *Backend) CheckBucket(ctx context.Context) error {
	if b.closer.Closed() {
		return b.closedErr("check_bucket", "")
	}
	_, err := b.do(ctx, "check_bucket", "", nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		in := &hwobs.ListObjectsInput{Bucket: b.opts.Bucket}
		in.MaxKeys = 1
		_, err := cl.ListObjects(in, hwobs.WithCustomHeader(name, value))
		return nil, err
	})
	return err
}
