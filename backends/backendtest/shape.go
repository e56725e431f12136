package backendtest

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// testClosed checks the one Close semantics of every backend: after Close,
// every call fails with Kind Invalid without reaching the storage, and the
// backend's connections and goroutines are gone (the count of goroutines
// comes back to what it was before the backend was made, within a minute).
func testClosed(t *testing.T, s *suite) {
	before := runtime.NumGoroutine()
	b, err := s.h.MakeBackend(s.ctx)
	if err != nil {
		t.Fatalf("making the backend: %v", err)
	}
	body := Data(1000, seed())
	// One request first, so that the backend holds a connection to close.
	if _, err := uploader.New(b).Upload(s.ctx, uploader.BytesObject("closed/before", body)); err != nil {
		t.Fatalf("an upload before Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	wantClosed := func(what string, err error) {
		t.Helper()
		if k := uploader.KindOf(err); k != uploader.Invalid {
			t.Errorf("%s after Close: %v (Kind %s), want Kind Invalid", what, err, k)
		}
	}
	_, err = b.Put(s.ctx, uploader.BytesObject("closed/after", body))
	wantClosed("Put", err)
	if st, ok := b.(uploader.Stater); ok {
		_, err := st.Stat(s.ctx, "closed/before")
		wantClosed("Stat", err)
	}
	if g, ok := b.(uploader.Getter); ok {
		rc, err := g.Get(s.ctx, "closed/before")
		if rc != nil {
			rc.Close()
		}
		wantClosed("Get", err)
	}
	if d, ok := b.(uploader.Deleter); ok {
		wantClosed("Delete", d.Delete(s.ctx, "closed/before"))
	}
	for key, want := range map[string][]byte{"closed/before": body, "closed/after": nil} {
		got, ok, err := s.h.Read(s.ctx, key)
		if err != nil {
			t.Fatalf("reading %q behind the backend: %v", key, err)
		}
		if ok != (want != nil) || !bytes.Equal(got, want) {
			t.Errorf("%q after Close: stored %v (%d bytes), want %d bytes", key, ok, len(got), len(want))
		}
	}
	// Only a safety net: the goroutines of closed connections end at once.
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines a minute after Close, %d before the backend was made:\n%s", n, before, buf)
	}
}

// Sizes are the multipart settings of a backend's Options, as
// [SizesAtLimits] sets them.
type Sizes struct {
	PartSize           int64
	PartConcurrency    int
	MultipartThreshold int64
}

// The limits of every provider.
const (
	gib          = 1 << 30
	maxSinglePut = 5 * gib // the largest single PUT
	maxPartSize  = 5 * gib // the largest part
	minPartSize  = 5 << 20 // the smallest part but the last
	maxParts     = 10000
)

// SizesAtLimits checks the one rule of every cloud backend for its
// multipart settings: a setting above a provider's limit is refused by New
// with an error naming the setting, never capped silently; a setting at
// the limit is taken; and, where the backend is an [uploader.PartSizer],
// the part size it uses for an object keeps every part within 5 MiB..5 GiB
// and the count within 10000. newBackend makes the backend with s set in
// its Options (a loopback endpoint: nothing is sent).
func SizesAtLimits(t *testing.T, newBackend func(s Sizes) (uploader.Backend, error)) {
	t.Helper()
	refused := []struct {
		s       Sizes
		setting string
	}{
		{Sizes{MultipartThreshold: maxSinglePut + 1}, "MultipartThreshold"},
		{Sizes{PartSize: maxPartSize + 1}, "PartSize"},
		{Sizes{MultipartThreshold: -1}, "MultipartThreshold"},
		{Sizes{PartSize: -1}, "PartSize"},
		{Sizes{PartConcurrency: -1}, "PartConcurrency"},
	}
	for _, tc := range refused {
		b, err := newBackend(tc.s)
		if err == nil {
			b.Close()
			t.Errorf("New with %+v was accepted; want it refused, naming %s", tc.s, tc.setting)
			continue
		}
		if !strings.Contains(err.Error(), tc.setting) {
			t.Errorf("New with %+v: %q does not name %s", tc.s, err, tc.setting)
		}
	}
	for _, s := range []Sizes{{MultipartThreshold: maxSinglePut, PartSize: maxPartSize}, {PartSize: 1}, {}} {
		b, err := newBackend(s)
		if err != nil {
			t.Errorf("New with %+v: %v; want it taken", s, err)
			continue
		}
		if ps, ok := b.(uploader.PartSizer); ok {
			checkPartSizes(t, s, ps)
		}
		b.Close()
	}
}

// checkPartSizes checks the part sizes ps uses, set up with s.
func checkPartSizes(t *testing.T, s Sizes, ps uploader.PartSizer) {
	t.Helper()
	if s.MultipartThreshold > 0 && ps.PartSize(s.MultipartThreshold) != 0 {
		t.Errorf("%+v: an object of MultipartThreshold bytes is sent in parts of %d, want one PUT", s, ps.PartSize(s.MultipartThreshold))
	}
	for _, size := range []int64{maxSinglePut + 1, 48 << 30, 5 << 40} {
		part := ps.PartSize(size)
		if part == 0 {
			t.Errorf("%+v: an object of %d bytes is sent in one PUT, above the 5 GiB limit", s, size)
			continue
		}
		if part < minPartSize || part > maxPartSize || (size+part-1)/part > maxParts {
			t.Errorf("%+v: an object of %d bytes in parts of %d: outside 5 MiB..5 GiB per part or above 10000 parts", s, size, part)
		}
	}
}
