package tos

import (
	"bytes"
	"context"
	"crypto/md5"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

func signedAt(t *testing.T, r seenRequest) time.Time {
	t.Helper()
	ts, err := time.Parse("20060102T150405Z", r.Header.Get("X-Tos-Date"))
	if err != nil {
		t.Fatalf("X-Tos-Date %q: %v", r.Header.Get("X-Tos-Date"), err)
	}
	return ts
}

func TestPutSingle(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	b := newTestBackend(t, f.endpoint(), nil)
	data := randomBytes(100<<10, 1)
	var progressed atomic.Int64
	ctx := uploader.WithProgress(context.Background(), func(n int64) { progressed.Add(n) })
	obj := uploader.BytesObject("dir/a b.txt", data)
	obj.ContentType = "text/plain"
	obj.Metadata = map[string]string{"origin": "test"}

	res, err := b.Put(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.object("dir/a b.txt"); !bytes.Equal(got, data) {
		t.Fatalf("stored %d bytes, want the %d sent", len(got), len(data))
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want one PUT", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPut || r.Path != "/bkt/dir/a b.txt" {
		t.Errorf("%s %s, want path-style PUT /bkt/dir/a b.txt", r.Method, r.Path)
	}
	if r.Header.Get("Content-Md5") != b64md5(data) {
		t.Errorf("Content-MD5 = %q", r.Header.Get("Content-Md5"))
	}
	if r.Chunked || r.ContentLength != int64(len(data)) {
		t.Errorf("Content-Length %d, chunked %v; want %d, not chunked", r.ContentLength, r.Chunked, len(data))
	}
	if r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("X-Tos-Meta-Origin") != "test" {
		t.Errorf("content type / metadata headers: %v", r.Header)
	}
	day := time.Now().UTC().Format("20060102")
	if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "TOS4-HMAC-SHA256 Credential="+testAK+"/"+day+"/cn-beijing/tos/request,") {
		t.Errorf("Authorization = %q", auth)
	}
	if d := time.Since(signedAt(t, r)); d < -time.Minute || d > time.Minute {
		t.Errorf("signed %v away from now", d)
	}
	want := uploader.Result{Key: "dir/a b.txt", Target: "tos-test", Provider: "tos",
		URL:  "http://" + strings.TrimPrefix(f.endpoint(), "http://") + "/bkt/dir/a%20b.txt",
		ETag: `"` + md5hex(data) + `"`, MD5: md5hex(data), Size: int64(len(data))}
	if res.Key != want.Key || res.Target != want.Target || res.Provider != want.Provider || res.URL != want.URL ||
		res.ETag != want.ETag || res.MD5 != want.MD5 || res.Size != want.Size {
		t.Errorf("Result = %+v\nwant     %+v", res, want)
	}
	if len(res.Attempts) != 1 || res.Attempts[0].Err != nil || res.Attempts[0].SkewCorrected {
		t.Errorf("Attempts = %+v", res.Attempts)
	}
	if progressed.Load() != int64(len(data)) {
		t.Errorf("progress reported %d bytes, want %d", progressed.Load(), len(data))
	}
}

func TestPutSendsTheCallersMD5(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	b := newTestBackend(t, f.endpoint(), nil)
	obj := uploader.BytesObject("k", []byte("hello"))
	obj.MD5 = md5.New().Sum(nil) // the MD5 of nothing: not these bytes
	_, err := uploader.New(b).Upload(context.Background(), obj)
	if k := uploader.KindOf(err); k != uploader.Integrity {
		t.Fatalf("Kind %v, want integrity (err %v)", k, err)
	}
	if _, ok := s.object("k"); ok {
		t.Error("the object was stored although its Content-MD5 was wrong")
	}
}

func TestPutEmptyObject(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	b := newTestBackend(t, f.endpoint(), nil)
	res, err := b.Put(context.Background(), uploader.BytesObject("empty", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := s.object("empty"); !ok || len(got) != 0 {
		t.Fatalf("stored %q, %v", got, ok)
	}
	r := f.requests()[0]
	if r.Chunked || r.ContentLength != 0 {
		t.Errorf("Content-Length %d, chunked %v; want 0, not chunked", r.ContentLength, r.Chunked)
	}
	if r.Header.Get("Content-Md5") != "1B2M2Y8AsgTpgAmY7PhCfg==" {
		t.Errorf("Content-MD5 = %q", r.Header.Get("Content-Md5"))
	}
	if res.Size != 0 || res.MD5 != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("Result = %+v", res)
	}
}

func TestPutCRCMismatchLeavesNothing(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.badCRC = true
	b := newTestBackend(t, f.endpoint(), nil)
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("hello")))
	if k := uploader.KindOf(err); k != uploader.Integrity {
		t.Fatalf("Kind %v, want integrity (err %v)", k, err)
	}
	if _, ok := s.object("k"); ok {
		t.Error("the object whose CRC64 did not match was left in place")
	}
	if len(res.Attempts) != 1 || res.Attempts[0].Kind != uploader.Integrity {
		t.Errorf("Attempts = %+v", res.Attempts)
	}
}

// TestPutETagMismatchKeepsSkew: a PUT whose reply's ETag is not the MD5
// sent fails with Kind Integrity, the object is deleted, and the failed
// attempt keeps the skew it measured and its correction.
func TestPutETagMismatchKeepsSkew(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.setOffset(31 * time.Minute)
	s.badETag = true
	b := newTestBackend(t, f.endpoint(), nil)
	res, err := b.Put(context.Background(), uploader.BytesObject("k", []byte("hello")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "the object was deleted") {
		t.Fatalf("err = %v, want Kind Integrity saying the object was deleted", err)
	}
	if _, ok := s.object("k"); ok {
		t.Error("the object with the wrong ETag was left in place")
	}
	if len(res.Attempts) != 2 {
		t.Fatalf("Attempts = %+v, want the refusal and the corrected try", res.Attempts)
	}
	last := res.Attempts[1]
	if last.Kind != uploader.Integrity || !last.SkewCorrected || last.Skew < 30*time.Minute || last.Skew > 32*time.Minute {
		t.Errorf("the failed attempt = %+v; want Kind Integrity, the correction and the 31m skew kept", last)
	}
}

// TestPutCorrectsClockSkew: the server's clock is 31 minutes ahead. The first
// Put is refused, measured and signed again with the server's time; the next
// Put is signed with it from the start; concurrent Puts share the estimate.
func TestPutCorrectsClockSkew(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.setOffset(31 * time.Minute)
	b := newTestBackend(t, f.endpoint(), nil)

	res, err := b.Put(context.Background(), uploader.BytesObject("k1", []byte("one")))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attempts) != 2 {
		t.Fatalf("Attempts = %+v, want 2", res.Attempts)
	}
	first, second := res.Attempts[0], res.Attempts[1]
	if first.Kind != uploader.ClockSkew || first.Skew < 30*time.Minute || first.Skew > 32*time.Minute || first.SkewCorrected {
		t.Errorf("first attempt = %+v", first)
	}
	if second.Err != nil || !second.SkewCorrected {
		t.Errorf("second attempt = %+v", second)
	}
	reqs := f.requests()
	if d := signedAt(t, reqs[1]).Sub(signedAt(t, reqs[0])); d < 30*time.Minute || d > 32*time.Minute {
		t.Errorf("the retry was signed %v after the first try, want about 31m", d)
	}

	res, err = b.Put(context.Background(), uploader.BytesObject("k2", []byte("two")))
	if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
		t.Fatalf("second Put: %v, %+v", err, res.Attempts)
	}

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := b.Put(context.Background(), uploader.BytesObject("c"+strconv.Itoa(i), []byte("x")))
			if err == nil && len(res.Attempts) != 1 {
				t.Errorf("concurrent Put %d took %d attempts", i, len(res.Attempts))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put %d: %v", i, err)
		}
	}
	if off, ok := b.Skew(); !ok || off < 30*time.Minute {
		t.Errorf("Skew() = %v, %v", off, ok)
	}
}

func TestPutWithSkewCorrectionOff(t *testing.T) {
	f := newFakeTOS(t)
	s := f.serve()
	s.setOffset(-31 * time.Minute)
	b := newTestBackend(t, f.endpoint(), func(o *Options) { o.DisableSkewCorrection = true })
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.ClockSkew {
		t.Fatalf("err = %v, want clock_skew", err)
	}
	if e.Skew > -30*time.Minute {
		t.Errorf("Skew = %v", e.Skew)
	}
	hints := strings.Join(e.Hints, "\n")
	// The hint names the skew measured, rounded to the second: 31m0s, or
	// 30m59s after a slow reply, so the text is the measured skew's.
	if want := (-e.Skew).Round(time.Second).String() + " ahead of the server's"; !strings.Contains(hints, want) || !strings.Contains(hints, "skew correction is off") {
		t.Errorf("hints:\n%s", hints)
	}
	if len(res.Attempts) != 1 || len(f.requests()) != 1 {
		t.Errorf("%d attempts, %d requests; want one of each", len(res.Attempts), len(f.requests()))
	}
}
