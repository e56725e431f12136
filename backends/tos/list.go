package tos

import (
	"context"
	"strconv"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ListObjects lists the objects whose keys start with prefix, one
// ListObjectsType2 request per page of uploader.ListPageSize keys, with
// the CRC-64 TOS keeps for each; see [uploader.ObjectLister].
//
// The SDK's ListObjectsType2Input has no GenericInput (no RequestDate), so
// the backend's signer ([clockSigner]) signs it at the skew-corrected time;
// a refusal for the clock is corrected and sent once more, as every other
// call is ([skew.Clock.Do]).
func (b *Backend) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	token := ""
	for {
		var out *tossdk.ListObjectsType2Output
		_, err := b.clock.Do(ctx, b.name, Provider, func(signAt time.Time) error {
			o, err := b.client.ListObjectsType2(ctx, &tossdk.ListObjectsType2Input{
				Bucket: b.bucket, Prefix: prefix, ContinuationToken: token,
				MaxKeys: uploader.ListPageSize, ListOnlyOnce: true,
			})
			if err != nil {
				return b.classify(ctx, "list", prefix, err, b.signingAt(signAt))
			}
			out = o
			return nil
		})
		if err != nil {
			return err
		}
		for _, o := range out.Contents {
			info := uploader.ObjectInfo{Key: o.Key, Size: o.Size, ETag: xfer.UnquoteETag(o.ETag), LastModified: o.LastModified}
			if o.HashCrc64ecma != 0 {
				info.CRC64 = strconv.FormatUint(o.HashCrc64ecma, 10)
			}
			if !fn(info) {
				return nil
			}
		}
		if !out.IsTruncated || out.NextContinuationToken == "" {
			return nil
		}
		token = out.NextContinuationToken
	}
}

var _ uploader.ObjectLister = (*Backend)(nil)
