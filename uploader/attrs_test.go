package uploader

import (
	"strings"
	"testing"
)

func TestParseSSE(t *testing.T) {
	for in, want := range map[string]SSE{
		"": {}, "AES256": {Mode: SSEAES256}, "aes256": {Mode: SSEAES256},
		"kms": {Mode: SSEKMS}, "KMS:key-1": {Mode: SSEKMS, KMSKeyID: "key-1"},
	} {
		got, err := ParseSSE(in)
		if err != nil || got != want {
			t.Errorf("ParseSSE(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, _ := ParseSSE(got.String()); back != got {
			t.Errorf("ParseSSE(%q.String()) = %+v", in, back)
		}
	}
	for _, in := range []string{"kms:", "AES256:x", "aws:kms", "DES"} {
		if _, err := ParseSSE(in); err == nil {
			t.Errorf("ParseSSE(%q) accepted", in)
		}
	}
}

func TestParseNames(t *testing.T) {
	if c, err := ParseStorageClass("infrequent"); err != nil || c != StorageInfrequent {
		t.Errorf("ParseStorageClass(infrequent) = %q, %v", c, err)
	}
	if _, err := ParseStorageClass("GLACIER"); err == nil || !strings.Contains(err.Error(), "STANDARD, INFREQUENT, ARCHIVE, COLD") {
		t.Errorf("ParseStorageClass(GLACIER) = %v; want the list of classes", err)
	}
	if a, err := ParseACL("Public-Read"); err != nil || a != ACLPublicRead {
		t.Errorf("ParseACL(Public-Read) = %q, %v", a, err)
	}
	if _, err := ParseACL("world"); err == nil {
		t.Error("ParseACL(world) accepted")
	}
}

func TestValidateAttributes(t *testing.T) {
	ok := BytesObject("k", nil)
	ok.Attributes = Attributes{CacheControl: "max-age=60", StorageClass: StorageCold, ACL: ACLPrivate,
		SSE: SSE{Mode: SSEKMS, KMSKeyID: "id"}, Tags: map[string]string{"a": "b"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok.Attributes, err)
	}
	many := map[string]string{}
	for i := range MaxTags + 1 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	for name, a := range map[string]Attributes{
		"class":       {StorageClass: "GLACIER"},
		"class case":  {StorageClass: "standard"},
		"acl":         {ACL: "world"},
		"sse mode":    {SSE: SSE{Mode: "DES"}},
		"key no kms":  {SSE: SSE{Mode: SSEAES256, KMSKeyID: "id"}},
		"header ctl":  {CacheControl: "a\r\nb"},
		"tags":        {Tags: many},
		"empty tag":   {Tags: map[string]string{"": "v"}},
		"tag control": {Tags: map[string]string{"k": "a\nb"}},
	} {
		o := BytesObject("k", nil)
		o.Attributes = a
		if err := o.Validate(); KindOf(err) != Invalid {
			t.Errorf("%s: Validate(%+v) = %v, want Kind Invalid", name, a, err)
		}
	}
}
