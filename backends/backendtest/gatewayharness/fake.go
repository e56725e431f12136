package gatewayharness

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// Fake is a loopback HTTP server that answers every request with its
// handler's reply, for the crafted S3 replies a backend must classify. It
// reads each request's body before the handler runs, counts the requests
// and keeps the last one.
type Fake struct {
	*httptest.Server
	n    atomic.Int64
	last atomic.Pointer[http.Request]
}

// NewFake starts a Fake that answers with h; it stops when t ends.
func NewFake(t testing.TB, h http.HandlerFunc) *Fake {
	f := &Fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		f.last.Store(r)
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// Requests returns the number of requests the Fake received.
func (f *Fake) Requests() int64 { return f.n.Load() }

// Last returns the last request the Fake received, nil before the first.
func (f *Fake) Last() *http.Request { return f.last.Load() }

// XMLError writes an S3 XML error reply: status, the request ID id under
// the header idHeader, and body (an <Error> element) after the XML
// declaration.
func XMLError(w http.ResponseWriter, status int, idHeader, id, body string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set(idHeader, id)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+body)
}

// VerifyHandler answers as an S3 server that stores whatever it gets with
// the wrong checksum or size: a single PUT gets the ETag etag; a multipart
// upload (key "k") is initiated, takes its parts and completes with the
// ETag "abc-3"; a HEAD says the object has size bytes. It counts in deletes
// the DELETEs of objects (not the aborts of multipart uploads).
func VerifyHandler(etag string, size int64, deletes *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			_, _ = io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>`)
		case r.Method == http.MethodPut && q.Has("uploadId"):
			w.Header().Set("ETag", `"part`+q.Get("partNumber")+`"`)
		case r.Method == http.MethodPost && q.Has("uploadId"):
			_, _ = io.WriteString(w, `<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><ETag>"abc-3"</ETag></CompleteMultipartUploadResult>`)
		case r.Method == http.MethodPut:
			w.Header().Set("ETag", `"`+etag+`"`)
		case r.Method == http.MethodHead:
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
			w.Header().Set("ETag", `"abc-3"`)
		case r.Method == http.MethodDelete:
			if !q.Has("uploadId") {
				deletes.Add(1)
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
}

// FakeBackend makes a backend of bucket "bkt" at endpoint (a [Fake]) that
// uploads in 5 MiB parts above 6 MiB; skipETagCheck turns its comparison of
// a single PUT's ETag with the MD5 sent off. It fails t on error.
type FakeBackend func(t *testing.T, endpoint string, skipETagCheck bool) uploader.Backend

// CheckVerification: a single PUT whose ETag is not the MD5 sent, and a
// multipart upload whose stored size differs, fail with Integrity and the
// object is deleted; with the ETag check off, that ETag passes; a matching
// ETag and size pass, and nothing is deleted.
func CheckVerification(t *testing.T, newB FakeBackend) {
	t.Helper()
	ctx := context.Background()
	small := uploader.BytesObject("k", []byte("hello world"))
	var deletes atomic.Int64
	f := NewFake(t, VerifyHandler("00000000000000000000000000000000", 1, &deletes))
	b := newB(t, f.URL, false)
	_, err := b.Put(ctx, small)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "ETag") || deletes.Load() != 1 {
		t.Fatalf("ETag mismatch: %#v, %d deletes", err, deletes.Load())
	}
	_, err = b.Put(ctx, Zeroes("k", 11<<20))
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "1 bytes") || deletes.Load() != 2 {
		t.Fatalf("size mismatch: %#v, %d deletes", err, deletes.Load())
	}

	// The ETag check off (SSE-KMS buckets) accepts an ETag that is not
	// the MD5.
	if _, err := newB(t, f.URL, true).Put(ctx, small); err != nil {
		t.Fatalf("ETag check off: %v", err)
	}

	// Matching ETag and size pass.
	var none atomic.Int64
	good := NewFake(t, VerifyHandler("5eb63bbbe01eeed093cb22bb8f5acdc3", 11<<20, &none))
	gb := newB(t, good.URL, false)
	if _, err := gb.Put(ctx, small); err != nil {
		t.Fatal(err)
	}
	res, err := gb.Put(ctx, Zeroes("k", 11<<20))
	if err != nil || res.ETag != "abc-3" || none.Load() != 0 {
		t.Fatalf("%+v, %v, %d deletes", res, err, none.Load())
	}
}

// CheckAbortFailureReported: when a part fails and the abort fails too
// (the server answers 500 to all but the initiation), the error keeps the
// part's kind and says that parts may remain.
func CheckAbortFailureReported(t *testing.T, newB FakeBackend) {
	t.Helper()
	f := NewFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Query().Has("uploads") {
			_, _ = io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>`)
			return
		}
		XMLError(w, 500, "X-Amz-Request-Id", "REQ500", `<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>`)
	})
	_, err := newB(t, f.URL, false).Put(context.Background(), Zeroes("k", 11<<20))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Unavailable || e.Op != "upload_part" || !strings.Contains(e.Message, "aborting the multipart upload also failed") {
		t.Fatalf("%#v", err)
	}
}
