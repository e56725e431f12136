package local_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

// TestPutFileRewrittenDuringCopy: a file rewritten in place while it is
// copied into the backup is not stored (Kind Invalid, naming the file); the
// copy held before is kept, and no mixed copy is ever visible.
func TestPutFileRewrittenDuringCopy(t *testing.T) {
	dir := t.TempDir()
	b := newBackend(t, dir)
	prev := data(1000, 3)
	put(t, b, "k", prev)

	src := filepath.Join(t.TempDir(), "src")
	body := data(3<<20, 4) // three chunks of the copy
	if err := os.WriteFile(src, body, 0o644); err != nil {
		t.Fatal(err)
	}
	obj, err := uploader.FileObject("k", src)
	if err != nil {
		t.Fatal(err)
	}
	// The first chunk copied triggers the rewrite: deterministic, no timing.
	var rewritten atomic.Bool
	ctx := uploader.WithProgress(context.Background(), func(n int64) {
		if n > 0 && rewritten.CompareAndSwap(false, true) {
			f, err := os.OpenFile(src, os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			f.WriteAt(bytes.Repeat([]byte{'N'}, 1<<20), int64(len(body))-1<<20)
			f.Close()
			later := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			os.Chtimes(src, later, later)
		}
	})
	res, err := b.Put(ctx, obj)
	if !rewritten.Load() {
		t.Fatal("the progress hook never ran")
	}
	if uploader.KindOf(err) != uploader.Invalid || !strings.Contains(err.Error(), src) {
		t.Fatalf("Put of a file rewritten during the copy: %+v, %v; want kind invalid naming %s", res, err, src)
	}
	if got, err := get(t, b, "k"); err != nil || !bytes.Equal(got, prev) {
		t.Errorf("the copy held before is %d bytes (%v); want the previous %d bytes", len(got), err, len(prev))
	}
}
