package local_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

func newTree(t *testing.T) (*local.Tree, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dest")
	tr, err := local.NewTree(local.Options{Dir: dir, Name: "dest"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr, dir
}

// TestTreeReadablePaths: key sub/b.txt is DIR/sub/b.txt with the bytes,
// and a second Put replaces it whole, leaving no temporary file.
func TestTreeReadablePaths(t *testing.T) {
	tr, dir := newTree(t)
	ctx := context.Background()
	for _, body := range []string{"first", "second, longer"} {
		res, err := tr.Put(ctx, uploader.BytesObject("sub/b.txt", []byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "sub", "b.txt"))
		if err != nil || string(got) != body || res.Size != int64(len(body)) || res.MD5 == "" {
			t.Fatalf("DIR/sub/b.txt = %q (%v), result %+v; want %q", got, err, res, body)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "sub"))
	if len(ents) != 1 {
		t.Errorf("DIR/sub holds %d entries, want only b.txt", len(ents))
	}
	info, err := tr.Stat(ctx, "sub/b.txt")
	if err != nil || info.Size != int64(len("second, longer")) {
		t.Errorf("Stat = %+v, %v", info, err)
	}
	if _, err := tr.Stat(ctx, "sub/none"); !uploader.IsNotFound(err) {
		t.Errorf("Stat of a missing key: %v, want not found", err)
	}
}

// TestTreeKeysStayInside: "..", absolute keys, empty segments and a
// symbolic link to a directory outside are refused, per key, and nothing
// is written outside the directory.
func TestTreeKeysStayInside(t *testing.T) {
	tr, dir := newTree(t)
	outside := filepath.Join(filepath.Dir(dir), "outside")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for key, want := range map[string]string{
		"../escape.txt":   `".." path segment`,
		"a/../../x":       `".." path segment`,
		"/etc/passwd":     `starts with "/"`,
		"a//b":            "empty path segment",
		"link/x.txt":      "leads outside",
		"link/deep/x.txt": "leads outside",
	} {
		_, err := tr.Put(ctx, uploader.BytesObject(key, []byte("x")))
		if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), want) {
			t.Errorf("Put(%q) = %v, want Invalid containing %q", key, err, want)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("the directory outside holds %d entries after the refused keys", len(ents))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.txt")); err == nil {
		t.Errorf("../escape.txt was written")
	}
}

// TestTreeCollisions: a key naming a directory, or under a file, is an
// error for that key; the directory and the file are untouched.
func TestTreeCollisions(t *testing.T) {
	tr, dir := newTree(t)
	ctx := context.Background()
	if _, err := tr.Put(ctx, uploader.BytesObject("d/inner.txt", []byte("in"))); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Put(ctx, uploader.BytesObject("d", []byte("x")))
	if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), "names the directory") {
		t.Errorf("Put(d) over a directory = %v, want Invalid naming the directory", err)
	}
	_, err = tr.Put(ctx, uploader.BytesObject("d/inner.txt/x", []byte("x")))
	if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), "is a file, not a directory") {
		t.Errorf("Put under a file = %v, want Invalid", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "d", "inner.txt")); string(got) != "in" {
		t.Errorf("d/inner.txt = %q after the collisions, want in", got)
	}
}

// TestTreeNoCreate: a dry run opens the destination without creating it.
func TestTreeNoCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	tr, err := local.NewTree(local.Options{Dir: dir, NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("NoCreate created %s (%v)", dir, err)
	}
	if _, err := tr.Stat(context.Background(), "a"); !uploader.IsNotFound(err) {
		t.Errorf("Stat before the directory exists: %v, want not found", err)
	}
}

// TestTreeDelete: Delete removes the file and the directories it leaves
// empty (never the root, never a directory still holding a file); a
// missing key is no error; a key naming a directory is refused.
func TestTreeDelete(t *testing.T) {
	dir := t.TempDir()
	tr, err := local.NewTree(local.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx := context.Background()
	for _, k := range []string{"a/b/c.txt", "a/keep.txt", "top.txt"} {
		if _, err := tr.Put(ctx, uploader.BytesObject(k, []byte(k))); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Delete(ctx, "a/b/c.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "b")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a/b is left empty (%v); want it removed", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "keep.txt")); err != nil {
		t.Errorf("a/keep.txt: %v", err)
	}
	if err := tr.Delete(ctx, "top.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the root: %v", err)
	}
	if err := tr.Delete(ctx, "missing/x"); err != nil {
		t.Errorf("a missing key: %v; want nil", err)
	}
	if err := tr.Delete(ctx, "a"); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("a directory: %v; want Kind invalid", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "keep.txt")); err != nil {
		t.Errorf("a/keep.txt after deleting key a: %v", err)
	}
}
