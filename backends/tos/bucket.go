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
// LIST reply, unlike a HEAD's, carries the error code). Like every request
// it is signed at the skew-corrected time (GenericInput.RequestDate), so a
// machine whose clock is off by more than the vendor's ±15 minutes passes
// once its skew is measured. It needs the permission to list multipart
// uploads (tos:ListMultipartUploads), as doctor's incomplete-upload check
// does.
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
