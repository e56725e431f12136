package tos

import (
	"context"
	"strconv"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// listSkewHint explains a listing refused for the clock.
const listSkewHint = "the TOS SDK signs an object listing with this machine's clock (ListObjectsType2 takes no request date), " +
	"so skew correction cannot apply to it: sync the clock; uploads are corrected meanwhile"

// ListObjects lists the objects whose keys start with prefix, one
// ListObjectsType2 request per page of uploader.ListPageSize keys, with
// the CRC-64 TOS keeps for each; see [uploader.ObjectLister].
//
// The SDK's ListObjectsType2Input has no GenericInput, so the request is
// signed with the local clock whatever the measured skew: beyond the
// vendor's window it is refused (Kind ClockSkew, with listSkewHint), and
// not sent again at a "corrected" time it would not carry.
func (b *Backend) ListObjects(ctx context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	token := ""
	for {
		var out *tossdk.ListObjectsType2Output
		var skewed *uploader.Error
		_, err := b.clock.Do(ctx, b.name, Provider, func(time.Time) error {
			if skewed != nil {
				return skewed
			}
			sg := b.signingAt(b.clock.LocalNow())
			o, err := b.client.ListObjectsType2(ctx, &tossdk.ListObjectsType2Input{
				Bucket: b.bucket, Prefix: prefix, ContinuationToken: token,
				MaxKeys: uploader.ListPageSize, ListOnlyOnce: true,
			})
			if err != nil {
				e := b.classify(ctx, "list", prefix, err, sg)
				if e.Kind == uploader.ClockSkew {
					// Not diag.ClockSkewHints: no corrected request was sent.
					off, known := b.clock.Offset()
					e.Hints = []string{diag.CheckClock(off, known).String(), listSkewHint}
					skewed = e
				}
				return e
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
