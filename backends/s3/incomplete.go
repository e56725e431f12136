package s3

import (
	"context"

	"github.com/resilient-upload/upload/internal/incomplete"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/uploader"
)

// ListIncomplete returns the incomplete multipart uploads whose keys start
// with prefix (ListMultipartUploads, page by page; see package
// internal/incomplete for MinIO's reading of the prefix); see
// [uploader.MultipartLister].
func (b *Backend) ListIncomplete(ctx context.Context, prefix string) ([]uploader.IncompleteUpload, error) {
	closed := b.closer.Err(b.name, Provider, "list_uploads", prefix)
	return incomplete.ListFor(ctx, closed, b.name, Provider, prefix, func(ctx context.Context, ask, key, id string) (incomplete.Page, error) {
		cctx, c := transport.WithCapture(ctx)
		res, err := b.core.ListMultipartUploads(cctx, b.opts.Bucket, ask, key, id, "", incomplete.MaxUploads)
		if err != nil {
			return incomplete.Page{}, b.classify(ctx, "list_uploads", prefix, err, c, nil)
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
	cctx, c := transport.WithCapture(ctx)
	if err := b.core.AbortMultipartUpload(cctx, b.opts.Bucket, key, uploadID); err != nil {
		return incomplete.Aborted(b.classify(ctx, "abort_multipart", key, err, c, nil))
	}
	return nil
}

var (
	_ uploader.MultipartLister  = (*Backend)(nil)
	_ uploader.MultipartAborter = (*Backend)(nil)
)
