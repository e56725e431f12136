package oss

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

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/internal/transport"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// fakeID is an obviously fake access key ID of the OSS form.
const fakeID = "LTAItestkey0000000"

func testBackend(t *testing.T, mod func(*Options)) *Backend {
	t.Helper()
	o := Options{Common: provider.Common{Name: "oss-test", Endpoint: "oss-cn-hangzhou.aliyuncs.com", Bucket: "bkt", AccessKeyID: fakeID, SecretAccessKey: "fake-secret-0123456789"}}
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

// sigBody is an OSS SignatureDoesNotMatch body, shaped like the one in the
// vendor's signature troubleshooting page, with fake values.
const sigBody = `<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>SignatureDoesNotMatch</Code>
  <Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>
  <RequestId>646DCB189AE2D1333018TEST</RequestId>
  <HostId>bkt.oss-cn-hangzhou.aliyuncs.com</HostId>
  <OSSAccessKeyId>LTAItestkey</OSSAccessKeyId>
  <SignatureProvided>fakesig</SignatureProvided>
  <StringToSign>PUT

application/octet-stream
Tue, 23 May 2023 15:24:55 GMT
/bkt/k</StringToSign>
  <EC>0002-00000040</EC>
</Error>`

const skewBody = `<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>RequestTimeTooSkewed</Code>
  <Message>The difference between the request time and the current time is too large.</Message>
  <RequestId>5C3D9175B6FC201293AD4890</RequestId>
  <HostId>bkt.oss-cn-hangzhou.aliyuncs.com</HostId>
  <MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>
  <RequestTime>2023-05-24T02:12:30.000Z</RequestTime>
  <ServerTime>2023-05-24T02:43:30.000Z</ServerTime>
</Error>`

// serviceError builds the SDK's own error value for an XML body, as its
// serviceErrFromXML does.
func serviceError(status int, code, message, raw string) oss.ServiceError {
	return oss.ServiceError{StatusCode: status, Code: code, Message: message, RequestID: "REQTEST", RawMessage: raw}
}

func urlErr(err error) error {
	return &url.Error{Op: "Put", URL: "https://bkt.oss-cn-hangzhou.aliyuncs.com/k", Err: err}
}

func TestErrorKind(t *testing.T) {
	b := testBackend(t, nil)
	skewed := testBackend(t, nil)
	now := time.Now()
	if !skewed.clock.Observe(now.Add(31*time.Minute), now, now) {
		t.Fatal("Observe refused the measurement")
	}
	crcErr := oss.CheckCRC(&oss.Response{StatusCode: 200, Headers: http.Header{oss.HTTPHeaderOssCRC64: {"2"}}, ClientCRC: 1, ServerCRC: 2}, "DoPutObject")
	if crcErr == nil {
		t.Fatal("CheckCRC returned nil for differing CRCs")
	}

	tests := []struct {
		name string
		b    *Backend
		err  error
		want uploader.Kind
	}{
		{"signature", b, serviceError(403, "SignatureDoesNotMatch", "The request signature ...", sigBody), uploader.SignatureMismatch},
		{"signature wrapped", b, fmt.Errorf("put: %w", serviceError(403, "SignatureDoesNotMatch", "", sigBody)), uploader.SignatureMismatch},
		{"skew code", b, serviceError(403, "RequestTimeTooSkewed", "too large", skewBody), uploader.ClockSkew},
		{"skew message (COS wording)", b, serviceError(403, "AccessDenied", "Request has expired", ""), uploader.ClockSkew},
		{"403 while skewed", skewed, serviceError(403, "AccessDenied", "You have no right to access this object.", ""), uploader.ClockSkew},
		{"bodiless 403 while skewed", skewed, oss.ServiceError{StatusCode: 403}, uploader.ClockSkew},
		{"unknown key", b, serviceError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.", ""), uploader.InvalidCredentials},
		{"expired token", b, serviceError(403, "SecurityTokenExpired", "", ""), uploader.InvalidCredentials},
		{"denied", b, serviceError(403, "AccessDenied", "You have no right to access this object because of bucket acl.", ""), uploader.AccessDenied},
		{"bodiless 403 (HEAD)", b, oss.ServiceError{StatusCode: 403}, uploader.AccessDenied},
		{"no bucket", b, serviceError(404, "NoSuchBucket", "The specified bucket does not exist.", ""), uploader.BucketNotFound},
		{"bodiless 404 (HEAD)", b, oss.ServiceError{StatusCode: 404}, uploader.BucketNotFound},
		{"429", b, oss.ServiceError{StatusCode: 429}, uploader.Throttled},
		{"slowdown", b, serviceError(503, "SlowDown", "Please reduce your request rate.", ""), uploader.Throttled},
		{"qps limit", b, serviceError(503, "QpsLimitExceeded", "", ""), uploader.Throttled},
		{"500", b, serviceError(500, "InternalError", "We encountered an internal error.", ""), uploader.Unavailable},
		{"bodiless 503", b, oss.ServiceError{StatusCode: 503}, uploader.Unavailable},
		{"refused", b, urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), uploader.Unavailable},
		{"reset", b, urlErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), uploader.Unavailable},
		{"dns", b, urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "bkt.oss-cn-nowhere.aliyuncs.com", IsNotFound: true}}), uploader.Unavailable},
		{"stall", b, urlErr(&transport.StallError{Idle: 2 * time.Second}), uploader.Timeout},
		{"inner deadline", b, urlErr(context.DeadlineExceeded), uploader.Timeout},
		{"408", b, serviceError(408, "RequestTimeout", "", ""), uploader.Timeout},
		{"crc", b, crcErr, uploader.Integrity},
		{"bad digest", b, serviceError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.", ""), uploader.Integrity},
		{"invalid argument", b, serviceError(400, "InvalidArgument", "", ""), uploader.Invalid},
		{"public endpoint forbidden", b, serviceError(400, "PublicEndpointForbidden", "", ""), uploader.TargetRefused},
		{"invalid (ours)", b, &uploader.Error{Kind: uploader.Invalid, Message: "bad key"}, uploader.Invalid},
		{"canceled", b, urlErr(context.Canceled), uploader.Canceled},
		{"unexpected status", b, oss.CheckRespCode(302, []int{200}), uploader.Unknown},
		{"other", b, errors.New("oss: something else"), uploader.Unknown},
	}
	seen := map[uploader.Kind]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.ErrorKind(tt.err); got != tt.want {
				t.Errorf("ErrorKind(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
		seen[tt.want] = true
	}
	for _, k := range uploader.Kinds() {
		if k != uploader.CircuitOpen && !seen[k] {
			t.Errorf("no case for kind %v", k)
		}
	}
	if b.ErrorKind(nil) != uploader.OK {
		t.Errorf("ErrorKind(nil) != OK")
	}
}

// TestClassifyFields checks what the *uploader.Error carries beyond its
// Kind: the StringToSign, server time, request ID and hints.
func TestClassifyFields(t *testing.T) {
	b := testBackend(t, func(o *Options) { o.AccessKeyID = "AKIDtestkey" }) // a COS-looking key: a hint must say so
	h := http.Header{"Date": {"Wed, 24 May 2023 02:43:30 GMT"}, "X-Oss-Request-Id": {"HDRREQ"}}

	e := b.classify(context.Background(), "put", "k", serviceError(403, "SignatureDoesNotMatch", "mismatch", sigBody), h, 403, signing{})
	if e.Kind != uploader.SignatureMismatch || e.Target != "oss-test" || e.Provider != "oss" || e.Op != "put" || e.Key != "k" {
		t.Fatalf("got %+v", e)
	}
	if want := "PUT\n\napplication/octet-stream\nTue, 23 May 2023 15:24:55 GMT\n/bkt/k"; e.StringToSign != want {
		t.Errorf("StringToSign = %q, want %q", e.StringToSign, want)
	}
	if e.RequestID != "REQTEST" {
		t.Errorf("RequestID = %q (the error's own ID wins over the header)", e.RequestID)
	}
	if !e.ServerTime.Equal(time.Date(2023, 5, 24, 2, 43, 30, 0, time.UTC)) {
		t.Errorf("ServerTime = %v, want the Date header", e.ServerTime)
	}
	joined := strings.Join(e.Hints, "\n")
	for _, want := range []string{"LTAI", "AKID", "StringToSign", "V1 signature but this target signs with V4"} {
		if !strings.Contains(joined, want) {
			t.Errorf("hints lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "fake-secret") {
		t.Errorf("hints hold the secret")
	}

	e = b.classify(context.Background(), "put", "k", serviceError(403, "RequestTimeTooSkewed", "too large", skewBody), nil, 403, signing{})
	if !e.ServerTime.Equal(time.Date(2023, 5, 24, 2, 43, 30, 0, time.UTC)) {
		t.Errorf("ServerTime = %v, want the body's ServerTime", e.ServerTime)
	}
	if e.Kind != uploader.ClockSkew || len(e.Hints) == 0 {
		t.Errorf("skew: kind %v hints %q", e.Kind, e.Hints)
	}

	// A reply whose body is not XML: the SDK returns a plain error; the
	// recorded status classifies it.
	plain := fmt.Errorf("oss: service returned invalid response body, status = 502 Bad Gateway, RequestId = ")
	if e := b.classify(context.Background(), "put", "k", plain, h, 502, signing{}); e.Kind != uploader.Unavailable || e.Status != 502 || e.RequestID != "HDRREQ" {
		t.Errorf("non-XML 502: %+v", e)
	}
	if e := b.classify(context.Background(), "put", "k", plain, nil, 0, signing{}); e.Kind != uploader.Unknown {
		t.Errorf("without a status: %v, want unknown", e.Kind)
	}

	// The caller's context decides between Canceled and Timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if e := b.classify(ctx, "put", "k", urlErr(context.Canceled), nil, 0, signing{}); e.Kind != uploader.Canceled {
		t.Errorf("caller canceled: %v", e.Kind)
	}
	if e := b.classify(context.Background(), "put", "k", urlErr(context.Canceled), nil, 0, signing{}); e.Kind != uploader.Timeout {
		t.Errorf("inner cancel with the caller alive: %v, want timeout", e.Kind)
	}

	// OSS names the right endpoint when the bucket lives elsewhere.
	wrong := serviceError(403, "AccessDenied", "The bucket you are attempting to access must be addressed using the specified endpoint.", "")
	wrong.Endpoint = "oss-cn-beijing.aliyuncs.com"
	if e := b.classify(context.Background(), "put", "k", wrong, nil, 403, signing{}); !strings.Contains(strings.Join(e.Hints, "\n"), "oss-cn-beijing.aliyuncs.com") {
		t.Errorf("endpoint hint missing: %q", e.Hints)
	}
}

func TestStringToSignHints(t *testing.T) {
	v4 := "OSS4-HMAC-SHA256\n20230524T021230Z\n20230524/cn-beijing/oss/aliyun_v4_request\nabc"
	tests := []struct {
		sts    string
		v4     bool
		region string
		want   string
	}{
		{"", true, "cn-hangzhou", ""},
		{v4, true, "cn-hangzhou", `names region "cn-beijing"`},
		{v4, true, "cn-beijing", ""},
		{v4, false, "cn-beijing", "signs with V1"},
		{"PUT\n\n\nTue, 23 May 2023 15:24:55 GMT\n/bkt/k", true, "cn-hangzhou", "signs with V4"},
		{"PUT\n\n\nTue, 23 May 2023 15:24:55 GMT\n/bkt/k", false, "", ""},
	}
	for _, tt := range tests {
		got := strings.Join(stringToSignHints(tt.sts, tt.v4, tt.region), "\n")
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("stringToSignHints(%q, %v, %q) = %q, want %q", tt.sts, tt.v4, tt.region, got, tt.want)
		}
	}
}
