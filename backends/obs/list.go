package obs

import (
	"context"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ListObjects lists the objects whose keys start with prefix, one
// ListObjects request per page of uploader.ListPageSize keys; see
// [uploader.ObjectLister]. OBS's listing carries no CRC-64.
func (b *Backend) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	marker := ""
	for {
		if b.closer.Closed() {
			return b.closedErr("list", prefix)
		}
		var out *hwobs.ListObjectsOutput
		_, err := b.do(ctx, "list", prefix, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
			var err error
			out, err = cl.ListObjects(&hwobs.ListObjectsInput{Bucket: b.opts.Bucket, Marker: marker,
				ListObjsInput: hwobs.ListObjsInput{Prefix: prefix, MaxKeys: uploader.ListPageSize}}, hwobs.WithCustomHeader(name, value))
			return nil, err
		})
		if err != nil {
			return err
		}
		for _, o := range out.Contents {
			if !fn(uploader.ObjectInfo{Key: o.Key, Size: o.Size, ETag: xfer.UnquoteETag(o.ETag), LastModified: o.LastModified}) {
				return nil
			}
		}
		if !out.IsTruncated || len(out.Contents) == 0 {
			return nil
		}
		marker = out.NextMarker
		if marker == "" {
			marker = out.Contents[len(out.Contents)-1].Key
		}
	}
}

var _ uploader.ObjectLister = (*Backend)(nil)
