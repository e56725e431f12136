package cos

import (
	"context"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/incomplete"
	"github.com/resilient-upload/upload/uploader"
)

// ListIncomplete returns the incomplete multipart uploads whose keys start
// with prefix (ListMultipartUploads, page by page); see
// [uploader.MultipartLister]. An initiation time the server gives in
// another form than RFC 3339 is left zero (unknown).
func (b *Backend) ListIncomplete(ctx context.Context, prefix string) ([]uploader.IncompleteUpload, error) {
	closed := b.closer.Err(b.name, Provider, "list_uploads", prefix)
	return incomplete.ListFor(ctx, closed, b.name, Provider, prefix, func(ctx context.Context, ask, key, id string) (incomplete.Page, error) {
		var res *cossdk.ListMultipartUploadsResult
		_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
			sctx := b.signed(ctx, signAt)
			var err error
			res, _, err = b.client.Bucket.ListMultipartUploads(sctx, &cossdk.ListMultipartUploadsOptions{Prefix: ask,
				KeyMarker: key, UploadIDMarker: id, MaxUploads: incomplete.MaxUploads})
			if err != nil {
				return b.classify(sctx, "list_uploads", prefix, err)
			}
			return nil
		})
		if err != nil {
			return incomplete.Page{}, err
		}
		p := incomplete.Page{Truncated: res.IsTruncated, NextKey: res.NextKeyMarker, NextUploadID: res.NextUploadIDMarker}
		for _, u := range res.Uploads {
			at, _ := time.Parse(time.RFC3339, u.Initiated)
			p.Uploads = append(p.Uploads, uploader.IncompleteUpload{Key: u.Key, UploadID: u.UploadID, Initiated: at})
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
		sctx := b.signed(ctx, signAt)
		if _, err := b.client.Object.AbortMultipartUpload(sctx, key, uploadID); err != nil {
			return b.classify(sctx, "abort_multipart", key, err)
		}
		return nil
	})
	return incomplete.Aborted(err)
}

var (
	_ uploader.MultipartLister  = (*Backend)(nil)
	_ uploader.MultipartAborter = (*Backend)(nil)
)
