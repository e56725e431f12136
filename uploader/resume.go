package uploader

import "time"

// Part is one part of a multipart upload: what a backend hands a
// [Resumer] as each part is stored, and what [Result].Parts lists.
type Part struct {
	// Number is 1-based; Offset and Size place the part in the object.
	Number int
	Offset int64
	Size   int64
	// ETag is what the server returned for the part (for S3 and its kin
	// the hex MD5 of the part's bytes, unless encrypted with a KMS key).
	ETag string
	// Elapsed is how long the part's upload took, retries after a skew
	// refusal included; zero for a resumed part.
	Elapsed time.Duration
	// Resumed reports that an earlier attempt stored the part, and that
	// its size and ETag matched the bytes of the body now, so it was not
	// sent again.
	Resumed bool
}

// Resumer makes the multipart upload of an [Object] resumable. It is
// optional ([Object].Resume): without one, a backend aborts a multipart
// upload that fails, and the next attempt starts from its first part.
//
// With one, a backend that can resume (the cloud backends here) tells it
// the upload ID before it sends any part ([Resumer.Started]) and each part
// as it is stored ([Resumer.PartDone]); a failure that may pass (Kind
// Transient, Canceled, or a refusal by the target) does not abort the
// upload. A later Put of the same Object to the same target (a retry in
// the same run, or a new process that recorded the ID) asks for it
// ([Resumer.UploadID]), lists the parts the server holds, and keeps only
// those whose size and ETag match the bytes of the body now, read and
// hashed again: nothing is trusted because it was recorded. If all listed
// parts match, only the missing ones are sent; if any does not (the body
// changed), or the upload is gone, the old upload is aborted (if it still
// exists) and a new one starts. The assembled object is verified as
// without a Resumer (composite ETag, CRC-64, size).
//
// A failure that shows the body or the request wrong (Kind Invalid or
// Integrity), or one in completing the upload, still aborts it. When a
// backend completes or aborts an upload it calls [Resumer.Ended]; an
// upload that was started and not ended is left on the server for the
// next Put to resume, or for the caller to abort ([MultipartAborter]).
//
// The methods are called from the goroutines of the upload, PartDone
// concurrently; an implementation must be safe for that. They must not
// block for long: parts wait on them.
type Resumer interface {
	// UploadID returns the ID of an upload of this object on target that
	// an earlier Put started and did not end, or "" for none.
	UploadID(target string) string
	// Started says that the upload uploadID on target (new, or resumed)
	// is about to send its parts, partSize bytes each but the last.
	Started(target, uploadID string, partSize int64)
	// PartDone says that part p of uploadID is stored on target.
	PartDone(target, uploadID string, p Part)
	// Ended says that uploadID on target was completed or aborted: it
	// can no longer be resumed.
	Ended(target, uploadID string)
}
