package gatewayharness

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// readAll returns the bytes of obj's body.
func readAll(t testing.TB, obj uploader.Object) []byte {
	t.Helper()
	r, body, err := obj.Reader()
	if err != nil {
		t.Fatalf("opening %s: %v", obj.Key, err)
	}
	defer body.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %s: %v", obj.Key, err)
	}
	return data
}

// realWorldObjects are a single PUT and a three-part multipart upload for
// an Env with the default threshold and part size.
func realWorldObjects(prefix string) []uploader.Object {
	return []uploader.Object{
		uploader.BytesObject(prefix+"/single", bytes.Repeat([]byte("least privilege "), 64)),
		Generated(prefix+"/multipart", 2*PartSize+PartSize/2),
	}
}

// CheckLeastPrivilege checks that b, a backend over e's bucket, uploads
// with a key that may write but not read (the gateway's [gateway.WriteOnly]
// policy: HEAD and GET answered 403 AccessDenied): a single PUT and a
// multipart upload both succeed, store the bytes sent, delete nothing, and
// a multipart upload whose verifying HEAD was refused says so in
// Result.Unverified ("not verified by reading"), after the complete reply
// verified it (CRC-64 or composite ETag); a single PUT, verified by its own
// reply, sends no HEAD.
func CheckLeastPrivilege(t *testing.T, e *Env, b uploader.Backend) {
	t.Helper()
	e.Gateway.SetPolicy(gateway.WriteOnly())
	defer e.Gateway.SetPolicy(gateway.Policy{})
	for _, obj := range realWorldObjects("lp") {
		e.Gateway.ResetCounts()
		res, err := uploader.New(b).Upload(context.Background(), obj)
		if err != nil {
			t.Fatalf("%s with a write-only key: %v", obj.Key, err)
		}
		if res.Target != b.Name() || res.Size != obj.Size {
			t.Errorf("%s: result %+v", obj.Key, res)
		}
		if got, want := e.MustRead(t, obj.Key), readAll(t, obj); !bytes.Equal(got, want) {
			t.Errorf("%s: stored %d bytes that differ from the %d sent", obj.Key, len(got), len(want))
		}
		if n := e.Gateway.Count(gateway.OpDelete); n != 0 {
			t.Errorf("%s: %d DELETEs after a successful upload", obj.Key, n)
		}
		heads := e.Gateway.Count(gateway.OpHead)
		switch {
		case heads > 0 && !strings.Contains(res.Unverified, "not verified by reading"):
			t.Errorf("%s: %d HEADs refused, but Result.Unverified is %q", obj.Key, heads, res.Unverified)
		case heads > 0 && !strings.Contains(res.Unverified, "verified by the write's replies"):
			t.Errorf("%s: the write's replies (CRC-64 or composite ETag) did not verify the object: %q", obj.Key, res.Unverified)
		case heads == 0 && res.Unverified != "":
			t.Errorf("%s: no HEAD was sent, but Result.Unverified is %q", obj.Key, res.Unverified)
		}
		if obj.Size <= e.MultipartThreshold() && heads != 0 {
			t.Errorf("%s: a single PUT sent %d HEADs", obj.Key, heads)
		}
		if len(res.Attempts) == 0 || res.Attempts[len(res.Attempts)-1].Kind != uploader.OK {
			t.Errorf("%s: attempts %+v", obj.Key, res.Attempts)
		}
	}
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left pending", n)
	}
}

// CheckKMSEncryption checks that b, a backend over e's bucket, uploads to
// a bucket encrypted by default with a KMS key (the gateway's
// [gateway.Gateway.SetKMSEncryption]: the vendor's server-side-encryption
// header on every reply, ETags that are not MD5s): a single PUT and a
// multipart upload both succeed and store the bytes sent, and nothing is
// deleted.
func CheckKMSEncryption(t *testing.T, e *Env, b uploader.Backend) {
	t.Helper()
	e.Gateway.SetKMSEncryption(true)
	defer e.Gateway.SetKMSEncryption(false)
	etags := map[string]string{}
	for _, obj := range realWorldObjects("kms") {
		e.Gateway.ResetCounts()
		res, err := uploader.New(b).Upload(context.Background(), obj)
		if err != nil {
			t.Fatalf("%s to a KMS-encrypted bucket: %v", obj.Key, err)
		}
		want := readAll(t, obj)
		if got := e.MustRead(t, obj.Key); !bytes.Equal(got, want) {
			t.Errorf("%s: stored %d bytes that differ from the %d sent", obj.Key, len(got), len(want))
		}
		sum := md5.Sum(want)
		if strings.EqualFold(strings.Trim(res.ETag, `"`), hex.EncodeToString(sum[:])) {
			t.Errorf("%s: ETag %s is the MD5: the gateway did not answer as a KMS bucket", obj.Key, res.ETag)
		}
		if n := e.Gateway.Count(gateway.OpDelete); n != 0 {
			t.Errorf("%s: %d DELETEs after a successful upload", obj.Key, n)
		}
		etags[obj.Key] = strings.Trim(res.ETag, `"`)
	}
	checkListedETags(t, b, "kms/", etags)
}

// checkListedETags checks that a listing of prefix on b (if b lists)
// gives each key of want the ETag its upload answered: a KMS bucket's
// listing disguises ETags as its other replies do.
func checkListedETags(t *testing.T, b uploader.Backend, prefix string, want map[string]string) {
	t.Helper()
	l, ok := b.(uploader.ObjectLister)
	if !ok {
		return
	}
	got := map[string]string{}
	if err := l.ListObjects(context.Background(), prefix, func(o uploader.ObjectInfo) bool { got[o.Key] = o.ETag; return true }); err != nil {
		t.Fatalf("listing %s: %v", prefix, err)
	}
	for k, w := range want {
		if !strings.EqualFold(strings.Trim(got[k], `"`), w) {
			t.Errorf("%s: listed with ETag %q, uploaded with %q", k, got[k], w)
		}
	}
}

// compositeHandler answers a multipart upload of key "k" like S3, its
// complete reply carrying the ETag etag; a HEAD gets headStatus (with the
// size when 200). It counts the DELETEs of objects in deletes.
func compositeHandler(etag string, size int64, headStatus int, deletes *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodPost && q.Has("uploads"):
			_, _ = io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>`)
		case r.Method == http.MethodPut && q.Has("uploadId"):
			w.Header().Set("ETag", `"part`+q.Get("partNumber")+`"`)
		case r.Method == http.MethodPost && q.Has("uploadId"):
			_, _ = io.WriteString(w, `<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><ETag>&#34;`+etag+`&#34;</ETag></CompleteMultipartUploadResult>`)
		case r.Method == http.MethodHead && headStatus != http.StatusOK:
			w.WriteHeader(headStatus)
		case r.Method == http.MethodHead:
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			w.Header().Set("ETag", `"`+etag+`"`)
		case r.Method == http.MethodDelete:
			if !q.Has("uploadId") {
				deletes.Add(1)
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}
}

// CheckCompositeETag checks the verification of a multipart upload by the
// complete reply's ETag, for the backends without CRC-64 (s3, obs): an
// ETag of the S3 composite form that is not the MD5 of the parts' MD5s
// fails with Integrity and the object is deleted; the right one passes
// even when the HEAD that follows is refused with 403, and the result
// says "not verified by reading; verified by the write's replies".
func CheckCompositeETag(t *testing.T, newB FakeBackend) {
	t.Helper()
	const size = 2*PartSize + PartSize/5
	obj := Zeroes("k", size)
	whole := md5.New()
	for off := int64(0); off < size; off += PartSize {
		sum := md5.Sum(make([]byte, min(PartSize, size-off)))
		whole.Write(sum[:])
	}
	right := hex.EncodeToString(whole.Sum(nil)) + "-3"

	var deletes atomic.Int64
	wrong := NewFake(t, compositeHandler("0123456789abcdef0123456789abcdef-3", size, http.StatusOK, &deletes))
	_, err := newB(t, wrong.URL, false).Put(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "ETag") || deletes.Load() != 1 {
		t.Fatalf("a wrong composite ETag: %v, %d deletes; want integrity and 1 delete", err, deletes.Load())
	}

	deletes.Store(0)
	good := NewFake(t, compositeHandler(right, size, http.StatusForbidden, &deletes))
	res, err := newB(t, good.URL, false).Put(context.Background(), obj)
	if err != nil || deletes.Load() != 0 {
		t.Fatalf("the right composite ETag and a refused HEAD: %v, %d deletes", err, deletes.Load())
	}
	if !strings.Contains(res.Unverified, "not verified by reading") || !strings.Contains(res.Unverified, "verified by the write's replies") {
		t.Errorf("Result.Unverified = %q", res.Unverified)
	}
}
