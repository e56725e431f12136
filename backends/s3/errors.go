package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"net/url"
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
// under ctx (nil when the caller's context is unknown, as in ErrorKind: a
// bare context.Canceled is then taken for the caller's). c is the call's
// captured reply and src the request body, each nil if there was none.
//
// In order: an *uploader.Error is kept; a done ctx gives Canceled; a failed
// read of the caller's body gives Invalid; a server reply
// (minio.ErrorResponse, a value type) goes through errclass.Build; a failure
// without a reply through errclass.Transport; any other *url.Error is a
// broken connection (minio-go replaces EOF causes by a plain message, so
// they no longer match), Unavailable; the rest is Unknown.
func (b *Backend) classify(ctx context.Context, op, key string, err error, c *transport.Capture, src *xfer.Source) *uploader.Error {
	if err == nil {
		return nil
	}
	if e := uploader.AsError(err); e != nil {
		if e.Target == "" {
			e.Target, e.Provider = b.name, Provider
		}
		if e.Op == "" {
			e.Op = op
		}
		if e.Key == "" {
			e.Key = key
		}
		return e
	}
	t := b.target()
	if ctx == nil {
		if errors.Is(err, context.Canceled) {
			return &uploader.Error{Kind: uploader.Canceled, Target: b.name, Provider: Provider, Op: op, Key: key, Message: err.Error(), Err: err}
		}
		ctx = context.Background()
	}
	if ctx.Err() != nil {
		e, _ := errclass.Transport(ctx, t, op, key, err)
		return e
	}
	if rerr := src.ReadErr(); rerr != nil {
		return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: op, Key: key,
			Message: "reading the object's body: " + rerr.Error(), Err: err}
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) && er.StatusCode != 0 {
		return errclass.Build(t, op, key, reply(er, c), err)
	}
	if e, ok := errclass.Transport(ctx, t, op, key, err); ok {
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &uploader.Error{Kind: uploader.Unavailable, Target: b.name, Provider: Provider, Op: op, Key: key,
			Message: "the connection failed: " + ue.Err.Error(), Err: err}
	}
	return &uploader.Error{Kind: uploader.Unknown, Target: b.name, Provider: Provider, Op: op, Key: key, Message: err.Error(), Err: err}
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
