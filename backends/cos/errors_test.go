package cos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	cossdk "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// cosError returns the *cos.ErrorResponse the SDK builds for a reply with
// this status, code and message (code "" for a bodiless HEAD reply).
func cosError(method string, status int, code, message string, hdr http.Header) *cossdk.ErrorResponse {
	if hdr == nil {
		hdr = http.Header{}
	}
	u, _ := url.Parse("https://" + testBucket + ".cos.ap-guangzhou.myqcloud.com/k")
	return &cossdk.ErrorResponse{
		Response: &http.Response{StatusCode: status, Header: hdr, Request: &http.Request{Method: method, URL: u}},
		Code:     code, Message: message, RequestID: "req-1", TraceID: "trace-1",
	}
}

// retryErr wraps errs as the SDK does for every error that is not an
// *ErrorResponse.
func retryErr(errs ...error) error { return &cossdk.RetryError{Errs: errs} }

func urlErr(err error) error { return &url.Error{Op: "Put", URL: "http://127.0.0.1:1/k", Err: err} }

// captureCRCError returns the error the SDK returns for a 200 PUT reply
// without x-cos-hash-crc64ecma.
func captureCRCError(t *testing.T) error {
	f := newFakeCOS(t, testBucket)
	f.noCRC.Store(true)
	b := newFakeBackend(t, f, nil)
	_, err := b.client.Object.Put(context.Background(), "k", strings.NewReader("abc"), &cossdk.ObjectPutOptions{})
	var re *cossdk.RetryError
	if !errors.As(err, &re) {
		t.Fatalf("SDK error for a reply without CRC = %T %v, want *cos.RetryError", err, err)
	}
	return err
}

// captureRefusedError returns the SDK's error for a connection refused.
func captureRefusedError(t *testing.T) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b, err := New(Options{Common: provider.Common{Endpoint: "http://" + addr, Bucket: testBucket, AccessKeyID: fakeID, SecretAccessKey: fakeSecret}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.client.Object.Put(context.Background(), "k", strings.NewReader("abc"), &cossdk.ObjectPutOptions{})
	return err
}

func TestErrorKind(t *testing.T) {
	date := http.Header{"Date": {time.Now().UTC().Format(http.TimeFormat)}}
	tests := []struct {
		name string
		err  error
		want uploader.Kind
	}{
		{"signature", cosError("PUT", 403, "SignatureDoesNotMatch", "The Signature you specified is invalid.", date), uploader.SignatureMismatch},
		{"skew code", cosError("PUT", 403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", date), uploader.ClockSkew},
		{"skew COS message", cosError("PUT", 403, "AccessDenied", "Request has expired", date), uploader.ClockSkew},
		{"unknown key", cosError("PUT", 403, "InvalidAccessKeyId", "The access key Id format you provided is invalid.", nil), uploader.InvalidCredentials},
		{"expired token", cosError("PUT", 400, "InvalidToken", "token expired", nil), uploader.InvalidCredentials},
		{"denied", cosError("PUT", 403, "AccessDenied", "Access Denied.", date), uploader.AccessDenied},
		{"no bucket", cosError("PUT", 404, "NoSuchBucket", "The specified bucket does not exist.", nil), uploader.BucketNotFound},
		{"429", cosError("PUT", 429, "", "", nil), uploader.Throttled},
		{"slow down", cosError("PUT", 503, "SlowDown", "Please reduce your request rate.", http.Header{"Retry-After": {"3"}}), uploader.Throttled},
		{"500", cosError("PUT", 500, "InternalError", "We encountered an internal error.", nil), uploader.Unavailable},
		{"503", cosError("PUT", 503, "ServiceUnavailable", "", nil), uploader.Unavailable},
		{"reset", retryErr(urlErr(&net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.ECONNRESET)})), uploader.Unavailable},
		{"refused (real)", captureRefusedError(t), uploader.Unavailable},
		{"dns", retryErr(urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}})), uploader.Unavailable},
		{"stall", retryErr(urlErr(&transport.StallError{Idle: 2 * time.Second})), uploader.Timeout},
		{"inner deadline", retryErr(context.DeadlineExceeded), uploader.Timeout},
		{"crc mismatch (real)", captureCRCError(t), uploader.Integrity},
		{"bad digest", cosError("PUT", 400, "BadDigest", "The Content-MD5 you specified did not match what we received.", nil), uploader.Integrity},
		{"invalid argument", cosError("PUT", 400, "InvalidArgument", "bad", nil), uploader.Invalid},
		{"too large", cosError("PUT", 400, "EntityTooLarge", "", nil), uploader.Invalid},
		{"canceled", retryErr(context.Canceled), uploader.Canceled},
		{"unknown", errors.New("something nobody expected"), uploader.Unknown},
		{"unknown status", cosError("PUT", 418, "", "", nil), uploader.Unknown},
		// Bodiless HEAD replies: status only.
		{"head 403", cosError("HEAD", 403, "", "", date), uploader.AccessDenied},
		{"head 404", cosError("HEAD", 404, "", "", nil), uploader.BucketNotFound},
		{"head 503", cosError("HEAD", 503, "", "", nil), uploader.Unavailable},
		// COS's RetryError has no Unwrap: ErrorKind walks its Errs.
		{"retry error around a reply", retryErr(errors.New("first try"), cosError("PUT", 403, "SignatureDoesNotMatch", "", nil)), uploader.SignatureMismatch},
		{"wrapped retry error", fmt.Errorf("upload: %w", retryErr(urlErr(&transport.StallError{Idle: time.Second}))), uploader.Timeout},
		{"classified", &uploader.Error{Kind: uploader.Integrity}, uploader.Integrity},
	}
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.ErrorKind(tt.err); got != tt.want {
				t.Errorf("ErrorKind(%T %v) = %v, want %v", tt.err, tt.err, got, tt.want)
			}
		})
	}
	if b.ErrorKind(nil) != uploader.OK {
		t.Error("ErrorKind(nil) != OK")
	}
}

// TestRetryErrorDoesNotUnwrap pins the SDK quirk that classify works
// around: errors.Is cannot see through *cos.RetryError.
func TestRetryErrorDoesNotUnwrap(t *testing.T) {
	err := retryErr(context.Canceled)
	if errors.Is(err, context.Canceled) {
		t.Skip("cos.RetryError unwraps now; the explicit walk in classify is no longer needed")
	}
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := b.classify(ctx, "put", "k", err)
	if e.Kind != uploader.Canceled || !errors.Is(e, context.Canceled) {
		t.Errorf("classify = %v (kind %v), want Canceled wrapping context.Canceled", e, e.Kind)
	}
}

func TestSkewed403IsClockSkew(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	plain := cosError("PUT", 403, "AccessDenied", "Access Denied.", nil)
	if k := b.ErrorKind(plain); k != uploader.AccessDenied {
		t.Fatalf("before any skew: %v", k)
	}
	now := time.Now()
	b.clock.Observe(now.Add(31*time.Minute), now, now)
	e := b.classify(context.Background(), "put", "k", plain)
	if e.Kind != uploader.ClockSkew || (e.Skew-31*time.Minute).Abs() > 2*time.Second {
		t.Errorf("403 with a measured 31 min skew: kind %v skew %v, want clock_skew ≈ 31m", e.Kind, e.Skew)
	}
	if len(e.Hints) == 0 || !strings.Contains(e.Hints[0], "31m") {
		t.Errorf("hints = %q", e.Hints)
	}
}

func TestErrorFields(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	server := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	e := b.classify(context.Background(), "put", "k", cosError("PUT", 503, "SlowDown", "Please reduce your request rate.",
		http.Header{"Date": {server.Format(http.TimeFormat)}, "Retry-After": {"7"}}))
	if e.Status != 503 || e.Code != "SlowDown" || e.RequestID != "req-1" || !e.ServerTime.Equal(server) ||
		e.RetryAfter != 7*time.Second || e.Target != "cos-test" || e.Provider != "cos" || e.Op != "put" || e.Key != "k" ||
		!strings.Contains(e.Message, "trace id trace-1") {
		t.Errorf("error = %+v", e)
	}
	// A HEAD reply has no body: the request id comes from the header.
	h := cosError("HEAD", 404, "", "", http.Header{"X-Cos-Request-Id": {"hdr-id"}})
	h.RequestID = ""
	if e := b.classify(context.Background(), "stat", "k", h); e.RequestID != "hdr-id" {
		t.Errorf("HEAD request id = %q", e.RequestID)
	}
}

func TestSignatureAndCredentialHints(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, func(o *Options) { o.AccessKeyID = "LTAItestkey" })
	e := b.classify(context.Background(), "put", "k", cosError("PUT", 403, "SignatureDoesNotMatch", "", nil))
	hints := strings.Join(e.Hints, "\n")
	if e.Kind != uploader.SignatureMismatch || !strings.Contains(hints, "does not start with AKID") || !strings.Contains(hints, "OSS") {
		t.Errorf("kind %v, hints:\n%s", e.Kind, hints)
	}
	e = b.classify(context.Background(), "put", "k", cosError("PUT", 403, "InvalidAccessKeyId", "", nil))
	if e.Kind != uploader.InvalidCredentials || len(e.Hints) == 0 || !strings.Contains(e.Hints[0], "LTAI****") {
		t.Errorf("kind %v, hints %q", e.Kind, e.Hints)
	}
	for _, h := range e.Hints {
		if strings.Contains(h, fakeSecret) {
			t.Errorf("hint holds the secret: %q", h)
		}
	}
}
