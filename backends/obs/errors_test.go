package obs

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

func newTestBackend(t *testing.T, endpoint string, mod func(*Options)) *Backend {
	t.Helper()
	o := Options{Common: provider.Common{Name: "t", Endpoint: endpoint, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}}
	if mod != nil {
		mod(&o)
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// obsErr builds an obs.ObsError as the SDK's ParseResponseToObsError does:
// a value, with the lower-cased, prefix-stripped response headers.
func obsErr(status int, code, msg string, hdr map[string][]string) hwobs.ObsError {
	e := hwobs.ObsError{Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Code: code, Message: msg}
	e.StatusCode = status
	e.ResponseHeaders = hdr
	return e
}

// TestErrorKind classifies values of the SDK's own error type and the
// transport errors under them.
func TestErrorKind(t *testing.T) {
	resp := func(status int, code, msg string) error { return obsErr(status, code, msg, nil) }
	urlErr := func(err error) error { return &url.Error{Op: "Put", URL: "http://127.0.0.1:1/bkt/k", Err: err} }
	cases := []struct {
		name string
		err  error
		want uploader.Kind
	}{
		{"signature", resp(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."), uploader.SignatureMismatch},
		{"skew code", resp(403, "RequestTimeTooSkewed", "Request is no longer valid."), uploader.ClockSkew},
		{"skew message (COS wording)", resp(403, "AccessDenied", "Request has expired"), uploader.ClockSkew},
		{"unknown key", resp(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."), uploader.InvalidCredentials},
		{"expired token", resp(400, "InvalidToken", "The provided token is malformed or otherwise invalid."), uploader.InvalidCredentials},
		{"access denied", resp(403, "AccessDenied", "Access Denied"), uploader.AccessDenied},
		{"no bucket", resp(404, "NoSuchBucket", "The specified bucket does not exist"), uploader.BucketNotFound},
		{"429", resp(429, "TooManyRequests", "Too many requests"), uploader.Throttled},
		{"slow down", resp(503, "SlowDown", "Please reduce your request rate."), uploader.Throttled},
		{"500", resp(500, "InternalError", "We encountered an internal error. Please try again."), uploader.Unavailable},
		{"503 bodiless", resp(503, "", ""), uploader.Unavailable},
		{"pointer value", &hwobs.ObsError{BaseModel: hwobs.BaseModel{StatusCode: 403}, Code: "SignatureDoesNotMatch"}, uploader.SignatureMismatch},
		{"reset", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), uploader.Unavailable},
		{"refused", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), uploader.Unavailable},
		{"dns", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "obs.invalid", IsNotFound: true}}), uploader.Unavailable},
		{"eof", urlErr(io.EOF), uploader.Unavailable},
		{"stall", urlErr(&transport.StallError{Idle: 2 * time.Second}), uploader.Timeout},
		{"net timeout", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), uploader.Timeout},
		{"inner deadline", urlErr(context.DeadlineExceeded), uploader.Timeout},
		{"bad digest", resp(400, "BadDigest", "The Content-MD5 you specified did not match what we received."), uploader.Integrity},
		{"invalid digest", resp(400, "InvalidDigest", "The Content-MD5 you specified was an invalid."), uploader.Integrity},
		{"too large", resp(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."), uploader.Invalid},
		{"400 bodiless", resp(400, "", ""), uploader.TargetRefused},
		// The SDK's own argument checks return plain errors.
		{"sdk argument", errors.New("UploadId is empty"), uploader.Unknown},
		{"unknown", errors.New("something odd"), uploader.Unknown},
		// Without the caller's context, a bare cancellation is the caller's.
		{"canceled", urlErr(context.Canceled), uploader.Canceled},
		{"classified stays", &uploader.Error{Kind: uploader.Integrity, Message: "x"}, uploader.Integrity},
	}
	b := newTestBackend(t, "http://127.0.0.1:1", nil)
	for _, c := range cases {
		if got := b.ErrorKind(c.err); got != c.want {
			t.Errorf("%s: ErrorKind = %v, want %v", c.name, got, c.want)
		}
		if got := b.ErrorKind(fmt.Errorf("wrapped: %w", c.err)); got != c.want {
			t.Errorf("%s wrapped: ErrorKind = %v, want %v", c.name, got, c.want)
		}
	}
	if b.ErrorKind(nil) != uploader.OK {
		t.Error("nil is not OK")
	}

	// A bodiless HEAD 403 (status only) is AccessDenied, and ClockSkew once
	// the measured skew is beyond the threshold.
	head := resp(403, "", "")
	if got := b.ErrorKind(head); got != uploader.AccessDenied {
		t.Errorf("HEAD 403: %v", got)
	}
	b.clock.Observe(time.Now().Add(-31*time.Minute), time.Now(), time.Now())
	if got := b.ErrorKind(head); got != uploader.ClockSkew {
		t.Errorf("HEAD 403 with skew: %v", got)
	}

	// The caller's context decides Canceled, whatever the error says.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range []error{urlErr(context.Canceled), resp(500, "InternalError", "")} {
		if e := b.classify(ctx, "put", "k", err, nil); e.Kind != uploader.Canceled {
			t.Errorf("%v under a canceled ctx: %v", err, e.Kind)
		}
	}
	// A failed read of the caller's body is Invalid.
	src := xfer.NewSource(io.MultiReader(strings.NewReader("abc"), errReader{}))
	_, _ = io.ReadAll(src)
	if e := b.classify(context.Background(), "put", "k", urlErr(errors.New("body")), &call{src: src}); e.Kind != uploader.Invalid || !strings.Contains(e.Message, "disk on fire") {
		t.Errorf("body read error: %v %q", e.Kind, e.Message)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestReplyFromHeaders: the SDK's ResponseHeaders are lower-cased and
// stripped of x-obs-/x-amz-, so the request ID is "request-id" and the
// server time "date".
func TestReplyFromHeaders(t *testing.T) {
	date := time.Date(2025, 5, 9, 10, 0, 0, 0, time.UTC)
	e := obsErr(503, "SlowDown", "Please reduce your request rate.", map[string][]string{
		"request-id":  {"0000018A"},
		"date":        {date.Format(http.TimeFormat)},
		"retry-after": {"4"},
	})
	r := reply(e, nil)
	if r.RequestID != "0000018A" || !r.ServerTime.Equal(date) || r.RetryAfter != 4*time.Second || r.Status != 503 || r.Code != "SlowDown" {
		t.Fatalf("%+v", r)
	}
}

// newFake starts a fake OBS that answers with h.
func newFake(t *testing.T, h http.HandlerFunc) *gatewayharness.Fake {
	return gatewayharness.NewFake(t, h)
}

// xmlError writes an OBS XML error with request ID REQ42.
func xmlError(w http.ResponseWriter, status int, body string) {
	gatewayharness.XMLError(w, status, "X-Obs-Request-Id", "REQ42", body)
}

// TestPutAgainstFakeServer drives the real SDK against crafted replies.
func TestPutAgainstFakeServer(t *testing.T) {
	obj := uploader.BytesObject("k", []byte("hello world"))

	t.Run("one request per call, even for retryable replies", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			xmlError(w, 500, `<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`)
		})
		b := newTestBackend(t, f.URL, func(o *Options) { o.MultipartThreshold = 1 })
		start := time.Now()
		_, err := b.Put(context.Background(), obj)
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.Unavailable || e.Op != "initiate_multipart" || e.RequestID != "REQ42" {
			t.Fatalf("%#v", err)
		}
		// The initiate request is "repeatable" for the SDK: with its default
		// retries it would send 4 and sleep between them.
		if n := f.Requests(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v: an SDK retry sleep?", d)
		}
	})

	t.Run("signature mismatch carries the StringToSign", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			xmlError(w, 403, `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><StringToSign>PUT
XrY7u+Ae7tCTyyK7j1rNww==

Sat, 01 Jan 2000 00:00:00 GMT
/bkt/k</StringToSign><SignatureProvided>abc</SignatureProvided></Error>`)
		})
		b := newTestBackend(t, f.URL, nil)
		_, err := b.Put(context.Background(), obj)
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.SignatureMismatch || !strings.HasPrefix(e.StringToSign, "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\n") || e.RequestID != "REQ42" {
			t.Fatalf("%#v", e)
		}
		r := f.Last()
		if r.Header.Get("Content-Md5") != "XrY7u+Ae7tCTyyK7j1rNww==" {
			t.Errorf("Content-MD5 %q", r.Header.Get("Content-Md5"))
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS AKtestkey:") {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
	})

	t.Run("slow down with Retry-After", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			xmlError(w, 503, `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
		})
		b := newTestBackend(t, f.URL, nil)
		_, err := b.Put(context.Background(), obj)
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.Throttled || e.RetryAfter != 2*time.Second {
			t.Fatalf("%#v", err)
		}
	})

	// A server 31 minutes ahead that refuses signing times more than 15
	// minutes off its clock: the first request is refused, the retry is
	// signed with the corrected time, in the header of each signature.
	for _, sig := range []Signature{SignatureV2, SignatureV4, SignatureOBS} {
		t.Run("skew corrected/"+string(sig), func(t *testing.T) {
			var signed []string
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				now := time.Now().Add(31 * time.Minute)
				w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
				var at time.Time
				if v := r.Header.Get("X-Amz-Date"); v != "" {
					at, _ = time.Parse(isoBasic, v)
				} else {
					at, _ = http.ParseTime(r.Header.Get("Date"))
				}
				signed = append(signed, r.Header.Get("Authorization"))
				if d := now.Sub(at); d > 15*time.Minute || d < -15*time.Minute {
					xmlError(w, 403, `<Error><Code>RequestTimeTooSkewed</Code><Message>Request is no longer valid.</Message></Error>`)
					return
				}
				sum := md5.Sum([]byte("hello world"))
				w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
			})
			host := strings.TrimPrefix(f.URL, "http://")
			b := newTestBackend(t, f.URL, func(o *Options) {
				o.Signature = sig
				if sig == SignatureOBS {
					// The OBS signature needs a domain endpoint; resolve it to
					// the fake server.
					o.Endpoint = "http://obs.test.localhost:" + strings.Split(host, ":")[1]
				}
			})
			if sig == SignatureOBS {
				b.httpClient.Transport = transport.Capturing(transport.New(transport.Options{Clock: b.clock, DialContext: dialTo(host)}))
			}
			res, err := b.Put(context.Background(), obj)
			if err != nil {
				t.Fatalf("%v", err)
			}
			if len(res.Attempts) != 2 || res.Attempts[0].Kind != uploader.ClockSkew || !res.Attempts[1].SkewCorrected {
				t.Fatalf("attempts %+v", res.Attempts)
			}
			prefix := map[Signature]string{SignatureV2: "AWS ", SignatureV4: "AWS4-HMAC-SHA256 ", SignatureOBS: "OBS "}[sig]
			for _, a := range signed {
				if !strings.HasPrefix(a, prefix) {
					t.Errorf("Authorization %q, want prefix %q", a, prefix)
				}
			}
		})
	}
}

// dialTo returns a dialer that connects to addr whatever the request's host
// (the signed virtual host).
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// fakeBackend is the gatewayharness.FakeBackend of this package.
func fakeBackend(t *testing.T, endpoint string, skipETagCheck bool) uploader.Backend {
	return newTestBackend(t, endpoint, func(o *Options) {
		o.MultipartThreshold, o.PartSize, o.SkipETagCheck = gatewayharness.Threshold, gatewayharness.PartSize, skipETagCheck
	})
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
