package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// ErrorKind returns the Kind of an error returned by Put or by minio-go. It
// is the backend's one classification (see classify).
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	//lint:ignore SA1012 a nil context means "the caller's context is unknown" to classify
	return b.classify(nil, "", "", err, nil, nil).Kind
}

// classify returns the *uploader.Error for err, which op on key returned
// under ctx (nil when the caller's context is unknown, as in ErrorKind).
// c is the call's captured reply and src the request body, each nil if
// there was none. The outline is errclass.Classify's; a server reply is a
// minio.ErrorResponse (a value type) with a status.
func (b *Backend) classify(ctx context.Context, op, key string, err error, c *transport.Capture, src *xfer.Source) *uploader.Error {
	return errclass.Classify(ctx, b.target(), op, key, err, src.ReadErr(), func(err error) (errclass.Reply, bool) {
		var er minio.ErrorResponse
		if !errors.As(err, &er) || er.StatusCode == 0 {
			return errclass.Reply{}, false
		}
		return reply(er, c), true
	})
}

// reply builds the errclass.Reply of er, completed from the captured reply
// when it is the one er describes.
func reply(er minio.ErrorResponse, c *transport.Capture) errclass.Reply {
	r := errclass.Reply{Status: er.StatusCode, Code: er.Code, Message: er.Message, RequestID: er.RequestID}
	if c == nil || c.Status() != er.StatusCode {
		return r
	}
	h, body := c.Header(), c.Body()
	if len(body) == 0 && h.Get("X-Minio-Error-Code") == "" {
		// A bodiless reply (HEAD): minio-go made the code up from the
		// status; keep only what the server said.
		r.Code, r.Message = "", statusText(er.StatusCode)
	}
	r.StringToSign, r.ServerTime = errorBody(body)
	return errclass.ReplyFromHeader(r, h, "X-Amz-Request-Id")
}

// errorBody returns the StringToSign (AWS sends it with
// SignatureDoesNotMatch) and the ServerTime (with RequestTimeTooSkewed) of
// an XML error body, each zero when absent.
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
