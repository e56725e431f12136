package oss_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/backends/oss"
)

// TestEndpointForms: every OSS endpoint form, with the region it gives the
// backend, the URL of an object, or the refusal. The acceleration
// endpoints name no region (not "accelerate", not "accelerate-overseas"):
// one that is set is taken, none is refused.
func TestEndpointForms(t *testing.T) {
	for _, c := range []struct {
		endpoint, region string
		cname            bool
		wantRegion, url  string
		refused          string
	}{
		{endpoint: "oss-cn-hangzhou.aliyuncs.com", wantRegion: "cn-hangzhou", url: "https://bkt.oss-cn-hangzhou.aliyuncs.com/k"},
		{endpoint: "oss-cn-hangzhou-internal.aliyuncs.com", wantRegion: "cn-hangzhou", url: "https://bkt.oss-cn-hangzhou-internal.aliyuncs.com/k"},
		{endpoint: "oss-accelerate.aliyuncs.com", region: "cn-hangzhou", wantRegion: "cn-hangzhou", url: "https://bkt.oss-accelerate.aliyuncs.com/k"},
		{endpoint: "oss-accelerate-overseas.aliyuncs.com", region: "ap-southeast-1", wantRegion: "ap-southeast-1", url: "https://bkt.oss-accelerate-overseas.aliyuncs.com/k"},
		{endpoint: "oss-accelerate-overseas.aliyuncs.com", refused: "acceleration endpoint, which names no region"},
		{endpoint: "https://static.example.com", region: "cn-hangzhou", cname: true, wantRegion: "cn-hangzhou", url: "https://static.example.com/k"},
		{endpoint: "https://static.example.com", cname: true, refused: "needs a region"},
		{endpoint: "oss-cn-hangzhou.aliyuncs.com", cname: true, refused: "cname is set"},
	} {
		t.Run(c.endpoint+"/"+c.region, func(t *testing.T) {
			b, err := oss.New(oss.Options{Endpoint: c.endpoint, Region: c.region, CNAME: c.cname, Bucket: "bkt", AccessKeyID: "LTAIendpointtest", SecretAccessKey: "oss-endpoint-fake-secret"})
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
			if u := b.ObjectURL("k"); u != c.url {
				t.Errorf("URL %s, want %s", u, c.url)
			}
		})
	}
}

// TestCNAMEAddressing: with CNAME the SDK sends requests to the endpoint
// with the key at its root, no bucket in host or path.
func TestCNAMEAddressing(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Length", "3")
	}))
	defer srv.Close()
	ep := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) // an IP is always path-style in the SDK
	b, err := oss.New(oss.Options{Endpoint: ep, Region: "cn-hangzhou", CNAME: true, Bucket: "bkt", AccessKeyID: "LTAIendpointtest", SecretAccessKey: "oss-endpoint-fake-secret"})
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
	if u := b.ObjectURL("dir/k"); u != ep+"/dir/k" {
		t.Errorf("URL %s", u)
	}
}
