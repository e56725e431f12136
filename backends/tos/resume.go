package tos

import (
	"context"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/xfer"
)

// parts lets xfer.Resume list and abort an earlier multipart upload of key
// (see [uploader.Resumer]).
type parts struct {
	b   *Backend
	key string
	log *skewLog
}

// ListParts lists every part of uploadID, page by page.
func (l parts) ListParts(ctx context.Context, uploadID string) ([]xfer.Part, error) {
	return xfer.ListAllParts(ctx, func(ctx context.Context, marker int) (xfer.PartsPage, error) {
		var res *tossdk.ListPartsOutput
		as, err := l.b.clock.Do(ctx, l.b.name, Provider, func(signAt time.Time) error {
			sg := l.b.signingAt(signAt)
			o, err := l.b.client.ListParts(ctx, &tossdk.ListPartsInput{Bucket: l.b.bucket, Key: l.key, UploadID: uploadID,
				PartNumberMarker: marker, MaxParts: 1000, GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()}})
			if err != nil {
				return l.b.classify(ctx, "list_parts", l.key, err, sg)
			}
			res = o
			return nil
		})
		l.log.add(as)
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
