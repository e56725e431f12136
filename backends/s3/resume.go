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
	// algorithm is the checksum algorithm the listed upload was initiated
	// with (CRC32C, or "" for none), as ListParts last answered it.
	algorithm string
}

// ListParts lists every part of uploadID, page by page (ListObjectParts),
// and notes the upload's checksum algorithm.
func (l *parts) ListParts(ctx context.Context, uploadID string) ([]xfer.Part, error) {
	return xfer.ListAllParts(ctx, func(ctx context.Context, marker int) (xfer.PartsPage, error) {
		var pg xfer.PartsPage
		_, err := l.b.clock.Do(ctx, l.b.name, Provider, func(time.Time) error {
			cctx, c := transport.WithCapture(ctx)
			res, err := l.b.core.ListObjectParts(cctx, l.b.opts.Bucket, l.key, uploadID, marker, 1000)
			if err != nil {
				return l.b.classify(ctx, "list_parts", l.key, err, c, nil)
			}
			pg = xfer.PartsPage{Next: res.NextPartNumberMarker, Truncated: res.IsTruncated}
			l.algorithm = res.ChecksumAlgorithm
			for _, p := range res.ObjectParts {
				pg.Parts = append(pg.Parts, xfer.Part{Number: p.PartNumber, Size: p.Size, ETag: p.ETag})
			}
			return nil
		})
		return pg, err
	})
}

// AbortUpload aborts uploadID; see [Backend.AbortIncomplete].
func (l parts) AbortUpload(ctx context.Context, uploadID string) error {
	return l.b.AbortIncomplete(ctx, l.key, uploadID)
}
