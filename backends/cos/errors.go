package cos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/uploader"
)

// ErrorKind returns the Kind of an error that Put or the COS SDK returned.
// It is this backend's one classification, shared with Put: see classify.
// Without the call's context, a bare context.Canceled is taken for the
// caller's (Canceled); an inner deadline shows as DeadlineExceeded or a
// stall (Timeout).
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	ctx := context.Background()
	if errors.Is(lastError(err), context.Canceled) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		ctx = c
	}
	return b.classify(ctx, "", "", err).Kind
}

// lastError returns err, or the last error inside the *cos.RetryError in
// its chain (which does not unwrap).
func lastError(err error) error {
	var re *cossdk.RetryError
	for errors.As(err, &re) && len(re.Errs) > 0 {
		err = re.Errs[len(re.Errs)-1]
	}
	return err
}

// target returns the errclass description of this backend, with its hints.
func (b *Backend) target() errclass.Target {
	return errclass.Target{Name: b.name, Provider: Provider, Clock: b.clock, Hints: b.hints}
}

// classify returns err as a classified *uploader.Error for op on key; ctx
// is the call's context. When ctx is the one the request was signed under
// (see [Backend.signed]), a refusal is classified with the correction the
// request was signed with (errclass.Reply.Corrected), so that a 403 to a
// request signed with the server's time is not blamed on the clock. The
// COS SDK returns:
//
//   - *cos.ErrorResponse for any non-2xx reply: status, code, message,
//     request and trace IDs, and the reply with its Date header;
//   - *cos.RetryError around everything else (transport failures, the
//     context's error, the CRC64 mismatch), which has no Unwrap: its Errs
//     are walked explicitly, the last one being the final try's;
//   - plain errors before sending (a nil or oversized reader).
func (b *Backend) classify(ctx context.Context, op, key string, err error) *uploader.Error {
	if e := uploader.AsError(err); e != nil {
		return e
	}
	var er *cossdk.ErrorResponse
	if errors.As(err, &er) {
		r := replyOf(er)
		r.Correction, r.Corrected = signCorrection(ctx)
		return errclass.Build(b.target(), op, key, r, err)
	}
	// lint:errcompare the same error value: lastError found nothing deeper
	if last := lastError(err); last != err && last != nil {
		// The last error is the final try's; with retries off it is the
		// only one.
		return b.classify(ctx, op, key, last)
	}
	if k := errclass.ClientKind(err); k != uploader.OK {
		e := &uploader.Error{Kind: k, Target: b.name, Provider: Provider, Op: op, Key: key, Message: err.Error(), Err: err}
		if k == uploader.Integrity {
			e.Message = "the server's CRC64 (x-cos-hash-crc64ecma) differs from that of the bytes sent, or is missing"
		}
		if off, ok := b.clock.Offset(); ok && abs(off) >= time.Second {
			e.Skew = off
		}
		e.Hints = b.hints(k, e)
		return e
	}
	if e, ok := errclass.Transport(ctx, b.target(), op, key, err); ok {
		return e
	}
	return &uploader.Error{Kind: uploader.Unknown, Target: b.name, Provider: Provider, Op: op, Key: key, Message: err.Error(), Err: err}
}

// signed returns ctx carrying the time signAt, from skew.Clock.Do, for the
// signer, with the correction it carries (signAt minus local time, taken as
// the run starts) for classify.
func (b *Backend) signed(ctx context.Context, signAt time.Time) context.Context {
	return withSignTime(ctx, signAt, signAt.Sub(b.clock.LocalNow()).Round(time.Second))
}

// replyOf extracts what the server answered from the SDK's error.
func replyOf(er *cossdk.ErrorResponse) errclass.Reply {
	r := errclass.Reply{Code: er.Code, Message: er.Message, RequestID: er.RequestID}
	if er.TraceID != "" {
		r.Message = strings.TrimSpace(r.Message + " (trace id " + er.TraceID + ")")
	}
	if er.Response != nil {
		r.Status = er.Response.StatusCode
		r = errclass.ReplyFromHeader(r, er.Response.Header, "X-Cos-Request-Id")
	}
	return r
}

// hints returns the hints for an error of kind k.
func (b *Backend) hints(k uploader.Kind, e *uploader.Error) []string {
	off, known := b.clock.Offset()
	cfg := b.opts.diagConfig()
	switch k {
	case uploader.SignatureMismatch:
		return diag.SignatureHints(cfg, off, known)
	case uploader.ClockSkew:
		return diag.ClockSkewHints(off, known, b.clock.Enabled())
	case uploader.InvalidCredentials:
		return diag.CredentialHints(cfg)
	case uploader.BucketNotFound:
		return []string{fmt.Sprintf("bucket %q was not found at %s: check its full name with the -APPID suffix (e.g. name-1250000000) and its region (%s) in the COS console", b.opts.Bucket, b.endpoint, orNone(b.region))}
	case uploader.AccessDenied:
		return []string{fmt.Sprintf("the credentials %s are valid but not allowed to write to bucket %q: check the CAM policy (cos:PutObject and the multipart actions) and the bucket ACL", diag.Redact(b.opts.AccessKeyID), b.opts.Bucket)}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none set"
	}
	return s
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// own returns err, an *uploader.Error from the object or its body, with
// this backend as its target.
func (b *Backend) own(err error) error {
	e := uploader.AsError(err)
	if e == nil {
		return b.classify(context.Background(), "open", "", err)
	}
	c := *e
	c.Target, c.Provider = b.name, Provider
	return &c
}

// invalid returns an *uploader.Error of Kind Invalid.
func (b *Backend) invalid(op, key, msg string) *uploader.Error {
	return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: op, Key: key, Message: msg}
}

// readErr returns the error for a body that could not be read.
func (b *Backend) readErr(op, key string, err error) *uploader.Error {
	if e := uploader.AsError(err); e != nil {
		return e
	}
	e := b.invalid(op, key, "reading the body: "+err.Error())
	e.Err = err
	return e
}

// invalidReply returns the error for a 2xx reply that lacks what it must hold.
func (b *Backend) invalidReply(op, key, msg string) *uploader.Error {
	return &uploader.Error{Kind: uploader.Unknown, Target: b.name, Provider: Provider, Op: op, Key: key, Message: msg}
}

// integrity returns an Integrity error for a reply with headers h.
func (b *Backend) integrity(op, key string, h http.Header, format string, args ...any) *uploader.Error {
	r := errclass.ReplyFromHeader(errclass.Reply{Status: http.StatusOK}, h, "X-Cos-Request-Id")
	return &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: op, Key: key,
		Status: r.Status, RequestID: r.RequestID, ServerTime: r.ServerTime, Message: fmt.Sprintf(format, args...)}
}

// final returns the *uploader.Error for the outcome err of a multipart
// upload: the classified failure, with any abort failure joined to it
// appended to its message.
func (b *Backend) final(ctx context.Context, op, key string, err error) *uploader.Error {
	var top *uploader.Error
	// lint:errcompare err is itself the classified error, not one it wraps
	if errors.As(err, &top) && top == err {
		return top
	}
	e := uploader.AsError(err)
	if e == nil {
		return b.classify(ctx, op, key, err)
	}
	c := *e
	c.Err = err
	// lint:errcompare only the join at the top: the failure and the abort's
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, other := range j.Unwrap() {
			if uploader.AsError(other) != e {
				c.Message += "; " + other.Error()
			}
		}
	}
	return &c
}
