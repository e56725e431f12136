package oss

import (
	"context"
	"strconv"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/xfer"
)

// parts lets xfer.Resume list and abort an earlier multipart upload of key
// (see [uploader.Resumer]).
type parts struct {
	b   *Backend
	key string
}

// ListParts lists every part of uploadID, page by page
// (ListUploadedParts).
func (l parts) ListParts(ctx context.Context, uploadID string) ([]xfer.Part, error) {
	imur := oss.InitiateMultipartUploadResult{Bucket: l.b.bucketNm, Key: l.key, UploadID: uploadID}
	return xfer.ListAllParts(ctx, func(ctx context.Context, marker int) (xfer.PartsPage, error) {
		var res oss.ListUploadedPartsResult
		_, _, err := l.b.do(ctx, "list_parts", l.key, func(opts []oss.Option) error {
			var err error
			res, err = l.b.bucket.ListUploadedParts(imur, opts...)
			return err
		}, oss.MaxParts(1000), oss.PartNumberMarker(marker))
		if err != nil {
			return xfer.PartsPage{}, err
		}
		next, _ := strconv.Atoi(res.NextPartNumberMarker)
		pg := xfer.PartsPage{Next: next, Truncated: res.IsTruncated}
		for _, p := range res.UploadedParts {
			pg.Parts = append(pg.Parts, xfer.Part{Number: p.PartNumber, Size: int64(p.Size), ETag: p.ETag})
		}
		return pg, nil
	})
}

// AbortUpload aborts uploadID; see [Backend.AbortIncomplete].
func (l parts) AbortUpload(ctx context.Context, uploadID string) error {
	return l.b.AbortIncomplete(ctx, l.key, uploadID)
}
