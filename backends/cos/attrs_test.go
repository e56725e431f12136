package cos

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestAttributesHeaders checks the COS headers of every attribute, in a
// single PUT and in a multipart initiate.
func TestAttributesHeaders(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	var mu sync.Mutex
	seen := map[string]http.Header{}
	f.onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "" || r.Method == http.MethodPost && r.URL.Query().Has("uploads") {
			seen[r.Method] = r.Header.Clone()
		}
		return false
	})
	attrs := uploader.Attributes{CacheControl: "no-cache", ContentDisposition: "inline", ContentEncoding: "gzip",
		StorageClass: uploader.StorageArchive, ACL: uploader.ACLBucketOwnerRead,
		SSE: uploader.SSE{Mode: uploader.SSEKMS, KMSKeyID: "k1"}, Tags: map[string]string{"b": "2", "a": "x y"}}
	for _, size := range []int64{10, b.sizes.MultipartThreshold + 1} {
		obj := bytesObject("k", make([]byte, size))
		obj.Attributes = attrs
		if _, err := b.Put(context.Background(), obj); err != nil {
			t.Fatalf("Put(%d bytes): %v", size, err)
		}
	}
	want := map[string]string{
		"Cache-Control": "no-cache", "Content-Disposition": "inline", "Content-Encoding": "gzip",
		"X-Cos-Storage-Class": "ARCHIVE", "X-Cos-Acl": "bucket-owner-read", "X-Cos-Server-Side-Encryption": "cos/kms",
		"X-Cos-Server-Side-Encryption-Cos-Kms-Key-Id": "k1", "X-Cos-Tagging": "a=x+y&b=2",
	}
	for _, m := range []string{http.MethodPut, http.MethodPost} {
		h := seen[m]
		if h == nil {
			t.Fatalf("no %s seen", m)
		}
		for k, v := range want {
			if got := h.Get(k); got != v {
				t.Errorf("%s %s = %q, want %q", m, k, got, v)
			}
		}
	}
}

// TestAttributesUnsupportedSendNothing checks that a canned ACL COS does
// not define is refused with Kind Invalid before any request.
func TestAttributesUnsupportedSendNothing(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	obj := bytesObject("k", []byte("abc"))
	obj.ACL = uploader.ACLPublicReadWrite
	_, err := b.Put(context.Background(), obj)
	if uploader.KindOf(err) != uploader.Invalid {
		t.Fatalf("Put with ACL %q = %v, want Kind Invalid", obj.ACL, err)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("requests sent: %q", reqs)
	}
}
