package s3

import (
	"context"
	"time"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
)

// parts lets xfer.Resume list and abort an earlier multipart upload of key
// (see [uploader.Resumer]).
type parts struct {
	b   *Backend
	key string
}

// ListParts lists every part of uploadID, page by page (ListObjectParts).
func (l parts) ListParts(ctx context.Context, uploadID string) ([]xfer.Part, error) {
	var out []xfer.Part
	marker := 0
	for {
		var page []xfer.Part
		next, more := 0, false
		_, err := l.b.clock.Do(ctx, l.b.name, Provider, func(time.Time) error {
			cctx, c := transport.WithCapture(ctx)
			res, err := l.b.core.ListObjectParts(cctx, l.b.opts.Bucket, l.key, uploadID, marker, 1000)
			if err != nil {
				return l.b.classify(ctx, "list_parts", l.key, err, c, nil)
			}
			page = page[:0]
			for _, p := range res.ObjectParts {
				page = append(page, xfer.Part{Number: p.PartNumber, Size: p.Size, ETag: p.ETag})
			}
			next, more = res.NextPartNumberMarker, res.IsTruncated
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if !more || next <= marker {
			return out, nil
		}
		marker = next
	}
}

// AbortUpload aborts uploadID; see [Backend.AbortIncomplete].
func (l parts) AbortUpload(ctx context.Context, uploadID string) error {
	return l.b.AbortIncomplete(ctx, l.key, uploadID)
}
