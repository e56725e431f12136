// Package errclass is the one classification table shared by the cloud
// backends. Each backend extracts a [Reply] from its SDK's error value (or
// finds a transport error underneath) and calls [Build], so that the same
// failure gets the same [uploader.Kind] on every provider.
//
// The vendor strings matched here, and only here, are in [Codes] (every
// vendor's published error codes, with status, meaning and Kind, and the
// page each list comes from in [Sources]), extraCodes, messageKinds and
// clientMessageKinds, each with the vendor that forces it.
//
// # The rule for refusals
//
// A refusal is Invalid only when it is the caller's own input that no
// target would take: the key, the size, the body, the arguments sent
// (EntityTooLarge, KeyTooLong, InvalidArgument, 411, 412, 413, 414). A
// refusal that comes from the target, its endpoint, region, policy or
// settings (AuthorizationHeaderMalformed, PublicEndpointForbidden,
// CrossRegionAccessError, a redirect, a missing KMS key, 405, 501
// NotImplemented) is TargetRefused: another target may take the object, so
// it fails over and backs up. A 400 whose code is in no table is
// TargetRefused too: the caller's input was checked before it was sent, so
// an unknown 400 says more about the target than about the object, and
// failing over loses nothing, where ending the upload would leave the file
// nowhere.
package errclass

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/uploader"
)

// Reply is what a server answered, as a backend extracted it from its SDK's
// error value.
type Reply struct {
	// Status is the HTTP status; 0 if the SDK lost it.
	Status int
	// Code is the vendor's error code; empty for bodiless replies (HEAD).
	Code string
	// Message is the vendor's message.
	Message string
	// RequestID is the vendor's request ID.
	RequestID string
	// ServerTime is the server's time, from the body's ServerTime or the Date
	// header; zero if unknown.
	ServerTime time.Time
	// StringToSign is the string the server signed, if it sent it back.
	StringToSign string
	// RetryAfter is the parsed Retry-After header.
	RetryAfter time.Duration
	// Correction is the clock correction the request was signed with
	// (it carried local time plus Correction), and Corrected reports that
	// the backend set it. Then a 403 counts as a clock-skew refusal only if
	// the measured offset minus Correction is beyond the clock's threshold:
	// a request signed with the server's time was refused for another
	// reason (a wrong secret stays SignatureMismatch while skew correction
	// is on). Backends that leave it unset get the plain rule: any 403
	// while the measured offset is beyond the threshold.
	Correction time.Duration
	Corrected  bool
}

// ReplyFromHeader fills the RequestID (from the first of idHeaders present),
// ServerTime and RetryAfter of r from a reply's headers where r lacks them.
func ReplyFromHeader(r Reply, h http.Header, idHeaders ...string) Reply {
	if h == nil {
		return r
	}
	if r.RequestID == "" {
		for _, k := range idHeaders {
			if v := h.Get(k); v != "" {
				r.RequestID = v
				break
			}
		}
	}
	if r.ServerTime.IsZero() {
		if t, err := http.ParseTime(h.Get("Date")); err == nil {
			r.ServerTime = t
		}
	}
	if r.RetryAfter == 0 {
		r.RetryAfter = ParseRetryAfter(h.Get("Retry-After"))
	}
	return r
}

// ParseRetryAfter parses a Retry-After value in seconds or as an HTTP date
// (relative to now); it returns 0 when v is empty or malformed.
func ParseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// messageKinds are message fragments that some vendors send instead of a
// code that says what happened. Matched case-insensitively, only when the
// code alone does not decide.
var messageKinds = []struct {
	fragment string
	kind     uploader.Kind
	vendor   string
}{
	// COS answers an expired or not-yet-valid q-sign-time with 403
	// AccessDenied and this message.
	{"request has expired", uploader.ClockSkew, "cos"},
	{"request time too skewed", uploader.ClockSkew, "cos"},
	{"q-sign-time", uploader.ClockSkew, "cos"},
	// OSS V4 and TOS explain a skew refusal in the message as well.
	{"too skewed", uploader.ClockSkew, "oss,tos"},
}

// clientMessageKinds are fragments of errors that an SDK raises itself,
// after a reply it judged wrong, as a plain error with no type to test.
// Matched case-insensitively by [ClientKind].
var clientMessageKinds = []struct {
	fragment string
	kind     uploader.Kind
	vendor   string
}{
	// The COS SDK compares the reply's x-cos-hash-crc64ecma with the CRC64
	// of the bytes it sent and fails a 2xx reply with "verification failed,
	// want:…, return:…, x-cos-hash-crc64ecma:…" (cos.go doAPI), inside a
	// *cos.RetryError.
	{"x-cos-hash-crc64ecma", uploader.Integrity, "cos"},
}

// ClientKind returns the Kind of an error an SDK raised itself without a
// type that says what happened (see clientMessageKinds), or OK if err is
// none of those.
func ClientKind(err error) uploader.Kind {
	if err == nil {
		return uploader.OK
	}
	m := strings.ToLower(err.Error())
	for _, e := range clientMessageKinds {
		if strings.Contains(m, e.fragment) {
			return e.kind
		}
	}
	return uploader.OK
}

// CodeKind returns the Kind of a server reply with this status, code and
// message, before any skew measurement is taken into account, whatever the
// vendor.
func CodeKind(status int, code, message string) uploader.Kind {
	return VendorKind("", status, code, message)
}

// VendorKind is [CodeKind] for a reply of vendor (tos, oss, obs, cos, s3;
// empty for any): the vendor's own entry of [Codes] decides where codes
// differ.
func VendorKind(vendor string, status int, code, message string) uploader.Kind {
	if k, ok := codeKind(vendor, code); ok {
		if k == uploader.AccessDenied && messageKind(message) == uploader.ClockSkew {
			return uploader.ClockSkew
		}
		return k
	}
	if k := messageKind(message); k != uploader.OK {
		return k
	}
	return StatusKind(status)
}

func messageKind(message string) uploader.Kind {
	m := strings.ToLower(message)
	for _, e := range messageKinds {
		if strings.Contains(m, e.fragment) {
			return e.kind
		}
	}
	return uploader.OK
}

// StatusKind returns the Kind of a reply known only by its status, such as
// the bodiless reply to a HEAD.
func StatusKind(status int) uploader.Kind {
	switch {
	case status == http.StatusTooManyRequests:
		return uploader.Throttled
	case status == http.StatusServiceUnavailable:
		return uploader.Unavailable
	case status == http.StatusGatewayTimeout, status == http.StatusRequestTimeout:
		return uploader.Timeout
	case status >= 500:
		return uploader.Unavailable
	case status == http.StatusUnauthorized:
		return uploader.InvalidCredentials
	case status == http.StatusForbidden:
		return uploader.AccessDenied
	case status == http.StatusNotFound:
		// Put and multipart calls name a bucket: 404 means it is missing.
		// (Stat callers use uploader.IsNotFound, which reads the status.)
		return uploader.BucketNotFound
	case status == http.StatusLengthRequired, status == http.StatusRequestEntityTooLarge,
		status == http.StatusPreconditionFailed, status == http.StatusRequestURITooLong:
		// The caller's own request: its size, its key, its conditions.
		return uploader.Invalid
	case status == http.StatusBadRequest, status == http.StatusMethodNotAllowed,
		status == http.StatusMovedPermanently, status == http.StatusTemporaryRedirect,
		status == http.StatusPermanentRedirect:
		// The target's refusal (see the package documentation).
		return uploader.TargetRefused
	}
	return uploader.Unknown
}

// Target describes the backend an error came from.
type Target struct {
	Name     string
	Provider string
	// Clock is the endpoint's skew estimate, if the backend measures one.
	Clock *skew.Clock
	// Hints returns the hints for an error of kind k; nil means none.
	Hints func(k uploader.Kind, e *uploader.Error) []string
}

// Build returns the *uploader.Error for a server reply to op on key. A 403
// while the measured skew is beyond the clock's threshold becomes ClockSkew
// whatever its code.
//
// A code whose entry in [Codes] has a Hint gets it after the target's own
// hints.
func Build(t Target, op, key string, r Reply, cause error) *uploader.Error {
	k := VendorKind(t.Provider, r.Status, r.Code, r.Message)
	e := &uploader.Error{
		Kind: k, Target: t.Name, Provider: t.Provider, Op: op, Key: key,
		Status: r.Status, Code: r.Code, Message: r.Message, RequestID: r.RequestID,
		ServerTime: r.ServerTime, StringToSign: r.StringToSign, RetryAfter: r.RetryAfter,
		Err: cause,
	}
	if t.Clock != nil {
		if off, ok := t.Clock.Offset(); ok && (abs(off) >= time.Second || k == uploader.ClockSkew) {
			e.Skew = off
		}
		if r.Status == http.StatusForbidden && k != uploader.ClockSkew && skewedRequest(t.Clock, r) {
			e.Kind = uploader.ClockSkew
		}
	}
	if e.Message == "" && cause != nil {
		e.Message = cause.Error()
	}
	if t.Hints != nil {
		e.Hints = t.Hints(e.Kind, e)
	}
	if c, ok := Lookup(t.Provider, r.Code); ok && c.Hint != "" && e.Kind == c.Kind {
		e.Hints = append(e.Hints, c.Hint)
	}
	return e
}

// skewedRequest reports whether the request r answers was signed with a
// time beyond the clock's threshold from the server's, as far as the
// measured offset tells.
func skewedRequest(c *skew.Clock, r Reply) bool {
	if !r.Corrected {
		return c.Skewed()
	}
	off, ok := c.Offset()
	return ok && abs(off-r.Correction) >= c.Threshold()
}

// Transport returns the *uploader.Error for a failure with no server reply
// (a dial, DNS, TLS, reset or timeout error, or the context's), found
// anywhere in err's chain. ctx is the context of the call: if it is done the
// Kind is Canceled; a context error while it is alive is an internal
// deadline, Kind Timeout. ok is false if err holds no such failure.
func Transport(ctx context.Context, t Target, op, key string, err error) (e *uploader.Error, ok bool) {
	k, ok := NetKind(ctx, err)
	if !ok {
		return nil, false
	}
	e = &uploader.Error{Kind: k, Target: t.Name, Provider: t.Provider, Op: op, Key: key, Message: err.Error(), Err: err}
	if t.Clock != nil {
		if off, known := t.Clock.Offset(); known && abs(off) >= time.Second {
			e.Skew = off
		}
	}
	if t.Hints != nil {
		e.Hints = t.Hints(k, e)
	}
	return e, true
}

// NetKind classifies a failure with no server reply. It reports false if
// err is none of: the context's error, a stall, a timeout, a DNS failure, a
// refused or reset connection, an unexpected EOF, a TLS certificate error.
func NetKind(ctx context.Context, err error) (uploader.Kind, bool) {
	if err == nil {
		return uploader.OK, false
	}
	if ctx != nil && ctx.Err() != nil {
		return uploader.Canceled, true
	}
	var stall *transport.StallError
	var dns *net.DNSError
	var netErr net.Error
	var opErr *net.OpError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, &stall):
		return uploader.Timeout, true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller's context is alive, so an inner deadline fired.
		return uploader.Timeout, true
	case errors.As(err, &dns):
		if dns.IsTimeout {
			return uploader.Timeout, true
		}
		return uploader.Unavailable, true
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return uploader.Unavailable, true
	case errors.As(err, &netErr) && netErr.Timeout():
		return uploader.Timeout, true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return uploader.Unavailable, true
	case errors.As(err, &opErr):
		return uploader.Unavailable, true
	}
	return uploader.OK, false
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Classify is the one outline of a backend's classification of err, which
// op on key returned under ctx (nil when the caller's context is unknown,
// as in a backend's ErrorKind: a bare context.Canceled is then taken for
// the caller's). readErr is the failure of the caller's request body, if
// any; reply returns the server's answer that err carries, ok false when it
// carries none.
//
// In order: an *uploader.Error is kept, completed with the target, op and
// key it lacks; a done ctx gives Canceled; a failed read of the caller's
// body gives Invalid; a server reply goes through [Build]; a failure
// without a reply through [Transport]; any other *url.Error is a broken
// connection, Unavailable (some SDKs replace the cause by a plain message,
// so it no longer matches); the rest is Unknown.
func Classify(ctx context.Context, t Target, op, key string, err, readErr error, reply func(error) (Reply, bool)) *uploader.Error {
	if err == nil {
		return nil
	}
	if e := uploader.AsError(err); e != nil {
		if e.Target == "" {
			e.Target, e.Provider = t.Name, t.Provider
		}
		if e.Op == "" {
			e.Op = op
		}
		if e.Key == "" {
			e.Key = key
		}
		return e
	}
	fail := func(k uploader.Kind, msg string) *uploader.Error {
		return &uploader.Error{Kind: k, Target: t.Name, Provider: t.Provider, Op: op, Key: key, Message: msg, Err: err}
	}
	if ctx == nil {
		if errors.Is(err, context.Canceled) {
			return fail(uploader.Canceled, err.Error())
		}
		ctx = context.Background()
	}
	if ctx.Err() != nil {
		e, _ := Transport(ctx, t, op, key, err)
		return e
	}
	if readErr != nil {
		return fail(uploader.Invalid, "reading the object's body: "+readErr.Error())
	}
	if r, ok := reply(err); ok {
		return Build(t, op, key, r, err)
	}
	if e, ok := Transport(ctx, t, op, key, err); ok {
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fail(uploader.Unavailable, "the connection failed: "+ue.Err.Error())
	}
	return fail(uploader.Unknown, err.Error())
}
