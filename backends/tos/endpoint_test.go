package tos

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestEndpointForms: every TOS endpoint form, with the region it gives the
// backend, the URL of an object, or the refusal. The acceleration endpoint
// names no region: one that is set is taken, none is refused.
func TestEndpointForms(t *testing.T) {
	for _, c := range []struct {
		endpoint, region string
		custom           bool
		wantRegion, url  string
		refused          string
	}{
		{endpoint: "tos-cn-beijing.volces.com", wantRegion: "cn-beijing", url: "https://bkt.tos-cn-beijing.volces.com/k"},
		{endpoint: "tos-cn-beijing.ivolces.com", wantRegion: "cn-beijing", url: "https://bkt.tos-cn-beijing.ivolces.com/k"},
		{endpoint: "tos-accelerate.volces.com", region: "cn-shanghai", wantRegion: "cn-shanghai", url: "https://bkt.tos-accelerate.volces.com/k"},
		{endpoint: "tos-accelerate.volces.com", refused: "acceleration endpoint, which names no region"},
		{endpoint: "https://files.example.com", region: "cn-beijing", custom: true, wantRegion: "cn-beijing", url: "https://files.example.com/k"},
		{endpoint: "https://files.example.com", custom: true, refused: "no region is set"},
		{endpoint: "tos-cn-beijing.volces.com", custom: true, refused: "cname is set"},
		{endpoint: "tos-s3-cn-beijing.volces.com", refused: "S3-compatible"},
	} {
		t.Run(c.endpoint+"/"+c.region, func(t *testing.T) {
			b, err := New(Options{Endpoint: c.endpoint, Region: c.region, CustomDomain: c.custom, Bucket: "bkt", AccessKeyID: testAK, SecretAccessKey: testSecret})
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
}

// TestCustomDomainAddressing: with CustomDomain the SDK sends requests to
// the endpoint with the key at its root, no bucket in host or path.
func TestCustomDomainAddressing(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Host+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Length", "3")
	}))
	defer srv.Close()
	b, err := New(Options{Endpoint: srv.URL, Region: "cn-beijing", CustomDomain: true, Bucket: "bkt", AccessKeyID: testAK, SecretAccessKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Stat(context.Background(), "dir/k"); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 1 || paths[0] != host+"/dir/k" {
		t.Errorf("requests %v, want [%s/dir/k]", paths, host)
	}
	if u := b.objectURL("dir/k"); u != srv.URL+"/dir/k" {
		t.Errorf("URL %s", u)
	}
}
