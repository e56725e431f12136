package cos

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Stat returns the object's info (with its CRC-64 when the server sends
// it), or an *uploader.Error with Status 404 and
// Code "NoSuchKey" (Kind Invalid) when there is no such object.
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	if err := b.closer.Err(b.name, Provider, "stat", key); err != nil {
		return uploader.ObjectInfo{}, err
	}
	var info uploader.ObjectInfo
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		resp, err := b.client.Object.Head(sctx, key, nil)
		if err != nil {
			return xfer.NotFound(b.classify(sctx, "stat", key, err))
		}
		h := resp.Header
		info = uploader.ObjectInfo{Key: key, ETag: xfer.UnquoteETag(h.Get("ETag")), ContentType: h.Get("Content-Type"),
			CRC64: h.Get("x-cos-hash-crc64ecma")}
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			info.Size = n
		} else {
			info.Size = resp.ContentLength
		}
		if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
			info.LastModified = t
		}
		for k, vs := range h {
			if m, ok := strings.CutPrefix(strings.ToLower(k), "x-cos-meta-"); ok && len(vs) > 0 {
				if info.Metadata == nil {
					info.Metadata = map[string]string{}
				}
				info.Metadata[m] = vs[0]
			}
		}
		vendor.Read(&info, h)
		return nil
	})
	return info, err
}

// Get returns a reader of the object's bytes; the caller closes it.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := b.closer.Err(b.name, Provider, "get", key); err != nil {
		return nil, err
	}
	var body io.ReadCloser
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		resp, err := b.client.Object.Get(sctx, key, nil)
		if err != nil {
			return xfer.NotFound(b.classify(sctx, "get", key, err))
		}
		body = resp.Body
		return nil
	})
	return body, err
}

// Delete removes the object; deleting a missing object is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if err := b.closer.Err(b.name, Provider, "delete", key); err != nil {
		return err
	}
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sctx := b.signed(ctx, signAt)
		_, err := b.client.Object.Delete(sctx, key)
		if err != nil {
			e := b.classify(sctx, "delete", key, err)
			if xfer.Missing(e) {
				return nil
			}
			return e
		}
		return nil
	})
	return err
}
