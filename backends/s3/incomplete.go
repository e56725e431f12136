package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/uploader"
)

// ListIncomplete returns the incomplete multipart uploads whose keys start
// with prefix, page by page (ListMultipartUploads, 1000 a page); see
// [uploader.MultipartLister].
//
// MinIO takes a non-empty prefix of ListMultipartUploads for a whole key
// (it lists the uploads of that one object), where S3 takes it as a
// prefix. So when the server lists nothing under a non-empty prefix, the
// whole bucket's list is asked for and filtered here: one more request
// when there is nothing to find, and a right answer from either server.
func (b *Backend) ListIncomplete(ctx context.Context, prefix string) ([]uploader.IncompleteUpload, error) {
	if b.closed.Load() {
		return nil, b.closedErr("list_uploads", prefix)
	}
	out, err := b.listUploads(ctx, prefix, prefix)
	if err != nil || len(out) > 0 || prefix == "" {
		return out, err
	}
	return b.listUploads(ctx, "", prefix)
}

// listUploads lists the uploads the server gives for ask, keeping those
// whose keys start with prefix.
func (b *Backend) listUploads(ctx context.Context, ask, prefix string) ([]uploader.IncompleteUpload, error) {
	var out []uploader.IncompleteUpload
	keyMarker, idMarker := "", ""
	for {
		cctx, c := transport.WithCapture(ctx)
		res, err := b.core.ListMultipartUploads(cctx, b.opts.Bucket, ask, keyMarker, idMarker, "", 1000)
		if err != nil {
			return nil, b.classify(ctx, "list_uploads", prefix, err, c, nil)
		}
		for _, u := range res.Uploads {
			if !strings.HasPrefix(u.Key, prefix) {
				continue
			}
			out = append(out, uploader.IncompleteUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated})
		}
		if !res.IsTruncated {
			return out, nil
		}
		if res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker {
			return nil, &uploader.Error{Kind: uploader.Unknown, Op: "list_uploads", Target: b.name, Key: prefix,
				Message: fmt.Sprintf("the server says the list of multipart uploads goes on but gives the same marker (%q, %q)", keyMarker, idMarker)}
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// AbortIncomplete aborts the multipart upload uploadID of key; one that no
// longer exists (404 NoSuchUpload) is not an error. See
// [uploader.MultipartAborter].
func (b *Backend) AbortIncomplete(ctx context.Context, key, uploadID string) error {
	if b.closed.Load() {
		return b.closedErr("abort", key)
	}
	cctx, c := transport.WithCapture(ctx)
	if err := b.core.AbortMultipartUpload(cctx, b.opts.Bucket, key, uploadID); err != nil {
		e := b.classify(ctx, "abort", key, err, c, nil)
		if e.Status == 404 && e.Code == "NoSuchUpload" {
			return nil
		}
		return e
	}
	return nil
}
