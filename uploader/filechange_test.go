package uploader_test

import (
	"bytes"
	"crypto/md5"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// rewriteInPlace overwrites the first and last n bytes of the file at path
// without changing its size, as an editor or a logger does, and pins a
// modification time distinct from the first write's (a rewrite may land in
// the same file-system tick).
func rewriteInPlace(t *testing.T, path string, n int) []byte {
	t.Helper()
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	patch := bytes.Repeat([]byte{'N'}, n)
	if _, err := f.WriteAt(patch, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(patch, int64(len(old)-n)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	now := append([]byte(nil), old...)
	copy(now, patch)
	copy(now[len(now)-n:], patch)
	return now
}

// TestFileObjectChangedWhileRead: a file rewritten in place between two
// reads of one body (the parts of one multipart upload) fails the read after
// the change with Kind Invalid, naming the file: the bytes of two versions
// are never handed out as one body.
func TestFileObjectChangedWhileRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	const part = 64 << 10
	writeFile(t, path, bytes.Repeat([]byte{'o'}, 3*part))
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	o, err := uploader.FileObject("k", path)
	if err != nil {
		t.Fatal(err)
	}
	body, err := o.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	buf := make([]byte, part)
	if _, err := body.ReadAt(buf, 0); err != nil {
		t.Fatalf("part 1: %v", err)
	}
	rewriteInPlace(t, path, part)
	n, err := body.ReadAt(buf, part)
	if uploader.KindOf(err) != uploader.Invalid {
		t.Fatalf("part 2 after the rewrite: %d bytes, %v; want kind invalid", n, err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "changed while being uploaded") {
		t.Errorf("message %q should name %s and say it changed while being uploaded", err, path)
	}
	if n != 0 {
		t.Errorf("the failed read handed out %d bytes of the new version", n)
	}
}

// TestFileMD5OfBytesRead: File.MD5 and File.CRC32C are the digests of the
// bytes the body handed out, whether they were read in order or out of
// order (parts in parallel), and are unknown until a body was read to its
// end. With SkipMD5 the CRC-32C alone is computed.
func TestFileMD5OfBytesRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	data[77] = 'x' // not periodic, so that a digest of the parts in the wrong order differs
	writeFile(t, path, data)
	want := md5.Sum(data)
	wantCRC := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
	for _, tc := range []struct {
		skipMD5 bool
		order   []int
	}{{false, []int{0, 1, 2, 3}}, {false, []int{3, 1, 0, 2}}, {false, []int{2, 2, 0, 1, 0, 3}}, {true, []int{3, 1, 0, 2}}, {true, []int{0, 1, 2, 3}}} {
		order := tc.order
		f, err := uploader.NewFileOptions("k", path, &uploader.FileOptions{SkipMD5: tc.skipMD5})
		if err != nil {
			t.Fatal(err)
		}
		body, err := f.Object().Open()
		if err != nil {
			t.Fatal(err)
		}
		part := (len(data) + 3) / 4
		if _, ok := f.CRC32C(); ok || f.MD5() != nil {
			t.Errorf("digests known before any read")
		}
		for _, p := range order {
			buf := make([]byte, part)
			n, err := body.ReadAt(buf, int64(p*part))
			if err != nil && err != io.EOF {
				t.Fatalf("order %v: read %d: %v", order, p, err)
			}
			if !bytes.Equal(buf[:n], data[p*part:min(len(data), (p+1)*part)]) {
				t.Fatalf("order %v: part %d read wrong bytes", order, p)
			}
		}
		body.Close()
		if got := f.MD5(); tc.skipMD5 && got != nil || !tc.skipMD5 && !bytes.Equal(got, want[:]) {
			t.Errorf("order %v, SkipMD5 %v: MD5 %x, want %x", order, tc.skipMD5, got, want)
		}
		if got, ok := f.CRC32C(); !ok || got != wantCRC {
			t.Errorf("order %v, SkipMD5 %v: CRC-32C %08x (%v), want %08x", order, tc.skipMD5, got, ok, wantCRC)
		}
		if err := f.Check(); err != nil {
			t.Errorf("order %v: Check of an unchanged file: %v", order, err)
		}
	}
}

// TestFileReplaced: a file renamed over while its body is read fails the
// read of its last byte (the bytes read were one whole version, but not the
// file that is there now); File.Check says it changed.
func TestFileReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	writeFile(t, path, []byte("old version"))
	f, err := uploader.NewFile("k", path)
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.Object().Open()
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	buf := make([]byte, 4)
	if _, err := body.ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "g"), []byte("new version"))
	if err := os.Rename(filepath.Join(dir, "g"), path); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, 7)
	if _, err := body.ReadAt(rest, 4); uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), "changed while being uploaded") {
		t.Errorf("last read after a rename over the file: %v", err)
	}
	if f.MD5() != nil {
		t.Errorf("MD5 recorded for a replaced file")
	}
	if err := f.Check(); uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), path) {
		t.Errorf("Check: %v", err)
	}
	if _, err := f.Object().Open(); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Open after the rename: %v", err)
	}
}

// TestFileEmpty: an empty file's MD5 is known once its body is opened (no
// read is ever made of it).
func TestFileEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e")
	writeFile(t, path, nil)
	f, err := uploader.NewFile("k", path)
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.Object().Open()
	if err != nil {
		t.Fatal(err)
	}
	body.Close()
	if want := md5.Sum(nil); !bytes.Equal(f.MD5(), want[:]) {
		t.Errorf("MD5 %x, want %x", f.MD5(), want)
	}
	if crc, ok := f.CRC32C(); !ok || crc != 0 {
		t.Errorf("CRC-32C %08x (%v), want 00000000", crc, ok)
	}
}
