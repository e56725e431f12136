package backendtest

import (
	"bytes"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// AttributesHarness is implemented by a harness whose server cannot keep
// every attribute [Attributes] sets (a plain MinIO knows only STANDARD and
// REDUCED_REDUNDANCY and encrypts only with a KMS): the Attributes case
// sends what it returns instead.
type AttributesHarness interface {
	Harness
	// Attributes returns the attributes the Attributes case sends.
	Attributes() uploader.Attributes
}

// Attributes returns the attributes the Attributes case sends unless the
// harness says otherwise: the three headers, the INFREQUENT class, the
// public-read ACL, KMS encryption with a key ID and two tags. Every
// provider here defines them all. The Content-Encoding is "br", which no
// HTTP client of the suite decodes on its own.
func Attributes() uploader.Attributes {
	return uploader.Attributes{
		CacheControl: "max-age=3600", ContentDisposition: `attachment; filename="report.bin"`, ContentEncoding: "br",
		StorageClass: uploader.StorageInfrequent, ACL: uploader.ACLPublicRead,
		SSE:  uploader.SSE{Mode: uploader.SSEKMS, KMSKeyID: "conformance-key"},
		Tags: map[string]string{"team": "storage", "env": "test run"},
	}
}

// MinIOAttributes are the attributes a MinIO without a KMS keeps: the
// headers, the STANDARD class (which a HEAD leaves out), the private ACL
// and the tags; no encryption.
func MinIOAttributes() uploader.Attributes {
	a := Attributes()
	a.StorageClass, a.ACL, a.SSE = uploader.StorageStandard, uploader.ACLPrivate, uploader.SSE{}
	return a
}

// testAttributes uploads an object of n bytes with attributes and checks,
// with a Stat (a HEAD), that every one of them arrived; then that a class
// no provider defines is refused before anything is stored.
func testAttributes(t *testing.T, s *suite, n int64) {
	st, ok := s.b.(uploader.Stater)
	if !ok {
		t.Skip("the backend is not a Stater")
	}
	want := Attributes()
	if ah, ok := s.h.(AttributesHarness); ok {
		want = ah.Attributes()
	}
	key := "attributes/object.bin"
	body := Data(n, seed())
	obj := uploader.BytesObject(key, body)
	obj.Attributes = want
	if _, err := s.u.Upload(s.ctx, obj); err != nil {
		t.Fatalf("Upload with attributes %+v: %v", want, err)
	}
	if got, ok, err := s.h.Read(s.ctx, key); err != nil || !ok || !bytes.Equal(got, body) {
		t.Fatalf("harness Read(%q) = %d bytes, %v, %v; want the %d bytes sent", key, len(got), ok, err, len(body))
	}
	info, err := st.Stat(s.ctx, key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"CacheControl", info.CacheControl, want.CacheControl},
		{"ContentDisposition", info.ContentDisposition, want.ContentDisposition},
		{"ContentEncoding", info.ContentEncoding, want.ContentEncoding},
	} {
		if c.got != c.want {
			t.Errorf("Stat(%q).%s = %q, want %q", key, c.name, c.got, c.want)
		}
	}
	if info.StorageClass != want.StorageClass && !(want.StorageClass == uploader.StorageStandard && info.StorageClass == "") {
		t.Errorf("Stat(%q).StorageClass = %q, want %q", key, info.StorageClass, want.StorageClass)
	}
	if info.SSE.Mode != want.SSE.Mode || want.SSE.KMSKeyID != "" && info.SSE.KMSKeyID != want.SSE.KMSKeyID {
		t.Errorf("Stat(%q).SSE = %+v, want %+v", key, info.SSE, want.SSE)
	}
	if info.TagCount != len(want.Tags) {
		t.Errorf("Stat(%q).TagCount = %d, want %d", key, info.TagCount, len(want.Tags))
	}
	if info.ACL != "" && info.ACL != want.ACL {
		t.Errorf("Stat(%q).ACL = %q, want %q", key, info.ACL, want.ACL)
	}

	bad := uploader.BytesObject("attributes/refused.bin", body)
	bad.StorageClass = "GLACIER_OF_NOWHERE"
	if _, err := s.u.Upload(s.ctx, bad); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Upload with storage class %q = %v; want Kind Invalid", bad.StorageClass, err)
	}
	s.expectNothing(t, bad.Key)
}
