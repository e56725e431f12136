package uploader

import (
	"context"
	"time"
)

// IncompleteUpload is a multipart upload that was started and neither
// completed nor aborted: a process killed between the initiate call and
// the complete call, or an initiate whose reply was cut, leaves one. Its
// parts are stored (and billed) until it is aborted.
type IncompleteUpload struct {
	// Key is the object key the upload was started for.
	Key string
	// UploadID is the server's ID of the upload.
	UploadID string
	// Initiated is when the server says the upload was started (zero if
	// it does not say).
	Initiated time.Time
}

// MultipartLister is implemented by backends that can list the
// incomplete multipart uploads of their bucket.
type MultipartLister interface {
	// ListIncomplete returns the incomplete multipart uploads whose keys
	// start with prefix ("" for the whole bucket), in the server's order
	// (by key, then by initiation). It fails with an *Error.
	ListIncomplete(ctx context.Context, prefix string) ([]IncompleteUpload, error)
}

// MultipartAborter is implemented by backends that can abort a multipart
// upload they did not start themselves.
type MultipartAborter interface {
	// AbortIncomplete aborts the upload uploadID of key: the server
	// discards its parts. An upload that no longer exists (completed or
	// aborted meanwhile) is not an error. It fails with an *Error.
	AbortIncomplete(ctx context.Context, key, uploadID string) error
}
