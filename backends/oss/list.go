package oss

import (
	"context"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ListObjects lists the objects whose keys start with prefix, one
// ListObjectsV2 request per page of uploader.ListPageSize keys; see
// [uploader.ObjectLister]. OSS's listing carries no CRC-64.
func (b *Backend) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	token := ""
	for {
		var res oss.ListObjectsResultV2
		_, _, err := b.do(ctx, "list", prefix, func(opts []oss.Option) error {
			o := append(opts, oss.Prefix(prefix), oss.MaxKeys(uploader.ListPageSize))
			if token != "" {
				o = append(o, oss.ContinuationToken(token))
			}
			var err error
			res, err = b.bucket.ListObjectsV2(o...)
			return err
		})
		if err != nil {
			return err
		}
		for _, o := range res.Objects {
			if !fn(uploader.ObjectInfo{Key: o.Key, Size: o.Size, ETag: xfer.UnquoteETag(o.ETag), LastModified: o.LastModified}) {
				return nil
			}
		}
		if !res.IsTruncated || res.NextContinuationToken == "" {
			return nil
		}
		token = res.NextContinuationToken
	}
}

var _ uploader.ObjectLister = (*Backend)(nil)
