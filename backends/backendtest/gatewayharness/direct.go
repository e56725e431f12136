package gatewayharness

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/uploader"
)

// The Check functions test a backend that talks S3 to MinIO (obs, s3)
// beyond the conformance suite: the Result's fields, credentials, Stat, Get
// and Delete. Each makes its backends with e's NewBackend.

// CheckPutSizes puts objects of sizes around e's multipart threshold under
// an awkward key and checks the bytes stored, the Result (target, provider,
// one successful attempt, the object's URL, the MD5 of a single PUT, the
// multipart ETag of a multipart one), the progress reported and Stat.
func CheckPutSizes(t *testing.T, e *Env, target, provider string) {
	t.Helper()
	b := e.Backend(t)
	st := stater(t, b)
	endpoint, bucket, _, _ := e.Access()
	ctx := context.Background()
	for _, size := range []int64{0, 1, 100 << 10, e.MultipartThreshold(), e.MultipartThreshold() + 1, 11<<20 + 5} {
		data := backendtest.Data(size, uint64(size))
		key := "dir/obj-" + strings.Repeat("x", int(size%7)) + " é+%"
		var progress atomic.Int64
		pctx := uploader.WithProgress(ctx, func(n int64) { progress.Add(n) })
		res, err := b.Put(pctx, uploader.BytesObject(key, data))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if got := e.MustRead(t, key); !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes that differ", size, len(got))
		}
		if res.Size != size || res.Target != target || res.Provider != provider || len(res.Attempts) != 1 || res.Attempts[0].Err != nil {
			t.Errorf("size %d: result %+v", size, res)
		}
		if progress.Load() != size {
			t.Errorf("size %d: progress summed to %d", size, progress.Load())
		}
		if wantURL := endpoint + "/" + bucket + "/dir/obj-"; !strings.HasPrefix(res.URL, wantURL) {
			t.Errorf("URL %q, want prefix %q", res.URL, wantURL)
		}
		multipart := size > e.MultipartThreshold()
		sum := md5.Sum(data)
		if !multipart && res.MD5 != hex.EncodeToString(sum[:]) {
			t.Errorf("size %d: MD5 %q", size, res.MD5)
		}
		if multipart && !strings.Contains(res.ETag, "-") {
			t.Errorf("size %d: ETag %q is not a multipart ETag", size, res.ETag)
		}
		info, err := st.Stat(ctx, key)
		if err != nil || info.Size != size {
			t.Errorf("stat: %+v, %v", info, err)
		}
	}
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

// CheckWrongMD5 uploads a single PUT and a multipart object whose
// Object.MD5 is wrong: Kind Integrity, and nothing is stored or pending.
func CheckWrongMD5(t *testing.T, e *Env) {
	t.Helper()
	b := e.Backend(t)
	for _, size := range []int64{1000, e.MultipartThreshold() + 1<<20} {
		obj := uploader.BytesObject("bad-md5", backendtest.Data(size, uint64(size)))
		wrong := md5.Sum([]byte("something else"))
		obj.MD5 = wrong[:]
		_, err := uploader.New(b).Upload(context.Background(), obj)
		if k := uploader.KindOf(err); k != uploader.Integrity {
			t.Fatalf("size %d: kind %v (%v), want integrity", size, k, err)
		}
		if ks := e.MustKeys(t); len(ks) != 0 {
			t.Errorf("size %d: keys left: %v", size, ks)
		}
	}
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

// CheckCredentialFailures: a wrong secret is SignatureMismatch (403
// SignatureDoesNotMatch with a request ID and hints, the secret shown
// nowhere); an unknown key is InvalidCredentials with hints; a missing
// bucket is BucketNotFound, for a single PUT and a multipart upload.
func CheckCredentialFailures(t *testing.T, e *Env) {
	t.Helper()
	endpoint, bucket, ak, sk := e.Access()
	obj := uploader.BytesObject("k", []byte("hello"))
	open := func(bucket, ak, sk string) uploader.Backend {
		t.Helper()
		b, err := e.opts.NewBackend(endpoint, bucket, ak, sk)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}

	const wrongSecret = "not-the-secret-at-all"
	_, err := uploader.New(open(bucket, ak, wrongSecret)).Upload(context.Background(), obj)
	ue := uploader.AsError(err)
	if ue == nil || ue.Kind != uploader.SignatureMismatch || ue.Status != 403 || ue.Code != "SignatureDoesNotMatch" || ue.RequestID == "" {
		t.Fatalf("wrong secret: %#v", ue)
	}
	if len(ue.Hints) == 0 || !strings.Contains(strings.Join(ue.Hints, "\n"), "secret belongs to access key") {
		t.Errorf("hints: %q", ue.Hints)
	}
	if strings.Contains(ue.Explain(), wrongSecret) {
		t.Error("the secret leaked into the error")
	}

	_, err = uploader.New(open(bucket, "unknownkey", sk)).Upload(context.Background(), obj)
	if ue := uploader.AsError(err); ue == nil || ue.Kind != uploader.InvalidCredentials || len(ue.Hints) == 0 {
		t.Fatalf("unknown key: %#v", ue)
	}

	missing := open(e.MissingBucket(), ak, sk)
	for _, size := range []int64{5, 70 << 20} {
		_, err = uploader.New(missing).Upload(context.Background(), Zeroes("k", size))
		if k := uploader.KindOf(err); k != uploader.BucketNotFound {
			t.Errorf("missing bucket, size %d: %v (%v)", size, k, err)
		}
	}
}

// CheckStatGetDelete: Stat and Get of a missing key are not-found errors
// (Code NoSuchKey, Kind Invalid); a stored object's size, content type and
// metadata come back through Stat (the metadata "Owner" under metaKey) and
// its bytes through Get; Delete removes it, and deleting it again is no
// error.
func CheckStatGetDelete(t *testing.T, e *Env, metaKey string) {
	t.Helper()
	b := e.Backend(t)
	st, get, del := stater(t, b), getter(t, b), deleter(t, b)
	ctx := context.Background()
	_, err := st.Stat(ctx, "missing")
	if !uploader.IsNotFound(err) || uploader.AsError(err).Code != "NoSuchKey" || uploader.KindOf(err) != uploader.Invalid {
		t.Fatalf("stat missing: %#v", err)
	}
	if _, err := get.Get(ctx, "missing"); !uploader.IsNotFound(err) {
		t.Fatalf("get missing: %v", err)
	}
	obj := uploader.BytesObject("x/y", []byte("payload"))
	obj.ContentType = "text/plain"
	obj.Metadata = map[string]string{"Owner": "me"}
	if _, err := b.Put(ctx, obj); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "x/y")
	if err != nil || info.Size != 7 || info.ContentType != "text/plain" || info.Metadata[metaKey] != "me" {
		t.Fatalf("stat: %+v %v", info, err)
	}
	rc, err := get.Get(ctx, "x/y")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "payload" {
		t.Fatalf("get: %q", got)
	}
	if err := del.Delete(ctx, "x/y"); err != nil {
		t.Fatal(err)
	}
	if err := del.Delete(ctx, "x/y"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := st.Stat(ctx, "x/y"); !uploader.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}

// CheckCancelMidMultipart cancels a 40 MiB multipart upload once some
// bytes went out: the error is Canceled, the Result names no target, and no
// key and no pending upload stay.
func CheckCancelMidMultipart(t *testing.T, e *Env) {
	t.Helper()
	b := e.Backend(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	pctx := uploader.WithProgress(ctx, func(int64) { once.Do(cancel) })
	res, err := uploader.New(b).Upload(pctx, Zeroes("big", 40<<20))
	if k := uploader.KindOf(err); k != uploader.Canceled {
		t.Fatalf("kind %v (%v)", k, err)
	}
	if res.Target != "" {
		t.Errorf("canceled upload names target %q", res.Target)
	}
	if ks := e.MustKeys(t); len(ks) != 0 {
		t.Errorf("keys left: %v", ks)
	}
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

// CheckConcurrentPuts puts 16 objects at once, every fifth one multipart,
// and reads each back (run with -race).
func CheckConcurrentPuts(t *testing.T, e *Env) {
	t.Helper()
	b := e.Backend(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			size := int64(1000 * (i + 1))
			if i%5 == 0 {
				size = e.MultipartThreshold() + 1<<20
			}
			data := backendtest.Data(size, uint64(i))
			key := "c/" + string(rune('a'+i))
			if _, err := b.Put(context.Background(), uploader.BytesObject(key, data)); err != nil {
				errs <- err
				return
			}
			if got, ok, err := e.Read(context.Background(), key); err != nil || !ok || !bytes.Equal(got, data) {
				errs <- fmt.Errorf("%s: read back %d bytes (exists %v, %v) that differ", key, len(got), ok, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func stater(t *testing.T, b uploader.Backend) uploader.Stater { return must[uploader.Stater](t, b) }

func getter(t *testing.T, b uploader.Backend) uploader.Getter { return must[uploader.Getter](t, b) }

func deleter(t *testing.T, b uploader.Backend) uploader.Deleter { return must[uploader.Deleter](t, b) }

// must returns b as the optional interface I, failing t if b lacks it.
func must[I any](t *testing.T, b uploader.Backend) I {
	t.Helper()
	i, ok := b.(I)
	if !ok {
		var zero *I
		t.Fatalf("%T does not implement %T", b, zero)
	}
	return i
}
