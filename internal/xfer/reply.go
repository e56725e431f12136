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
