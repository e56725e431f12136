package s3

import (
	"context"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Stat returns the object's size, ETag, content type, modification time and
// metadata. A missing object gives an *uploader.Error with Status 404 and
// Code "NoSuchKey" (Kind Invalid, as for the local backup), so
// uploader.IsNotFound is true; a missing bucket keeps Kind BucketNotFound.
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	info, err := b.stat(ctx, "stat", key)
	if err != nil {
		return uploader.ObjectInfo{}, err
	}
	return info, nil
}

func (b *Backend) stat(ctx context.Context, op, key string) (uploader.ObjectInfo, *uploader.Error) {
	if b.closer.Closed() {
		return uploader.ObjectInfo{}, b.closedErr(op, key)
	}
	cctx, c := transport.WithCapture(ctx)
	oi, err := b.client.StatObject(cctx, b.opts.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return uploader.ObjectInfo{}, uploader.AsError(xfer.NotFound(b.classify(ctx, op, key, err, c, nil)))
	}
	meta := make(map[string]string, len(oi.UserMetadata))
	for k, v := range oi.UserMetadata {
		meta[k] = v
	}
	info := uploader.ObjectInfo{Key: key, Size: oi.Size, ETag: oi.ETag, ContentType: oi.ContentType,
		LastModified: oi.LastModified, Metadata: meta}
	readAttributes(&info, oi)
	return info, nil
}

// Get returns a reader of the object's bytes; the caller closes it. A
// missing object fails as Stat does.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if b.closer.Closed() {
		return nil, b.closedErr("get", key)
	}
	cctx, c := transport.WithCapture(ctx)
	rc, _, _, err := b.core.GetObject(cctx, b.opts.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, xfer.NotFound(b.classify(ctx, "get", key, err, c, nil))
	}
	return rc, nil
}

// Delete removes the object; deleting a missing object is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if b.closer.Closed() {
		return b.closedErr("delete", key)
	}
	cctx, c := transport.WithCapture(ctx)
	if err := b.client.RemoveObject(cctx, b.opts.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return b.classify(ctx, "delete", key, err, c, nil)
	}
	return nil
}
