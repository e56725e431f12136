package tos

import (
	"context"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/incomplete"
	"github.com/resilient-upload/upload/uploader"
)

// ListIncomplete returns the incomplete multipart uploads whose keys start
// with prefix (ListMultipartUploadsV2, page by page); see
// [uploader.MultipartLister].
func (b *Backend) ListIncomplete(ctx context.Context, prefix string) ([]uploader.IncompleteUpload, error) {
	closed := b.closer.Err(b.name, Provider, "list_uploads", prefix)
	return incomplete.ListFor(ctx, closed, b.name, Provider, prefix, func(ctx context.Context, ask, key, id string) (incomplete.Page, error) {
		var res *tossdk.ListMultipartUploadsV2Output
		_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
			sg := b.signingAt(signAt)
			var err error
			res, err = b.client.ListMultipartUploadsV2(ctx, &tossdk.ListMultipartUploadsV2Input{
				Bucket: b.bucket, Prefix: ask, KeyMarker: key, UploadIDMarker: id, MaxUploads: incomplete.MaxUploads,
				GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
			})
			if err != nil {
				return b.classify(ctx, "list_uploads", prefix, err, sg)
			}
			return nil
		})
		if err != nil {
			return incomplete.Page{}, err
		}
		p := incomplete.Page{Truncated: res.IsTruncated, NextKey: res.NextKeyMarker, NextUploadID: res.NextUploadIDMarker}
		for _, u := range res.Uploads {
			p.Uploads = append(p.Uploads, uploader.IncompleteUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated})
		}
		return p, nil
	})
}

// AbortIncomplete aborts the multipart upload uploadID of key; one that no
// longer exists (404 NoSuchUpload) is not an error. See
// [uploader.MultipartAborter].
func (b *Backend) AbortIncomplete(ctx context.Context, key, uploadID string) error {
	if err := b.closer.Err(b.name, Provider, "abort_multipart", key); err != nil {
		return err
	}
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sg := b.signingAt(signAt)
		_, err := b.client.AbortMultipartUpload(ctx, &tossdk.AbortMultipartUploadInput{
			Bucket: b.bucket, Key: key, UploadID: uploadID,
			GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		})
		if err != nil {
			return b.classify(ctx, "abort_multipart", key, err, sg)
		}
		return nil
	})
	return incomplete.Aborted(err)
}

var (
	_ uploader.MultipartLister  = (*Backend)(nil)
	_ uploader.MultipartAborter = (*Backend)(nil)
)
