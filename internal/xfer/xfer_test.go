package xfer

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// fakeSession records parts and can fail a chosen part.
type fakeSession struct {
	mu        sync.Mutex
	parts     map[int][]byte
	md5s      map[int][]byte
	failPart  int
	failErr   error
	inFlight  atomic.Int32
	maxFlight atomic.Int32
	completed []Part
	aborted   bool
	abortCtx  error
	block     chan struct{} // if set, UploadPart waits for it or ctx
}

func (s *fakeSession) UploadPart(ctx context.Context, p Part, body io.ReadSeeker) (string, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxFlight.Load()
		if n <= m || s.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if p.Number == s.failPart {
		return "", s.failErr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	if int64(len(b)) != p.Size {
		return "", errors.New("short part")
	}
	s.mu.Lock()
	s.parts[p.Number] = b
	s.md5s[p.Number] = p.MD5
	s.mu.Unlock()
	return Hex(md5sum(b)), nil
}

func (s *fakeSession) Complete(ctx context.Context, parts []Part) error {
	s.completed = parts
	return nil
}

func (s *fakeSession) Abort(ctx context.Context) error {
	s.aborted = true
	s.abortCtx = ctx.Err()
	return nil
}

func md5sum(b []byte) []byte { s := md5.Sum(b); return s[:] }

func newSession() *fakeSession {
	return &fakeSession{parts: map[int][]byte{}, md5s: map[int][]byte{}}
}

func data(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(b)
	return b
}

func TestUploadAssemblesPartsInOrder(t *testing.T) {
	const ps = MinPartSize
	body := data(3*ps + 123)
	s := newSession()
	parts, err := Upload(context.Background(), bytes.NewReader(body), int64(len(body)), s, Options{PartSize: ps, Concurrency: 2, ContentMD5: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 4 || len(s.completed) != 4 || s.aborted {
		t.Fatalf("parts %d, completed %d, aborted %v", len(parts), len(s.completed), s.aborted)
	}
	var got []byte
	nums := make([]int, 0, len(s.parts))
	for n := range s.parts {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		got = append(got, s.parts[n]...)
		if !bytes.Equal(s.md5s[n], md5sum(s.parts[n])) {
			t.Errorf("part %d MD5 wrong", n)
		}
	}
	if !bytes.Equal(got, body) {
		t.Fatal("reassembled body differs")
	}
	for i, p := range s.completed {
		if p.Number != i+1 || p.ETag == "" {
			t.Fatalf("completed part %d = %+v", i, p)
		}
	}
	if m := s.maxFlight.Load(); m > 2 {
		t.Fatalf("%d parts in flight, limit 2", m)
	}
}

func TestUploadAbortsOnPartFailure(t *testing.T) {
	body := data(4 * MinPartSize)
	s := newSession()
	s.failPart = 3
	want := &uploader.Error{Kind: uploader.Unavailable, Code: "InternalError"}
	s.failErr = want
	_, err := Upload(context.Background(), bytes.NewReader(body), int64(len(body)), s, Options{PartSize: MinPartSize, Concurrency: 2})
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want the part's error", err)
	}
	if !s.aborted || s.completed != nil {
		t.Fatalf("aborted %v, completed %v", s.aborted, s.completed)
	}
}

func TestUploadAbortsWithLiveContextAfterCancel(t *testing.T) {
	body := data(4 * MinPartSize)
	s := newSession()
	s.block = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := Upload(ctx, bytes.NewReader(body), int64(len(body)), s, Options{PartSize: MinPartSize, Concurrency: 2})
		done <- err
	}()
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !s.aborted || s.abortCtx != nil {
		t.Fatalf("aborted %v with ctx err %v; want an abort on a live context", s.aborted, s.abortCtx)
	}
}

func TestPartSize(t *testing.T) {
	if got := PartSize(1<<30, 0); got != DefaultPartSize {
		t.Errorf("1 GiB default = %d", got)
	}
	if got := PartSize(1<<30, 1<<20); got != MinPartSize {
		t.Errorf("1 MiB request = %d, want the 5 MiB minimum", got)
	}
	huge := int64(200) << 30 // 200 GiB in 16 MiB parts would be 12800 parts
	got := PartSize(huge, 0)
	if (huge+got-1)/got > MaxParts || got%(1<<20) != 0 {
		t.Errorf("200 GiB part size %d gives %d parts", got, (huge+got-1)/got)
	}
}

func TestCountingReportsRewindAsNegative(t *testing.T) {
	var total atomic.Int64
	r := Counting(bytes.NewReader(make([]byte, 100)), func(n int64) { total.Add(n) })
	io.CopyN(io.Discard, r, 60)
	if total.Load() != 60 {
		t.Fatalf("after 60 bytes: %d", total.Load())
	}
	r.Seek(0, io.SeekStart)
	if total.Load() != 0 {
		t.Fatalf("after rewind: %d", total.Load())
	}
	if l, ok := r.(interface{ Len() int }); !ok || l.Len() != 100 {
		t.Fatal("Len lost")
	}
	if Counting(bytes.NewReader(nil), nil) == nil {
		t.Fatal("nil fn")
	}
}

func TestMD5(t *testing.T) {
	b := data(100000)
	got, err := MD5(bytes.NewReader(b), 10, 5000)
	if err != nil || !bytes.Equal(got, md5sum(b[10:5010])) {
		t.Fatalf("MD5 = %x, %v", got, err)
	}
	if _, err := MD5(bytes.NewReader(b), 99990, 100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short range: %v", err)
	}
}
