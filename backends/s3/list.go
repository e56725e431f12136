package s3

import (
	"context"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ListObjects lists the objects whose keys start with prefix, one
// ListObjectsV2 request per page of uploader.ListPageSize keys; see
// [uploader.ObjectLister].
func (b *Backend) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	if b.closer.Closed() {
		return b.closedErr("list", prefix)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's pager when fn stops early
	cctx, c := transport.WithCapture(ctx)
	for o := range b.client.ListObjects(cctx, b.opts.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, MaxKeys: uploader.ListPageSize}) {
		if o.Err != nil {
			return b.classify(ctx, "list", prefix, o.Err, c, nil)
		}
		if !fn(uploader.ObjectInfo{Key: o.Key, Size: o.Size, ETag: xfer.UnquoteETag(o.ETag), LastModified: o.LastModified}) {
			return nil
		}
	}
	return nil
}

var _ uploader.ObjectLister = (*Backend)(nil)
