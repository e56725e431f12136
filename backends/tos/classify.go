package tos

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/internal/diag"
	"github.com/resilient-upload/upload/internal/errclass"
	"github.com/resilient-upload/upload/uploader"
)

// ErrorKind returns the Kind of an error that Put or the TOS SDK returned:
// the Kind of an *uploader.Error in its chain, else the classification of
// the SDK's error value (see the package documentation). Without the
// caller's context at hand, a context.Canceled underneath is Kind Canceled
// and a context.DeadlineExceeded is Kind Timeout.
func (b *Backend) ErrorKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	//lint:ignore SA1012 a nil context means "the caller's context is unknown" to classify
	return b.classify(nil, "", "", err, signing{}).Kind
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

// classify returns the *uploader.Error for err, returned by an SDK call for
// op on key under ctx, signed as sg says (the zero signing when unknown, or
// no request). A nil ctx means the caller's context is unknown (ErrorKind).
func (b *Backend) classify(ctx context.Context, op, key string, err error, sg signing) *uploader.Error {
	if e := uploader.AsError(err); e != nil {
		b.own(e)
		return e
	}
	var se *tossdk.TosServerError
	if errors.As(err, &se) {
		return b.serverError(op, key, se, sg)
	}
	// The SDK's CRC64 check of a downloaded body fails with this shared
	// client error (it sets the mismatch as its Cause).
	if errors.Is(err, tossdk.CrcCheckFail) {
		return &uploader.Error{Kind: uploader.Integrity, Target: b.name, Provider: Provider, Op: op, Key: key,
			Message: "the CRC64 of the bytes read differs from the server's", Err: err}
	}
	cause := err
	if ce := asClientError(err); ce != nil {
		if ce.Cause == nil {
			// The SDK refused the request before sending it (an
			// object name it does not accept, a bad input).
			return &uploader.Error{Kind: uploader.Invalid, Target: b.name, Provider: Provider, Op: op, Key: key,
				Message: "the TOS SDK refused the request: " + strings.TrimSpace(ce.Message), Err: err}
		}
		// TosClientError has no Unwrap: its Cause is the transport's
		// error (a *url.Error around a net, TLS or context error, or
		// around the body's own error when reading it failed).
		cause = ce.Cause
		if e := uploader.AsError(cause); e != nil {
			b.own(e)
			return e
		}
	}
	if ctx == nil {
		if errors.Is(cause, context.Canceled) {
			return &uploader.Error{Kind: uploader.Canceled, Target: b.name, Provider: Provider, Op: op, Key: key,
				Message: cause.Error(), Err: cause}
		}
		ctx = context.Background()
	}
	if e, ok := errclass.Transport(ctx, b.target, op, key, cause); ok {
		return e
	}
	return &uploader.Error{Kind: uploader.Unknown, Target: b.name, Provider: Provider, Op: op, Key: key,
		Message: err.Error(), Err: cause}
}

func asClientError(err error) *tossdk.TosClientError {
	var ce *tossdk.TosClientError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// serverError classifies a *tos.TosServerError, which the SDK builds from a
// reply: for a status >= 400 from its JSON body (Code is empty when the body
// is not JSON, as for every HEAD); for a 2xx reply that failed the SDK's
// CRC64 check, with that status; for a 2xx reply whose body it could not
// parse, with status 0 and only the request ID. sg is how the refused
// request was signed.
func (b *Backend) serverError(op, key string, se *tossdk.TosServerError, sg signing) *uploader.Error {
	r := errclass.Reply{Status: se.StatusCode, Code: se.Code, Message: strings.TrimSpace(se.Message), RequestID: se.RequestID,
		Correction: sg.correction, Corrected: sg.known}
	if r.RequestID == "" {
		r.RequestID = se.ReqID
	}
	r = errclass.ReplyFromHeader(r, se.Header, "X-Tos-Request-Id")
	if se.EC != "" && !strings.Contains(r.Message, se.EC) {
		r.Message += " (EC " + se.EC + ")"
	}
	switch {
	case se.StatusCode == 0:
		r.Message = "the server answered with a body the TOS SDK could not parse: " + r.Message
	case se.StatusCode < 300:
		r.Message = "the reply failed the TOS SDK's check: " + r.Message
	}
	e := errclass.Build(b.target, op, key, r, se)
	if se.StatusCode >= 200 && se.StatusCode < 300 {
		// The SDK builds a TosServerError from a 2xx reply only when its
		// CRC64 check of that reply fails: what the server stored is not
		// what was sent.
		e.Kind = uploader.Integrity
		e.Hints = b.hints(e.Kind, e)
	}
	if se.StatusCode == 0 || (se.StatusCode >= 400 && se.Code == "" && op != "stat") {
		e.Hints = append(e.Hints, fmt.Sprintf("the reply was not TOS JSON: check that %s is a TOS endpoint (tos-<region>.volces.com), "+
			"not an S3-compatible one or a proxy that answers for another service", b.host))
	}
	return e
}

// hints returns the hints for an error of kind k from this target.
func (b *Backend) hints(k uploader.Kind, e *uploader.Error) []string {
	off, known := b.clock.Offset()
	switch k {
	case uploader.SignatureMismatch:
		// The TOS secret hints go before diag's last, most generic one
		// (a proxy).
		hs := diag.SignatureHints(b.cfg, off, known)
		last := hs[len(hs)-1]
		return append(append(hs[:len(hs)-1:len(hs)-1], secretHints(b.cfg.Secret)...), last)
	case uploader.ClockSkew:
		return diag.ClockSkewHints(off, known, b.clock.Enabled())
	case uploader.InvalidCredentials:
		return diag.CredentialHints(b.cfg)
	case uploader.BucketNotFound:
		return []string{fmt.Sprintf("check that bucket %q exists in region %s and that endpoint %s is that region's", b.bucket, orNone(b.region), b.host)}
	}
	return nil
}

// secretHints are the TOS-specific causes of a signature mismatch found in
// the incident reports: a secret that was base64-decoded before use.
func secretHints(secret string) []string {
	hs := []string{"use the SecretAccessKey exactly as the Volcengine console shows it: it looks like base64 but the SDK signs with the text itself, so it must not be decoded"}
	if secret != "" {
		if _, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret)); err != nil {
			hs = append(hs, fmt.Sprintf("the secret configured (%d characters) is not base64 text, as Volcengine secrets usually are: was it decoded, or cut short?", len(secret)))
		}
	}
	return hs
}

func orNone(s string) string {
	if s == "" {
		return "(none set)"
	}
	return s
}
