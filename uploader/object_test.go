package uploader_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

func TestValidateKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string
		ok   bool
		// why is a part of the message that says what is wrong.
		why string
	}{
		{"simple", "a.txt", true, ""},
		{"deep", "a/b/c/d/e/f.txt", true, ""},
		{"spaces", "my file (1).txt", true, ""},
		{"unicode", "données/日本語/😀.bin", true, ""},
		{"percent plus query hash", "a%20b+c?d#e", true, ""},
		{"backslash", `dir\file`, true, ""},
		{"trailing slash", "dir/", true, ""},
		{"double slash", "a//b", true, ""},
		{"dots inside names", "a..b/.hidden/..c", true, ""},
		{"max length", strings.Repeat("k", uploader.MaxKeyLen), true, ""},
		{"max length multibyte", strings.Repeat("é", uploader.MaxKeyLen/2), true, ""},

		{"empty", "", false, "empty key"},
		{"too long", strings.Repeat("k", uploader.MaxKeyLen+1), false, "1025 bytes long"},
		{"too long multibyte", strings.Repeat("é", uploader.MaxKeyLen/2) + "x", false, "1025 bytes long"},
		{"leading slash", "/etc/passwd", false, `starts with "/"`},
		{"dotdot", "../../etc/passwd", false, `".." path segment`},
		{"dotdot inside", "a/../b", false, `".." path segment`},
		{"dotdot last", "a/..", false, `".." path segment`},
		{"dot", "./a", false, `"." path segment`},
		{"dot inside", "a/./b", false, `"." path segment`},
		{"dotdot alone", "..", false, `".." path segment`},
		{"NUL", "a\x00b", false, "U+0000"},
		{"newline", "a\nb", false, "U+000A"},
		{"tab", "a\tb", false, "U+0009"},
		{"DEL", "a\x7fb", false, "U+007F"},
		{"C1 CSI", "a\u009b31mb", false, "U+009B"},
		{"C1 first", "\u0080x", false, "U+0080"},
		{"C1 last", "x\u009f", false, "U+009F"},
		{"after C1", "x\u00a0y", true, ""},
		{"invalid utf8", "a\xffb", false, "not valid UTF-8"},
		{"truncated utf8", "caf\xc3", false, "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := uploader.ValidateKey(tc.key)
			if tc.ok {
				if err != nil {
					t.Fatalf("ValidateKey(%q) = %v, want nil", tc.key, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateKey(%q) = nil, want an error", tc.key)
			}
			if k := uploader.KindOf(err); k != uploader.Invalid {
				t.Errorf("KindOf = %v, want invalid", k)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.why) {
				t.Errorf("message %q does not say %q", msg, tc.why)
			}
			if tc.key != "" {
				// The message names the key, quoted in ASCII and shortened
				// when long.
				e := uploader.AsError(err)
				if e.Key != tc.key {
					t.Errorf("Error.Key = %q, want the key", e.Key)
				}
				head := strconv.QuoteToASCII(tc.key)
				head = head[:min(len(head), 12)]
				if i := strings.Index(head, `\`); i >= 0 {
					head = head[:i]
				}
				if !strings.Contains(e.Message, "key "+head) {
					t.Errorf("message %q does not name the key (%s...)", e.Message, head)
				}
				if len(e.Message) > 600 {
					t.Errorf("message is %d bytes; a long key must be shortened", len(e.Message))
				}
			}
		})
	}
}

func TestObjectValidate(t *testing.T) {
	good := uploader.BytesObject("k", []byte("abc"))
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	withMD5 := good
	withMD5.MD5 = make([]byte, 16)
	if err := withMD5.Validate(); err != nil {
		t.Errorf("Validate(16-byte MD5) = %v", err)
	}
	for name, mutate := range map[string]func(*uploader.Object){
		"bad key":   func(o *uploader.Object) { o.Key = "../x" },
		"neg size":  func(o *uploader.Object) { o.Size = -1 },
		"nil open":  func(o *uploader.Object) { o.Open = nil },
		"short md5": func(o *uploader.Object) { o.MD5 = []byte{1, 2, 3} },
		"hex md5":   func(o *uploader.Object) { o.MD5 = []byte("900150983cd24fb0d6963f7d28e17f72") },
	} {
		t.Run(name, func(t *testing.T) {
			o := good
			mutate(&o)
			err := o.Validate()
			if uploader.KindOf(err) != uploader.Invalid {
				t.Fatalf("Validate = %v, want invalid", err)
			}
		})
	}
}

func TestObjectReader(t *testing.T) {
	o := uploader.BytesObject("k", []byte("hello world"))
	o.Size = 5 // the reader is bounded by Size
	r, body, err := o.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	got, _ := io.ReadAll(r)
	if string(got) != "hello" {
		t.Errorf("read %q, want %q", got, "hello")
	}

	var nilOpen uploader.Object
	nilOpen.Key = "k"
	if _, _, err := nilOpen.Reader(); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Reader with nil Open = %v, want invalid", err)
	}

	plainErr := errors.New("cannot open")
	failing := uploader.Object{Key: "k", Open: func() (uploader.Body, error) { return nil, plainErr }}
	_, _, err = failing.Reader()
	if uploader.KindOf(err) != uploader.Invalid || !errors.Is(err, plainErr) {
		t.Errorf("Reader with failing Open = %v, want invalid wrapping the cause", err)
	}

	classified := &uploader.Error{Kind: uploader.Unavailable, Message: "nfs gone"}
	keeps := uploader.Object{Key: "k", Open: func() (uploader.Body, error) { return nil, classified }}
	if _, _, err := keeps.Reader(); err != classified {
		t.Errorf("Reader re-classified an *Error: %v", err)
	}
}

func TestBytesObjectReopens(t *testing.T) {
	data := []byte("0123456789")
	o := uploader.BytesObject("k", data)
	if o.Size != 10 || o.Key != "k" {
		t.Fatalf("object = %+v", o)
	}
	for i := range 3 {
		r, b, err := o.Reader()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		b.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("attempt %d read %q", i, got)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readObject(t *testing.T, o uploader.Object) ([]byte, error) {
	t.Helper()
	r, b, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return io.ReadAll(r)
}

func TestFileObject(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	data := []byte("file contents")
	writeFile(t, path, data)

	o, err := uploader.FileObject("dir/f.bin", path)
	if err != nil {
		t.Fatal(err)
	}
	if o.Key != "dir/f.bin" || o.Size != int64(len(data)) {
		t.Fatalf("object = key %q size %d", o.Key, o.Size)
	}
	for i := range 2 { // every attempt re-opens
		got, err := readObject(t, o)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("attempt %d: %q, %v", i, got, err)
		}
	}

	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, nil)
	eo, err := uploader.FileObject("empty", empty)
	if err != nil || eo.Size != 0 {
		t.Fatalf("empty file: %+v, %v", eo, err)
	}
}

func TestFileObjectRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, why string
	}{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"directory", sub, "is a directory"},
		{"fifo", fifo, "not a regular file"},
		{"device", os.DevNull, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := uploader.FileObject("k", tc.path)
			if uploader.KindOf(err) != uploader.Invalid {
				t.Fatalf("FileObject(%s) = %v, want invalid", tc.path, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.why) {
				t.Errorf("message %q should name %s and say %q", msg, tc.path, tc.why)
			}
		})
	}
}

func TestFileObjectUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permission bits do not stop reads")
	}
	path := filepath.Join(t.TempDir(), "secret")
	writeFile(t, path, []byte("x"))
	o, err := uploader.FileObject("k", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err = readObject(t, o)
	if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("open of unreadable file = %v, want invalid permission denied", err)
	}
}

func TestFileObjectDetectsChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"grown", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(" and more")
			f.Close()
		}},
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, 3); err != nil {
				t.Fatal(err)
			}
		}},
		{"same size new mtime", func(t *testing.T, path string) {
			writeFile(t, path, []byte("ORIGINAL DATA"))
			// Pin a distinct mtime: the rewrite may land in the same
			// file-system tick as the first write.
			later := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			writeFile(t, path, []byte("original data"))
			old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			o, err := uploader.FileObject("k", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := readObject(t, o); err != nil {
				t.Fatalf("before the change: %v", err)
			}
			tc.change(t, path)
			_, err = readObject(t, o)
			if uploader.KindOf(err) != uploader.Invalid {
				t.Fatalf("after the change: %v, want invalid", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

// countingReader yields n pseudo-random bytes without allocating, and can
// fail after a given offset.
type countingReader struct {
	n, off int64
	failAt int64 // fail when off reaches failAt, if > 0
	rng    *rand.ChaCha8
}

var errSource = errors.New("source broke")

func newSource(n int64, seed byte) *countingReader {
	return &countingReader{n: n, rng: rand.NewChaCha8([32]byte{seed})}
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.failAt > 0 && r.off >= r.failAt {
		return 0, errSource
	}
	if r.off >= r.n {
		return 0, io.EOF
	}
	if rem := r.n - r.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	if r.failAt > 0 && int64(len(p)) > r.failAt-r.off {
		p = p[:r.failAt-r.off]
	}
	r.rng.Read(p)
	r.off += int64(len(p))
	return len(p), nil
}

func sourceBytes(n int64, seed byte) []byte {
	b, _ := io.ReadAll(newSource(n, seed))
	return b
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReaderObjectInMemory(t *testing.T) {
	dir := t.TempDir()
	const max = 1024
	for _, n := range []int64{0, 1, max} {
		o, release, err := uploader.ReaderObject("k", newSource(n, 1), uploader.SpoolOptions{MaxMemory: max, Dir: dir})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if o.Size != n {
			t.Errorf("n=%d: Size = %d", n, o.Size)
		}
		if files := spoolFiles(t, dir); len(files) != 0 {
			t.Errorf("n=%d: a body within MaxMemory made spool files %v", n, files)
		}
		for i := range 2 {
			got, err := readObject(t, o)
			if err != nil || !bytes.Equal(got, sourceBytes(n, 1)) {
				t.Errorf("n=%d attempt %d: %d bytes, %v", n, i, len(got), err)
			}
		}
		if err := release(); err != nil {
			t.Errorf("release: %v", err)
		}
	}
}

func TestReaderObjectSpills(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int64
		n    int64
	}{
		{"one over", 1024, 1025},
		{"much over", 1024, 1 << 20},
		{"always file", -1, 10},
		{"always file empty", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o, release, err := uploader.ReaderObject("k", newSource(tc.n, 2), uploader.SpoolOptions{MaxMemory: tc.max, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if o.Size != tc.n {
				t.Errorf("Size = %d, want %d", o.Size, tc.n)
			}
			files := spoolFiles(t, dir)
			if len(files) != 1 {
				t.Fatalf("spool files = %v, want one", files)
			}
			if fi, err := os.Stat(files[0]); err != nil || fi.Size() != tc.n {
				t.Errorf("spool file: %v, %v; want %d bytes", fi, err, tc.n)
			}
			want := sourceBytes(tc.n, 2)
			// Attempts may run concurrently (failover races, multipart parts).
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					r, b, err := o.Reader()
					if err != nil {
						t.Error(err)
						return
					}
					got, err := io.ReadAll(r)
					b.Close() // closing one attempt's body must not break the others
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("read back %d bytes, %v", len(got), err)
					}
				})
			}
			wg.Wait()
			if err := release(); err != nil {
				t.Fatalf("release: %v", err)
			}
			if files := spoolFiles(t, dir); len(files) != 0 {
				t.Errorf("release left %v", files)
			}
			if err := release(); err != nil {
				t.Errorf("a second release: %v", err)
			}
		})
	}
}

func TestReaderObjectReadError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failAt int64
	}{
		{"in memory", 100},
		{"while spooling", 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := newSource(10000, 3)
			src.failAt = tc.failAt
			_, release, err := uploader.ReaderObject("k", src, uploader.SpoolOptions{MaxMemory: 1024, Dir: dir})
			if uploader.KindOf(err) != uploader.Invalid || !errors.Is(err, errSource) {
				t.Fatalf("err = %v, want invalid wrapping the source's error", err)
			}
			if release == nil {
				t.Fatal("release is nil on error; callers defer it")
			}
			if err := release(); err != nil {
				t.Errorf("release after error: %v", err)
			}
			if files := spoolFiles(t, dir); len(files) != 0 {
				t.Errorf("a failed spool left %v", files)
			}
		})
	}
}

func TestReaderObjectBadDir(t *testing.T) {
	_, _, err := uploader.ReaderObject("k", newSource(10, 1), uploader.SpoolOptions{MaxMemory: -1, Dir: filepath.Join(t.TempDir(), "missing")})
	if uploader.KindOf(err) != uploader.Invalid {
		t.Fatalf("err = %v, want invalid", err)
	}
}

// TestReaderObjectBoundedMemory checks that a body far larger than MaxMemory
// is not held in memory: spooling 64 MiB with a 1 MiB limit allocates a
// constant few MiB (the in-memory head and copy buffers; about 4 MiB, 8 MiB
// under -race), well under a quarter of the body. The bound is on
// allocation, not time, and fails only if the body is buffered.
func TestReaderObjectBoundedMemory(t *testing.T) {
	const max, n = 1 << 20, 64 << 20
	dir := t.TempDir()
	src := newSource(n, 4)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	o, release, err := uploader.ReaderObject("k", src, uploader.SpoolOptions{MaxMemory: max, Dir: dir})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if o.Size != n {
		t.Fatalf("Size = %d", o.Size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > n/4 {
		t.Errorf("spooling %d bytes allocated %d bytes; MaxMemory is %d", n, alloc, max)
	}
}

func BenchmarkReaderObjectSpool(b *testing.B) {
	const n = 16 << 20
	dir := b.TempDir()
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		_, release, err := uploader.ReaderObject("k", newSource(n, 5), uploader.SpoolOptions{MaxMemory: 1 << 20, Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
}
