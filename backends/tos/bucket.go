package tos

import (
	"context"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/uploader"
)

var _ uploader.BucketChecker = (*Backend)(nil)

// CheckBucket lists at most one incomplete multipart upload of the bucket:
// a missing bucket gives an *uploader.Error with Code "NoSuchBucket" (a
// LIST reply, unlike a HEAD's, carries the error code). It lists uploads
// rather than objects because ListMultipartUploadsV2 takes
// GenericInput.RequestDate, so it is signed at the corrected time like
// every other request, while the SDK's ListObjectsType2Input has no
// GenericInput: an object LIST is always signed with the local clock and
// would fail the check on a machine whose clock is off by more than the
// ±15 minutes an upload corrects.
func (b *Backend) CheckBucket(ctx context.Context) error {
	if err := b.closer.Err(b.name, Provider, "check_bucket", ""); err != nil {
		return err
	}
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sg := b.signingAt(signAt)
		_, err := b.client.ListMultipartUploadsV2(ctx, &tossdk.ListMultipartUploadsV2Input{
			Bucket: b.bucket, MaxUploads: 1,
			GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		})
		if err != nil {
			return b.classify(ctx, "check_bucket", "", err, sg)
		}
		return nil
	})
	return err
}
