package obs

import (
	"context"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/incomplete"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ListIncomplete returns the incomplete multipart uploads whose keys start
// with prefix (ListMultipartUploads, page by page); see
// [uploader.MultipartLister].
func (b *Backend) ListIncomplete(ctx context.Context, prefix string) ([]uploader.IncompleteUpload, error) {
	closed := b.closer.Err(b.name, Provider, "list_uploads", prefix)
	return incomplete.ListFor(ctx, closed, b.name, Provider, prefix, func(ctx context.Context, ask, key, id string) (incomplete.Page, error) {
		var res *hwobs.ListMultipartUploadsOutput
		_, err := b.do(ctx, "list_uploads", prefix, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
			var err error
			res, err = cl.ListMultipartUploads(&hwobs.ListMultipartUploadsInput{Bucket: b.opts.Bucket, Prefix: ask,
				KeyMarker: key, UploadIdMarker: id, MaxUploads: incomplete.MaxUploads}, hwobs.WithCustomHeader(name, value))
			return nil, err
		})
		if err != nil {
			return incomplete.Page{}, err
		}
		p := incomplete.Page{Truncated: res.IsTruncated, NextKey: res.NextKeyMarker, NextUploadID: res.NextUploadIdMarker}
		for _, u := range res.Uploads {
			p.Uploads = append(p.Uploads, uploader.IncompleteUpload{Key: u.Key, UploadID: u.UploadId, Initiated: u.Initiated})
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
	_, err := b.do(ctx, "abort_multipart", key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		_, err := cl.AbortMultipartUpload(&hwobs.AbortMultipartUploadInput{Bucket: b.opts.Bucket, Key: key, UploadId: uploadID},
			hwobs.WithCustomHeader(name, value))
		return nil, err
	})
	return incomplete.Aborted(err)
}

var (
	_ uploader.MultipartLister  = (*Backend)(nil)
	_ uploader.MultipartAborter = (*Backend)(nil)
)
