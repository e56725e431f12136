package uploader_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestWriterUploadsOnClose checks that the Writer sends nothing before
// Close, then the bytes written (from a spool file past MaxMemory) with
// their MD5 and the options' attributes, to every attempt alike, and
// removes the spool file.
func TestWriterUploadsOnClose(t *testing.T) {
	for _, n := range []int64{0, 100, 5000} {
		dir := t.TempDir()
		var got uploader.Object
		f := &fakeBackend{name: "t", put: func(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
			got = obj
			if files := spoolFiles(t, dir); (n > 1024) != (len(files) == 1) {
				t.Errorf("n=%d: spool files during the upload: %v", n, files)
			}
			return uploader.Result{Size: obj.Size}, nil
		}}
		w := uploader.NewWriter(context.Background(), uploader.New(backend(f)), "k", &uploader.WriterOptions{
			ContentType: "text/plain", Attributes: uploader.Attributes{CacheControl: "no-cache"},
			Spool: uploader.SpoolOptions{MaxMemory: 1024, Dir: dir}})
		data := sourceBytes(n, 3)
		for off := 0; off < len(data); off += 333 {
			if _, err := w.Write(data[off:min(off+333, len(data))]); err != nil {
				t.Fatal(err)
			}
		}
		if f.calls != 0 {
			t.Fatalf("n=%d: %d Puts before Close", n, f.calls)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("n=%d: Close: %v", n, err)
		}
		sum := md5.Sum(data)
		if f.calls != 1 || !bytes.Equal(f.read[0], data) || !bytes.Equal(got.MD5, sum[:]) ||
			got.ContentType != "text/plain" || got.CacheControl != "no-cache" || w.Result().Size != n {
			t.Errorf("n=%d: %d Puts, read %d bytes, MD5 %x, type %q, cache %q, result %+v", n, f.calls, len(f.read[0]), got.MD5, got.ContentType, got.CacheControl, w.Result())
		}
		if files := spoolFiles(t, dir); len(files) != 0 {
			t.Errorf("n=%d: spool files left after Close: %v", n, files)
		}
		if _, err := w.Write([]byte("x")); uploader.KindOf(err) != uploader.Invalid {
			t.Errorf("Write after Close = %v, want Kind Invalid", err)
		}
	}
}

// TestWriterCanceled: once the context is done, Write fails, Close
// uploads nothing and says Canceled, and the spool file goes.
func TestWriterCanceled(t *testing.T) {
	dir := t.TempDir()
	f := &fakeBackend{name: "t"}
	ctx, cancel := context.WithCancel(context.Background())
	w := uploader.NewWriter(ctx, uploader.New(backend(f)), "k", &uploader.WriterOptions{Spool: uploader.SpoolOptions{MaxMemory: -1, Dir: dir}})
	if _, err := w.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Write([]byte("def")); uploader.KindOf(err) != uploader.Canceled {
		t.Errorf("Write after cancel = %v, want Kind Canceled", err)
	}
	if err := w.Close(); uploader.KindOf(err) != uploader.Canceled || f.calls != 0 {
		t.Errorf("Close = %v after %d Puts; want Kind Canceled and none", err, f.calls)
	}
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left: %v", files)
	}
}

// blockingReader hands out bytes until its context is canceled by the
// test after limit bytes, then keeps handing them out: only the context
// check between reads can stop the spooling.
type blockingReader struct {
	n      atomic.Int64
	limit  int64
	cancel func()
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if r.n.Add(int64(len(p))) > r.limit {
		r.cancel()
	}
	return len(p), nil
}

func TestReaderObjectContextStops(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	r := &blockingReader{limit: 1 << 20, cancel: cancel}
	_, release, err := uploader.ReaderObjectContext(ctx, "k", r, uploader.SpoolOptions{MaxMemory: 1024, Dir: dir})
	if uploader.KindOf(err) != uploader.Canceled {
		t.Fatalf("ReaderObjectContext of an endless reader, canceled = %v; want Kind Canceled", err)
	}
	release()
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left: %v", files)
	}
	if got := r.n.Load(); got > 2<<20 {
		t.Errorf("read %d bytes after the cancel at 1 MiB", got)
	}
}

// TestObjectProgress checks that Object.Progress hears what a backend
// reports to the context, alongside a function already in the context.
func TestObjectProgress(t *testing.T) {
	f := &fakeBackend{name: "t", put: func(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
		if fn := uploader.ProgressFunc(ctx); fn != nil {
			fn(obj.Size)
		}
		return uploader.Result{}, nil
	}}
	var fromObj, fromCtx atomic.Int64
	obj := uploader.BytesObject("k", make([]byte, 42))
	obj.Progress = func(n int64) { fromObj.Add(n) }
	ctx := uploader.WithProgress(context.Background(), func(n int64) { fromCtx.Add(n) })
	if _, err := uploader.New(backend(f)).Upload(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if fromObj.Load() != 42 || fromCtx.Load() != 42 {
		t.Errorf("progress: object %d, context %d; want 42 each", fromObj.Load(), fromCtx.Load())
	}
}

// discard is a backend that reads every body to its end, as a fast
// network would.
type discard struct{}

func (discard) Name() string                  { return "discard" }
func (discard) ErrorKind(error) uploader.Kind { return uploader.Unknown }
func (discard) Close() error                  { return nil }
func (discard) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	r, body, err := obj.Reader()
	if err != nil {
		return uploader.Result{}, err
	}
	defer body.Close()
	n, err := io.Copy(io.Discard, r)
	return uploader.Result{Size: n}, err
}

const benchSize = 64 << 20

// BenchmarkUploadFile is the baseline: a 64 MiB file uploaded with
// FileObject (read once by the backend).
func BenchmarkUploadFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	if err := os.WriteFile(path, sourceBytes(benchSize, 1), 0o600); err != nil {
		b.Fatal(err)
	}
	u := uploader.New(discard{})
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		obj, err := uploader.FileObject("k", path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := u.Upload(context.Background(), obj); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriter writes 64 MiB in 1 MiB writes to a Writer: spooled to a
// temporary file past the default 8 MiB in memory, then uploaded on Close.
func BenchmarkWriter(b *testing.B) {
	chunk := sourceBytes(1<<20, 1)
	dir := b.TempDir()
	u := uploader.New(discard{})
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		w := uploader.NewWriter(context.Background(), u, "k", &uploader.WriterOptions{Spool: uploader.SpoolOptions{Dir: dir}})
		for range benchSize >> 20 {
			if _, err := w.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
