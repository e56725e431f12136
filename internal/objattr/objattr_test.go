package objattr

import (
	"net/http"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

var testVendor = Vendor{
	Provider: "x",
	Classes:  map[uploader.StorageClass]string{uploader.StorageStandard: "Standard", uploader.StorageInfrequent: "IA"},
	ACLs:     map[uploader.ACL]string{uploader.ACLPrivate: "private"},
	AES256:   "AES256", KMS: "KMS", Prefix: "x-x-", KMSKeyHeader: "X-X-Key",
}

func TestTagging(t *testing.T) {
	if got := Tagging(map[string]string{"b": "2", "a": "x y&z"}); got != "a=x+y%26z&b=2" {
		t.Errorf("Tagging = %q", got)
	}
	if got := Tagging(nil); got != "" {
		t.Errorf("Tagging(nil) = %q", got)
	}
}

func TestVendorRefusesWhatItLacks(t *testing.T) {
	if _, err := testVendor.Class("k", uploader.StorageCold); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Class(COLD) = %v, want Kind Invalid", err)
	}
	if _, err := testVendor.ACL("k", uploader.ACLPublicRead); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("ACL(public-read) = %v, want Kind Invalid", err)
	}
	if c, err := testVendor.Class("k", uploader.StorageInfrequent); c != "IA" || err != nil {
		t.Errorf("Class(INFREQUENT) = %q, %v", c, err)
	}
}

func TestRead(t *testing.T) {
	h := http.Header{}
	h.Set("Cache-Control", "no-cache")
	h.Set("X-X-Storage-Class", "IA")
	h.Set("X-X-Server-Side-Encryption", "KMS")
	h.Set("X-X-Key", "k1")
	h.Set("X-X-Tagging-Count", "3")
	var info uploader.ObjectInfo
	testVendor.Read(&info, h)
	want := uploader.ObjectInfo{CacheControl: "no-cache", StorageClass: uploader.StorageInfrequent,
		SSE: uploader.SSE{Mode: uploader.SSEKMS, KMSKeyID: "k1"}, TagCount: 3}
	if info.CacheControl != want.CacheControl || info.StorageClass != want.StorageClass || info.SSE != want.SSE || info.TagCount != 3 {
		t.Errorf("Read = %+v, want %+v", info, want)
	}
	h.Set("X-X-Storage-Class", "DEEP")
	testVendor.Read(&info, h)
	if info.StorageClass != "DEEP" {
		t.Errorf("an unknown class reads as %q, want the provider's name", info.StorageClass)
	}
}
