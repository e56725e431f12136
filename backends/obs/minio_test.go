package obs

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// direct returns a backend straight at the shared MinIO, on a new bucket.
func direct(t *testing.T, mod func(*Options)) (*Backend, *miniotest.Server, string) {
	t.Helper()
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "obs")
	o := Options{Name: "minio", Endpoint: srv.URL, Bucket: bucket, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey,
		MultipartThreshold: 6 << 20, PartSize: 5 << 20, ResponseTimeout: 5 * time.Second}
	if mod != nil {
		mod(&o)
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, srv, bucket
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func readBack(t *testing.T, srv *miniotest.Server, bucket, key string) []byte {
	t.Helper()
	o, err := srv.Client().GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("read back %s: %v", key, err)
	}
	return b
}

func keys(t *testing.T, srv *miniotest.Server, bucket string) []string {
	t.Helper()
	var ks []string
	for oi := range srv.Client().ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		ks = append(ks, oi.Key)
	}
	return ks
}

func pending(t *testing.T, srv *miniotest.Server, bucket string) int {
	t.Helper()
	n := 0
	for u := range srv.Client().ListIncompleteUploads(context.Background(), bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		n++
	}
	return n
}

func TestPutSingleAndMultipartAgainstMinIO(t *testing.T) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		t.Run(string(sig), func(t *testing.T) {
			testPutSingleAndMultipart(t, sig)
		})
	}
}

func testPutSingleAndMultipart(t *testing.T, sig Signature) {
	b, srv, bucket := direct(t, func(o *Options) { o.Signature = sig })
	ctx := context.Background()
	for _, size := range []int{0, 1, 100 << 10, 6 << 20, 6<<20 + 1, 11<<20 + 5} {
		data := randomBytes(size)
		key := "dir/obj-" + strings.Repeat("x", size%7) + " é+%"
		var progress atomic.Int64
		pctx := uploader.WithProgress(ctx, func(n int64) { progress.Add(n) })
		res, err := b.Put(pctx, uploader.BytesObject(key, data))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if got := readBack(t, srv, bucket, key); !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes that differ", size, len(got))
		}
		if res.Size != int64(size) || res.Target != "minio" || res.Provider != Provider || len(res.Attempts) != 1 || res.Attempts[0].Err != nil {
			t.Errorf("size %d: result %+v", size, res)
		}
		if progress.Load() != int64(size) {
			t.Errorf("size %d: progress summed to %d", size, progress.Load())
		}
		wantURL := srv.URL + "/" + bucket + "/dir/obj-"
		if !strings.HasPrefix(res.URL, wantURL) {
			t.Errorf("URL %q, want prefix %q", res.URL, wantURL)
		}
		multipart := int64(size) > 6<<20
		sum := md5.Sum(data)
		if !multipart && res.MD5 != string(hexOf(sum[:])) {
			t.Errorf("size %d: MD5 %q", size, res.MD5)
		}
		if multipart && !strings.Contains(res.ETag, "-") {
			t.Errorf("size %d: ETag %q is not a multipart ETag", size, res.ETag)
		}
		info, err := b.Stat(ctx, key)
		if err != nil || info.Size != int64(size) {
			t.Errorf("stat: %+v, %v", info, err)
		}
	}
	if n := pending(t, srv, bucket); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return out
}

func TestWrongMD5IsIntegrityAndStoresNothing(t *testing.T) {
	b, srv, bucket := direct(t, nil)
	for _, size := range []int{1000, 7 << 20} {
		obj := uploader.BytesObject("bad-md5", randomBytes(size))
		wrong := md5.Sum([]byte("something else"))
		obj.MD5 = wrong[:]
		_, err := uploader.New(b).Upload(context.Background(), obj)
		if k := uploader.KindOf(err); k != uploader.Integrity {
			t.Fatalf("size %d: kind %v (%v), want integrity", size, k, err)
		}
		if ks := keys(t, srv, bucket); len(ks) != 0 {
			t.Errorf("size %d: keys left: %v", size, ks)
		}
	}
	if n := pending(t, srv, bucket); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

func TestCredentialFailuresAgainstMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "obscred")
	obj := uploader.BytesObject("k", []byte("hello"))

	wrongSecret, err := New(Options{Endpoint: srv.URL, Bucket: bucket, AccessKeyID: srv.AccessKey, SecretAccessKey: "not-the-secret-at-all", Signature: SignatureV4})
	if err != nil {
		t.Fatal(err)
	}
	_, err = uploader.New(wrongSecret).Upload(context.Background(), obj)
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.SignatureMismatch || e.Status != 403 || e.Code != "SignatureDoesNotMatch" || e.RequestID == "" {
		t.Fatalf("wrong secret: %#v", e)
	}
	if len(e.Hints) == 0 || !strings.Contains(strings.Join(e.Hints, "\n"), "secret belongs to access key") {
		t.Errorf("hints: %q", e.Hints)
	}
	if strings.Contains(e.Explain(), "not-the-secret-at-all") {
		t.Error("the secret leaked into the error")
	}

	unknown, err := New(Options{Endpoint: srv.URL, Bucket: bucket, AccessKeyID: "unknownkey", SecretAccessKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = uploader.New(unknown).Upload(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.InvalidCredentials || len(e.Hints) == 0 {
		t.Fatalf("unknown key: %#v", e)
	}

	missing, err := New(Options{Endpoint: srv.URL, Bucket: "no-such-bucket-here", AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{5, 70 << 20} {
		o := uploader.Object{Key: "k", Size: int64(size), Open: zeroBody(int64(size))}
		_, err = uploader.New(missing).Upload(context.Background(), o)
		if k := uploader.KindOf(err); k != uploader.BucketNotFound {
			t.Errorf("missing bucket, size %d: %v (%v)", size, k, err)
		}
	}
}

// zeroBody is a body of n zero bytes that takes no memory.
func zeroBody(n int64) func() (uploader.Body, error) {
	return func() (uploader.Body, error) { return zeroes{n}, nil }
}

type zeroes struct{ n int64 }

func (z zeroes) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.n {
		return 0, io.EOF
	}
	n := len(p)
	if rem := z.n - off; int64(n) > rem {
		n = int(rem)
	}
	clear(p[:n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (zeroes) Close() error { return nil }

func TestStatGetDeleteAgainstMinIO(t *testing.T) {
	b, _, _ := direct(t, nil)
	ctx := context.Background()
	_, err := b.Stat(ctx, "missing")
	if !uploader.IsNotFound(err) || uploader.AsError(err).Code != "NoSuchKey" || uploader.KindOf(err) != uploader.Invalid {
		t.Fatalf("stat missing: %#v", err)
	}
	if _, err := b.Get(ctx, "missing"); !uploader.IsNotFound(err) {
		t.Fatalf("get missing: %v", err)
	}
	obj := uploader.BytesObject("x/y", []byte("payload"))
	obj.ContentType = "text/plain"
	obj.Metadata = map[string]string{"Owner": "me"}
	if _, err := b.Put(ctx, obj); err != nil {
		t.Fatal(err)
	}
	info, err := b.Stat(ctx, "x/y")
	if err != nil || info.Size != 7 || info.ContentType != "text/plain" || info.Metadata["owner"] != "me" {
		t.Fatalf("stat: %+v %v", info, err)
	}
	rc, err := b.Get(ctx, "x/y")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "payload" {
		t.Fatalf("get: %q", got)
	}
	if err := b.Delete(ctx, "x/y"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "x/y"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := b.Stat(ctx, "x/y"); !uploader.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}

// TestCancelMidMultipartLeavesNothing cancels a multipart upload once some
// bytes went out: the error is Canceled, no key and no pending upload stay.
func TestCancelMidMultipartLeavesNothing(t *testing.T) {
	b, srv, bucket := direct(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	pctx := uploader.WithProgress(ctx, func(n int64) {
		once.Do(cancel)
	})
	o := uploader.Object{Key: "big", Size: 40 << 20, Open: zeroBody(40 << 20)}
	res, err := uploader.New(b).Upload(pctx, o)
	if k := uploader.KindOf(err); k != uploader.Canceled {
		t.Fatalf("kind %v (%v)", k, err)
	}
	if res.Target != "" {
		t.Errorf("canceled upload names target %q", res.Target)
	}
	if ks := keys(t, srv, bucket); len(ks) != 0 {
		t.Errorf("keys left: %v", ks)
	}
	if n := pending(t, srv, bucket); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

func TestConcurrentPutsAgainstMinIO(t *testing.T) {
	b, srv, bucket := direct(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			size := 1000 * (i + 1)
			if i%5 == 0 {
				size = 7 << 20
			}
			data := randomBytes(size)
			key := "c/" + string(rune('a'+i))
			if _, err := b.Put(context.Background(), uploader.BytesObject(key, data)); err != nil {
				errs <- err
				return
			}
			if got := readBack(t, srv, bucket, key); !bytes.Equal(got, data) {
				errs <- errors.New(key + ": bytes differ")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
