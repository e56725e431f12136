package backendtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// caseTimeout bounds every case, so that a backend that hangs fails the
// case instead of the whole test binary.
const caseTimeout = 3 * time.Minute

// Run runs the conformance suite against the backends newHarness makes. Each
// case is a subtest with a stable name (see the package documentation) and
// gets a harness of its own, closed when the case ends.
func Run(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	run := func(t *testing.T, name string, fn func(t *testing.T, s *suite)) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			s := setup(t, newHarness)
			fn(t, s)
		})
	}
	t.Run("RoundTrip", func(t *testing.T) {
		for _, size := range []struct {
			name string
			n    int64
		}{{"0B", 0}, {"1B", 1}, {"5MiB+1", 5<<20 + 1}} {
			run(t, size.name, func(t *testing.T, s *suite) { s.roundTrip(t, "round-trip/"+size.name, size.n) })
		}
		run(t, "above-multipart-threshold", func(t *testing.T, s *suite) {
			n := s.h.MultipartThreshold() + 1
			if n == 5<<20+1 {
				t.Skip("the threshold is 5 MiB: the 5MiB+1 case covers it")
			}
			s.roundTrip(t, "round-trip/above-multipart-threshold", n)
		})
	})
	run(t, "Overwrite", testOverwrite)
	t.Run("AwkwardKeys", func(t *testing.T) {
		for _, k := range AwkwardKeys() {
			run(t, k.Name, func(t *testing.T, s *suite) { s.roundTrip(t, k.Key, 100) })
		}
	})
	run(t, "PrefixKeys", testPrefixKeys)
	t.Run("Canceled", func(t *testing.T) {
		run(t, "single", func(t *testing.T, s *suite) { testCanceled(t, s, 1<<20) })
		run(t, "multipart", func(t *testing.T, s *suite) { testCanceled(t, s, s.h.MultipartThreshold()+1) })
	})
	t.Run("BodyFails", func(t *testing.T) {
		run(t, "single", func(t *testing.T, s *suite) { testBodyFails(t, s, 1<<20) })
		run(t, "multipart", func(t *testing.T, s *suite) { testBodyFails(t, s, s.h.MultipartThreshold()+1) })
	})
	run(t, "ShortBody", testShortBody)
	t.Run("ChecksumMismatch", func(t *testing.T) {
		run(t, "single", func(t *testing.T, s *suite) { testChecksumMismatch(t, s, 64<<10) })
		run(t, "multipart", func(t *testing.T, s *suite) { testChecksumMismatch(t, s, s.h.MultipartThreshold()+1) })
	})
	run(t, "MissingBucket", testMissingBucket)
	run(t, "Concurrent", testConcurrent)
	run(t, "Progress", testProgress)
	t.Run("Attributes", func(t *testing.T) {
		run(t, "single", func(t *testing.T, s *suite) { testAttributes(t, s, 1000) })
		run(t, "multipart", func(t *testing.T, s *suite) { testAttributes(t, s, s.h.MultipartThreshold()+1) })
	})
	run(t, "StatMissing", testStatMissing)
	run(t, "Delete", testDelete)
	run(t, "Closed", testClosed)
	t.Run("Faults", func(t *testing.T) {
		for _, f := range []FaultType{Fault500, Fault503SlowDown, Fault429, FaultReset, FaultStall} {
			run(t, f.String(), func(t *testing.T, s *suite) { testFault(t, s, f) })
		}
	})
}

// suite is one case's harness and backend.
type suite struct {
	h   Harness
	b   uploader.Backend
	u   uploader.Uploader
	ctx context.Context
}

func setup(t *testing.T, newHarness HarnessMaker) *suite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
	t.Cleanup(cancel)
	h, err := newHarness(ctx, t)
	if err != nil {
		t.Fatalf("making the harness: %v", err)
	}
	t.Cleanup(h.Close)
	b, err := h.MakeBackend(ctx)
	if err != nil {
		t.Fatalf("making the backend: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return &suite{h: h, b: b, u: uploader.New(b), ctx: ctx}
}

// Data returns n deterministic pseudo-random bytes for seed: the same on
// every run, different for different seeds.
func Data(n int64, seed uint64) []byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

var seq atomic.Uint64

func seed() uint64 { return seq.Add(1) }

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// upload stores body under key through uploader.New, with the body's MD5
// set, and checks the Result.
func (s *suite) upload(t *testing.T, key string, body []byte) uploader.Result {
	t.Helper()
	obj := uploader.BytesObject(key, body)
	sum := md5.Sum(body)
	obj.MD5 = sum[:]
	obj.ContentType = "application/x-upload-test"
	res, err := s.u.Upload(s.ctx, obj)
	if err != nil {
		t.Fatalf("Upload(%q, %d bytes) = %v", key, len(body), err)
	}
	if res.Key != key || res.Target != s.b.Name() || res.Size != int64(len(body)) || res.URL == "" {
		t.Errorf("Upload(%q): Result = key %q target %q size %d url %q", key, res.Key, res.Target, res.Size, res.URL)
	}
	if res.MD5 != "" && res.MD5 != md5hex(body) {
		t.Errorf("Upload(%q): Result.MD5 = %s, want %s", key, res.MD5, md5hex(body))
	}
	if len(res.Attempts) == 0 || res.Attempts[len(res.Attempts)-1].Err != nil {
		t.Errorf("Upload(%q): Attempts = %+v; want the last one successful", key, res.Attempts)
	}
	return res
}

// expect checks that key holds body, through the harness and through the
// backend's optional Getter and Stater.
func (s *suite) expect(t *testing.T, key string, body []byte) {
	t.Helper()
	got, ok, err := s.h.Read(s.ctx, key)
	if err != nil {
		t.Fatalf("harness Read(%q): %v", key, err)
	}
	if !ok {
		t.Fatalf("%q is not stored", key)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("%q holds %d bytes (md5 %s), want %d bytes (md5 %s)", key, len(got), md5hex(got), len(body), md5hex(body))
	}
	if g, ok := s.b.(uploader.Getter); ok {
		rc, err := g.Get(s.ctx, key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("Get(%q) read %d bytes, %v; want %d bytes", key, len(got), err, len(body))
		}
	}
	if st, ok := s.b.(uploader.Stater); ok {
		info, err := st.Stat(s.ctx, key)
		if err != nil {
			t.Fatalf("Stat(%q): %v", key, err)
		}
		if info.Size != int64(len(body)) {
			t.Errorf("Stat(%q).Size = %d, want %d", key, info.Size, len(body))
		}
	}
}

// expectNothing checks that key is not stored and no multipart upload is
// pending.
func (s *suite) expectNothing(t *testing.T, key string) {
	t.Helper()
	if got, ok, err := s.h.Read(s.ctx, key); err != nil {
		t.Fatalf("harness Read(%q): %v", key, err)
	} else if ok {
		t.Errorf("%q is visible after a failed upload (%d bytes)", key, len(got))
	}
	keys, err := s.h.Keys(s.ctx)
	if err != nil {
		t.Fatalf("harness Keys: %v", err)
	}
	if slices.Contains(keys, key) {
		t.Errorf("Keys lists %q after a failed upload", key)
	}
	s.expectNoPending(t)
}

func (s *suite) expectNoPending(t *testing.T) {
	t.Helper()
	n, err := s.h.PendingMultipart(s.ctx)
	if err != nil {
		t.Fatalf("harness PendingMultipart: %v", err)
	}
	if n != 0 {
		t.Errorf("%d multipart uploads (or partial writes) left pending", n)
	}
}

func (s *suite) roundTrip(t *testing.T, key string, n int64) {
	body := Data(n, seed())
	s.upload(t, key, body)
	s.expect(t, key, body)
	if st, ok := s.b.(uploader.Stater); ok {
		if info, err := st.Stat(s.ctx, key); err == nil && info.ContentType != "" && info.ContentType != "application/x-upload-test" {
			t.Errorf("Stat(%q).ContentType = %q, want application/x-upload-test", key, info.ContentType)
		}
	}
	keys, err := s.h.Keys(s.ctx)
	if err != nil {
		t.Fatalf("harness Keys: %v", err)
	}
	if !slices.Contains(keys, key) {
		t.Errorf("Keys = %q, missing %q", keys, key)
	}
}

func testOverwrite(t *testing.T, s *suite) {
	const key = "overwrite/object.bin"
	first, second := Data(300<<10, seed()), Data(70<<10, seed())
	s.upload(t, key, first)
	s.upload(t, key, second)
	s.expect(t, key, second)
	keys, err := s.h.Keys(s.ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		if k == key {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Keys lists %q %d times after an overwrite", key, n)
	}
}

// AwkwardKey is a key the suite round-trips, with the stable name of its
// subtest.
type AwkwardKey struct {
	Name, Key string
}

// AwkwardKeys returns the keys of the AwkwardKeys case: characters that
// need escaping in URLs, signatures or file systems.
func AwkwardKeys() []AwkwardKey {
	// 1024 bytes in segments of 100, since MinIO keeps each segment as a
	// file name (255 bytes at most).
	long := strings.Repeat(strings.Repeat("k", 99)+"/", 10)
	long += strings.Repeat("x", uploader.MaxKeyLen-len(long))
	return []AwkwardKey{
		{"space", "dir with space/file name.txt"},
		{"unicode", "données/日本語/файл-😀.txt"},
		{"percent", "100%/a%20b%2Fc.txt"},
		{"plus", "a+b/c+d=e.txt"},
		{"question", "why?/really?x=1&y=2"},
		{"hash", "issue#42/#anchor"},
		{"deep", strings.Repeat("d/", 40) + "leaf"},
		{"max-length", long},
		{"backslash", `dir\sub\file.txt`},
		{"specials", "a!b$c&d'e(f)g*h,i;j=k@l:m~n[o]p{q}r|s^t`u\"v<w>x"},
		{"dots", "a..b/...c/.hidden"},
	}
}

// testPrefixKeys stores "p", "p/q" and "p/q/r": a key may be a prefix of
// another.
func testPrefixKeys(t *testing.T, s *suite) {
	if ph, ok := s.h.(PathHarness); ok && ph.KeysArePaths() {
		testPathPrefixKeys(t, s)
		return
	}
	bodies := map[string][]byte{}
	for _, k := range []string{"p", "p/q", "p/q/r", "p/"} {
		bodies[k] = Data(int64(10+len(k)), seed())
		s.upload(t, k, bodies[k])
	}
	for k, b := range bodies {
		s.expect(t, k, b)
	}
}

// triggerBody serves data through ReadAt and, once a read reaches at,
// calls fire once; if fail is set, every read reaching at fails with it.
type triggerBody struct {
	data []byte
	at   int64
	fire func()
	once sync.Once
	fail error
}

// ErrBodyFailed is the error the BodyFails case's body returns.
var ErrBodyFailed = errors.New("backendtest: the body failed mid-read")

func (b *triggerBody) ReadAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	if end > b.at && b.fire != nil {
		b.once.Do(b.fire)
	}
	if b.fail != nil && end > b.at {
		n := 0
		if off < b.at {
			n = copy(p, b.data[off:b.at])
		}
		return n, b.fail
	}
	if off >= int64(len(b.data)) {
		return 0, io.EOF
	}
	n := copy(p, b.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (b *triggerBody) Close() error { return nil }

func bodyObject(key string, size int64, body uploader.Body) uploader.Object {
	return uploader.Object{Key: key, Size: size, Open: func() (uploader.Body, error) { return body, nil }}
}

// failedUpload runs one failing upload of a key with no previous copy and
// one of a key with one, and checks that nothing new is visible.
func (s *suite) failedUpload(t *testing.T, attempt func(key string) error, check func(t *testing.T, err error)) {
	t.Helper()
	fresh, existing := "fresh/object.bin", "existing/object.bin"
	previous := Data(1000, seed())
	s.upload(t, existing, previous)
	for _, key := range []string{fresh, existing} {
		err := attempt(key)
		if err == nil {
			t.Fatalf("the upload of %q succeeded; want a failure", key)
		}
		check(t, err)
	}
	s.expectNothing(t, fresh)
	s.expect(t, existing, previous)
	s.expectNoPending(t)
}

func testCanceled(t *testing.T, s *suite, size int64) {
	data := Data(size, seed())
	s.failedUpload(t, func(key string) error {
		ctx, cancel := context.WithCancel(s.ctx)
		defer cancel()
		// Cancel once a third of the body has been read.
		body := &triggerBody{data: data, at: size / 3, fire: cancel}
		_, err := s.u.Upload(ctx, bodyObject(key, size, body))
		return err
	}, func(t *testing.T, err error) {
		if k := uploader.KindOf(err); k != uploader.Canceled {
			t.Errorf("KindOf = %v, want canceled (err %v)", k, err)
		}
	})
}

func testBodyFails(t *testing.T, s *suite, size int64) {
	data := Data(size, seed())
	s.failedUpload(t, func(key string) error {
		body := &triggerBody{data: data, at: size / 2, fail: ErrBodyFailed}
		_, err := s.u.Upload(s.ctx, bodyObject(key, size, body))
		return err
	}, func(t *testing.T, err error) {
		if k := uploader.KindOf(err); k == uploader.Canceled {
			t.Errorf("KindOf = canceled, but the caller did not cancel (err %v)", err)
		}
	})
}

// testShortBody declares more bytes than the body holds.
func testShortBody(t *testing.T, s *suite) {
	data := Data(200<<10, seed())
	s.failedUpload(t, func(key string) error {
		_, err := s.u.Upload(s.ctx, bodyObject(key, int64(len(data))+1000, &triggerBody{data: data, at: 1 << 62}))
		return err
	}, func(t *testing.T, err error) {
		if k := uploader.KindOf(err); k == uploader.Canceled {
			t.Errorf("KindOf = canceled, but the caller did not cancel (err %v)", err)
		}
	})
}

func testChecksumMismatch(t *testing.T, s *suite, size int64) {
	data := Data(size, seed())
	wrong := md5.Sum([]byte("not the body"))
	s.failedUpload(t, func(key string) error {
		obj := uploader.BytesObject(key, data)
		obj.MD5 = wrong[:]
		_, err := s.u.Upload(s.ctx, obj)
		return err
	}, func(t *testing.T, err error) {
		if k := uploader.KindOf(err); k != uploader.Integrity {
			t.Errorf("KindOf = %v, want integrity (err %v)", k, err)
		}
	})
}

func testMissingBucket(t *testing.T, s *suite) {
	b, err := s.h.MakeBackendForMissingBucket(s.ctx)
	if err != nil {
		t.Fatalf("MakeBackendForMissingBucket: %v", err)
	}
	if b == nil {
		t.Skip("the harness says this backend has no missing bucket")
	}
	defer b.Close()
	_, err = uploader.New(b).Upload(s.ctx, uploader.BytesObject("k", []byte("x")))
	if k := uploader.KindOf(err); k != uploader.BucketNotFound {
		t.Errorf("KindOf = %v, want bucket_not_found (err %v)", k, err)
	}
	if e := uploader.AsError(err); e != nil && e.Target != b.Name() {
		t.Errorf("error names target %q, want %q", e.Target, b.Name())
	}
}

// testConcurrent uploads 16 objects at once through one Uploader, and 4
// versions of one key at once; run it under -race.
func testConcurrent(t *testing.T, s *suite) {
	const n = 16
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = Data(int64(1+i*37<<10), seed())
	}
	same := make([][]byte, 4)
	for i := range same {
		same[i] = Data(int64(50<<10+i), seed())
	}
	var wg sync.WaitGroup
	errs := make(chan error, n+len(same))
	for i, body := range bodies {
		wg.Go(func() {
			_, err := s.u.Upload(s.ctx, uploader.BytesObject(fmt.Sprintf("concurrent/%02d", i), body))
			errs <- err
		})
	}
	for _, body := range same {
		wg.Go(func() {
			_, err := s.u.Upload(s.ctx, uploader.BytesObject("concurrent/same", body))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent upload: %v", err)
		}
	}
	for i, body := range bodies {
		s.expect(t, fmt.Sprintf("concurrent/%02d", i), body)
	}
	got, ok, err := s.h.Read(s.ctx, "concurrent/same")
	if err != nil || !ok {
		t.Fatalf("concurrent/same: ok %v, %v", ok, err)
	}
	if !slices.ContainsFunc(same, func(b []byte) bool { return bytes.Equal(b, got) }) {
		t.Errorf("concurrent/same holds %d bytes that are none of the versions written", len(got))
	}
}

// testProgress checks that the bytes reported through
// uploader.WithProgress add up to the object's size.
func testProgress(t *testing.T, s *suite) {
	body := Data(3<<20+5, seed())
	var sum atomic.Int64
	ctx := uploader.WithProgress(s.ctx, func(n int64) { sum.Add(n) })
	if _, err := s.u.Upload(ctx, uploader.BytesObject("progress.bin", body)); err != nil {
		t.Fatal(err)
	}
	if got := sum.Load(); got != int64(len(body)) {
		t.Errorf("progress reported %d bytes, want %d", got, len(body))
	}
}

func testStatMissing(t *testing.T, s *suite) {
	st, ok := s.b.(uploader.Stater)
	if !ok {
		t.Skip("the backend is not a Stater")
	}
	// A missing object says nothing about the target's health: Kind
	// Invalid, and IsNotFound, from Stat and Get alike.
	_, err := st.Stat(s.ctx, "no/such/key")
	if !uploader.IsNotFound(err) || uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Stat of a missing key = %v (Kind %s); want Kind Invalid and IsNotFound", err, uploader.KindOf(err))
	}
	if g, ok := s.b.(uploader.Getter); ok {
		rc, err := g.Get(s.ctx, "no/such/key")
		if err == nil {
			// A backend may defer the request to the first Read.
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		if !uploader.IsNotFound(err) || uploader.KindOf(err) != uploader.Invalid {
			t.Errorf("Get of a missing key = %v (Kind %s); want Kind Invalid and IsNotFound", err, uploader.KindOf(err))
		}
	}
}

func testDelete(t *testing.T, s *suite) {
	d, ok := s.b.(uploader.Deleter)
	if !ok {
		t.Skip("the backend is not a Deleter")
	}
	body := Data(1000, seed())
	s.upload(t, "delete/me", body)
	s.upload(t, "delete/keep", body)
	if err := d.Delete(s.ctx, "delete/me"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	s.expectNothing(t, "delete/me")
	s.expect(t, "delete/keep", body)
	if err := d.Delete(s.ctx, "delete/me"); err != nil {
		t.Errorf("Delete of a missing key = %v, want nil", err)
	}
}

// testFault injects f and checks that an upload fails with f's Kind, then
// clears it and checks that an upload succeeds.
func testFault(t *testing.T, s *suite, f FaultType) {
	if !s.h.Inject(Fault{Type: f}) {
		t.Skipf("the harness cannot inject %s", f)
	}
	t.Cleanup(s.h.ClearFaults)
	// The stall is met by a backend with a short response timeout; every
	// other upload goes through s.b, whose timeout is long, so that only
	// the stalled request can time out however busy the machine is.
	b := s.b
	if f == FaultStall {
		sh, ok := s.h.(StallHarness)
		if !ok {
			t.Fatalf("the harness injects %s but is not a backendtest.StallHarness: it has no backend with a short response timeout", f)
		}
		var err error
		if b, err = sh.MakeBackendForStall(s.ctx); err != nil {
			t.Fatalf("making the stall case's backend: %v", err)
		}
		defer b.Close()
	}
	body := Data(10<<10, seed())
	_, err := uploader.New(b).Upload(s.ctx, uploader.BytesObject("fault/"+f.String(), body))
	if k := uploader.KindOf(err); k != f.WantKind() {
		t.Errorf("under fault %s: KindOf = %v, want %v (err %v)", f, k, f.WantKind(), err)
	}
	if e := uploader.AsError(err); e != nil && e.Target != b.Name() {
		t.Errorf("error names target %q, want %q", e.Target, b.Name())
	}
	s.h.ClearFaults()
	s.upload(t, "fault/after-"+f.String(), body)
	s.expect(t, "fault/after-"+f.String(), body)
}
