package gateway

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestAttributesRoundTrip checks, for every dialect, that the vendor's
// storage-class, ACL, encryption and tagging headers of a PUT reach the
// upstream in a form MinIO keeps (reserved metadata, never a header MinIO
// refuses such as x-amz-storage-class: STANDARD_IA) and come back on a
// HEAD as the vendor's headers, with no trace of the reserved metadata.
func TestAttributesRoundTrip(t *testing.T) {
	var mu sync.Mutex
	stored := map[string]http.Header{}
	st := newStub(t)
	st.reply = func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			stored[r.URL.Path] = r.Header.Clone()
		case http.MethodHead:
			for k, v := range stored[r.URL.Path] {
				if strings.HasPrefix(strings.ToLower(k), "x-amz-meta-") {
					w.Header()[k] = v
				}
			}
		}
		w.WriteHeader(200)
	}
	for _, tc := range []struct {
		d        Dialect
		prefix   string
		acl, key string // request header names
		reply    string // the prefix of the reply's headers
		replyKey string
	}{
		{TOS, "X-Tos-", "X-Tos-Acl", "X-Tos-Server-Side-Encryption-Kms-Key-Id", "X-Tos-", "X-Tos-Server-Side-Encryption-Kms-Key-Id"},
		{OSS, "X-Oss-", "X-Oss-Object-Acl", "X-Oss-Server-Side-Encryption-Key-Id", "X-Oss-", "X-Oss-Server-Side-Encryption-Key-Id"},
		{COS, "X-Cos-", "X-Cos-Acl", "X-Cos-Server-Side-Encryption-Cos-Kms-Key-Id", "X-Cos-", "X-Cos-Server-Side-Encryption-Cos-Kms-Key-Id"},
		// Anonymous OBS requests get S3 replies (OBS-signed ones x-obs-).
		{OBS, "X-Obs-", "X-Obs-Acl", "X-Obs-Server-Side-Encryption-Kms-Key-Id", "X-Amz-", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"},
		{OBS, "X-Amz-", "X-Amz-Acl", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "X-Amz-", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"},
	} {
		t.Run(string(tc.d)+"/"+tc.prefix, func(t *testing.T) {
			g := startGW(t, Options{Dialect: tc.d, Upstream: Upstream{URL: st.srv.URL}})
			path := "/b/" + string(tc.d) + strings.ToLower(tc.prefix)
			req, _ := http.NewRequest(http.MethodPut, g.URL()+path, bytes.NewReader([]byte("data")))
			req.Header.Set(tc.prefix+"Storage-Class", "VENDOR_IA")
			req.Header.Set(tc.acl, "public-read")
			req.Header.Set(tc.prefix+"Server-Side-Encryption", "kms")
			req.Header.Set(tc.key, "key-1")
			req.Header.Set(tc.prefix+"Tagging", "a=1&b=2")
			req.Header.Set(tc.prefix+"Meta-Color", "red")
			if resp, body := do(t, req); resp.StatusCode != 200 {
				t.Fatalf("PUT: %d %s", resp.StatusCode, body)
			}
			up, _ := st.last()
			for k := range up.Header {
				lk := strings.ToLower(k)
				if (strings.HasPrefix(lk, "x-amz-") || strings.HasPrefix(lk, strings.ToLower(tc.prefix))) && !strings.HasPrefix(lk, "x-amz-meta-") &&
					!strings.HasPrefix(lk, "x-amz-date") && !strings.HasPrefix(lk, "x-amz-content") {
					t.Errorf("upstream got %s: %q; MinIO refuses vendor attribute headers", k, up.Header.Get(k))
				}
			}
			if up.Header.Get("X-Amz-Meta-Color") != "red" {
				t.Errorf("upstream metadata %v", up.Header)
			}
			req, _ = http.NewRequest(http.MethodHead, g.URL()+path, nil)
			resp, _ := do(t, req)
			h := resp.Header
			want := map[string]string{
				"Storage-Class": "VENDOR_IA", "Server-Side-Encryption": "kms", "Tagging-Count": "2", "Meta-Color": "red",
			}
			for k, v := range want {
				if got := h.Get(tc.reply + k); got != v {
					t.Errorf("HEAD %s%s = %q, want %q (reply %v)", tc.reply, k, got, v, h)
				}
			}
			if got := h.Get(tc.replyKey); got != "key-1" {
				t.Errorf("HEAD %s = %q, want key-1", tc.replyKey, got)
			}
			for k := range h {
				if strings.Contains(strings.ToLower(k), "gateway-") {
					t.Errorf("reply leaks %s", k)
				}
			}
		})
	}
}
