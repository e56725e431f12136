package oss

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/uploader"
)

// ErrorKind returns the Kind of an error that Put or the SDK returned: the
// Kind of an *uploader.Error in its chain, else the classification of the
// SDK's error (see classify). Without the call's context, a
// [context.Canceled] is taken for the caller's cancellation and a
// [context.DeadlineExceeded] for an attempt's deadline.
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	//lint:ignore SA1012 a nil context means "the caller's context is unknown" to classify
	return b.classify(nil, "", "", err, nil, 0, signing{}).Kind
}

// signing is what classify knows of how the failed request was signed:
// the clock correction it carried, when known. A refusal of a request
// signed with a correction that covers the measured offset is not blamed on
// the clock (errclass.Reply.Corrected).
type signing struct {
	correction time.Duration
	known      bool
}

// signingAt returns the signing of a request that skew.Clock.Do signs at
// signAt (local time plus the correction); call it as the run starts.
func (b *Backend) signingAt(signAt time.Time) signing {
	return signing{correction: signAt.Sub(b.clock.LocalNow()).Round(time.Second), known: true}
}

// reply returns r with how its request was signed.
func (sg signing) reply(r errclass.Reply) errclass.Reply {
	r.Correction, r.Corrected = sg.correction, sg.known
	return r
}

// errorBody is what the backend reads from an OSS error body beyond what
// oss.ServiceError holds.
type errorBody struct {
	StringToSign string `xml:"StringToSign"`
	ServerTime   string `xml:"ServerTime"`
}

// classify returns the *uploader.Error for err, the failure of op on key.
// ctx is the call's context, nil when unknown; h and status are the reply's
// headers and HTTP status when there was a reply (status 0 if unknown); sg
// is how the request was signed (the zero signing when unknown).
//
// In order: an *uploader.Error is kept; an oss.ServiceError (a VALUE type)
// gives the server's status, code, message, request ID, StringToSign and
// server time; an oss.CRCCheckError is Integrity; an
// oss.UnexpectedStatusCodeError gives a status; a transport failure (a
// *url.Error over a dial, reset, stall or context error) is classified by
// errclass.Transport; any other error with a recorded status (a reply whose
// body was not OSS XML) by that status; the rest is Unknown.
func (b *Backend) classify(ctx context.Context, op, key string, err error, h http.Header, status int, sg signing) *uploader.Error {
	t := b.target()
	var (
		ue  *uploader.Error
		se  oss.ServiceError
		crc oss.CRCCheckError
		use oss.UnexpectedStatusCodeError
	)
	switch {
	case errors.As(err, &ue):
		c := *ue
		if c.Target == "" {
			c.Target = b.name
		}
		if c.Provider == "" {
			c.Provider = Provider
		}
		return &c
	case errors.As(err, &se):
		r := errclass.Reply{Status: se.StatusCode, Code: se.Code, Message: se.Message, RequestID: se.RequestID}
		if se.RawMessage != "" {
			var eb errorBody
			if xml.Unmarshal([]byte(se.RawMessage), &eb) == nil {
				r.StringToSign = eb.StringToSign
				if st, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(eb.ServerTime)); perr == nil {
					r.ServerTime = st
				}
			}
		}
		r = errclass.ReplyFromHeader(r, h, oss.HTTPHeaderOssRequestID)
		e := errclass.Build(t, op, key, sg.reply(r), err)
		if se.Endpoint != "" {
			e.Hints = append(e.Hints, fmt.Sprintf("OSS says this bucket must be addressed through the endpoint %s: set the endpoint to it", se.Endpoint))
		}
		return e
	case errors.As(err, &crc):
		r := errclass.ReplyFromHeader(errclass.Reply{Status: status}, h, oss.HTTPHeaderOssRequestID)
		e := errclass.Build(t, op, key, sg.reply(r), err)
		e.Kind, e.Code, e.Message = uploader.Integrity, "CRCCheckFailed", "the CRC64 of the stored bytes differs from the CRC64 of the bytes sent: "+err.Error()
		return e
	case errors.As(err, &use):
		r := errclass.ReplyFromHeader(errclass.Reply{Status: use.Got(), Message: err.Error()}, h, oss.HTTPHeaderOssRequestID)
		return errclass.Build(t, op, key, sg.reply(r), err)
	}
	if ctx == nil && errors.Is(err, context.Canceled) {
		e, _ := errclass.Transport(context.Background(), t, op, key, err)
		e.Kind = uploader.Canceled
		return e
	}
	if e, ok := errclass.Transport(ctx, t, op, key, err); ok {
		return e
	}
	if status != 0 {
		r := errclass.ReplyFromHeader(errclass.Reply{Status: status, Message: err.Error()}, h, oss.HTTPHeaderOssRequestID)
		e := errclass.Build(t, op, key, sg.reply(r), err)
		if loc := h.Get("Location"); status >= 300 && status < 400 && loc != "" {
			e.Message = fmt.Sprintf("the server redirected to %s (signed requests are not redirected)", loc)
			e.Hints = append(e.Hints, "the endpoint may be wrong for this bucket: check it, and use the host the server redirects to if you trust it")
		}
		return e
	}
	return &uploader.Error{Kind: uploader.Unknown, Target: b.name, Provider: Provider, Op: op, Key: key, Message: err.Error(), Err: err}
}

// hints returns the hints for an error of kind k: the diag checks of the
// configuration, plus what the server's StringToSign reveals.
func (b *Backend) hints(k uploader.Kind, e *uploader.Error) []string {
	off, known := b.clock.Offset()
	switch k {
	case uploader.SignatureMismatch:
		hs := stringToSignHints(e.StringToSign, b.sigV4, b.region)
		return append(hs, diag.SignatureHints(b.cfg, off, known)...)
	case uploader.ClockSkew:
		return diag.ClockSkewHints(off, known, b.clock.Enabled())
	case uploader.InvalidCredentials:
		return diag.CredentialHints(b.cfg)
	}
	return nil
}

// stringToSignHints compares the server's StringToSign with how this
// backend signs: the algorithm (V1 or V4) and, for V4, the region of the
// scope (OSS4-HMAC-SHA256\n<date>\n<day>/<region>/oss/aliyun_v4_request\n...).
func stringToSignHints(sts string, v4 bool, region string) []string {
	if sts == "" {
		return nil
	}
	serverV4 := strings.HasPrefix(sts, "OSS4-HMAC-SHA256\n")
	switch {
	case serverV4 && !v4:
		return []string{"the server verified an OSS4-HMAC-SHA256 (V4) signature but this target signs with V1: check the signature version"}
	case !serverV4 && v4:
		return []string{"the server verified a V1 signature but this target signs with V4 (OSS4-HMAC-SHA256): check the signature version, or a proxy that rewrites the Authorization header"}
	case serverV4:
		lines := strings.Split(sts, "\n")
		if len(lines) >= 3 {
			scope := strings.Split(lines[2], "/")
			if len(scope) >= 2 && scope[1] != region {
				return []string{fmt.Sprintf("the server's V4 scope names region %q but this target signs for %q: set the region to match the endpoint", scope[1], region)}
			}
		}
	}
	return nil
}
