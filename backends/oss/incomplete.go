package oss

import (
	"context"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/incomplete"
	"github.com/resilient-upload/upload/uploader"
)

// ListIncomplete returns the incomplete multipart uploads whose keys start
// with prefix (ListMultipartUploads, page by page); see
// [uploader.MultipartLister].
func (b *Backend) ListIncomplete(ctx context.Context, prefix string) ([]uploader.IncompleteUpload, error) {
	closed := b.closer.Err(b.name, Provider, "list_uploads", prefix)
	return incomplete.ListFor(ctx, closed, b.name, Provider, prefix, func(ctx context.Context, ask, key, id string) (incomplete.Page, error) {
		var res oss.ListMultipartUploadResult
		_, _, err := b.do(ctx, "list_uploads", prefix, func(opts []oss.Option) error {
			var err error
			res, err = b.bucket.ListMultipartUploads(append(opts, oss.Prefix(ask), oss.KeyMarker(key),
				oss.UploadIDMarker(id), oss.MaxUploads(incomplete.MaxUploads))...)
			return err
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
	_, _, err := b.do(ctx, "abort_multipart", key, func(opts []oss.Option) error {
		return b.bucket.AbortMultipartUpload(oss.InitiateMultipartUploadResult{Bucket: b.bucketNm, Key: key, UploadID: uploadID}, opts...)
	})
	return incomplete.Aborted(err)
}

var (
	_ uploader.MultipartLister  = (*Backend)(nil)
	_ uploader.MultipartAborter = (*Backend)(nil)
)
