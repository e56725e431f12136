package s3

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

func newTestBackend(t *testing.T, endpoint string) *Backend {
	t.Helper()
	b, err := New(Options{Common: provider.Common{Name: "t", Endpoint: endpoint, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestErrorKind classifies error values of minio-go's own types, as
// minio-go returns them, and the transport errors under them.
func TestErrorKind(t *testing.T) {
	resp := func(status int, code, msg string) error {
		return minio.ErrorResponse{StatusCode: status, Code: code, Message: msg, RequestID: "R1"}
	}
	urlErr := func(err error) error { return &url.Error{Op: "Put", URL: "http://127.0.0.1:1/bkt/k", Err: err} }
	cases := []struct {
		name string
		err  error
		want uploader.Kind
	}{
		{"signature", resp(403, "SignatureDoesNotMatch", "The request signature we calculated does not match"), uploader.SignatureMismatch},
		{"skew code", resp(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large."), uploader.ClockSkew},
		{"skew message (COS)", resp(403, "AccessDenied", "Request has expired"), uploader.ClockSkew},
		{"unknown key", resp(403, "InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records."), uploader.InvalidCredentials},
		{"expired token", resp(400, "ExpiredToken", "The provided token has expired."), uploader.InvalidCredentials},
		{"access denied", resp(403, "AccessDenied", "Access Denied."), uploader.AccessDenied},
		{"no bucket", resp(404, "NoSuchBucket", "The specified bucket does not exist"), uploader.BucketNotFound},
		// minio-go names a bodiless reply's code after the status line.
		{"429 bodiless", resp(429, "429 Too Many Requests", "429 Too Many Requests"), uploader.Throttled},
		{"slow down", resp(503, "SlowDown", "Please reduce your request rate."), uploader.Throttled},
		{"500", resp(500, "InternalError", "We encountered an internal error, please try again."), uploader.Unavailable},
		{"503 bodiless", resp(503, "503 Service Unavailable", "503 Service Unavailable"), uploader.Unavailable},
		{"502 bodiless", resp(502, "502 Bad Gateway", "502 Bad Gateway"), uploader.Unavailable},
		{"reset", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), uploader.Unavailable},
		{"refused", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), uploader.Unavailable},
		{"dns", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "s3.invalid", IsNotFound: true}}), uploader.Unavailable},
		// minio-go replaces an EOF cause by this plain message (api.go do).
		{"closed by host", urlErr(errors.New("Connection closed by foreign host http://127.0.0.1:1/bkt/k. Retry again.")), uploader.Unavailable},
		{"stall", urlErr(&transport.StallError{Idle: 2 * time.Second}), uploader.Timeout},
		{"net timeout", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), uploader.Timeout},
		{"inner deadline", urlErr(context.DeadlineExceeded), uploader.Timeout},
		{"request timeout", resp(400, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."), uploader.Timeout},
		{"bad digest", resp(400, "BadDigest", "The Content-Md5 you specified did not match what we received."), uploader.Integrity},
		{"invalid digest", resp(400, "InvalidDigest", "The Content-Md5 you specified is not valid."), uploader.Integrity},
		// minio-go's own argument checks (errInvalidArgument).
		{"client invalid argument", minio.ErrorResponse{StatusCode: 400, Code: "InvalidArgument", Message: "bad metadata", RequestID: "minio"}, uploader.Invalid},
		{"too large", resp(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."), uploader.Invalid},
		{"400 bodiless", resp(400, "400 Bad Request", "400 Bad Request"), uploader.TargetRefused},
		{"unknown", errors.New("something odd"), uploader.Unknown},
		// Without the caller's context, a bare cancellation is the caller's.
		{"canceled", urlErr(context.Canceled), uploader.Canceled},
		{"classified stays", &uploader.Error{Kind: uploader.Integrity, Message: "x"}, uploader.Integrity},
	}
	b := newTestBackend(t, "http://127.0.0.1:1")
	for _, c := range cases {
		if got := b.ErrorKind(c.err); got != c.want {
			t.Errorf("%s: ErrorKind = %v, want %v", c.name, got, c.want)
		}
		// Wrapped, the classification is the same (errors.As, not a type switch).
		if got := b.ErrorKind(errorsJoin(c.err)); got != c.want {
			t.Errorf("%s wrapped: ErrorKind = %v, want %v", c.name, got, c.want)
		}
	}
	if b.ErrorKind(nil) != uploader.OK {
		t.Error("nil is not OK")
	}

	// A 403 of any code while the measured skew is beyond the threshold.
	b.clock.Observe(time.Now().Add(31*time.Minute), time.Now(), time.Now())
	if got := b.ErrorKind(resp(403, "AccessDenied", "Access Denied.")); got != uploader.ClockSkew {
		t.Errorf("403 with skew: %v, want clock_skew", got)
	}
	if got := b.ErrorKind(resp(404, "NoSuchBucket", "")); got != uploader.BucketNotFound {
		t.Errorf("404 with skew: %v, want bucket_not_found", got)
	}

	// The caller's context decides Canceled, whatever the error says.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range []error{ctx.Err(), urlErr(context.Canceled), resp(500, "InternalError", "")} {
		if e := b.classify(ctx, "put", "k", err, nil, nil); e.Kind != uploader.Canceled {
			t.Errorf("%v under a canceled ctx: %v", err, e.Kind)
		}
	}
	// A failed read of the caller's body is Invalid, not a network failure.
	src := xfer.NewSource(io.MultiReader(strings.NewReader("abc"), errReader{}))
	_, _ = io.ReadAll(src)
	if e := b.classify(context.Background(), "put", "k", urlErr(errors.New("body read failed")), nil, src); e.Kind != uploader.Invalid || !strings.Contains(e.Message, "disk on fire") {
		t.Errorf("body read error: %v %q", e.Kind, e.Message)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

type wrapped struct{ err error }

func (w wrapped) Error() string { return "context: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func errorsJoin(err error) error { return wrapped{err} }

// newFake starts a fake S3 that answers with h.
func newFake(t *testing.T, h http.HandlerFunc) *gatewayharness.Fake {
	return gatewayharness.NewFake(t, h)
}

// xmlError writes an S3 XML error with request ID REQ123.
func xmlError(w http.ResponseWriter, status int, body string) {
	gatewayharness.XMLError(w, status, "X-Amz-Request-Id", "REQ123", body)
}

// TestPutReplyDetails runs Put against replies of a fake server: what the
// error carries beyond the SDK's value (StringToSign, Retry-After, server
// time), and that minio-go sends exactly one request (no SDK retry).
func TestPutReplyDetails(t *testing.T) {
	obj := uploader.BytesObject("k", []byte("hello world"))

	t.Run("signature mismatch carries StringToSign", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			xmlError(w, 403, `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><StringToSign>AWS4-HMAC-SHA256
20250101T000000Z
20250101/us-east-1/s3/aws4_request
abc</StringToSign><RequestId>REQ123</RequestId></Error>`)
		})
		b := newTestBackend(t, f.URL)
		_, err := b.Put(context.Background(), obj)
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.SignatureMismatch || !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n") || e.RequestID != "REQ123" || len(e.Hints) == 0 {
			t.Fatalf("%#v", e)
		}
		if f.Requests() != 1 {
			t.Errorf("%d requests, want 1", f.Requests())
		}
		r := f.Last()
		if r.Header.Get("Content-Md5") != "XrY7u+Ae7tCTyyK7j1rNww==" {
			t.Errorf("Content-MD5 %q", r.Header.Get("Content-Md5"))
		}
		if r.Header.Get("X-Amz-Content-Sha256") != "UNSIGNED-PAYLOAD" {
			t.Errorf("payload hash %q", r.Header.Get("X-Amz-Content-Sha256"))
		}
	})

	t.Run("slow down with Retry-After, not retried", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3")
			xmlError(w, 503, `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
		})
		b := newTestBackend(t, f.URL)
		_, err := b.Put(context.Background(), obj)
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.Throttled || e.RetryAfter != 3*time.Second || e.Status != 503 {
			t.Fatalf("%#v", e)
		}
		if f.Requests() != 1 {
			t.Errorf("%d requests for a retryable 503, want 1 (minio-go retries must be off)", f.Requests())
		}
	})

	t.Run("500 not retried", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			xmlError(w, 500, `<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`)
		})
		b := newTestBackend(t, f.URL)
		_, err := b.Put(context.Background(), gatewayharness.Zeroes("big", 80<<20))
		if k := uploader.KindOf(err); k != uploader.Unavailable || f.Requests() != 1 {
			t.Fatalf("kind %v after %d requests, want unavailable after 1", k, f.Requests())
		}
		if op := uploader.AsError(err).Op; op != "initiate_multipart" {
			t.Errorf("op %q", op)
		}
	})

	t.Run("skew is measured and reported, not corrected", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().Add(31*time.Minute).UTC().Format(http.TimeFormat))
			xmlError(w, 403, `<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the server's time is too large.</Message></Error>`)
		})
		b := newTestBackend(t, f.URL)
		res, err := b.Put(context.Background(), obj)
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.ClockSkew {
			t.Fatalf("%#v", err)
		}
		if !gatewayharness.Near(e.Skew, 31*time.Minute) {
			t.Errorf("skew %v, want about 31m", e.Skew)
		}
		if e.ServerTime.IsZero() {
			t.Error("no server time")
		}
		if !strings.Contains(strings.Join(e.Hints, " "), "cannot correct skew") {
			t.Errorf("hints %q", e.Hints)
		}
		if len(res.Attempts) != 1 || res.Attempts[0].Kind != uploader.ClockSkew || res.Attempts[0].Skew != e.Skew || res.Attempts[0].SkewCorrected {
			t.Errorf("attempts %+v", res.Attempts)
		}
		if f.Requests() != 1 {
			t.Errorf("%d requests, want 1", f.Requests())
		}
		if off, ok := b.Skew(); !ok || off != e.Skew {
			t.Errorf("Skew() = %v, %v", off, ok)
		}
	})

	t.Run("bodiless HEAD errors keep only the status", func(t *testing.T) {
		var skewed atomic.Bool
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if skewed.Load() {
				w.Header().Set("Date", time.Now().Add(-40*time.Minute).UTC().Format(http.TimeFormat))
			}
			w.WriteHeader(403)
		})
		b := newTestBackend(t, f.URL)
		_, err := b.Stat(context.Background(), "k")
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.AccessDenied || e.Status != 403 || e.Code != "" || e.Op != "stat" {
			t.Fatalf("%#v", e)
		}
		skewed.Store(true)
		_, err = b.Stat(context.Background(), "k")
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.ClockSkew || e.Skew > -39*time.Minute {
			t.Fatalf("skewed HEAD: %#v", e)
		}
	})

	t.Run("HEAD 404 is NoSuchKey unless the server names the bucket", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/nobucket") {
				w.Header().Set("X-Minio-Error-Code", "NoSuchBucket")
			}
			w.WriteHeader(404)
		})
		b := newTestBackend(t, f.URL)
		if _, err := b.Stat(context.Background(), "k"); !uploader.IsNotFound(err) || uploader.AsError(err).Code != "NoSuchKey" {
			t.Fatalf("%#v", err)
		}
		_, err := b.Stat(context.Background(), "nobucket")
		if uploader.KindOf(err) != uploader.BucketNotFound {
			t.Fatalf("%#v", err)
		}
	})
}

// fakeBackend is the gatewayharness.FakeBackend of this package.
func fakeBackend(t *testing.T, endpoint string, skipETagCheck bool) uploader.Backend {
	t.Helper()
	b, err := New(Options{Common: provider.Common{Name: "t", Endpoint: endpoint, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789", MultipartThreshold: gatewayharness.Threshold, PartSize: gatewayharness.PartSize},
		SkipETagCheck: skipETagCheck})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerification: a single PUT whose ETag is not the MD5 sent, and a
// multipart upload whose stored size differs, fail with Integrity and the
// object is removed; SkipETagCheck (SSE-KMS buckets) accepts an ETag that
// is not the MD5.
func TestVerification(t *testing.T) { gatewayharness.CheckVerification(t, fakeBackend) }

// TestAbortFailureIsReported: when a part fails and the abort fails too, the
// error keeps the part's kind and says that parts may remain.
func TestAbortFailureIsReported(t *testing.T) {
	gatewayharness.CheckAbortFailureReported(t, fakeBackend)
}
