package xfer

import (
	"crypto/md5"
	"net/http"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

func partsOf(bodies ...string) []Part {
	ps := make([]Part, len(bodies))
	for i, b := range bodies {
		sum := md5.Sum([]byte(b))
		ps[i] = Part{Number: i + 1, Size: int64(len(b)), MD5: sum[:]}
	}
	return ps
}

// TestCompositeETag: the S3 rule, checked against a known value: the MD5
// of the concatenated binary part MD5s, "-", the count.
func TestCompositeETag(t *testing.T) {
	parts := partsOf("a", "b")
	a, b := md5.Sum([]byte("a")), md5.Sum([]byte("b"))
	whole := md5.Sum(append(a[:], b[:]...))
	want := Hex(whole[:]) + "-2"
	if got, ok := CompositeETag(parts); !ok || got != want {
		t.Fatalf("CompositeETag = %q %v, want %q", got, ok, want)
	}
	for _, c := range []struct {
		etag     string
		parts    []Part
		mismatch string // a fragment, "" for a match
		verified bool
	}{
		{etag: `"` + want + `"`, parts: parts, verified: true},
		{etag: strings.ToUpper(want), parts: parts, verified: true},
		{etag: want, parts: partsOf("b", "a"), mismatch: "sent in order", verified: true},
		{etag: want, parts: partsOf("a", "b", "c"), mismatch: "names 2 parts, 3 were sent", verified: true},
		{etag: Hex(whole[:]), parts: parts},                         // not the multipart form: nothing to compare
		{etag: "6f3c1a8b-2", parts: parts},                          // not an MD5
		{etag: want, parts: []Part{{Number: 1, Size: 1}, parts[1]}}, // a part without its MD5
	} {
		mismatch, verified := CheckCompositeETag(c.etag, c.parts)
		if verified != c.verified || (c.mismatch == "") != (mismatch == "") || !strings.Contains(mismatch, c.mismatch) {
			t.Errorf("CheckCompositeETag(%q) = %q, %v; want %q, %v", c.etag, mismatch, verified, c.mismatch, c.verified)
		}
	}
}

// TestETagIsMD5: every vendor's KMS header, and SSE-C, rule out the
// ETag-equals-MD5 check; AES256 (keys managed by the store) does not.
func TestETagIsMD5(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        bool
	}{
		{"X-Amz-Server-Side-Encryption", "aws:kms", false},
		{"X-Amz-Server-Side-Encryption", "aws:kms:dsse", false},
		{"X-Oss-Server-Side-Encryption", "KMS", false},
		{"X-Cos-Server-Side-Encryption", "cos/kms", false},
		{"X-Tos-Server-Side-Encryption", "kms", false},
		{"X-Obs-Server-Side-Encryption", "kms", false},
		{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256", false},
		{"X-Amz-Server-Side-Encryption", "AES256", true},
		{"Content-Type", "text/plain", true},
	} {
		h := http.Header{}
		h.Set(c.name, c.value)
		if got := ETagIsMD5(h); got != c.want {
			t.Errorf("%s: %s: ETagIsMD5 = %v", c.name, c.value, got)
		}
	}
}

// TestReadRefused: only a 403 is a refusal to read back.
func TestReadRefused(t *testing.T) {
	forbidden := &uploader.Error{Kind: uploader.AccessDenied, Status: 403}
	if !ReadRefused(forbidden) {
		t.Error("403 not a refusal")
	}
	for _, err := range []error{nil, &uploader.Error{Kind: uploader.Unavailable, Status: 503}, &uploader.Error{Kind: uploader.Invalid, Status: 404, Code: "NoSuchKey"}} {
		if ReadRefused(err) {
			t.Errorf("%v taken for a refusal to read", err)
		}
	}
	if u := Unverified(forbidden, true); !strings.Contains(u, "not verified by reading: HEAD refused with 403 AccessDenied") || !strings.Contains(u, "verified by the write's replies") {
		t.Errorf("Unverified = %q", u)
	}
}
