package obs

import (
	"context"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/xfer"
)

// parts lets xfer.Resume list and abort an earlier multipart upload of key
// (see [uploader.Resumer]).
type parts struct {
	b   *Backend
	key string
}

// ListParts lists every part of uploadID, page by page.
func (l parts) ListParts(ctx context.Context, uploadID string) ([]xfer.Part, error) {
	return xfer.ListAllParts(ctx, func(ctx context.Context, marker int) (xfer.PartsPage, error) {
		var res *hwobs.ListPartsOutput
		_, err := l.b.do(ctx, "list_parts", l.key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
			var err error
			res, err = cl.ListParts(&hwobs.ListPartsInput{Bucket: l.b.opts.Bucket, Key: l.key, UploadId: uploadID,
				MaxParts: 1000, PartNumberMarker: marker}, hwobs.WithCustomHeader(name, value))
			return nil, err
		})
		if err != nil {
			return xfer.PartsPage{}, err
		}
		pg := xfer.PartsPage{Next: res.NextPartNumberMarker, Truncated: res.IsTruncated}
		for _, p := range res.Parts {
			pg.Parts = append(pg.Parts, xfer.Part{Number: p.PartNumber, Size: p.Size, ETag: p.ETag})
		}
		return pg, nil
	})
}

// AbortUpload aborts uploadID; see [Backend.AbortIncomplete].
func (l parts) AbortUpload(ctx context.Context, uploadID string) error {
	return l.b.AbortIncomplete(ctx, l.key, uploadID)
}
