package tos

import (
	"context"
	"errors"
	"io"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// Stat returns the object's size, ETag, content type, modification time,
// metadata and CRC-64 (when the server sends it), from a HEAD. A missing object gives an *uploader.Error with
// Status 404 and Code "NoSuchKey" (Kind Invalid), for which
// [uploader.IsNotFound] is true.
func (b *Backend) Stat(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	return b.stat(ctx, key, nil)
}

func (b *Backend) stat(ctx context.Context, key string, log *skewLog) (uploader.ObjectInfo, error) {
	if err := b.closer.Err(b.name, Provider, "stat", key); err != nil {
		return uploader.ObjectInfo{}, err
	}
	var out *tossdk.HeadObjectV2Output
	as, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sg := b.signingAt(signAt)
		o, err := b.client.HeadObjectV2(ctx, &tossdk.HeadObjectV2Input{
			Bucket: b.bucket, Key: key, GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		})
		if err != nil {
			return xfer.NotFound(b.classify(ctx, "stat", key, err, sg))
		}
		out = o
		return nil
	})
	if log != nil {
		log.add(as)
	}
	if err != nil {
		return uploader.ObjectInfo{}, err
	}
	info := uploader.ObjectInfo{
		Key: key, Size: out.ContentLength, ETag: out.ETag, ContentType: out.ContentType, LastModified: out.LastModified,
		CRC64: out.Header.Get(tossdk.HeaderHashCrc64ecma),
	}
	if out.Meta != nil {
		info.Metadata = map[string]string{}
		out.Meta.Range(func(k, v string) bool { info.Metadata[k] = v; return true })
	}
	vendor.Read(&info, out.Header)
	return info, nil
}

// Get returns a reader of the object's bytes; the caller closes it. The
// SDK checks the CRC64 of what was read against the server's at the end; a
// mismatch, like any failure while reading, is an *uploader.Error (Kind
// Integrity for the mismatch). A missing object is reported as by Stat.
func (b *Backend) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := b.closer.Err(b.name, Provider, "get", key); err != nil {
		return nil, err
	}
	var out *tossdk.GetObjectV2Output
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sg := b.signingAt(signAt)
		o, err := b.client.GetObjectV2(ctx, &tossdk.GetObjectV2Input{
			Bucket: b.bucket, Key: key, GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		})
		if err != nil {
			return xfer.NotFound(b.classify(ctx, "get", key, err, sg))
		}
		out = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &getReader{rc: out.Content, b: b, ctx: ctx, key: key}, nil
}

// getReader classifies the errors of reading a Get's body.
type getReader struct {
	rc  io.ReadCloser
	b   *Backend
	ctx context.Context
	key string
}

func (r *getReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = r.b.classify(r.ctx, "read", r.key, err, signing{})
	}
	return n, err
}

func (r *getReader) Close() error { return r.rc.Close() }

// Delete removes the object; a missing object is not an error.
func (b *Backend) Delete(ctx context.Context, key string) error {
	if err := b.closer.Err(b.name, Provider, "delete", key); err != nil {
		return err
	}
	_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
		sg := b.signingAt(signAt)
		_, err := b.client.DeleteObjectV2(ctx, &tossdk.DeleteObjectV2Input{
			Bucket: b.bucket, Key: key, GenericInput: tossdk.GenericInput{RequestDate: signAt.UTC()},
		})
		if err != nil {
			e := b.classify(ctx, "delete", key, err, sg)
			if xfer.Missing(e) {
				return nil
			}
			return e
		}
		return nil
	})
	return err
}
