package obs

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"time"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ErrorKind returns the Kind of an error returned by Put or by the OBS SDK.
// It is the backend's one classification (see classify).
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	//lint:ignore SA1012 a nil context means "the caller's context is unknown" to classify
	return b.classify(nil, "", "", err, nil).Kind
}

// classify returns the *uploader.Error for err, which op on key returned
// under ctx (nil when the caller's context is unknown, as in ErrorKind).
// cl is what is known of the SDK call, nil if nothing. The outline is
// errclass.Classify's; a server reply is an obs.ObsError (a value type, or
// a pointer to one) with a status, and the SDK's own argument errors are
// Unknown.
func (b *Backend) classify(ctx context.Context, op, key string, err error, cl *call) *uploader.Error {
	return errclass.Classify(ctx, b.target(), op, key, err, cl.readErr(), func(err error) (errclass.Reply, bool) {
		oe, ok := asObsError(err)
		if !ok || oe.StatusCode == 0 {
			return errclass.Reply{}, false
		}
		return reply(oe, cl), true
	})
}

// call is what classify knows of one SDK call.
type call struct {
	// capture holds the reply the transport saw.
	capture *transport.Capture
	// src is the request body, nil if none.
	src *xfer.Source
	// correction is the clock correction the request was signed with.
	correction time.Duration
}

func (cl *call) readErr() error {
	if cl == nil {
		return nil
	}
	return cl.src.ReadErr()
}

// asObsError finds an obs.ObsError in err's chain: the SDK returns it as a
// value; a pointer is accepted too.
func asObsError(err error) (hwobs.ObsError, bool) {
	var v hwobs.ObsError
	if errors.As(err, &v) {
		return v, true
	}
	var p *hwobs.ObsError
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	return hwobs.ObsError{}, false
}

// reply builds the errclass.Reply of oe. The SDK strips x-obs-/x-amz- from
// its lower-cased ResponseHeaders keys: the request ID is "request-id", the
// server time "date". The StringToSign and ServerTime come from the
// captured body, when the capture holds the reply oe describes; the
// correction the request was signed with comes from cl, so that a 403 to a
// corrected request is not blamed on the clock.
func reply(oe hwobs.ObsError, cl *call) errclass.Reply {
	r := errclass.Reply{Status: oe.StatusCode, Code: oe.Code, Message: oe.Message, RequestID: oe.RequestId}
	h := oe.ResponseHeaders
	first := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if r.RequestID == "" {
		r.RequestID = first("request-id")
	}
	if cl != nil {
		r.Correction, r.Corrected = cl.correction, true
		if c := cl.capture; c != nil && c.Status() == oe.StatusCode {
			r.StringToSign, r.ServerTime = errorBody(c.Body())
		}
	}
	if r.ServerTime.IsZero() {
		if t, err := http.ParseTime(first("date")); err == nil {
			r.ServerTime = t
		}
	}
	r.RetryAfter = errclass.ParseRetryAfter(first("retry-after"))
	return r
}

// errorBody returns the StringToSign (with SignatureDoesNotMatch) and the
// ServerTime (with RequestTimeTooSkewed) of an OBS XML error body, each zero
// when absent.
func errorBody(body []byte) (stringToSign string, serverTime time.Time) {
	if len(body) == 0 {
		return "", time.Time{}
	}
	var doc struct {
		StringToSign string `xml:"StringToSign"`
		ServerTime   string `xml:"ServerTime"`
	}
	if xml.Unmarshal(body, &doc) != nil {
		return "", time.Time{}
	}
	if doc.ServerTime != "" {
		serverTime, _ = time.Parse(time.RFC3339, strings.TrimSpace(doc.ServerTime))
	}
	return doc.StringToSign, serverTime
}
