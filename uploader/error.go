package uploader

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error is a classified failure. Every error an [Uploader] or a [Backend]
// returns is, or wraps, an *Error; use [KindOf] to read its Kind and
// [errors.As] to read the rest.
//
// Error never holds a secret: backends put only the access key ID's first
// characters into hints, and the StringToSign the server echoes holds no
// secret.
type Error struct {
	// Kind is the meaning of the failure.
	Kind Kind
	// Target is the name of the target that failed (e.g. "tos-beijing").
	Target string
	// Provider is the provider of that target: tos, oss, obs, cos, s3, local.
	Provider string
	// Op is the operation that failed: put, initiate_multipart, upload_part,
	// complete_multipart, stat, open, read, write, ...
	Op string
	// Key is the object key, when there is one.
	Key string
	// Status is the HTTP status of the reply, 0 when there was none.
	Status int
	// Code is the vendor's error code, such as "SignatureDoesNotMatch".
	Code string
	// Message is the server's message, or a description of the failure.
	Message string
	// RequestID is the vendor's request ID, for a support ticket.
	RequestID string
	// ServerTime is the server's clock as its reply stated it, zero if unknown.
	ServerTime time.Time
	// Skew is the measured offset of the server's clock from ours (server
	// minus local), zero if unknown.
	Skew time.Duration
	// StringToSign is the string the server signed, as the server returned it
	// (OSS, OBS); compare it with the client's to find the difference.
	StringToSign string
	// RetryAfter is how long the server asked the client to wait, zero if it
	// did not say.
	RetryAfter time.Duration
	// Hints are likely causes and remedies, in the order to check them.
	Hints []string
	// MayHaveLanded reports that the object may be stored whole under Key
	// on Target although the upload failed: the caller canceled (Kind
	// Canceled) after the body may have reached the server, and neither
	// the object's absence nor its content could be confirmed (no Stat, a
	// failed Stat, or nothing in its reply that proves the bytes). When it
	// is false on a canceled upload, nothing of the upload is under the
	// key: the previous object, if any, is unchanged. A caller that must
	// know reads the object back, or deletes it.
	MayHaveLanded bool
	// Err is the underlying error, if any.
	Err error
}

// Error returns a one-line description: the target and operation, the Kind,
// the status and vendor code, the message and the request ID.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Target != "" {
		b.WriteString(e.Target)
		if e.Provider != "" {
			b.WriteString(" (")
			b.WriteString(e.Provider)
			b.WriteString(")")
		}
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		if e.Key != "" {
			b.WriteString(" ")
			b.WriteString(strconv.Quote(e.Key))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Status != 0 || e.Code != "" {
		b.WriteString(" (")
		if e.Status != 0 {
			b.WriteString(strconv.Itoa(e.Status))
		}
		if e.Code != "" {
			if e.Status != 0 {
				b.WriteString(" ")
			}
			b.WriteString(e.Code)
		}
		b.WriteString(")")
	}
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.Skew != 0 {
		fmt.Fprintf(&b, "; server clock is %s %s", absDuration(e.Skew).Round(time.Second), aheadBehind(e.Skew))
	}
	if e.RequestID != "" {
		b.WriteString("; request id ")
		b.WriteString(e.RequestID)
	}
	if e.MayHaveLanded {
		b.WriteString("; the object may be stored on the target nonetheless")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Explain returns the error followed by its hints and the server's
// StringToSign, one per line: the text for a user who must fix the cause.
func (e *Error) Explain() string {
	var b strings.Builder
	b.WriteString(e.Error())
	for _, h := range e.Hints {
		b.WriteString("\n  - ")
		b.WriteString(h)
	}
	if e.StringToSign != "" {
		b.WriteString("\n  server's StringToSign: ")
		b.WriteString(strconv.Quote(e.StringToSign))
	}
	return b.String()
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func aheadBehind(skew time.Duration) string {
	if skew > 0 {
		return "ahead of this machine's"
	}
	return "behind this machine's"
}

// KindOf returns the Kind of err: OK for nil; the Kind of the first *Error in
// its chain; Canceled for [context.Canceled] and [context.DeadlineExceeded]
// outside an *Error (the caller's context); Unknown otherwise.
func KindOf(err error) Kind {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Canceled
	}
	return Unknown
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Errorf returns an *Error of the given Kind whose Message is formatted from
// format and args. A %w verb sets Err as with [fmt.Errorf].
func Errorf(kind Kind, format string, args ...any) *Error {
	werr := fmt.Errorf(format, args...)
	return &Error{Kind: kind, Message: werr.Error(), Err: errors.Unwrap(werr)}
}
