// Package incomplete lists the incomplete multipart uploads of a bucket
// page by page, for the backends' [uploader.MultipartLister]s.
//
// S3 and the vendors take the prefix of ListMultipartUploads as a prefix;
// MinIO takes a non-empty one for a whole key (it lists the uploads of
// that one object). So when the server lists nothing under a non-empty
// prefix, [List] asks for the whole bucket's list and filters it: one more
// request when there is nothing to find, and a right answer from either
// kind of server.
package incomplete

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/resilient-upload/upload/uploader"
)

// Page is one reply of ListMultipartUploads.
type Page struct {
	Uploads   []uploader.IncompleteUpload
	Truncated bool
	// NextKey and NextUploadID are the markers of the next page.
	NextKey, NextUploadID string
}

// PageFunc asks the server for the page of the uploads under prefix that
// follows the markers key and uploadID ("" for the first page). Its errors
// are returned as they are.
type PageFunc func(ctx context.Context, prefix, key, uploadID string) (Page, error)

// MaxUploads is the page size to ask for (the servers' maximum).
const MaxUploads = 1000

// List returns the uploads whose keys start with prefix, asking page for
// every page. A server that says the list goes on but repeats its markers
// gives an error rather than an endless loop.
func List(ctx context.Context, prefix string, page PageFunc) ([]uploader.IncompleteUpload, error) {
	out, err := list(ctx, prefix, prefix, page)
	if err != nil || len(out) > 0 || prefix == "" {
		return out, err
	}
	return list(ctx, "", prefix, page)
}

func list(ctx context.Context, ask, prefix string, page PageFunc) ([]uploader.IncompleteUpload, error) {
	var out []uploader.IncompleteUpload
	key, id := "", ""
	for {
		p, err := page(ctx, ask, key, id)
		if err != nil {
			return nil, err
		}
		for _, u := range p.Uploads {
			if strings.HasPrefix(u.Key, prefix) {
				out = append(out, u)
			}
		}
		if !p.Truncated {
			return out, nil
		}
		if p.NextKey == key && p.NextUploadID == id {
			return nil, fmt.Errorf("the server says the list of multipart uploads goes on but repeats the markers (%q, %q)", key, id)
		}
		key, id = p.NextKey, p.NextUploadID
	}
}

// ListFor is List as every backend's ListIncomplete returns it: closed, the
// backend's refusal after Close, is returned as it is when not nil; a
// failure of List that is not an *uploader.Error (a server repeating its
// markers) becomes one of Kind Unknown naming target, provider and prefix.
func ListFor(ctx context.Context, closed error, target, provider, prefix string, page PageFunc) ([]uploader.IncompleteUpload, error) {
	if closed != nil {
		return nil, closed
	}
	ups, err := List(ctx, prefix, page)
	if err != nil && uploader.AsError(err) == nil {
		return nil, &uploader.Error{Kind: uploader.Unknown, Op: "list_uploads", Target: target, Provider: provider, Key: prefix, Message: err.Error()}
	}
	return ups, err
}

// Aborted returns err, the failure of an abort, or nil when it says the
// upload no longer exists (404 NoSuchUpload): aborting an upload that is
// gone is what was asked for.
func Aborted(err error) error {
	if e := uploader.AsError(err); e != nil && e.Status == http.StatusNotFound && e.Code == "NoSuchUpload" {
		return nil
	}
	return err
}
