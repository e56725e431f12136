package xfer

import "github.com/resilient-upload/upload/uploader"

// RecordReply sets the HTTP status and request ID of the last attempt, the
// one that succeeded, from its reply; a status of 0 (no reply known)
// leaves the attempt as it is.
func RecordReply(attempts []uploader.Attempt, status int, requestID string) {
	if len(attempts) == 0 || status == 0 {
		return
	}
	last := &attempts[len(attempts)-1]
	if last.Err != nil {
		return
	}
	last.Status, last.RequestID = status, requestID
}

// Reply is the status and request ID of a successful reply that a
// multipart upload's session keeps from its complete request, to record
// on the upload's attempt once it has succeeded.
type Reply struct {
	Status    int
	RequestID string
}

// Record is [RecordReply] of r.
func (r Reply) Record(attempts []uploader.Attempt) { RecordReply(attempts, r.Status, r.RequestID) }
