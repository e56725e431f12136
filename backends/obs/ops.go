package obs

import (
	"context"
	"io"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Stat returns the object's size, ETag, content type, modification time and
// metadata (keys lower-cased). A missing object gives an *uploader.Error with
// Status 404 and Code "NoSuchKey" (Kind Invalid, as for the local backup),
// so uploader.IsNotFound is true; the reply to a HEAD has no body, so a
// missing bucket looks the same.
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
	var out *hwobs.GetObjectMetadataOutput
	_, err := b.do(ctx, op, key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		var err error
		out, err = cl.GetObjectMetadata(&hwobs.GetObjectMetadataInput{Bucket: b.opts.Bucket, Key: key}, hwobs.WithCustomHeader(name, value))
		return nil, err
	})
	if err != nil {
		return uploader.ObjectInfo{}, uploader.AsError(xfer.NotFound(err))
	}
	info := uploader.ObjectInfo{Key: key, Size: out.ContentLength, ETag: xfer.UnquoteETag(out.ETag), ContentType: out.ContentType,
		LastModified: out.LastModified, Metadata: out.Metadata}
	readAttributes(&info, out)
	return info, nil
}

// Get returns a reader of the object's bytes; the caller closes it. A
// missing object fails as Stat does.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if b.closer.Closed() {
		return nil, b.closedErr("get", key)
	}
	var out *hwobs.GetObjectOutput
	_, err := b.do(ctx, "get", key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		in := &hwobs.GetObjectInput{}
		in.Bucket, in.Key = b.opts.Bucket, key
		var err error
		out, err = cl.GetObject(in, hwobs.WithCustomHeader(name, value))
		return nil, err
	})
	if err != nil {
		return nil, xfer.NotFound(err)
	}
	return out.Body, nil
}

// Delete removes the object; deleting a missing object is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if b.closer.Closed() {
		return b.closedErr("delete", key)
	}
	_, err := b.do(ctx, "delete", key, nil, func(cl *hwobs.ObsClient, name, value string) (*xfer.Source, error) {
		_, err := cl.DeleteObject(&hwobs.DeleteObjectInput{Bucket: b.opts.Bucket, Key: key}, hwobs.WithCustomHeader(name, value))
		return nil, err
	})
	return err
}
