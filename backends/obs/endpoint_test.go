package obs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestEndpointForms: every OBS endpoint form, with the region it gives the
// backend, the URL of an object, or the refusal.
func TestEndpointForms(t *testing.T) {
	for _, c := range []struct {
		endpoint, region string
		custom           bool
		wantRegion, url  string
		refused          string
	}{
		{endpoint: "obs.cn-north-4.myhuaweicloud.com", wantRegion: "cn-north-4", url: "https://bkt.obs.cn-north-4.myhuaweicloud.com/k"},
		{endpoint: "https://obs.eu-west-101.myhuaweicloud.eu", wantRegion: "eu-west-101", url: "https://bkt.obs.eu-west-101.myhuaweicloud.eu/k"},
		{endpoint: "https://cdn.example.com", region: "cn-north-4", custom: true, wantRegion: "cn-north-4", url: "https://cdn.example.com/k"},
		{endpoint: "obs.cn-north-4.myhuaweicloud.com", custom: true, refused: "cname is set"},
		{endpoint: "bkt.obs.cn-north-4.myhuaweicloud.com", refused: "bucket domain"},
	} {
		t.Run(c.endpoint, func(t *testing.T) {
			b, err := New(Options{Endpoint: c.endpoint, Region: c.region, CustomDomain: c.custom, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"})
			if c.refused != "" {
				if err == nil || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("err = %v, want a refusal saying %q", err, c.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if r := b.Describe().Region; r != c.wantRegion {
				t.Errorf("region %q, want %q", r, c.wantRegion)
			}
			if u := b.objectURL("k"); u != c.url {
				t.Errorf("URL %s, want %s", u, c.url)
			}
		})
	}
	if _, err := New(Options{Endpoint: "https://cdn.example.com", CustomDomain: true, PathStyle: true, Bucket: "bkt"}); err == nil {
		t.Error("CustomDomain with PathStyle accepted")
	}
}

// TestCustomDomainAddressing: with CustomDomain the SDK sends requests to
// the endpoint with the key at its root, no bucket in host or path.
func TestCustomDomainAddressing(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Length", "3")
	}))
	defer srv.Close()
	b, err := New(Options{Endpoint: srv.URL, CustomDomain: true, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Stat(context.Background(), "dir/k"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 1 || paths[0] != "/dir/k" {
		t.Errorf("request paths %v, want [/dir/k]", paths)
	}
	if u := b.objectURL("dir/k"); u != srv.URL+"/dir/k" {
		t.Errorf("URL %s", u)
	}
}
