package tos

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// smallParts makes multipart start above 6 MiB, in 5 MiB parts.
func smallParts(o *Options) {
	o.MultipartThreshold = 6 << 20
	o.PartSize = 5 << 20
	o.PartConcurrency = 2
}

func TestPutMultipart(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	b := newTestBackend(t, f.endpoint(), smallParts)
	data := randomBytes(12<<20+123, 2)
	var progressed atomic.Int64
	ctx := uploader.WithProgress(context.Background(), func(n int64) { progressed.Add(n) })
	obj := uploader.BytesObject("big", data)
	sum := md5.Sum(data)
	obj.MD5 = sum[:]

	res, err := b.Put(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.object("big"); !bytes.Equal(got, data) {
		t.Fatalf("stored %d bytes, not the %d sent", len(got), len(data))
	}
	var parts, completes, heads int
	for _, r := range f.requests() {
		q := r.Query
		switch {
		case r.Method == http.MethodPut:
			parts++
			if r.Header.Get("Content-Md5") != "" {
				t.Errorf("part %s: Content-MD5 %q sent; the CRC-64 checks the part", q, r.Header.Get("Content-Md5"))
			}
			if r.Chunked {
				t.Errorf("part %s went chunked", q)
			}
			if r.Header.Get("X-Tos-Date") == "" {
				t.Errorf("part %s: no X-Tos-Date", q)
			}
		case r.Method == http.MethodPost && r.Body != nil && len(r.Body) > 0:
			completes++
			var body struct {
				Parts []struct {
					PartNumber int
					ETag       string
				}
			}
			if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Parts) != 3 {
				t.Errorf("complete body %s: %v", r.Body, err)
			}
			for i, p := range body.Parts {
				if p.PartNumber != i+1 || p.ETag == "" {
					t.Errorf("complete part %d = %+v", i, p)
				}
			}
		case r.Method == http.MethodHead:
			heads++
		}
	}
	if parts != 3 || completes != 1 || heads != 1 {
		t.Errorf("%d parts, %d completes, %d heads; want 3, 1, 1", parts, completes, heads)
	}
	if res.Size != int64(len(data)) || res.ETag != `"multipart-etag"` || res.MD5 != md5hex(data) || res.Target != "tos-test" {
		t.Errorf("Result = %+v", res)
	}
	if len(res.Attempts) != 1 || res.Attempts[0].Err != nil {
		t.Errorf("Attempts = %+v", res.Attempts)
	}
	if progressed.Load() != int64(len(data)) {
		t.Errorf("progress reported %d bytes, want %d", progressed.Load(), len(data))
	}
}

func TestPutMultipartAbortsOnFailure(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.failPart = 2
	b := newTestBackend(t, f.endpoint(), smallParts)
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("big", randomBytes(12<<20, 3)))
	if k := uploader.KindOf(err); k != uploader.Unavailable {
		t.Fatalf("Kind %v, want unavailable (err %v)", k, err)
	}
	if e := uploader.AsError(err); e.Op != "upload_part" || e.Status != 500 {
		t.Errorf("op %q status %d", e.Op, e.Status)
	}
	if n := s.pending(); n != 0 || len(s.aborted) != 1 {
		t.Errorf("%d uploads pending, %d aborted; want 0 and 1", n, len(s.aborted))
	}
	if _, ok := s.object("big"); ok {
		t.Error("an object was left")
	}
}

func TestPutMultipartCanceled(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	b := newTestBackend(t, f.endpoint(), smallParts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = uploader.WithProgress(ctx, func(int64) { cancel() }) // cancel as soon as bytes move
	_, err := uploader.New(b).Upload(ctx, uploader.BytesObject("big", randomBytes(12<<20, 4)))
	if k := uploader.KindOf(err); k != uploader.Canceled {
		t.Fatalf("Kind %v, want canceled (err %v)", k, err)
	}
	if n := s.pending(); n != 0 || len(s.aborted) != 1 {
		t.Errorf("%d uploads pending, %d aborted; want 0 and 1", n, len(s.aborted))
	}
	if _, ok := s.object("big"); ok {
		t.Error("an object was left")
	}
}

func TestPutMultipartCRCMismatch(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.badCRC = true
	b := newTestBackend(t, f.endpoint(), smallParts)
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("big", randomBytes(12<<20, 5)))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Integrity || e.Op != "complete_multipart" {
		t.Fatalf("err = %v, want integrity from complete_multipart", err)
	}
	if _, ok := s.object("big"); ok {
		t.Error("the object whose CRC64 did not match was left in place")
	}
}

func TestPutMultipartWithoutCRCChecksSize(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.noCRC = true
	b := newTestBackend(t, f.endpoint(), smallParts)
	data := randomBytes(7<<20, 6)
	if _, err := b.Put(context.Background(), uploader.BytesObject("big", data)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.object("big"); !bytes.Equal(got, data) {
		t.Fatal("stored bytes differ")
	}
}

// TestPutMultipartPartChecksums: a part whose CRC-64 differs fails the
// upload (Integrity) and aborts it; a store that returns no CRC-64 for
// parts gets the part again with Content-MD5, and every later part of the
// backend with it.
func TestPutMultipartPartChecksums(t *testing.T) {
	oneAtATime := func(o *Options) { smallParts(o); o.PartConcurrency = 1 }
	partsMD5 := func(f *fakeTOS) []bool {
		var out []bool
		for _, r := range f.requests() {
			if r.Method == http.MethodPut && strings.Contains(r.Query, "partNumber=") {
				out = append(out, r.Header.Get("Content-Md5") != "")
			}
		}
		return out
	}
	t.Run("part crc differs", func(t *testing.T) {
		f := newFakeTOS(t)
		s := f.serve()
		s.badPartCRC = 2
		b := newTestBackend(t, f.endpoint(), oneAtATime)
		_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("big", randomBytes(12<<20, 8)))
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || e.Op != "upload_part" {
			t.Fatalf("err = %v, want integrity from upload_part", err)
		}
		if n := s.pending(); n != 0 || len(s.aborted) != 1 {
			t.Errorf("%d uploads pending, %d aborted; want 0 and 1", n, len(s.aborted))
		}
	})
	t.Run("no part crc", func(t *testing.T) {
		f := newFakeTOS(t)
		s := f.serve()
		s.noPartCRC = true
		b := newTestBackend(t, f.endpoint(), oneAtATime)
		data := randomBytes(12<<20, 9)
		if _, err := b.Put(context.Background(), uploader.BytesObject("big", data)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.object("big"); !bytes.Equal(got, data) {
			t.Fatal("stored bytes differ")
		}
		if got := partsMD5(f); !slices.Equal(got, []bool{false, true, true, true}) {
			t.Errorf("part PUTs with Content-MD5: %v, want part 1 without, then again with, then every part with", got)
		}
		if _, err := b.Put(context.Background(), uploader.BytesObject("again", data)); err != nil {
			t.Fatal(err)
		}
		if got := partsMD5(f)[4:]; !slices.Equal(got, []bool{true, true, true}) {
			t.Errorf("the next upload's parts: %v, want all with Content-MD5", got)
		}
	})
	t.Run("source fails when the part is read for its MD5", func(t *testing.T) {
		f := newFakeTOS(t)
		s := f.serve()
		s.noPartCRC = true
		b := newTestBackend(t, f.endpoint(), oneAtATime)
		obj := uploader.BytesObject("big", randomBytes(12<<20, 10))
		open := obj.Open
		obj.Open = func() (uploader.Body, error) {
			body, err := open()
			// The first part's bytes read once (sent without an MD5), then
			// the source fails.
			return &failAfter{Body: body, left: 5 << 20}, err
		}
		_, err := b.Put(context.Background(), obj)
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.Invalid || e.Op != "read" || e.Key != "big" || e.Target == "" {
			t.Fatalf("err = %#v, want Kind Invalid from read, naming the key and target", e)
		}
		if n := s.pending(); n != 0 || len(s.aborted) != 1 {
			t.Errorf("%d uploads pending, %d aborted; want 0 and 1", n, len(s.aborted))
		}
	})
}

func TestPutMultipartRefusesAWrongMD5BeforeSending(t *testing.T) {
	f := newFakeTOS(t)
	f.serve()
	b := newTestBackend(t, f.endpoint(), smallParts)
	obj := uploader.BytesObject("big", randomBytes(7<<20, 7))
	obj.MD5 = make([]byte, 16)
	_, err := uploader.New(b).Upload(context.Background(), obj)
	if k := uploader.KindOf(err); k != uploader.Integrity {
		t.Fatalf("Kind %v, want integrity (err %v)", k, err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestPutMultipartCorrectsClockSkew(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.setOffset(31 * time.Minute)
	b := newTestBackend(t, f.endpoint(), smallParts)
	res, err := b.Put(context.Background(), uploader.BytesObject("big", randomBytes(7<<20, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attempts) != 2 || res.Attempts[0].Kind != uploader.ClockSkew || res.Attempts[0].Skew < 30*time.Minute ||
		res.Attempts[1].Err != nil || !res.Attempts[1].SkewCorrected {
		t.Fatalf("Attempts = %+v", res.Attempts)
	}
	refused := 0
	for _, r := range f.requests() {
		if d := time.Until(signedAt(t, r)); d < 25*time.Minute {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d requests signed with the local time, want only the first", refused)
	}
}

// failAfter is a Body that fails every read once left bytes were read.
type failAfter struct {
	uploader.Body
	mu   sync.Mutex
	left int64
}

func (f *failAfter) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.left <= 0 {
		return 0, errors.New("the source went away")
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.Body.ReadAt(p, off)
	f.left -= int64(n)
	return n, err
}
