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
	if b.closer.Closed() {
		return nil, b.closedErr("list_uploads", prefix)
	}
	ups, err := incomplete.List(ctx, prefix, func(ctx context.Context, ask, key, id string) (incomplete.Page, error) {
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
	if err != nil && uploader.AsError(err) == nil {
		return nil, &uploader.Error{Kind: uploader.Unknown, Op: "list_uploads", Target: b.name, Provider: Provider, Key: prefix, Message: err.Error()}
	}
	return ups, err
}

// AbortIncomplete aborts the multipart upload uploadID of key; one that no
// longer exists (404 NoSuchUpload) is not an error. See
// [uploader.MultipartAborter].
func (b *Backend) AbortIncomplete(ctx context.Context, key, uploadID string) error {
	if b.closer.Closed() {
		return b.closedErr("abort", key)
	}
	cctx, c := transport.WithCapture(ctx)
	if err := b.core.AbortMultipartUpload(cctx, b.opts.Bucket, key, uploadID); err != nil {
		e := b.classify(ctx, "abort", key, err, c, nil)
		if e.Status == 404 && e.Code == "NoSuchUpload" {
			return nil
		}
		return e
	}
	return nil
}

var (
	_ uploader.MultipartLister  = (*Backend)(nil)
	_ uploader.MultipartAborter = (*Backend)(nil)
)
