package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"
	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// These tests run the gateway against a stub upstream (no MinIO): they pin
// the wire format of each dialect and the translation of requests and
// replies.

// stub is a fake upstream that records what reached it and answers with
// reply (or 200 with no body).
type stub struct {
	srv   *httptest.Server
	mu    sync.Mutex
	seen  []*http.Request
	body  [][]byte
	reply func(w http.ResponseWriter, r *http.Request)
}

func newStub(t *testing.T) *stub {
	s := &stub{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, r)
		s.body = append(s.body, b)
		reply := s.reply
		s.mu.Unlock()
		if reply != nil {
			reply(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stub) last() (*http.Request, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == 0 {
		return nil, nil
	}
	return s.seen[len(s.seen)-1], s.body[len(s.body)-1]
}

func (s *stub) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

func startGW(t *testing.T, opts Options) *Gateway {
	t.Helper()
	g, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestWireFormatOfErrors(t *testing.T) {
	st := newStub(t)
	cases := []struct {
		d     Dialect
		auth  string
		idHdr string
		check func(t *testing.T, body []byte, id string)
	}{
		{TOS, "TOS4-HMAC-SHA256 Credential=nokey/20260101/cn-beijing/tos/request,SignedHeaders=host,Signature=00", "X-Tos-Request-Id",
			func(t *testing.T, body []byte, id string) {
				var v map[string]string
				if err := json.Unmarshal(body, &v); err != nil {
					t.Fatalf("TOS error is not JSON: %v: %s", err, body)
				}
				if v["Code"] != "InvalidAccessKeyId" || v["Message"] == "" || v["RequestId"] != id || v["HostId"] == "" {
					t.Fatalf("TOS error %s", body)
				}
			}},
		{OSS, "OSS nokey:c2ln", "X-Oss-Request-Id",
			func(t *testing.T, body []byte, id string) {
				var v ossError
				if err := xml.Unmarshal(body, &v); err != nil || v.Code != "InvalidAccessKeyId" || v.RequestID != id || v.HostID == "" {
					t.Fatalf("OSS error %v: %s", err, body)
				}
			}},
		{COS, "q-sign-algorithm=sha1&q-ak=nokey&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00", "X-Cos-Request-Id",
			func(t *testing.T, body []byte, id string) {
				var v cosError
				if err := xml.Unmarshal(body, &v); err != nil || v.Code != "InvalidAccessKeyId" || v.RequestID != id || v.TraceID == "" || v.Resource == "" || v.Message == "" {
					t.Fatalf("COS error %v: %s", err, body)
				}
			}},
		{OBS, "AWS nokey:c2ln", "X-Amz-Request-Id",
			func(t *testing.T, body []byte, id string) {
				var v s3Error
				if err := xml.Unmarshal(body, &v); err != nil || v.Code != "InvalidAccessKeyId" || v.RequestID != id || v.HostID == "" {
					t.Fatalf("OBS error %v: %s", err, body)
				}
			}},
	}
	for _, c := range cases {
		t.Run(string(c.d), func(t *testing.T) {
			g := startGW(t, Options{Dialect: c.d, Upstream: Upstream{URL: st.srv.URL}})
			g.SetClockOffset(time.Hour)
			req, _ := http.NewRequest(http.MethodPut, g.URL()+"/b/k", strings.NewReader("data"))
			req.Header.Set("Authorization", c.auth)
			req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
			resp, body := do(t, req)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %s", resp.StatusCode, body)
			}
			id := resp.Header.Get(c.idHdr)
			if id == "" {
				t.Fatalf("no %s header", c.idHdr)
			}
			if c.d == OBS && resp.Header.Get("X-Obs-Request-Id") != "" {
				t.Fatal("OBS reply carries both request-id headers")
			}
			date, err := http.ParseTime(resp.Header.Get("Date"))
			if err != nil || time.Until(date) < 59*time.Minute {
				t.Fatalf("Date %q is not the gateway's clock (+1h): %v", resp.Header.Get("Date"), err)
			}
			c.check(t, body, id)
			if st.count() != 0 {
				t.Fatal("a rejected request reached the upstream")
			}
			if n := g.CountOutcome(OpPut, OutcomeRejected); n != 1 {
				t.Fatalf("rejected puts counted: %d", n)
			}
		})
	}
}

// TestOSSStringToSign pins the SignatureDoesNotMatch body of the OSS signature troubleshooting guide: the
// gateway's StringToSign, its bytes, the key and the signature provided.
func TestOSSStringToSign(t *testing.T) {
	st := newStub(t)
	g := startGW(t, Options{Dialect: OSS, Upstream: Upstream{URL: st.srv.URL}})
	date := time.Now().UTC().Format(http.TimeFormat)
	req, _ := http.NewRequest(http.MethodPut, g.URL()+"/bucket/dir/obj?acl", nil)
	req.Header.Set("Authorization", "OSS "+DefaultAccessKey+":Ym9ndXM=")
	req.Header.Set("Date", date)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("X-Oss-Meta-A", "1")
	req.Header.Set("X-Oss-Acl", "private")
	resp, body := do(t, req)
	var v ossError
	if err := xml.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	want := "PUT\n\ntext/plain\n" + date + "\nx-oss-acl:private\nx-oss-meta-a:1\n/bucket/dir/obj?acl"
	if resp.StatusCode != 403 || v.Code != "SignatureDoesNotMatch" || v.StringToSign != want {
		t.Fatalf("status %d code %s StringToSign %q, want %q", resp.StatusCode, v.Code, v.StringToSign, want)
	}
	if v.StringToSignBytes != hexBytes(want) || v.AccessKeyID != DefaultAccessKey || v.SignatureProvided != "Ym9ndXM=" || v.EC != "0002-00000040" {
		t.Fatalf("body %s", body)
	}
	if resp.Header.Get("X-Oss-Ec") != "0002-00000040" {
		t.Fatalf("x-oss-ec = %q", resp.Header.Get("X-Oss-Ec"))
	}
}

func TestOSSHeadErrorCarriesXOssErr(t *testing.T) {
	st := newStub(t)
	g := startGW(t, Options{Dialect: OSS, Upstream: Upstream{URL: st.srv.URL}})
	req, _ := http.NewRequest(http.MethodHead, g.URL()+"/b/k", nil)
	req.Header.Set("Authorization", "OSS nokey:c2ln")
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	resp, body := do(t, req)
	if resp.StatusCode != 403 || len(body) != 0 {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	raw, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Oss-Err"))
	var v ossError
	if err != nil || xml.Unmarshal(raw, &v) != nil || v.Code != "InvalidAccessKeyId" {
		t.Fatalf("x-oss-err %q: %v", resp.Header.Get("X-Oss-Err"), err)
	}
}

// TestAWSVerifiersAgreeWithMinioGo signs with minio-go's V2 and V4 signers
// (an independent implementation) and checks the OBS dialect accepts the
// right secret, refuses a wrong one, and judges time with its own clock.
func TestAWSVerifiersAgreeWithMinioGo(t *testing.T) {
	st := newStub(t)
	g := startGW(t, Options{Dialect: OBS, Upstream: Upstream{URL: st.srv.URL}})
	sign := map[string]func(r *http.Request, sk string) *http.Request{
		"v4": func(r *http.Request, sk string) *http.Request {
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return signer.SignV4(*r, DefaultAccessKey, sk, "", "us-east-1")
		},
		"v2": func(r *http.Request, sk string) *http.Request {
			return signer.SignV2(*r, DefaultAccessKey, sk, false)
		},
	}
	for name, s := range sign {
		t.Run(name, func(t *testing.T) {
			send := func(sk string) (*http.Response, []byte) {
				req, _ := http.NewRequest(http.MethodPut, g.URL()+"/b/dir/a%20key?partNumber=1&uploadId=x", strings.NewReader("data"))
				req.Header.Set("Content-Type", "application/octet-stream")
				req.Header.Set("X-Amz-Meta-Color", "red")
				return do(t, s(req, sk))
			}
			g.SetClockOffset(0)
			if resp, body := send(DefaultSecretKey); resp.StatusCode != 200 {
				t.Fatalf("right secret: %d %s", resp.StatusCode, body)
			}
			if resp, body := send("wrong"); resp.StatusCode != 403 || !bytes.Contains(body, []byte("SignatureDoesNotMatch")) {
				t.Fatalf("wrong secret: %d %s", resp.StatusCode, body)
			}
			g.SetClockOffset(14 * time.Minute)
			if resp, body := send(DefaultSecretKey); resp.StatusCode != 200 {
				t.Fatalf("14 min skew: %d %s", resp.StatusCode, body)
			}
			g.SetClockOffset(-16 * time.Minute)
			resp, body := send(DefaultSecretKey)
			var v s3Error
			_ = xml.Unmarshal(body, &v)
			if resp.StatusCode != 403 || v.Code != "RequestTimeTooSkewed" || v.Message != "Request is not yet valid." || v.ServerTime == "" || v.RequestTime == "" {
				t.Fatalf("-16 min skew: %d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestCOSTimeAndPaths(t *testing.T) {
	st := newStub(t)
	g := startGW(t, Options{Dialect: COS, Upstream: Upstream{URL: st.srv.URL}})
	send := func(signPath string, start time.Time) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPut, g.URL()+signPath, strings.NewReader("data"))
		req.Header.Set("Content-Type", "text/plain")
		cos.AddAuthorizationHeader(DefaultAccessKey, DefaultSecretKey, "", req, &cos.AuthTime{
			SignStartTime: start, SignEndTime: start.Add(time.Hour), KeyStartTime: start, KeyEndTime: start.Add(time.Hour),
		})
		if signPath == "/k" { // a bucket-path RoundTripper below the signer
			req.URL.Path = "/b/k"
		}
		return do(t, req)
	}
	now := time.Now()
	for _, p := range []string{"/b/k", "/k"} {
		if resp, body := send(p, now); resp.StatusCode != 200 {
			t.Fatalf("signed over %s: %d %s", p, resp.StatusCode, body)
		}
	}
	if r, _ := st.last(); r.URL.Path != "/b/k" {
		t.Fatalf("upstream path %q", r.URL.Path)
	}
	resp, body := send("/b/k", now.Add(-2*time.Hour))
	var v cosError
	_ = xml.Unmarshal(body, &v)
	if resp.StatusCode != 403 || v.Code != "AccessDenied" || v.Message != "Request has expired" {
		t.Fatalf("expired q-sign-time: %d %s", resp.StatusCode, body)
	}
	resp, body = send("/b/k", now.Add(-31*time.Minute))
	_ = xml.Unmarshal(body, &v)
	if resp.StatusCode != 403 || v.Code != "RequestTimeTooSkewed" {
		t.Fatalf("q-sign-time 31 min old: %d %s", resp.StatusCode, body)
	}
}

func TestForwardTranslatesHeadersAndAddsCRC(t *testing.T) {
	st := newStub(t)
	st.reply = func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("ETag", `"abc"`)
		h.Set("X-Amz-Request-Id", "minio-id")
		h.Set("X-Amz-Meta-Color", "red")
		h.Set("X-Amz-Version-Id", "v1")
		h.Set("X-Minio-Internal", "x")
		w.WriteHeader(200)
	}
	g := startGW(t, Options{Dialect: OSS, Upstream: Upstream{URL: st.srv.URL, AccessKey: "upak", SecretKey: "upsk-fake"}})
	data := []byte("some object data")
	req, _ := http.NewRequest(http.MethodPut, g.URL()+"/b/dir/k", bytes.NewReader(data))
	req.Header.Set("X-Oss-Meta-Color", "red")
	req.Header.Set("X-Oss-Storage-Class", "IA")
	req.Header.Set("Content-Md5", "1B2M2Y8AsgTpgAmY7PhCfg==")
	resp, _ := do(t, req) // anonymous
	up, body := st.last()
	if up.URL.Path != "/b/dir/k" || !bytes.Equal(body, data) {
		t.Fatalf("upstream got %s with %q", up.URL.Path, body)
	}
	if up.Header.Get("Authorization") != "" {
		t.Fatal("an anonymous request was signed for the upstream")
	}
	if up.Header.Get("X-Amz-Meta-Color") != "red" || up.Header.Get("X-Oss-Storage-Class") != "" || up.Header.Get("Content-Md5") == "" {
		t.Fatalf("upstream headers %v", up.Header)
	}
	h := resp.Header
	if h.Get("ETag") != `"abc"` || h.Get("X-Oss-Meta-Color") != "red" || h.Get("X-Oss-Version-Id") != "v1" {
		t.Fatalf("reply headers %v", h)
	}
	if h.Get("X-Amz-Request-Id") != "" || h.Get("X-Amz-Meta-Color") != "" || h.Get("X-Minio-Internal") != "" || h.Get("X-Oss-Request-Id") == "" {
		t.Fatalf("reply headers %v", h)
	}
	if got := h.Get("X-Oss-Hash-Crc64ecma"); got != strconv.FormatUint(crc64.Checksum(data, crcTable), 10) {
		t.Fatalf("CRC header %q", got)
	}

	// A signed request is re-signed for the upstream with its own key.
	g2 := startGW(t, Options{Dialect: OBS, Upstream: Upstream{URL: st.srv.URL, AccessKey: "upak", SecretKey: "upsk-fake"}})
	req, _ = http.NewRequest(http.MethodPut, g2.URL()+"/b/k", bytes.NewReader(data))
	req = signer.SignV2(*req, DefaultAccessKey, DefaultSecretKey, false)
	if resp, body := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	up, _ = st.last()
	if a := up.Header.Get("Authorization"); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=upak/") {
		t.Fatalf("upstream Authorization %q", a)
	}
}

func TestTOSJSONTranslation(t *testing.T) {
	st := newStub(t)
	st.reply = func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			_, _ = io.WriteString(w, `<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>`)
		case r.Method == http.MethodPost:
			_, _ = io.WriteString(w, `<CompleteMultipartUploadResult><Location>http://x/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>"e-2"</ETag></CompleteMultipartUploadResult>`)
		case r.Method == http.MethodGet && q.Get("uploadId") == "gone":
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `<Error><Code>NoSuchUpload</Code><Message>The specified multipart upload does not exist.</Message></Error>`)
		case r.Method == http.MethodGet && q.Get("list-type") == "2":
			_, _ = io.WriteString(w, `<ListBucketResult><Name>b</Name><Prefix>d/</Prefix><ContinuationToken>t1</ContinuationToken><NextContinuationToken>t2</NextContinuationToken>`+
				`<KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated>`+
				`<Contents><Key>d/a</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>&#34;900150983cd24fb0d6963f7d28e17f72&#34;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`)
		case r.Method == http.MethodGet:
			_, _ = io.WriteString(w, `<ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>`+
				`<Part><PartNumber>1</PartNumber><LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>"p1"</ETag><Size>5</Size></Part></ListPartsResult>`)
		}
	}
	g := startGW(t, Options{Dialect: TOS, Upstream: Upstream{URL: st.srv.URL}})

	req, _ := http.NewRequest(http.MethodPost, g.URL()+"/b/k?uploads", nil)
	resp, body := do(t, req)
	var ini map[string]string
	if err := json.Unmarshal(body, &ini); err != nil || ini["UploadId"] != "up-1" || ini["Bucket"] != "b" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("initiate: %v %s", err, body)
	}

	req, _ = http.NewRequest(http.MethodPost, g.URL()+"/b/k?uploadId=up-1", strings.NewReader(`{"Parts":[{"PartNumber":1,"ETag":"\"p1\""},{"PartNumber":2,"ETag":"\"p2\""}]}`))
	req.Header.Set("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA==")
	resp, body = do(t, req)
	var done map[string]string
	if err := json.Unmarshal(body, &done); err != nil || done["ETag"] != `"e-2"` || resp.StatusCode != 200 {
		t.Fatalf("complete: %v %s", err, body)
	}
	up, sent := st.last()
	var cx completeXML
	if err := xml.Unmarshal(sent, &cx); err != nil || len(cx.Parts) != 2 || cx.Parts[1].ETag != `"p2"` || up.Header.Get("Content-Md5") != "" {
		t.Fatalf("complete sent upstream: %v %s (Content-MD5 %q)", err, sent, up.Header.Get("Content-Md5"))
	}

	req, _ = http.NewRequest(http.MethodGet, g.URL()+"/b/k?uploadId=up-1", nil)
	_, body = do(t, req)
	var lp struct {
		UploadID string `json:"UploadId"`
		Parts    []struct {
			PartNumber   int
			ETag         string
			Size         int64
			LastModified time.Time
		}
	}
	if err := json.Unmarshal(body, &lp); err != nil || lp.UploadID != "up-1" || len(lp.Parts) != 1 || lp.Parts[0].Size != 5 || lp.Parts[0].LastModified.IsZero() {
		t.Fatalf("list parts: %v %s", err, body)
	}

	req, _ = http.NewRequest(http.MethodGet, g.URL()+"/b/k?uploadId=gone", nil)
	resp, body = do(t, req)
	var e map[string]string
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != 404 || e["Code"] != "NoSuchUpload" || e["RequestId"] != resp.Header.Get("X-Tos-Request-Id") {
		t.Fatalf("MinIO error as TOS JSON: %d %v %s", resp.StatusCode, err, body)
	}

	// ListObjectsType2: the query goes upstream as it is, the result
	// comes back as TOS's JSON.
	req, _ = http.NewRequest(http.MethodGet, g.URL()+"/b?list-type=2&prefix=d%2F&max-keys=1&continuation-token=t1", nil)
	resp, body = do(t, req)
	var lo struct {
		Name, Prefix, NextContinuationToken string
		KeyCount, MaxKeys                   int
		IsTruncated                         bool
		Contents                            []struct {
			Key, ETag, StorageClass string
			Size                    int64
			LastModified            time.Time
		}
		CommonPrefixes []struct{ Prefix string }
	}
	if err := json.Unmarshal(body, &lo); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		!lo.IsTruncated || lo.NextContinuationToken != "t2" || lo.KeyCount != 1 || len(lo.Contents) != 1 || lo.CommonPrefixes == nil {
		t.Fatalf("list objects type 2: %d %v %s", resp.StatusCode, err, body)
	}
	if c := lo.Contents[0]; c.Key != "d/a" || c.ETag != `"900150983cd24fb0d6963f7d28e17f72"` || c.Size != 3 || c.LastModified.IsZero() {
		t.Errorf("listed object: %+v", c)
	}
	if up, _ := st.last(); up.URL.Query().Get("continuation-token") != "t1" || up.URL.Query().Get("prefix") != "d/" {
		t.Errorf("listing sent upstream as %q", up.URL.RawQuery)
	}

	n := st.count()
	req, _ = http.NewRequest(http.MethodGet, g.URL()+"/b?prefix=d%2F", nil)
	resp, body = do(t, req)
	if resp.StatusCode != http.StatusNotImplemented || !bytes.Contains(body, []byte(`"NotImplemented"`)) || st.count() != n {
		t.Fatalf("untranslated TOS JSON API (V1 listing): %d %s", resp.StatusCode, body)
	}
}

func TestPresignedIsRefused(t *testing.T) {
	st := newStub(t)
	g := startGW(t, Options{Dialect: TOS, Upstream: Upstream{URL: st.srv.URL}})
	req, _ := http.NewRequest(http.MethodGet, g.URL()+"/b/k?X-Tos-Signature=abc", nil)
	resp, body := do(t, req)
	if resp.StatusCode != 403 || st.count() != 0 {
		t.Fatalf("presigned request: %d %s (upstream saw %d)", resp.StatusCode, body, st.count())
	}
}

// TestCloseEndsStalls checks that Close wakes a request stalled without any
// client timeout, resets it, and returns once every handler is done.
func TestCloseEndsStalls(t *testing.T) {
	st := newStub(t)
	stalled := make(chan struct{}, 1)
	g, err := Start(Options{Dialect: OSS, Upstream: Upstream{URL: st.srv.URL}, MaxStall: time.Hour,
		Logf: func(format string, args ...any) {
			if strings.Contains(format, "outcome") && len(args) > 6 && args[6] == "stall" {
				stalled <- struct{}{}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	g.Inject(Fault{Action: Stall()})
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPut, g.URL()+"/b/k", strings.NewReader("x"))
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-stalled
	closed := make(chan error, 1)
	go func() { closed <- g.Close() }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second): // a safety net against a hang, not a timing assertion
		t.Fatal("Close did not return while a request was stalled")
	}
	if err := <-errc; err == nil {
		t.Fatal("the stalled request got a reply")
	}
	if st.count() != 0 {
		t.Fatal("the stalled request reached the upstream")
	}
}

// TestStreamingSignedBodyIsDecoded: minio-go over plain http signs PUTs as
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (aws-chunked); the upstream must get the
// object's bytes and length, not the chunk framing.
func TestStreamingSignedBodyIsDecoded(t *testing.T) {
	st := newStub(t)
	st.reply = func(w http.ResponseWriter, r *http.Request) { w.Header().Set("ETag", `"e"`); w.WriteHeader(200) }
	g := startGW(t, Options{Dialect: OBS, Upstream: Upstream{URL: st.srv.URL, AccessKey: "upak", SecretKey: "upsk-fake"}})
	mc, err := minio.New(strings.TrimPrefix(g.URL(), "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(DefaultAccessKey, DefaultSecretKey, ""), Region: "us-east-1", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("streamed object "), 20000) // 320,000 bytes: several chunks
	_, err = mc.PutObject(t.Context(), "bkt", "k", bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{DisableMultipart: true})
	if err != nil {
		t.Fatal(err)
	}
	up, body := st.last()
	if !strings.HasPrefix(up.Header.Get("X-Amz-Content-Sha256"), "UNSIGNED") || up.ContentLength != int64(len(data)) {
		t.Fatalf("upstream sha256 %q length %d", up.Header.Get("X-Amz-Content-Sha256"), up.ContentLength)
	}
	if !bytes.Equal(body, data) {
		t.Fatalf("upstream got %d bytes, want the %d of the object", len(body), len(data))
	}
	if strings.Contains(up.Header.Get("Content-Encoding"), "aws-chunked") {
		t.Fatalf("Content-Encoding %q", up.Header.Get("Content-Encoding"))
	}
}
