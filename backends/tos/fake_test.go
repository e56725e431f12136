package tos

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTOS is a scripted HTTP server on 127.0.0.1 that answers like TOS: the
// unit tests get real SDK error values from it (the SDK parses its replies),
// without MinIO or the gateway.
type fakeTOS struct {
	srv *httptest.Server

	mu      sync.Mutex
	handler http.HandlerFunc
	reqs    []seenRequest
	done    chan struct{}
}

// seenRequest is what the fake recorded of one request.
type seenRequest struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
	// ContentLength is -1 for a chunked body.
	ContentLength int64
	Chunked       bool
}

func newFakeTOS(t *testing.T) *fakeTOS {
	t.Helper()
	f := &fakeTOS{done: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		h := f.handler
		f.mu.Unlock()
		if h == nil {
			h = f.ok
		}
		h(w, r)
	}))
	t.Cleanup(func() {
		close(f.done)
		f.srv.Close()
	})
	return f
}

// endpoint is the fake's URL with an IP literal host.
func (f *fakeTOS) endpoint() string { return f.srv.URL }

func (f *fakeTOS) handle(h http.HandlerFunc) {
	f.mu.Lock()
	f.handler = h
	f.mu.Unlock()
}

// record reads the body and notes the request.
func (f *fakeTOS) record(r *http.Request) seenRequest {
	body, _ := io.ReadAll(r.Body)
	s := seenRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
		ContentLength: r.ContentLength, Chunked: len(r.TransferEncoding) > 0}
	f.mu.Lock()
	f.reqs = append(f.reqs, s)
	f.mu.Unlock()
	return s
}

func (f *fakeTOS) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.reqs...)
}

// ok answers every request with success, as TOS would for a PUT, a HEAD or
// a DELETE.
func (f *fakeTOS) ok(w http.ResponseWriter, r *http.Request) {
	s := f.record(r)
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.Header().Set("X-Tos-Request-Id", "fake-req-1")
	switch r.Method {
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case http.MethodHead:
		w.Header().Set("Content-Length", strconv.Itoa(len(s.Body)))
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("ETag", `"`+md5hex(s.Body)+`"`)
		w.Header().Set("X-Tos-Hash-Crc64ecma", strconv.FormatUint(crc64ecma(s.Body), 10))
		w.WriteHeader(http.StatusOK)
	}
}

// reply returns a handler that reads the request and answers status with
// the JSON body (none for HEAD) and headers.
func (f *fakeTOS) reply(status int, body string, header map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w.Header().Set("X-Tos-Request-Id", "fake-req-2")
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			io.WriteString(w, body)
		}
	}
}

// reset reads the request and resets the connection.
func (f *fakeTOS) reset(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// hang reads the request and never answers, until the test ends or the
// client goes away.
func (f *fakeTOS) hang(w http.ResponseWriter, r *http.Request) {
	f.record(r)
	select {
	case <-r.Context().Done():
	case <-f.done:
	}
}

// refusedEndpoint returns an http endpoint on 127.0.0.1 where nothing
// listens.
func refusedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// store is a minimal TOS in memory for the fake: objects, multipart
// uploads, a clock offset checked against X-Tos-Date, and faults.
type store struct {
	f *fakeTOS

	mu      sync.Mutex
	objects map[string][]byte
	uploads map[string]map[int][]byte // upload ID → part number → bytes
	nextID  int
	offset  time.Duration // the server's clock minus the real one
	// failPart answers 500 to this part number; badCRC sends a wrong CRC64
	// for PUT and complete replies; noCRC sends none.
	failPart int
	badCRC   bool
	noCRC    bool
	// badETag answers a single PUT with an ETag that is not the body's MD5.
	badETag bool
	// noPartCRC sends no CRC64 for parts; badPartCRC sends a wrong one for
	// that part number.
	noPartCRC  bool
	badPartCRC int
	aborted    []string
}

// serve makes f answer like TOS from a store.
func (f *fakeTOS) serve() *store {
	s := &store{f: f, objects: map[string][]byte{}, uploads: map[string]map[int][]byte{}}
	f.handle(s.ServeHTTP)
	return s
}

func (s *store) setOffset(d time.Duration) { s.mu.Lock(); s.offset = d; s.mu.Unlock() }

func (s *store) object(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[key]
	return b, ok
}

func (s *store) pending() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.uploads) }

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := s.f.record(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().Add(s.offset)
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	w.Header().Set("X-Tos-Request-Id", "fake-req-3")
	fail := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			io.WriteString(w, `{"Code":"`+code+`","Message":"`+code+`","RequestId":"fake-req-3"}`)
		}
	}
	if signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Tos-Date")); err != nil || absDur(now.Sub(signed)) > 15*time.Minute {
		fail(http.StatusForbidden, "RequestTimeTooSkewed")
		return
	}
	if m := r.Header.Get("Content-Md5"); m != "" && m != b64md5(req.Body) {
		fail(http.StatusBadRequest, "BadDigest")
		return
	}
	key := strings.TrimPrefix(req.Path, "/bkt/")
	q := r.URL.Query()
	crc := func(b []byte) {
		switch {
		case s.noCRC:
		case s.badCRC:
			w.Header().Set("X-Tos-Hash-Crc64ecma", "12345")
		default:
			w.Header().Set("X-Tos-Hash-Crc64ecma", strconv.FormatUint(crc64ecma(b), 10))
		}
	}
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		s.nextID++
		id := "upload-" + strconv.Itoa(s.nextID)
		s.uploads[id] = map[int][]byte{}
		io.WriteString(w, `{"Bucket":"bkt","Key":"`+key+`","UploadId":"`+id+`"}`)
	case r.Method == http.MethodPut && q.Has("uploadId"):
		parts, ok := s.uploads[q.Get("uploadId")]
		if !ok {
			fail(http.StatusNotFound, "NoSuchUpload")
			return
		}
		n, _ := strconv.Atoi(q.Get("partNumber"))
		if n == s.failPart {
			fail(http.StatusInternalServerError, "InternalError")
			return
		}
		parts[n] = req.Body
		w.Header().Set("ETag", `"`+md5hex(req.Body)+`"`)
		switch {
		case s.noPartCRC:
		case n == s.badPartCRC:
			w.Header().Set("X-Tos-Hash-Crc64ecma", "12345")
		default:
			w.Header().Set("X-Tos-Hash-Crc64ecma", strconv.FormatUint(crc64ecma(req.Body), 10))
		}
	case r.Method == http.MethodPost && q.Has("uploadId"):
		id := q.Get("uploadId")
		parts, ok := s.uploads[id]
		if !ok {
			fail(http.StatusNotFound, "NoSuchUpload")
			return
		}
		var body struct{ Parts []struct{ PartNumber int } }
		if err := json.Unmarshal(req.Body, &body); err != nil || len(body.Parts) == 0 {
			fail(http.StatusBadRequest, "MalformedJSON")
			return
		}
		var all []byte
		for _, p := range body.Parts {
			all = append(all, parts[p.PartNumber]...)
		}
		s.objects[key] = all
		delete(s.uploads, id)
		crc(all)
		io.WriteString(w, `{"Bucket":"bkt","Key":"`+key+`","ETag":"\"multipart-etag\"","Location":"x"}`)
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		delete(s.uploads, q.Get("uploadId"))
		s.aborted = append(s.aborted, q.Get("uploadId"))
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		s.objects[key] = req.Body
		w.Header().Set("ETag", `"`+md5hex(req.Body)+`"`)
		if s.badETag {
			w.Header().Set("ETag", `"`+md5hex(append(req.Body, 'x'))+`"`)
		}
		crc(req.Body)
	case r.Method == http.MethodHead || r.Method == http.MethodGet:
		b, ok := s.objects[key]
		if !ok {
			fail(http.StatusNotFound, "NoSuchKey")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Header().Set("ETag", `"`+md5hex(b)+`"`)
		if r.Method == http.MethodGet {
			w.Header().Set("X-Tos-Hash-Crc64ecma", strconv.FormatUint(crc64ecma(b), 10))
			w.Write(b)
		}
	case r.Method == http.MethodDelete:
		delete(s.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		fail(http.StatusNotImplemented, "NotImplemented")
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func b64md5(b []byte) string { s := md5.Sum(b); return base64.StdEncoding.EncodeToString(s[:]) }
