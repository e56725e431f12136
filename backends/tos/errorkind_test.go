package tos

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	tossdk "github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Fake credentials: short, obviously not real.
const (
	testAK     = "AKLTtestkey"
	testSecret = "ZmFrZS1zZWNyZXQtZm9yLXRlc3Rz" // base64 text, like a real one
)

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func crc64ecma(b []byte) uint64 { return crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)) }

// newTestBackend returns a backend over endpoint with the fake keys, the
// bucket "bkt" and region cn-beijing.
func newTestBackend(t *testing.T, endpoint string, mod func(*Options)) *Backend {
	t.Helper()
	o := Options{
		Common: provider.Common{Name: "tos-test", Endpoint: endpoint, Region: "cn-beijing", Bucket: "bkt", AccessKeyID: testAK, SecretAccessKey: testSecret, ResponseTimeout: backendtest.ResponseTimeout},
	}
	if mod != nil {
		mod(&o)
	}
	b, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func jsonErr(code, msg string) string {
	return `{"Code":"` + code + `","Message":"` + msg + `","RequestId":"fake-req-2","HostId":"h","EC":"0002-00000000"}`
}

// sdkCall is one call through the SDK whose error is classified.
type sdkCall func(ctx context.Context, b *Backend) error

func putCall(ctx context.Context, b *Backend) error {
	_, err := b.client.PutObjectV2(ctx, &tossdk.PutObjectV2Input{
		PutObjectBasicInput: tossdk.PutObjectBasicInput{Bucket: b.bucket, Key: "k", ContentLength: 5},
		Content:             strings.NewReader("hello"),
	})
	return err
}

func headCall(ctx context.Context, b *Backend) error {
	_, err := b.client.HeadObjectV2(ctx, &tossdk.HeadObjectV2Input{Bucket: b.bucket, Key: "k"})
	return err
}

func initiateCall(ctx context.Context, b *Backend) error {
	_, err := b.client.CreateMultipartUploadV2(ctx, &tossdk.CreateMultipartUploadV2Input{Bucket: b.bucket, Key: "k"})
	return err
}

func getReadCall(ctx context.Context, b *Backend) error {
	rc, err := b.Get(ctx, "k")
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	return err
}

// TestErrorKind drives real SDK error values, from scripted replies of a
// fake TOS server or built with the SDK's own types, through the backend's
// classification, and checks the Kind on every path: classify with the
// call's context (as Put does) and ErrorKind (as uploader.New does).
func TestErrorKind(t *testing.T) {
	in31 := time.Now().Add(31 * time.Minute).UTC().Format(http.TimeFormat)
	tests := []struct {
		name string
		// Either a reply of the fake and a call ...
		handler func(f *fakeTOS) http.HandlerFunc
		call    sdkCall
		// ... or an error value built with the SDK's types.
		value error
		// ctx returns the caller's context; nil means Background.
		ctx func() context.Context
		// opts changes the backend's options.
		opts  func(*Options)
		want  uploader.Kind
		check func(t *testing.T, e *uploader.Error)
	}{
		{name: "signature mismatch", want: uploader.SignatureMismatch, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(403, jsonErr("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."), nil)
			},
			check: func(t *testing.T, e *uploader.Error) {
				if e.Status != 403 || e.Code != "SignatureDoesNotMatch" || e.RequestID != "fake-req-2" {
					t.Errorf("status/code/request id = %d/%q/%q", e.Status, e.Code, e.RequestID)
				}
				if e.ServerTime.IsZero() {
					t.Error("no server time from the Date header")
				}
				hints := strings.Join(e.Hints, "\n")
				for _, want := range []string{"must not be decoded", "region (cn-beijing)", "AKLT****"} {
					if !strings.Contains(hints, want) {
						t.Errorf("hints lack %q:\n%s", want, hints)
					}
				}
				if strings.Contains(hints, testSecret) {
					t.Error("the secret leaked into the hints")
				}
			}},
		{name: "clock skew code", want: uploader.ClockSkew, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(403, jsonErr("RequestTimeTooSkewed", "The difference between the request time and the current time is too large."), nil)
			}},
		{name: "clock skew COS message", want: uploader.ClockSkew, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(403, jsonErr("AccessDenied", "Request has expired"), nil)
			}},
		{name: "403 with measured skew beyond threshold", want: uploader.ClockSkew, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(403, jsonErr("AccessDenied", "Access Denied."), map[string]string{"Date": in31})
			},
			check: func(t *testing.T, e *uploader.Error) {
				if e.Skew < 30*time.Minute || e.Skew > 32*time.Minute {
					t.Errorf("Skew = %v, want about 31m", e.Skew)
				}
				// The server's Date has whole seconds, so the measured skew
				// is 30m59s or 31m0s depending on when in the second the test
				// ran: the hint must name the skew that was measured.
				if want := e.Skew.Round(time.Second).String(); len(e.Hints) == 0 || !strings.Contains(e.Hints[0], want) {
					t.Errorf("hints = %q, want one naming the measured skew %s", e.Hints, want)
				}
			}},
		{name: "invalid credentials", want: uploader.InvalidCredentials, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(403, jsonErr("InvalidAccessKeyId", ""), nil) },
			check: func(t *testing.T, e *uploader.Error) {
				if len(e.Hints) == 0 || !strings.Contains(e.Hints[0], "unknown to TOS") {
					t.Errorf("hints = %q", e.Hints)
				}
			}},
		{name: "access denied", want: uploader.AccessDenied, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(403, jsonErr("AccessDenied", "Access Denied."), nil) }},
		{name: "bucket not found", want: uploader.BucketNotFound, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(404, jsonErr("NoSuchBucket", ""), nil) }},
		{name: "throttled 429 without a JSON body", want: uploader.Throttled, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(429, "Too Many Requests", nil) }},
		{name: "throttled 503 SlowDown", want: uploader.Throttled, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(503, jsonErr("SlowDown", "Please reduce your request rate."), map[string]string{"Retry-After": "3"})
			},
			check: func(t *testing.T, e *uploader.Error) {
				if e.RetryAfter != 3*time.Second {
					t.Errorf("RetryAfter = %v", e.RetryAfter)
				}
			}},
		{name: "unavailable 500", want: uploader.Unavailable, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(500, jsonErr("InternalError", ""), nil) }},
		{name: "unavailable 503 without code", want: uploader.Unavailable, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(503, "", nil) }},
		{name: "unavailable reset", want: uploader.Unavailable, call: headCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reset }},
		{name: "unavailable refused", want: uploader.Unavailable, call: putCall},
		{name: "unavailable DNS", want: uploader.Unavailable,
			value: &tossdk.TosClientError{TosError: tossdk.TosError{Message: "dial tcp: lookup bkt.nowhere.invalid: no such host"},
				Cause: &url.Error{Op: "Put", URL: "https://bkt.nowhere.invalid/k",
					Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "bkt.nowhere.invalid", IsNotFound: true}}}}},
		{name: "timeout awaiting the reply", want: uploader.Timeout, call: headCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.hang },
			opts:    func(o *Options) { o.ResponseTimeout = 200 * time.Millisecond }},
		{name: "timeout stalled body", want: uploader.Timeout,
			value: &tossdk.TosClientError{TosError: tossdk.TosError{Message: "stalled"},
				Cause: &url.Error{Op: "Put", URL: "http://127.0.0.1:1/bkt/k", Err: &transport.StallError{Idle: 2 * time.Second}}}},
		{name: "timeout inner deadline", want: uploader.Timeout,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.hang },
			call: func(ctx context.Context, b *Backend) error {
				ictx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				return headCall(ictx, b)
			}},
		{name: "integrity BadDigest", want: uploader.Integrity, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(400, jsonErr("BadDigest", "The Content-MD5 you specified did not match what we received."), nil)
			}},
		{name: "integrity CRC64 of a PUT reply", want: uploader.Integrity, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(200, "", map[string]string{"X-Tos-Hash-Crc64ecma": "12345"})
			},
			check: func(t *testing.T, e *uploader.Error) {
				var se *tossdk.TosServerError
				if !errors.As(e, &se) || se.StatusCode != 200 {
					t.Errorf("not the SDK's status-200 server error: %#v", e.Err)
				}
			}},
		{name: "integrity CRC64 of a GET body", want: uploader.Integrity, call: getReadCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Tos-Hash-Crc64ecma", "12345")
					io.WriteString(w, "hello")
				}
			}},
		{name: "target refused: wrong region", want: uploader.TargetRefused, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(403, jsonErr("CrossRegionAccessError", ""), nil) }},
		{name: "invalid argument", want: uploader.Invalid, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(400, jsonErr("InvalidArgument", ""), nil) }},
		{name: "invalid: the SDK refuses the input", want: uploader.Invalid,
			call: func(ctx context.Context, b *Backend) error {
				_, err := b.client.PutObjectV2(ctx, &tossdk.PutObjectV2Input{PutObjectBasicInput: tossdk.PutObjectBasicInput{Bucket: b.bucket, Key: ""}})
				return err
			},
			check: func(t *testing.T, e *uploader.Error) {
				if !strings.Contains(e.Message, "object name") {
					t.Errorf("message = %q", e.Message)
				}
			}},
		{name: "canceled by the caller", want: uploader.Canceled, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.hang },
			ctx: func() context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx
			},
			check: func(t *testing.T, e *uploader.Error) {
				if !errors.Is(e, context.Canceled) {
					t.Error("errors.Is(err, context.Canceled) is false: the client error's cause was not kept")
				}
			}},
		{name: "unknown: 2xx reply the SDK cannot parse (status 0)", want: uploader.Unknown, call: initiateCall,
			handler: func(f *fakeTOS) http.HandlerFunc {
				return f.reply(200, `<?xml version="1.0"?><InitiateMultipartUploadResult/>`, nil)
			},
			check: func(t *testing.T, e *uploader.Error) {
				var se *tossdk.TosServerError
				if !errors.As(e, &se) || se.StatusCode != 0 {
					t.Errorf("not the SDK's status-0 parse failure: %#v", e.Err)
				}
				if !strings.Contains(strings.Join(e.Hints, "\n"), "not TOS JSON") {
					t.Errorf("hints = %q", e.Hints)
				}
			}},
		{name: "unknown status", want: uploader.Unknown, call: putCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(418, jsonErr("Teapot", ""), nil) }},
		{name: "unknown non-SDK error", want: uploader.Unknown, value: errors.New("something else")},

		// Bodiless HEAD replies: the status alone decides.
		{name: "HEAD 403", want: uploader.AccessDenied, call: headCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(403, "", nil) },
			check: func(t *testing.T, e *uploader.Error) {
				if e.Code != "" || e.Status != 403 {
					t.Errorf("code/status = %q/%d", e.Code, e.Status)
				}
			}},
		{name: "HEAD 403 while skewed", want: uploader.ClockSkew, call: headCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(403, "", map[string]string{"Date": in31}) }},
		{name: "HEAD 503", want: uploader.Unavailable, call: headCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(503, "", nil) }},
		{name: "HEAD 429", want: uploader.Throttled, call: headCall,
			handler: func(f *fakeTOS) http.HandlerFunc { return f.reply(429, "", nil) }},
	}
	covered := map[uploader.Kind]bool{}
	for _, tt := range tests {
		covered[tt.want] = true
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			var b *Backend
			err := tt.value
			switch {
			case err != nil:
				b = newTestBackend(t, "http://127.0.0.1:1", tt.opts)
			case tt.handler == nil:
				b = newTestBackend(t, refusedEndpoint(t), tt.opts)
				err = tt.call(ctx, b)
			default:
				f := newFakeTOS(t)
				f.handle(tt.handler(f))
				b = newTestBackend(t, f.endpoint(), tt.opts)
				err = tt.call(ctx, b)
			}
			if err == nil {
				t.Fatal("the call succeeded")
			}
			e := b.classify(ctx, "put", "k", err, signing{})
			if e.Kind != tt.want {
				t.Fatalf("classify: Kind %v, want %v (err: %v)", e.Kind, tt.want, err)
			}
			if e.Target != "tos-test" || e.Provider != "tos" {
				t.Errorf("target/provider = %q/%q", e.Target, e.Provider)
			}
			if k := b.ErrorKind(err); k != tt.want {
				t.Errorf("ErrorKind: %v, want %v", k, tt.want)
			}
			if k := b.ErrorKind(e); k != tt.want {
				t.Errorf("ErrorKind of the classified error: %v, want %v", k, tt.want)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
	// Every Kind a backend can return has a case; CircuitOpen comes from
	// the failover layer, never from a backend.
	for _, k := range uploader.Kinds() {
		if k != uploader.CircuitOpen && !covered[k] {
			t.Errorf("no case for Kind %v", k)
		}
	}
}
