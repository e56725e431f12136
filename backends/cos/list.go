package cos

import (
	"context"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ListObjects lists the objects whose keys start with prefix, one GET
// Bucket request per page of uploader.ListPageSize keys; see
// [uploader.ObjectLister]. COS's listing carries no CRC-64.
func (b *Backend) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	marker := ""
	for {
		var res *cossdk.BucketGetResult
		_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
			sctx := b.signed(ctx, signAt)
			r, _, err := b.client.Bucket.Get(sctx, &cossdk.BucketGetOptions{Prefix: prefix, Marker: marker, MaxKeys: uploader.ListPageSize})
			if err != nil {
				return b.classify(sctx, "list", prefix, err)
			}
			res = r
			return nil
		})
		if err != nil {
			return err
		}
		for _, o := range res.Contents {
			info := uploader.ObjectInfo{Key: o.Key, Size: o.Size, ETag: xfer.UnquoteETag(o.ETag)}
			if t, err := time.Parse(time.RFC3339, o.LastModified); err == nil {
				info.LastModified = t
			}
			if !fn(info) {
				return nil
			}
		}
		if !res.IsTruncated || len(res.Contents) == 0 {
			return nil
		}
		marker = res.NextMarker
		if marker == "" {
			marker = res.Contents[len(res.Contents)-1].Key
		}
	}
}

var _ uploader.ObjectLister = (*Backend)(nil)
