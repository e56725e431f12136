package main

import (
	"errors"

	"github.com/resilient-upload/upload/uploader"
)

// errorReport is the "error" of a failed file in the --json report:
// the classified failure (see uploader.Error) in the same words on every
// provider.
type errorReport struct {
	// Kind is the meaning: signature_mismatch, clock_skew, throttled,
	// unavailable, ..., "invalid" for a file or key refused before any
	// attempt, "canceled" for an interruption.
	Kind string `json:"kind"`
	// Code, Status and RequestID are the server's, when a reply came.
	Code      string `json:"code"`
	Status    int    `json:"status"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	// Hints are likely causes and remedies, in the order to check them.
	Hints []string `json:"hints"`
}

// newErrorReport describes err for the report. When err is the
// Uploader's summary ("no target stored the object"), without a reply of
// its own, the code, status, request ID and hints are those of the last
// failed attempt that had them.
func newErrorReport(err error, attempts []uploader.Attempt) *errorReport {
	r := &errorReport{Kind: uploader.Invalid.String(), Message: errText(err), Hints: []string{}}
	if errors.Is(err, errInterrupted) {
		r.Kind = uploader.Canceled.String()
	}
	ue := uploader.AsError(err)
	if ue == nil {
		return r
	}
	r.Kind = ue.Kind.String()
	detail := ue
	if ue.Status == 0 && ue.Code == "" {
		for i := len(attempts) - 1; i >= 0; i-- {
			if ae := uploader.AsError(attempts[i].Err); ae != nil && (ae.Status != 0 || ae.Code != "") {
				detail = ae
				break
			}
		}
	}
	r.Code, r.Status, r.RequestID = detail.Code, detail.Status, detail.RequestID
	hints := ue.Hints
	if len(hints) == 0 {
		hints = detail.Hints
	}
	r.Hints = append(r.Hints, hints...)
	return r
}
