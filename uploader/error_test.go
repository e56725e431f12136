package uploader_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

func TestKindOf(t *testing.T) {
	inner := &uploader.Error{Kind: uploader.Throttled, Message: "slow down"}
	outer := &uploader.Error{Kind: uploader.Unavailable, Err: inner}
	for _, tc := range []struct {
		name string
		err  error
		want uploader.Kind
	}{
		{"nil", nil, uploader.OK},
		{"plain", errors.New("boom"), uploader.Unknown},
		{"io.EOF", io.ErrUnexpectedEOF, uploader.Unknown},
		{"canceled", context.Canceled, uploader.Canceled},
		{"deadline", context.DeadlineExceeded, uploader.Canceled},
		{"wrapped canceled", fmt.Errorf("put: %w", context.Canceled), uploader.Canceled},
		{"error", inner, uploader.Throttled},
		{"wrapped error", fmt.Errorf("attempt 2: %w", inner), uploader.Throttled},
		// The first *Error in the chain wins: the outermost classification.
		{"nested errors", outer, uploader.Unavailable},
		// An *Error wrapping a context error keeps its own Kind: an attempt
		// timeout is Timeout, not the caller's Canceled.
		{"timeout wrapping deadline", &uploader.Error{Kind: uploader.Timeout, Err: context.DeadlineExceeded}, uploader.Timeout},
		{"joined", errors.Join(errors.New("x"), inner), uploader.Throttled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := uploader.KindOf(tc.err); got != tc.want {
				t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestAsError(t *testing.T) {
	e := &uploader.Error{Kind: uploader.AccessDenied, Code: "AccessDenied"}
	if got := uploader.AsError(fmt.Errorf("wrap: %w", e)); got != e {
		t.Errorf("AsError(wrapped) = %p, want %p", got, e)
	}
	if got := uploader.AsError(errors.New("plain")); got != nil {
		t.Errorf("AsError(plain) = %v, want nil", got)
	}
	if got := uploader.AsError(nil); got != nil {
		t.Errorf("AsError(nil) = %v, want nil", got)
	}
}

func TestErrorf(t *testing.T) {
	cause := errors.New("disk on fire")
	e := uploader.Errorf(uploader.Unavailable, "writing %s: %w", "x", cause)
	if e.Kind != uploader.Unavailable {
		t.Errorf("Kind = %v", e.Kind)
	}
	if e.Message != "writing x: disk on fire" {
		t.Errorf("Message = %q", e.Message)
	}
	if !errors.Is(e, cause) {
		t.Errorf("errors.Is(e, cause) = false; Err = %v", e.Err)
	}
	if e2 := uploader.Errorf(uploader.Invalid, "no cause %d", 1); e2.Err != nil {
		t.Errorf("Err = %v, want nil without %%w", e2.Err)
	}
}

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *uploader.Error
		want string
	}{
		{"bare", &uploader.Error{Kind: uploader.Unknown}, "unknown"},
		{"full", &uploader.Error{
			Kind: uploader.ClockSkew, Target: "tos-bj", Provider: "tos", Op: "put", Key: "a b.txt",
			Status: 403, Code: "RequestTimeTooSkewed", Message: "too skewed",
			RequestID: "req-1", Skew: 15*time.Minute + 200*time.Millisecond,
		}, `tos-bj (tos): put "a b.txt": clock_skew (403 RequestTimeTooSkewed): too skewed; server clock is 15m0s ahead of this machine's; request id req-1`},
		{"behind", &uploader.Error{Kind: uploader.ClockSkew, Skew: -2 * time.Hour}, "clock_skew; server clock is 2h0m0s behind this machine's"},
		{"code only", &uploader.Error{Kind: uploader.BucketNotFound, Code: "NoSuchBucket"}, "bucket_not_found (NoSuchBucket)"},
		{"status only", &uploader.Error{Kind: uploader.Unavailable, Status: 502}, "unavailable (502)"},
		{"message from cause", &uploader.Error{Kind: uploader.Unavailable, Target: "t", Err: errors.New("connection reset")}, "t: unavailable: connection reset"},
		{"op without key", &uploader.Error{Kind: uploader.Invalid, Op: "validate", Message: "empty key"}, "validate: invalid: empty key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
}

func TestErrorExplain(t *testing.T) {
	e := &uploader.Error{
		Kind: uploader.SignatureMismatch, Target: "oss-hz", Provider: "oss", Status: 403, Code: "SignatureDoesNotMatch",
		Hints:        []string{"check the secret", "check the endpoint"},
		StringToSign: "PUT\n\n\nx",
	}
	got := e.Explain()
	want := e.Error() + "\n  - check the secret\n  - check the endpoint\n  server's StringToSign: \"PUT\\n\\n\\nx\""
	if got != want {
		t.Errorf("Explain() =\n%s\nwant\n%s", got, want)
	}
	if plain := (&uploader.Error{Kind: uploader.Unknown}).Explain(); plain != "unknown" {
		t.Errorf("Explain() without hints = %q", plain)
	}
}

func TestErrorUnwrap(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	e := &uploader.Error{Kind: uploader.Integrity, Err: cause}
	if !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Error("errors.Is through *Error failed")
	}
	if e.Unwrap() != cause {
		t.Error("Unwrap did not return Err")
	}
}

func TestIsNotFound(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("404"), false},
		{&uploader.Error{Kind: uploader.Unknown, Status: 404}, true},
		{&uploader.Error{Kind: uploader.Unknown, Code: "NoSuchKey"}, true},
		{&uploader.Error{Kind: uploader.Unknown, Code: "NotFound"}, true},
		{fmt.Errorf("stat: %w", &uploader.Error{Kind: uploader.Unknown, Status: 404}), true},
		{&uploader.Error{Kind: uploader.BucketNotFound, Status: 403, Code: "NoSuchBucket"}, false},
	} {
		if got := uploader.IsNotFound(tc.err); got != tc.want {
			t.Errorf("IsNotFound(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestNewAttempt(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	end := start.Add(1500 * time.Millisecond)
	err := fmt.Errorf("wrapped: %w", &uploader.Error{
		Kind: uploader.ClockSkew, Status: 403, Code: "RequestTimeTooSkewed", RequestID: "rid", Skew: time.Hour,
	})
	a := uploader.NewAttempt("tos-bj", "tos", start, end, err)
	if a.Target != "tos-bj" || a.Provider != "tos" || !a.Start.Equal(start) || a.Elapsed != 1500*time.Millisecond {
		t.Errorf("identity/timing wrong: %+v", a)
	}
	if a.Kind != uploader.ClockSkew || a.Status != 403 || a.Code != "RequestTimeTooSkewed" || a.RequestID != "rid" || a.Skew != time.Hour {
		t.Errorf("fields from *Error not copied: %+v", a)
	}
	if a.Err != err {
		t.Errorf("Err not kept")
	}
	ok := uploader.NewAttempt("t", "local", start, end, nil)
	if ok.Kind != uploader.OK || ok.Err != nil || ok.Status != 0 {
		t.Errorf("successful attempt: %+v", ok)
	}
	plain := uploader.NewAttempt("t", "s3", start, end, errors.New("x"))
	if plain.Kind != uploader.Unknown || plain.Status != 0 || plain.Code != "" {
		t.Errorf("plain error attempt: %+v", plain)
	}
}
