package errclass

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/resilient-upload/upload/internal/skew"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/uploader"
)

func TestCodeKind(t *testing.T) {
	tests := []struct {
		status  int
		code    string
		message string
		want    uploader.Kind
	}{
		{403, "SignatureDoesNotMatch", "The request signature we calculated does not match", uploader.SignatureMismatch},
		{403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", uploader.ClockSkew},
		{403, "AccessDenied", "Request has expired", uploader.ClockSkew}, // COS q-sign-time
		{403, "AccessDenied", "Access Denied.", uploader.AccessDenied},
		{403, "InvalidAccessKeyId", "", uploader.InvalidCredentials},
		{400, "ExpiredToken", "", uploader.InvalidCredentials},
		{404, "NoSuchBucket", "", uploader.BucketNotFound},
		{400, "InvalidBucketName", "", uploader.BucketNotFound},
		{503, "SlowDown", "Please reduce your request rate.", uploader.Throttled},
		{429, "ExceedAccountQPSLimit", "", uploader.Throttled},
		{429, "", "", uploader.Throttled},
		{500, "InternalError", "", uploader.Unavailable},
		{503, "", "", uploader.Unavailable},
		{502, "", "", uploader.Unavailable},
		{504, "", "", uploader.Timeout},
		{400, "RequestTimeout", "", uploader.Timeout},
		{400, "BadDigest", "", uploader.Integrity},
		{400, "InvalidDigest", "", uploader.Integrity},
		{400, "EntityTooLarge", "", uploader.Invalid},
		{411, "", "", uploader.Invalid},
		{401, "", "", uploader.InvalidCredentials},
		{403, "", "", uploader.AccessDenied}, // bodiless HEAD
		{404, "", "", uploader.BucketNotFound},
		{409, "SomethingNew", "", uploader.Unknown},
		{0, "", "", uploader.Unknown},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d_%s_%s", tt.status, tt.code, tt.message)
		t.Run(name, func(t *testing.T) {
			if got := CodeKind(tt.status, tt.code, tt.message); got != tt.want {
				t.Fatalf("CodeKind = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildSkewed403BecomesClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := skew.New(skew.Options{Now: func() time.Time { return now }})
	tgt := Target{Name: "tos-bj", Provider: "tos", Clock: c}
	r := Reply{Status: 403, Code: "SignatureDoesNotMatch", RequestID: "req-1"}

	if e := Build(tgt, "put", "k", r, nil); e.Kind != uploader.SignatureMismatch || e.Skew != 0 {
		t.Fatalf("no skew known: kind %v skew %v", e.Kind, e.Skew)
	}
	c.Observe(now.Add(31*time.Minute), now, now)
	e := Build(tgt, "put", "k", r, nil)
	if e.Kind != uploader.ClockSkew {
		t.Fatalf("kind = %v, want clock_skew", e.Kind)
	}
	if e.Skew < 31*time.Minute || e.Target != "tos-bj" || e.Provider != "tos" || e.Op != "put" || e.Key != "k" || e.RequestID != "req-1" {
		t.Fatalf("error fields = %+v", e)
	}
	// A non-403 is not reclassified by skew.
	if e := Build(tgt, "put", "k", Reply{Status: 503, Code: "SlowDown"}, nil); e.Kind != uploader.Throttled {
		t.Fatalf("503 with skew: kind %v", e.Kind)
	}
}

// TestBuildCorrectedRequestIsNotSkewed: a 403 to a request signed with a
// correction that covers the measured offset is what its code says; one
// signed without it (or with too little) is a skew refusal.
func TestBuildCorrectedRequestIsNotSkewed(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := skew.New(skew.Options{Now: func() time.Time { return now }})
	c.Observe(now.Add(31*time.Minute), now, now)
	tgt := Target{Name: "obs", Provider: "obs", Clock: c}
	off, _ := c.Offset()
	r := Reply{Status: 403, Code: "SignatureDoesNotMatch"}

	r.Correction, r.Corrected = off, true
	if e := Build(tgt, "put", "k", r, nil); e.Kind != uploader.SignatureMismatch || e.Skew != off {
		t.Fatalf("signed with the correction: kind %v skew %v", e.Kind, e.Skew)
	}
	r.Correction = 0
	if e := Build(tgt, "put", "k", r, nil); e.Kind != uploader.ClockSkew {
		t.Fatalf("signed with local time: kind %v", e.Kind)
	}
	r.Correction = off - 10*time.Minute
	if e := Build(tgt, "put", "k", r, nil); e.Kind != uploader.ClockSkew {
		t.Fatalf("signed with a stale correction: kind %v", e.Kind)
	}
	// A skew code is a skew refusal whatever the correction.
	r.Code, r.Correction = "RequestTimeTooSkewed", off
	if e := Build(tgt, "put", "k", r, nil); e.Kind != uploader.ClockSkew {
		t.Fatalf("skew code: kind %v", e.Kind)
	}
}

func TestBuildHints(t *testing.T) {
	tgt := Target{Name: "x", Provider: "oss", Hints: func(k uploader.Kind, e *uploader.Error) []string {
		return []string{"hint for " + k.String()}
	}}
	e := Build(tgt, "put", "k", Reply{Status: 403, Code: "SignatureDoesNotMatch", StringToSign: "PUT\n\n"}, nil)
	if len(e.Hints) != 1 || e.Hints[0] != "hint for signature_mismatch" || e.StringToSign != "PUT\n\n" {
		t.Fatalf("hints %q, sts %q", e.Hints, e.StringToSign)
	}
}

func TestReplyFromHeader(t *testing.T) {
	h := http.Header{}
	h.Set("X-Oss-Request-Id", "abc")
	h.Set("Date", "Mon, 23 Nov 2026 12:31:00 GMT")
	h.Set("Retry-After", "3")
	r := ReplyFromHeader(Reply{}, h, "x-tos-request-id", "x-oss-request-id")
	if r.RequestID != "abc" || r.RetryAfter != 3*time.Second || r.ServerTime.IsZero() {
		t.Fatalf("reply = %+v", r)
	}
	if ParseRetryAfter("soon") != 0 || ParseRetryAfter("") != 0 {
		t.Fatal("malformed Retry-After parsed")
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestNetKind(t *testing.T) {
	live := context.Background()
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	wrap := func(err error) error { return &url.Error{Op: "Put", URL: "http://127.0.0.1:1/b/k", Err: err} }
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want uploader.Kind
		ok   bool
	}{
		{"refused", live, wrap(opErr(syscall.ECONNREFUSED)), uploader.Unavailable, true},
		{"reset", live, wrap(opErr(syscall.ECONNRESET)), uploader.Unavailable, true},
		{"eof", live, wrap(io.EOF), uploader.Unavailable, true},
		{"unexpected eof", live, wrap(io.ErrUnexpectedEOF), uploader.Unavailable, true},
		{"dns", live, wrap(&net.DNSError{Err: "no such host", Name: "bkt.localhost", IsNotFound: true}), uploader.Unavailable, true},
		{"timeout", live, wrap(timeoutErr{}), uploader.Timeout, true},
		{"stall", live, wrap(&transport.StallError{Idle: time.Second}), uploader.Timeout, true},
		{"inner deadline", live, wrap(context.DeadlineExceeded), uploader.Timeout, true},
		{"caller canceled", dead, wrap(context.Canceled), uploader.Canceled, true},
		{"caller canceled, reset seen", dead, wrap(opErr(syscall.ECONNRESET)), uploader.Canceled, true},
		{"not a transport error", live, errors.New("crc64 check failed"), uploader.OK, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NetKind(tt.ctx, tt.err)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("NetKind = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
			if ok {
				e, ok2 := Transport(tt.ctx, Target{Name: "n", Provider: "p"}, "put", "k", tt.err)
				if !ok2 || e.Kind != tt.want || !errors.Is(e, tt.err) {
					t.Fatalf("Transport = %+v, %v", e, ok2)
				}
			}
		})
	}
}
