package local_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

// data returns n deterministic pseudo-random bytes for seed.
func data(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

func newBackend(t testing.TB, dir string) *local.Backend {
	t.Helper()
	b, err := local.New(local.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func put(t testing.TB, b *local.Backend, key string, body []byte) uploader.Result {
	t.Helper()
	res, err := b.Put(context.Background(), uploader.BytesObject(key, body))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return res
}

func get(t testing.TB, b *local.Backend, key string) ([]byte, error) {
	t.Helper()
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// files returns every regular file under dir, relative, slash-separated.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// temps returns the temporary files under dir.
func temps(t testing.TB, dir string) []string {
	var out []string
	for _, f := range files(t, dir) {
		if strings.HasPrefix(filepath.Base(f), ".tmp-") {
			out = append(out, f)
		}
	}
	return out
}

func hashOf(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

func TestPutRoundTrip(t *testing.T) {
	dir := t.TempDir()
	b := newBackend(t, dir)
	body := data(3<<20+7, 1) // several chunks
	obj := uploader.BytesObject("photos/2026/a b.jpg", body)
	obj.ContentType = "image/jpeg"
	obj.Metadata = map[string]string{"owner": "test"}
	sum := md5.Sum(body)
	obj.MD5 = sum[:]
	res, err := uploader.New(b).Upload(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != "local" || res.Provider != "local" || res.Size != int64(len(body)) ||
		res.MD5 != hex.EncodeToString(sum[:]) || res.ETag != res.MD5 || !res.BackedUp {
		t.Errorf("result = %+v", res)
	}

	// The URL is a file:// URL of a file holding exactly the bytes.
	u, err := url.Parse(res.URL)
	if err != nil || u.Scheme != "file" {
		t.Fatalf("URL %q: %v", res.URL, err)
	}
	onDisk, err := os.ReadFile(u.Path)
	if err != nil || !bytes.Equal(onDisk, body) {
		t.Fatalf("URL file: %d bytes, %v", len(onDisk), err)
	}
	if rel, err := filepath.Rel(dir, u.Path); err != nil || strings.HasPrefix(rel, "..") {
		t.Errorf("URL %s is outside the root %s", u.Path, dir)
	}

	got, err := get(t, b, obj.Key)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Get: %d bytes, %v", len(got), err)
	}
	info, err := b.Stat(context.Background(), obj.Key)
	if err != nil {
		t.Fatal(err)
	}
	if info.Key != obj.Key || info.Size != int64(len(body)) || info.ContentType != "image/jpeg" ||
		info.ETag != res.MD5 || info.Metadata["owner"] != "test" || info.LastModified.IsZero() {
		t.Errorf("Stat = %+v", info)
	}
}

// TestRecordFormat pins the sidecar record: a drain run by a later version
// must still read it.
func TestRecordFormat(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	b, err := local.New(local.Options{Dir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("hello")
	failed := []uploader.Attempt{
		uploader.NewAttempt("tos-bj", "tos", now.Add(-time.Minute), now.Add(-time.Minute+time.Second), &uploader.Error{
			Kind: uploader.ClockSkew, Target: "tos-bj", Provider: "tos", Op: "put", Status: 403,
			Code: "RequestTimeTooSkewed", RequestID: "rid-1", Skew: 20 * time.Minute, Message: "too skewed",
		}),
	}
	obj := uploader.BytesObject("k.txt", body)
	obj.ContentType = "text/plain"
	obj.Metadata = map[string]string{"a": "b"}
	if _, err := b.Backup(context.Background(), obj, failed); err != nil {
		t.Fatal(err)
	}
	h := hashOf("k.txt")
	js, err := os.ReadFile(filepath.Join(dir, "objects", h[:2], h+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(js, &rec); err != nil {
		t.Fatal(err)
	}
	m5, s2 := md5.Sum(body), sha256.Sum256(body)
	for k, want := range map[string]any{
		"version": 1.0, "key": "k.txt", "size": 5.0, "md5": hex.EncodeToString(m5[:]),
		"sha256": hex.EncodeToString(s2[:]), "content_type": "text/plain", "stored": "2026-03-04T05:06:07Z",
	} {
		if rec[k] != want {
			t.Errorf("record[%q] = %v, want %v", k, rec[k], want)
		}
	}
	if md, _ := rec["metadata"].(map[string]any); md["a"] != "b" {
		t.Errorf("metadata = %v", rec["metadata"])
	}
	id, _ := rec["id"].(string)
	if len(id) != 32 {
		t.Errorf("id = %q", id)
	}
	if _, err := os.Stat(filepath.Join(dir, "objects", h[:2], h+"."+id+".data")); err != nil {
		t.Errorf("data file: %v", err)
	}
	fl, _ := rec["failed"].([]any)
	if len(fl) != 1 {
		t.Fatalf("failed = %v", rec["failed"])
	}
	f := fl[0].(map[string]any)
	for k, want := range map[string]any{
		"target": "tos-bj", "provider": "tos", "kind": "clock_skew", "status": 403.0, "code": "RequestTimeTooSkewed",
		"request_id": "rid-1", "skew": "20m0s", "message": "too skewed", "elapsed": "1s", "op": "put",
	} {
		if f[k] != want {
			t.Errorf("failed[0][%q] = %v, want %v", k, f[k], want)
		}
	}
}

// awkwardKeys are keys that must stay inside the root. Those ValidateKey
// refuses must be refused with Kind Invalid and write nothing.
var awkwardKeys = []string{
	"../../etc/passwd",
	"../outside",
	"/etc/passwd",
	"/abs/key",
	`..\..\windows\system32`,
	`C:\Windows\evil`,
	`\\server\share\x`,
	"a\x00b",
	"nul\x00",
	"a/../../b",
	"./a",
	".",
	"..",
	"a",
	"a/b",
	"a/b/",
	"a//b",
	"...",
	"....//....//etc",
	"%2e%2e/%2e%2e/etc/passwd",
	"日本語/ファイル.txt",
	"emoji 😀/ü.txt",
	"\u202eevil\u202c.txt",
	"con",
	"objects/../../x",
	strings.Repeat("é", 512),
	strings.Repeat("x/", 512),
	strings.Repeat("../", 300),
	strings.Repeat("k", 1025),
	"\xff\xfe",
}

// TestKeysStayInsideRoot stores every awkward key in a root inside a
// sandbox and checks that nothing appears in the sandbox outside the root,
// that every valid key reads back its own bytes (so "a" and "a/b" coexist),
// and that invalid keys are refused.
func TestKeysStayInsideRoot(t *testing.T) {
	sandbox := t.TempDir()
	root := filepath.Join(sandbox, "root", "spool")
	b := newBackend(t, root)
	stored := map[string][]byte{}
	for i, key := range awkwardKeys {
		body := []byte(fmt.Sprintf("body %d", i))
		_, err := b.Put(context.Background(), uploader.BytesObject(key, body))
		if uploader.ValidateKey(key) != nil {
			if uploader.KindOf(err) != uploader.Invalid {
				t.Errorf("Put(%q) = %v, want invalid", key, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Put(%q) = %v", key, err)
			continue
		}
		stored[key] = body
	}
	if len(stored) < 10 {
		t.Fatalf("only %d keys stored; the test lost its teeth", len(stored))
	}
	for key, body := range stored {
		got, err := get(t, b, key)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("Get(%q) = %q, %v; want %q", key, got, err, body)
		}
	}
	top, _ := os.ReadDir(sandbox)
	if len(top) != 1 || top[0].Name() != "root" {
		t.Errorf("sandbox holds %v; only root/ expected", top)
	}
	for _, f := range files(t, filepath.Join(sandbox, "root")) {
		if !strings.HasPrefix(f, "spool/objects/") {
			t.Errorf("file %s outside the objects directory", f)
		}
		name := filepath.Base(f)
		if strings.ContainsAny(name, `\ `) || strings.ContainsRune(name, 0) {
			t.Errorf("file name %q holds key characters", name)
		}
	}
	list, err := b.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(stored) {
		t.Errorf("List has %d copies, want %d", len(list), len(stored))
	}
	for _, s := range list {
		if _, ok := stored[s.Key]; !ok {
			t.Errorf("List shows %q, never stored", s.Key)
		}
	}
}

// FuzzKeyStaysInsideRoot stores arbitrary keys and checks that nothing is
// written outside the root and that valid keys read back. Run with
// `go test -fuzz FuzzKeyStaysInsideRoot ./backends/local`; the seeds run in
// every `go test`.
func FuzzKeyStaysInsideRoot(f *testing.F) {
	for _, k := range awkwardKeys {
		f.Add(k)
	}
	sandbox := f.TempDir()
	root := filepath.Join(sandbox, "root")
	b, err := local.New(local.Options{Dir: root})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		body := []byte(key)
		res, err := b.Put(context.Background(), uploader.BytesObject(key, body))
		if verr := uploader.ValidateKey(key); verr != nil {
			if uploader.KindOf(err) != uploader.Invalid {
				t.Fatalf("Put(%q) = %v, want invalid", key, err)
			}
		} else {
			if err != nil {
				t.Fatalf("Put(%q): %v", key, err)
			}
			u, err := url.Parse(res.URL)
			if err != nil {
				t.Fatal(err)
			}
			rel, err := filepath.Rel(filepath.Join(root, "objects"), u.Path)
			if err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
				t.Fatalf("key %q stored at %s, outside %s", key, u.Path, root)
			}
			got, err := get(t, b, key)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("Get(%q) = %q, %v", key, got, err)
			}
			if err := b.Delete(context.Background(), key); err != nil {
				t.Fatal(err)
			}
		}
		top, _ := os.ReadDir(sandbox)
		if len(top) != 1 || top[0].Name() != "root" {
			t.Fatalf("after key %q the sandbox holds %v", key, top)
		}
	})
}

func TestOverwriteAndDelete(t *testing.T) {
	dir := t.TempDir()
	b := newBackend(t, dir)
	put(t, b, "k", []byte("one"))
	res := put(t, b, "k", []byte("two, longer"))
	if got, _ := get(t, b, "k"); string(got) != "two, longer" {
		t.Errorf("after overwrite: %q", got)
	}
	// One record and one data file: the old copy is gone.
	if fs := files(t, filepath.Join(dir, "objects")); len(fs) != 3 { // .json, .data, .lock
		t.Errorf("files after overwrite: %v", fs)
	}
	u, _ := url.Parse(res.URL)
	if err := b.Delete(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(context.Background(), "k"); !uploader.IsNotFound(err) {
		t.Errorf("Stat after Delete = %v, want not found", err)
	}
	if _, err := get(t, b, "k"); !uploader.IsNotFound(err) {
		t.Errorf("Get after Delete = %v, want not found", err)
	}
	if _, err := os.Stat(u.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data file still there: %v", err)
	}
	if err := b.Delete(context.Background(), "k"); err != nil {
		t.Errorf("Delete of a missing key = %v", err)
	}
	if err := b.Delete(context.Background(), "never"); err != nil {
		t.Errorf("Delete of a never stored key = %v", err)
	}
}

func TestNotFound(t *testing.T) {
	b := newBackend(t, t.TempDir())
	_, err := b.Stat(context.Background(), "missing")
	if !uploader.IsNotFound(err) || uploader.AsError(err).Target != "local" {
		t.Errorf("Stat(missing) = %v", err)
	}
	if _, err := b.Get(context.Background(), "missing"); !uploader.IsNotFound(err) {
		t.Errorf("Get(missing) = %v", err)
	}
}

func TestClosed(t *testing.T) {
	b := newBackend(t, t.TempDir())
	b.Close()
	_, err := b.Put(context.Background(), uploader.BytesObject("k", nil))
	if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Put after Close = %v", err)
	}
}

func TestDefaults(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	b, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != "local" || b.Dir() != filepath.Join(wd, "uploads") {
		t.Errorf("Name %q Dir %q", b.Name(), b.Dir())
	}
	d := b.Describe()
	if d.Provider != "local" || d.Bucket != b.Dir() || !strings.HasPrefix(d.Endpoint, "file://") {
		t.Errorf("Describe = %+v", d)
	}
	res := put(t, b, "x", []byte("y"))
	u, _ := url.Parse(res.URL)
	fi, err := os.Stat(u.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("data file mode %v, %v; want 0600", fi.Mode(), err)
	}
	di, err := os.Stat(filepath.Dir(u.Path))
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("shard dir mode %v, %v; want 0700", di.Mode(), err)
	}
}

// failingBody is a Body whose ReadAt fails at offset failAt, or calls
// hook when a read reaches hookAt.
type failingBody struct {
	data   []byte
	failAt int64
	hookAt int64
	hook   func()
	once   sync.Once
}

var errBody = errors.New("the disk under the source went away")

func (f *failingBody) ReadAt(p []byte, off int64) (int, error) {
	if f.hook != nil && off+int64(len(p)) > f.hookAt {
		f.once.Do(f.hook)
	}
	if f.failAt >= 0 && off+int64(len(p)) > f.failAt {
		n := max(0, int(f.failAt-off))
		copy(p, f.data[off:off+int64(n)])
		return n, errBody
	}
	if off >= int64(len(f.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *failingBody) Close() error { return nil }

func bodyObject(key string, size int64, body *failingBody) uploader.Object {
	return uploader.Object{Key: key, Size: size, Open: func() (uploader.Body, error) { return body, nil }}
}

// TestInterruptedWrites checks that a write that fails half-way, for any
// reason, leaves the previous copy intact and visible and no temporary file.
func TestInterruptedWrites(t *testing.T) {
	const size = 3<<20 + 5 // several chunks
	full := data(size, 7)
	for _, tc := range []struct {
		name string
		want uploader.Kind
		run  func(b *local.Backend) error
	}{
		{"body fails mid-read", uploader.Invalid, func(b *local.Backend) error {
			_, err := b.Put(context.Background(), bodyObject("k", size, &failingBody{data: full, failAt: 2<<20 + 3}))
			if !errors.Is(err, errBody) {
				return fmt.Errorf("error %v does not wrap the body's", err)
			}
			return err
		}},
		{"context canceled mid-write", uploader.Canceled, func(b *local.Backend) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := b.Put(ctx, bodyObject("k", size, &failingBody{data: full, failAt: -1, hookAt: 1<<20 + 10, hook: cancel}))
			return err
		}},
		{"context canceled mid-write via New", uploader.Canceled, func(b *local.Backend) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := uploader.New(b).Upload(ctx, bodyObject("k", size, &failingBody{data: full, failAt: -1, hookAt: 2 << 20, hook: cancel}))
			return err
		}},
		{"context canceled before", uploader.Canceled, func(b *local.Backend) error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := b.Put(ctx, uploader.BytesObject("k", full))
			return err
		}},
		{"short body", uploader.Integrity, func(b *local.Backend) error {
			_, err := b.Put(context.Background(), bodyObject("k", size+100, &failingBody{data: full, failAt: -1}))
			return err
		}},
		{"wrong MD5", uploader.Integrity, func(b *local.Backend) error {
			obj := uploader.BytesObject("k", full)
			sum := md5.Sum([]byte("something else"))
			obj.MD5 = sum[:]
			_, err := b.Put(context.Background(), obj)
			return err
		}},
		{"open fails", uploader.Invalid, func(b *local.Backend) error {
			path := filepath.Join(t.TempDir(), "src")
			os.WriteFile(path, full, 0o644)
			obj, err := uploader.FileObject("k", path)
			if err != nil {
				return err
			}
			os.WriteFile(path, full[:10], 0o644) // changed since queued
			_, err = b.Put(context.Background(), obj)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			b := newBackend(t, dir)
			old := data(1000, 8)
			put(t, b, "k", old)
			before := files(t, dir)
			err := tc.run(b)
			if uploader.KindOf(err) != tc.want {
				t.Fatalf("err = %v (kind %v), want %v", err, uploader.KindOf(err), tc.want)
			}
			if e := uploader.AsError(err); e.Target != "local" || e.Key != "k" {
				t.Errorf("error does not name target and key: %+v", e)
			}
			if got, err := get(t, b, "k"); err != nil || !bytes.Equal(got, old) {
				t.Errorf("previous copy: %d bytes, %v", len(got), err)
			}
			if after := files(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("files before %v, after %v", before, after)
			}
			// And with no previous copy, nothing at all is visible.
			b.Delete(context.Background(), "k")
			tc.run(b)
			if _, err := b.Stat(context.Background(), "k"); !uploader.IsNotFound(err) {
				t.Errorf("Stat after failed first write = %v", err)
			}
			if l, _ := b.List(context.Background()); len(l) != 0 {
				t.Errorf("List after failed first write = %v", l)
			}
			if tmp := temps(t, dir); len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}
		})
	}
}

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestCrashLeftovers builds, by hand, what a crash at each point of a write
// leaves on disk, and checks that none of it is visible and that New sweeps
// what is stale.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b, err := local.New(local.Options{Dir: dir, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	put(t, b, "good", []byte("good bytes"))
	clock.Add(time.Second)
	put(t, b, "kept", []byte("kept bytes"))
	clock.Add(time.Second)
	shard := func(key string) (string, string) {
		h := hashOf(key)
		d := filepath.Join(dir, "objects", h[:2])
		os.MkdirAll(d, 0o700)
		return d, h
	}
	id := strings.Repeat("ab", 16)
	write := func(path string, body []byte) {
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	record := func(key, id string, size int64) []byte {
		js, _ := json.Marshal(map[string]any{"version": 1, "id": id, "key": key, "size": size,
			"md5": "00", "sha256": "00", "stored": clock.Now()})
		return js
	}

	// 1. Crash while writing: a temporary data file (and record).
	d, h := shard("temp-only")
	write(filepath.Join(d, ".tmp-"+h[:8]+"-1.data"), []byte("half"))
	write(filepath.Join(d, ".tmp-"+h[:8]+"-2.json"), record("temp-only", id, 4))
	// 2. Crash between the data rename and the record rename.
	d, h = shard("orphan")
	write(filepath.Join(d, h+"."+id+".data"), []byte("orphan data"))
	// 3. The record's rename reached the disk, the data's did not.
	d, h = shard("no-data")
	write(filepath.Join(d, h+".json"), record("no-data", id, 5))
	// 4. A record whose data has another size (a torn file system).
	d, h = shard("torn")
	write(filepath.Join(d, h+".json"), record("torn", id, 100))
	write(filepath.Join(d, h+"."+id+".data"), []byte("short"))
	// 5. A truncated record.
	d, h = shard("bad-json")
	write(filepath.Join(d, h+".json"), []byte(`{"version":1,"id":"`))
	// 6. A record moved under another key's name.
	d, h = shard("moved")
	write(filepath.Join(d, h+".json"), record("good", id, 10))
	write(filepath.Join(d, h+"."+id+".data"), []byte("good bytes"))
	// 7. A record whose ID would name another path.
	d, h = shard("bad-id")
	write(filepath.Join(d, h+".json"), record("bad-id", "../../../../etc/passwd", 1))
	// 8. A record whose data was damaged in place.
	d, h = shard("damaged")
	write(filepath.Join(d, h+".json"), record("damaged", id, 7))
	write(filepath.Join(d, h+"."+id+".data"), []byte("damaged"))

	for _, key := range []string{"temp-only", "orphan", "no-data", "torn", "bad-json", "moved", "bad-id"} {
		if _, err := b.Stat(context.Background(), key); !uploader.IsNotFound(err) {
			t.Errorf("Stat(%q) = %v, want not found", key, err)
		}
		if _, err := get(t, b, key); !uploader.IsNotFound(err) {
			t.Errorf("Get(%q) = %v, want not found", key, err)
		}
	}
	// A damaged copy is visible (its size is right) but never read as good.
	if _, err := get(t, b, "damaged"); uploader.KindOf(err) != uploader.Integrity {
		t.Errorf("Get(damaged) = %v, want integrity", err)
	}
	list, err := b.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Records that cannot be trusted are listed as damaged, with the key
	// when it could be read; a copy whose bytes are damaged in place has the
	// right size, and is caught when read.
	var keys, broken []string
	for _, s := range list {
		if s.Damaged != nil {
			broken = append(broken, s.Key)
			continue
		}
		keys = append(keys, s.Key)
	}
	if strings.Join(keys, ",") != "good,kept,damaged" {
		t.Errorf("List = %v, want good, kept, damaged", keys)
	}
	sort.Strings(broken)
	if strings.Join(broken, ",") != ",,bad-id,no-data,torn" {
		t.Errorf("damaged copies listed: %q, want bad-json and moved (keys not trusted), bad-id, no-data, torn", broken)
	}
	for _, s := range list {
		if s.Key != "damaged" {
			continue
		}
		obj, err := b.Object(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := obj.Reader(); uploader.KindOf(err) != uploader.Integrity {
			t.Errorf("Object(damaged).Open = %v, want integrity", err)
		}
	}

	// Writing over each leftover works.
	for _, key := range []string{"orphan", "no-data", "torn", "bad-json"} {
		put(t, b, key, []byte("fresh "+key))
		if got, err := get(t, b, key); err != nil || string(got) != "fresh "+key {
			t.Errorf("after rewrite, Get(%q) = %q, %v", key, got, err)
		}
	}

	// New sweeps temporary files and orphans older than TempTTL, and only
	// those. With the default TTL, files written a moment ago stay.
	if _, err := local.New(local.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if len(temps(t, dir)) != 2 {
		t.Fatalf("temporary files swept before they were stale: %v", temps(t, dir))
	}
	// Two days later, everything written so far is stale but for one
	// temporary file dated later still.
	clock.Set(time.Now().Add(48 * time.Hour))
	fresh, _ := shard("fresh-temp")
	write(filepath.Join(fresh, ".tmp-fresh"), nil)
	future := time.Now().Add(72 * time.Hour)
	if err := os.Chtimes(filepath.Join(fresh, ".tmp-fresh"), future, future); err != nil {
		t.Fatal(err)
	}
	// An orphan data file of a live key (a crash between the renames of a
	// later write of that key).
	orphanID := strings.Repeat("cd", 16)
	d, h = shard("good")
	write(filepath.Join(d, h+"."+orphanID+".data"), []byte("stale orphan"))
	if _, err := local.New(local.Options{Dir: dir, Now: clock.Now, TempTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	left := temps(t, dir)
	if len(left) != 1 || !strings.HasSuffix(left[0], ".tmp-fresh") {
		t.Errorf("after the sweep, temporary files %v; want only the fresh one", left)
	}
	for _, f := range files(t, dir) {
		if strings.Contains(f, orphanID) {
			t.Errorf("stale orphan %s not swept", f)
		}
	}
	for _, key := range []string{"good", "kept"} {
		if got, err := get(t, b, key); err != nil || string(got) != key+" bytes" {
			t.Errorf("the sweep damaged the live copy of %q: %q, %v", key, got, err)
		}
	}
}

func TestListOldestFirst(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b, err := local.New(local.Options{Dir: t.TempDir(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"z", "m", "a", "q"} {
		put(t, b, k, []byte(k))
		clock.Add(time.Second)
	}
	put(t, b, "m", []byte("m2")) // a newer copy of m is the newest
	list, err := b.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.Key)
	}
	if strings.Join(got, ",") != "z,a,q,m" {
		t.Errorf("List order = %v, want z,a,q,m", got)
	}
}

func TestSpoolBackupDrain(t *testing.T) {
	b := newBackend(t, t.TempDir())
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	failed := []uploader.Attempt{
		uploader.NewAttempt("oss-hz", "oss", start, start.Add(time.Second),
			&uploader.Error{Kind: uploader.SignatureMismatch, Op: "put", Status: 403, Code: "SignatureDoesNotMatch", RequestID: "r1", Message: "sig"}),
		uploader.NewAttempt("cos-gz", "cos", start, start.Add(2*time.Second), errors.New("dial tcp: refused")),
	}
	failed[1].Kind = uploader.Unavailable
	body := data(70000, 3)
	obj := uploader.BytesObject("dir/file.bin", body)
	obj.ContentType = "application/octet-stream"
	res, err := b.Backup(context.Background(), obj, failed)
	if err != nil || !res.BackedUp {
		t.Fatalf("Backup = %+v, %v", res, err)
	}
	list, err := b.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	s := list[0]
	m5, s2 := md5.Sum(body), sha256.Sum256(body)
	if s.Key != "dir/file.bin" || s.Size != int64(len(body)) || s.MD5 != hex.EncodeToString(m5[:]) ||
		s.SHA256 != hex.EncodeToString(s2[:]) || s.URL != res.URL || s.ContentType != "application/octet-stream" || s.ID == "" {
		t.Errorf("spooled = %+v", s)
	}
	if len(s.Failed) != 2 {
		t.Fatalf("failed = %+v", s.Failed)
	}
	a := s.Failed[0]
	if a.Target != "oss-hz" || a.Kind != uploader.SignatureMismatch || a.Status != 403 || a.Code != "SignatureDoesNotMatch" ||
		a.RequestID != "r1" || a.Elapsed != time.Second || !a.Start.Equal(start) {
		t.Errorf("failed[0] = %+v", a)
	}
	if e := uploader.AsError(a.Err); e == nil || e.Kind != uploader.SignatureMismatch || e.Message != "sig" || e.Key != "dir/file.bin" {
		t.Errorf("failed[0].Err = %#v", a.Err)
	}
	if b := s.Failed[1]; b.Kind != uploader.Unavailable || !strings.Contains(b.Err.Error(), "refused") {
		t.Errorf("failed[1] = %+v", b)
	}

	obj2, err := b.Object(s)
	if err != nil {
		t.Fatal(err)
	}
	if obj2.Key != s.Key || obj2.Size != s.Size || hex.EncodeToString(obj2.MD5) != s.MD5 || obj2.ContentType != s.ContentType {
		t.Errorf("Object = %+v", obj2)
	}
	// The Object uploads elsewhere like any other.
	other := newBackend(t, t.TempDir())
	if _, err := uploader.New(other).Upload(context.Background(), obj2); err != nil {
		t.Fatalf("re-upload: %v", err)
	}
	if got, _ := get(t, other, s.Key); !bytes.Equal(got, body) {
		t.Errorf("re-uploaded bytes differ")
	}

	// A newer backup while draining: Remove of the old copy is refused,
	// and the old copy's Object is gone.
	if _, err := b.Backup(context.Background(), uploader.BytesObject(s.Key, []byte("newer")), nil); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Remove(context.Background(), s); ok || err != nil {
		t.Errorf("Remove(old) = %v, %v; want false, nil", ok, err)
	}
	if got, _ := get(t, b, s.Key); string(got) != "newer" {
		t.Errorf("newer copy: %q", got)
	}
	if _, _, err := obj2.Reader(); !uploader.IsNotFound(err) {
		t.Errorf("Open of a replaced copy = %v, want not found", err)
	}
	if _, err := b.Object(s); !uploader.IsNotFound(err) {
		t.Errorf("Object of a replaced copy = %v, want not found", err)
	}
	list, _ = b.List(context.Background())
	if len(list) != 1 || list[0].ID == s.ID {
		t.Fatalf("List = %+v", list)
	}
	if ok, err := b.Remove(context.Background(), list[0]); !ok || err != nil {
		t.Errorf("Remove(current) = %v, %v", ok, err)
	}
	if ok, _ := b.Remove(context.Background(), list[0]); ok {
		t.Errorf("second Remove reported true")
	}
	if l, _ := b.List(context.Background()); len(l) != 0 {
		t.Errorf("List after Remove = %v", l)
	}
	if ok, err := b.Remove(context.Background(), uploader.Spooled{Key: "../x", ID: "zz"}); ok || err != nil {
		t.Errorf("Remove(nonsense) = %v, %v", ok, err)
	}
}

// TestRemoveRacesBackup runs Remove of a listed copy against a Backup of
// the same key, many times: whichever wins, the newer copy survives.
func TestRemoveRacesBackup(t *testing.T) {
	b := newBackend(t, t.TempDir())
	ctx := context.Background()
	removedOld := 0
	for i := range 50 {
		key := fmt.Sprintf("k%d", i%5)
		if _, err := b.Backup(ctx, uploader.BytesObject(key, []byte("old")), nil); err != nil {
			t.Fatal(err)
		}
		var s uploader.Spooled
		list, _ := b.List(ctx)
		for _, c := range list {
			if c.Key == key {
				s = c
			}
		}
		newer := []byte(fmt.Sprintf("new %d", i))
		var wg sync.WaitGroup
		var ok bool
		var rerr, berr error
		wg.Go(func() { ok, rerr = b.Remove(ctx, s) })
		wg.Go(func() { _, berr = b.Backup(ctx, uploader.BytesObject(key, newer), nil) })
		wg.Wait()
		if rerr != nil || berr != nil {
			t.Fatal(rerr, berr)
		}
		if ok {
			removedOld++
		}
		if got, err := get(t, b, key); err != nil || !bytes.Equal(got, newer) {
			t.Fatalf("round %d: after the race Get = %q, %v; want %q", i, got, err, newer)
		}
	}
	t.Logf("Remove won %d of 50 races", removedOld)
}

// TestConcurrentSameKey writes one key from many goroutines: the survivor is
// one whole body, and no data file but its own is left.
func TestConcurrentSameKey(t *testing.T) {
	dir := t.TempDir()
	b := newBackend(t, dir)
	bodies := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 16 {
		body := data(200000+i, uint64(i))
		bodies[string(body)] = true
		wg.Go(func() {
			if _, err := b.Put(context.Background(), uploader.BytesObject("same", body)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := get(t, b, "same")
	if err != nil || !bodies[string(got)] {
		t.Fatalf("Get = %d bytes, %v; not one of the bodies", len(got), err)
	}
	var datas int
	for _, f := range files(t, dir) {
		if strings.HasSuffix(f, ".data") {
			datas++
		}
	}
	if datas != 1 || len(temps(t, dir)) != 0 {
		t.Errorf("files left: %v", files(t, dir))
	}
}

// The multi-process test: the test binary re-runs itself as a writer that
// backs up versions of a few keys while this process drains them.
const helperEnv = "UPLOAD_LOCAL_TEST_WRITER_DIR"

const (
	writerKeys     = 100
	writerVersions = 3
)

// writerBody is version v of key k as the writer backs it up.
func writerBody(k, v int) []byte {
	return []byte(fmt.Sprintf("key %d version %d %s", k, v, strings.Repeat("x", v*1000+k)))
}

func TestHelperWriterProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestTwoProcesses")
	}
	b, err := local.New(local.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// The versions of one key follow each other closely, so a drain often
	// holds a copy that is being replaced.
	for k := range writerKeys {
		for v := range writerVersions {
			body := writerBody(k, v)
			if _, err := b.Backup(context.Background(), uploader.BytesObject(fmt.Sprintf("k%d", k), body), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestTwoProcesses drains (List, Object, read, Remove) while another process
// backs up new versions of the same keys into the same root. No read may
// fail its checksum, and for every key the writer's last version is either
// drained by this process or still held: nothing is lost.
func TestTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	b := newBackend(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := execHelper(ctx, t, dir)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	drained := map[string]map[string]bool{} // key -> bodies drained
	drain := func() {
		list, err := b.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			obj, err := b.Object(s)
			if uploader.IsNotFound(err) {
				continue // replaced since List
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := readAll(obj)
			if uploader.IsNotFound(err) {
				continue
			}
			if err != nil {
				t.Fatalf("reading %s/%s: %v", s.Key, s.ID, err)
			}
			if ok, err := b.Remove(ctx, s); err != nil {
				t.Fatal(err)
			} else if ok {
				if drained[s.Key] == nil {
					drained[s.Key] = map[string]bool{}
				}
				drained[s.Key][string(body)] = true
			}
		}
	}
	var rounds int
	for waiting := true; waiting; rounds++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("writer process: %v", err)
			}
			waiting = false
		default:
		}
		drain()
	}
	for k := range writerKeys {
		key := fmt.Sprintf("k%d", k)
		last := string(writerBody(k, writerVersions-1))
		held, err := get(t, b, key)
		if drained[key][last] {
			if err == nil {
				t.Errorf("%s: last version drained but a copy is still held: %.20q", key, held)
			}
			continue
		}
		if err != nil || string(held) != last {
			t.Errorf("%s: last version neither drained nor held (held %.30q, %v)", key, held, err)
		}
	}
	if tmp := temps(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	t.Logf("%d drain rounds, drained %d keys", rounds, len(drained))
}

// execHelper starts this test binary as the writer process of
// TestTwoProcesses, bounded by ctx.
func execHelper(ctx context.Context, t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperWriterProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func readAll(obj uploader.Object) ([]byte, error) {
	r, body, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(r)
}

func BenchmarkPut(b *testing.B) {
	for _, size := range []int{16 << 10, 8 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			be := newBackend(b, b.TempDir())
			obj := uploader.BytesObject("bench/object", data(size, 1))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := be.Put(context.Background(), obj); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
