package oss

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
)

// fakeReq is one request a fakeOSS received.
type fakeReq struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
	Chunked      bool
	RemoteAddr   string
}

// fakeOSS is a loopback HTTP server that records requests and answers them
// with a scripted handler; it lets the tests drive the real SDK through
// replies MinIO never sends (CRC or ETag mismatches, non-XML bodies,
// skewed Dates). Its clock is fixed: now plus offset.
type fakeOSS struct {
	srv    *httptest.Server
	now    time.Time
	offset time.Duration

	mu     sync.Mutex
	reqs   []fakeReq
	handle func(w http.ResponseWriter, r *fakeReq)
}

func newFakeOSS(t *testing.T, now time.Time, handle func(w http.ResponseWriter, r *fakeReq)) *fakeOSS {
	t.Helper()
	f := &fakeOSS{now: now, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fr := fakeReq{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
			Chunked: len(r.TransferEncoding) > 0, RemoteAddr: r.RemoteAddr}
		f.mu.Lock()
		f.reqs = append(f.reqs, fr)
		off, n := f.offset, len(f.reqs)
		f.mu.Unlock()
		w.Header().Set("Date", f.now.Add(off).UTC().Format(http.TimeFormat))
		w.Header().Set("X-Oss-Request-Id", "FAKE"+strconv.Itoa(n))
		f.handle(w, &fr)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOSS) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.reqs...)
}

func (f *fakeOSS) setOffset(d time.Duration) {
	f.mu.Lock()
	f.offset = d
	f.mu.Unlock()
}

// fakeBackend returns a backend at f, signing with the fake clock.
func fakeBackend(t *testing.T, f *fakeOSS, mod func(*Options)) *Backend {
	t.Helper()
	return testBackend(t, func(o *Options) {
		o.Endpoint = f.srv.URL
		o.Region = "cn-hangzhou"
		o.Now = func() time.Time { return f.now }
		o.ResponseTimeout = backendtest.ResponseTimeout
		if mod != nil {
			mod(o)
		}
	})
}

// okPut answers a PUT like OSS: the body's MD5 as ETag and its CRC64.
func okPut(w http.ResponseWriter, r *fakeReq) {
	sum := md5.Sum(r.Body)
	w.Header().Set("ETag", `"`+hexUpper(sum[:])+`"`)
	w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(r.Body, crc64.MakeTable(crc64.ECMA)), 10))
	w.WriteHeader(http.StatusOK)
}

func hexUpper(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func md5b64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func xmlError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>FAKEREQ</RequestId><HostId>fake</HostId></Error>`, code, msg)
}
