package cos

import (
	"context"
	"strconv"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

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
		var res *cossdk.ObjectListPartsResult
		_, err := l.b.clock.Do(ctx, l.b.name, Provider, func(signAt time.Time) error {
			sctx := l.b.signed(ctx, signAt)
			opt := &cossdk.ObjectListPartsOptions{MaxParts: "1000"}
			if marker > 0 {
				opt.PartNumberMarker = strconv.Itoa(marker)
			}
			r, _, err := l.b.client.Object.ListParts(sctx, l.key, uploadID, opt)
			if err != nil {
				return l.b.classify(sctx, "list_parts", l.key, err)
			}
			res = r
			return nil
		})
		if err != nil {
			return xfer.PartsPage{}, err
		}
		next, _ := strconv.Atoi(res.NextPartNumberMarker)
		pg := xfer.PartsPage{Next: next, Truncated: res.IsTruncated}
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

// resumedCRCs records the CRC-64 of the parts an earlier attempt stored
// (computed from the body when xfer.Resume checked them), so that the
// assembled object's CRC-64 is checked as after an upload from scratch.
func (s *session) resumedCRCs(kept []xfer.Part) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range kept {
		if s.crcs == nil {
			s.crcs = map[int]uint64{}
		}
		s.crcs[p.Number] = p.CRC64
	}
}
