package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// faultyFile is a temporary file whose Write, Sync or Close fails with err
// once the file holds failAfter bytes.
type faultyFile struct {
	*os.File
	n         int64
	failAfter int64
	on        string // "write", "sync" or "close"
	err       error
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if f.on == "write" && f.n+int64(len(p)) > f.failAfter {
		m := max(0, int(f.failAfter-f.n))
		n, _ := f.File.Write(p[:m])
		f.n += int64(n)
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: f.err}
	}
	n, err := f.File.Write(p)
	f.n += int64(n)
	return n, err
}

func (f *faultyFile) Sync() error {
	if f.on == "sync" {
		return &fs.PathError{Op: "sync", Path: f.Name(), Err: f.err}
	}
	return f.File.Sync()
}

func (f *faultyFile) Close() error {
	cerr := f.File.Close()
	if f.on == "close" {
		return &fs.PathError{Op: "close", Path: f.Name(), Err: f.err}
	}
	return cerr
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestFileSystemErrors injects the errors a full disk, an exhausted quota, a
// read-only file system and missing permissions give, at each step of a
// write, and checks the Kind, the message, and that nothing is left.
func TestFileSystemErrors(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 3<<20)
	for _, tc := range []struct {
		errno     syscall.Errno
		on        string
		failAfter int64
		create    bool // fail creating the temporary file
		kind      uploader.Kind
		says      string
	}{
		{errno: syscall.ENOSPC, on: "write", failAfter: 1<<20 + 17, kind: uploader.Unavailable, says: "disk full"},
		{errno: syscall.ENOSPC, on: "write", failAfter: 0, kind: uploader.Unavailable, says: "disk full"},
		{errno: syscall.EDQUOT, on: "sync", kind: uploader.Unavailable, says: "disk quota exceeded"},
		{errno: syscall.EDQUOT, on: "close", kind: uploader.Unavailable, says: "disk quota exceeded"},
		{errno: syscall.ENOSPC, create: true, kind: uploader.Unavailable, says: "disk full"},
		{errno: syscall.EACCES, create: true, kind: uploader.AccessDenied, says: "permission denied"},
		{errno: syscall.EPERM, on: "write", failAfter: 10, kind: uploader.AccessDenied, says: "permission denied"},
		{errno: syscall.EROFS, create: true, kind: uploader.AccessDenied, says: "read-only file system"},
		{errno: syscall.EIO, on: "sync", kind: uploader.Unknown, says: "input/output error"},
	} {
		name := fmt.Sprintf("%s on %s", tc.errno, tc.on)
		if tc.create {
			name = fmt.Sprintf("%s on create", tc.errno)
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			b, err := New(Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Put(context.Background(), uploader.BytesObject("k", []byte("previous"))); err != nil {
				t.Fatal(err)
			}
			before := listFiles(t, dir)
			calls := 0
			b.createTemp = func(d, pattern string) (tempFile, error) {
				calls++
				if tc.create {
					return nil, &fs.PathError{Op: "open", Path: filepath.Join(d, pattern), Err: tc.errno}
				}
				f, err := os.CreateTemp(d, pattern)
				if err != nil {
					return nil, err
				}
				if calls > 1 { // the record's file works
					return f, nil
				}
				return &faultyFile{File: f, on: tc.on, failAfter: tc.failAfter, err: tc.errno}, nil
			}
			_, err = uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", body))
			if k := uploader.KindOf(err); k != tc.kind {
				t.Fatalf("err = %v (kind %v), want %v", err, k, tc.kind)
			}
			if !errors.Is(err, tc.errno) {
				t.Errorf("err does not wrap %v", tc.errno)
			}
			if b.ErrorKind(errors.Unwrap(uploader.AsError(err))) != tc.kind {
				t.Errorf("ErrorKind of the raw error disagrees")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.says) || !strings.Contains(msg, dir) || !strings.HasPrefix(msg, "local (local): ") {
				t.Errorf("message %q should name the target, say %q and name the directory", msg, tc.says)
			}
			after := listFiles(t, dir)
			if strings.Join(before, "\n") != strings.Join(after, "\n") {
				t.Errorf("files before:\n%v\nafter:\n%v", before, after)
			}
			rc, err := b.Get(context.Background(), "k")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != "previous" {
				t.Errorf("previous copy now %q", got)
			}
		})
	}
}

// TestFileSystemErrorsOnRecord fails the record's write: the data written
// before it must not become visible.
func TestFileSystemErrorsOnRecord(t *testing.T) {
	dir := t.TempDir()
	b, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	b.createTemp = func(d, pattern string) (tempFile, error) {
		calls++
		f, err := os.CreateTemp(d, pattern)
		if err != nil || calls == 1 {
			return f, err
		}
		return &faultyFile{File: f, on: "write", err: syscall.ENOSPC}, nil
	}
	_, err = b.Put(context.Background(), uploader.BytesObject("k", []byte("data")))
	if uploader.KindOf(err) != uploader.Unavailable {
		t.Fatalf("err = %v", err)
	}
	if _, err := b.Stat(context.Background(), "k"); !uploader.IsNotFound(err) {
		t.Errorf("Stat = %v, want not found", err)
	}
	for _, f := range listFiles(t, dir) {
		if !strings.HasSuffix(f, ".lock") {
			t.Errorf("left %s", f)
		}
	}
}

func TestErrorKind(t *testing.T) {
	b := &Backend{}
	for _, tc := range []struct {
		err  error
		want uploader.Kind
	}{
		{nil, uploader.OK},
		{&fs.PathError{Op: "write", Err: syscall.ENOSPC}, uploader.Unavailable},
		{&fs.PathError{Op: "write", Err: syscall.EDQUOT}, uploader.Unavailable},
		{&fs.PathError{Op: "open", Err: syscall.EACCES}, uploader.AccessDenied},
		{&fs.PathError{Op: "open", Err: syscall.EPERM}, uploader.AccessDenied},
		{&fs.PathError{Op: "open", Err: syscall.EROFS}, uploader.AccessDenied},
		{fs.ErrPermission, uploader.AccessDenied},
		{context.Canceled, uploader.Canceled},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), uploader.Canceled},
		{&uploader.Error{Kind: uploader.Integrity}, uploader.Integrity},
		{errors.New("other"), uploader.Unknown},
		{&fs.PathError{Op: "open", Err: syscall.EIO}, uploader.Unknown},
	} {
		if got := b.ErrorKind(tc.err); got != tc.want {
			t.Errorf("ErrorKind(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestPermissionDenied uses real permission bits (skipped as root, where
// they do not apply; TestFileSystemErrors covers the mapping).
func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permission bits do not apply")
	}
	dir := t.TempDir()
	b, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(b.objects, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(b.objects, 0o700)
	_, err = b.Put(context.Background(), uploader.BytesObject("k", []byte("x")))
	if uploader.KindOf(err) != uploader.AccessDenied || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Put into a read-only directory = %v", err)
	}
}

// TestPathsAreHex checks the key-to-path mapping itself: every path is the
// shard, the key's hash and an ID, whatever the key.
func TestPathsAreHex(t *testing.T) {
	b, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.newID()
	if err != nil || !isID(id) {
		t.Fatalf("newID = %q, %v", id, err)
	}
	for _, key := range []string{"../../etc/passwd", "/abs", `a\b`, "a\x00b", strings.Repeat("é", 600), ""} {
		h := keyHash(key)
		for _, p := range []string{b.recordPath(h), b.dataPath(h, id)} {
			rel, err := filepath.Rel(b.objects, p)
			if err != nil || strings.Contains(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 {
				t.Errorf("key %q maps to %s", key, p)
			}
			for _, c := range filepath.Base(p) {
				if !strings.ContainsRune("0123456789abcdef.jsondat", c) {
					t.Errorf("key %q: file name %s holds %q", key, filepath.Base(p), c)
				}
			}
		}
	}
}
