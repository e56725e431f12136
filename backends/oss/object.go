package oss

import (
	"context"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Stat returns the object's size, ETag, content type, modification time,
// user metadata and CRC-64 (when the server sends it). A missing object gives an *uploader.Error with Status 404
// and Code "NoSuchKey" ([uploader.IsNotFound]).
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	if err := b.closer.Err(b.name, Provider, "stat", key); err != nil {
		return uploader.ObjectInfo{}, err
	}
	h, _, err := b.do(ctx, "stat", key, func(opts []oss.Option) error {
		_, err := b.bucket.GetObjectDetailedMeta(key, opts...)
		return err
	})
	if err != nil {
		return uploader.ObjectInfo{}, xfer.NotFound(err)
	}
	info := uploader.ObjectInfo{Key: key, ETag: xfer.UnquoteETag(h.Get(oss.HTTPHeaderEtag)), ContentType: h.Get(oss.HTTPHeaderContentType),
		CRC64: h.Get(oss.HTTPHeaderOssCRC64)}
	info.Size, _ = strconv.ParseInt(h.Get(oss.HTTPHeaderContentLength), 10, 64)
	info.LastModified, _ = http.ParseTime(h.Get(oss.HTTPHeaderLastModified))
	for k, v := range h {
		if len(v) > 0 && len(k) > len(oss.HTTPHeaderOssMetaPrefix) && strings.EqualFold(k[:len(oss.HTTPHeaderOssMetaPrefix)], oss.HTTPHeaderOssMetaPrefix) {
			if info.Metadata == nil {
				info.Metadata = map[string]string{}
			}
			info.Metadata[strings.ToLower(k[len(oss.HTTPHeaderOssMetaPrefix):])] = v[0]
		}
	}
	vendor.Read(&info, h)
	return info, nil
}

// Get returns a reader of the object's bytes; the caller closes it. When
// the server sent the object's CRC64, a read that reaches the end of bytes
// with another CRC64 fails with Kind Integrity. A missing object gives an
// error for which [uploader.IsNotFound] holds.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := b.closer.Err(b.name, Provider, "get", key); err != nil {
		return nil, err
	}
	var res *oss.GetObjectResult
	h, _, err := b.do(ctx, "get", key, func(opts []oss.Option) error {
		var err error
		res, err = b.bucket.DoGetObject(&oss.GetObjectRequest{ObjectKey: key}, opts)
		return err
	})
	if err != nil {
		return nil, xfer.NotFound(err)
	}
	body := res.Response.Body
	if res.ClientCRC == nil || h.Get(oss.HTTPHeaderOssCRC64) == "" {
		return body, nil
	}
	return &crcBody{ReadCloser: body, calc: res.ClientCRC, want: res.ServerCRC, b: b, key: key, h: h}, nil
}

// crcBody checks the CRC64 of what was read when the end is reached.
type crcBody struct {
	io.ReadCloser
	calc hash.Hash64 // fed by the SDK as the body is read
	want uint64
	b    *Backend
	key  string
	h    http.Header
}

func (c *crcBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if err == io.EOF && c.calc.Sum64() != c.want {
		return n, &uploader.Error{Kind: uploader.Integrity, Target: c.b.name, Provider: Provider, Op: "get", Key: c.key,
			Code: "CRCCheckFailed", RequestID: c.h.Get(oss.HTTPHeaderOssRequestID),
			Message: "the bytes read do not match the object's CRC64 (" + strconv.FormatUint(c.want, 10) + ")"}
	}
	return n, err
}

// Delete removes the object; a missing object is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if err := b.closer.Err(b.name, Provider, "delete", key); err != nil {
		return err
	}
	_, _, err := b.do(ctx, "delete", key, func(opts []oss.Option) error {
		return b.bucket.DeleteObject(key, opts...)
	})
	if xfer.Missing(err) {
		return nil
	}
	return err
}
