package tos

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/provider"
)

func TestNewRefusesKnownMistakes(t *testing.T) {
	base := Options{Common: provider.Common{Region: "cn-beijing", Bucket: "bkt", AccessKeyID: testAK, SecretAccessKey: testSecret}}
	tests := []struct {
		name string
		mod  func(o *Options)
		want []string // substrings of the error
	}{
		{"tos-s3 endpoint", func(o *Options) { o.Endpoint = "tos-s3-cn-beijing.volces.com" },
			[]string{"S3-compatible endpoint", "use tos-cn-beijing.volces.com with this backend", "provider s3"}},
		{"tos-s3 endpoint with scheme and bucket", func(o *Options) {
			o.Endpoint, o.Region = "https://bkt.tos-s3-cn-shanghai.volces.com", "cn-shanghai"
		}, []string{"use tos-cn-shanghai.volces.com"}},
		{"tos-s3 endpoint the SDK does not list", func(o *Options) { o.Endpoint, o.Region = "tos-s3-cn-hongkong.volces.com", "" },
			[]string{"use tos-cn-hongkong.volces.com"}},
		{"bucket domain", func(o *Options) { o.Endpoint = "mybkt.tos-cn-beijing.volces.com" },
			[]string{"bucket domain", `set the endpoint to tos-cn-beijing.volces.com and the bucket to "mybkt"`}},
		{"localhost", func(o *Options) { o.Endpoint = "http://localhost:9000" },
			[]string{"path-style only on an IP literal", "use http://127.0.0.1:9000 instead"}},
		{"region contradicts endpoint", func(o *Options) { o.Endpoint, o.Region = "tos-cn-beijing.volces.com", "cn-shanghai" },
			[]string{`region "cn-shanghai" contradicts`, `set region to "cn-beijing"`}},
		{"no region for a local endpoint", func(o *Options) { o.Endpoint, o.Region = "http://127.0.0.1:9000", "" },
			[]string{"no region is set", "signs with it"}},
		{"endpoint with a path", func(o *Options) { o.Endpoint = "http://127.0.0.1:9000/bkt" },
			[]string{"has a path", "bucket separately"}},
		{"no endpoint", func(o *Options) { o.Endpoint = "" }, []string{"no endpoint is set"}},
		{"bad scheme", func(o *Options) { o.Endpoint = "ftp://127.0.0.1:21" }, []string{`scheme "ftp"`}},
		{"invalid bucket name", func(o *Options) { o.Endpoint, o.Bucket = "tos-cn-beijing.volces.com", "My_Bucket" },
			[]string{`bucket "My_Bucket"`, "character set is illegal"}},
		{"no bucket", func(o *Options) { o.Endpoint, o.Bucket = "tos-cn-beijing.volces.com", "" }, []string{"no bucket is set"}},
		{"half credentials", func(o *Options) { o.Endpoint, o.SecretAccessKey = "tos-cn-beijing.volces.com", "" },
			[]string{"secret is empty"}},
		{"threshold above the single-PUT limit", func(o *Options) {
			o.Endpoint, o.MultipartThreshold = "tos-cn-beijing.volces.com", 6<<30
		}, []string{"MultipartThreshold 6442450944 is above the single-PUT limit of 5 GiB"}},
		{"negative part size", func(o *Options) { o.Endpoint, o.PartSize = "tos-cn-beijing.volces.com", -1 },
			[]string{"must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.mod(&o)
			b, err := New(o)
			if err == nil {
				b.Close()
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Error("the secret leaked into the error")
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	b, err := New(Options{Common: provider.Common{Endpoint: "tos-cn-guangzhou.volces.com", Bucket: "bkt", AccessKeyID: testAK, SecretAccessKey: testSecret}})
	if err != nil {
		t.Fatal(err)
	}
	d := b.Describe()
	if d.Name != "tos" || d.Provider != "tos" || d.Region != "cn-guangzhou" || d.Bucket != "bkt" {
		t.Errorf("Describe = %+v", d)
	}
	if b.sizes.PartSize != 16<<20 || b.sizes.PartConcurrency != 4 || b.sizes.MultipartThreshold != 64<<20 {
		t.Errorf("defaults: part %d, concurrency %d, threshold %d", b.sizes.PartSize, b.sizes.PartConcurrency, b.sizes.MultipartThreshold)
	}
	if got := b.objectURL("a/b c.txt"); got != "https://bkt.tos-cn-guangzhou.volces.com/a/b%20c.txt" {
		t.Errorf("URL = %s", got)
	}
	if _, ok := b.Skew(); ok {
		t.Error("a skew before any reply")
	}

	local, err := New(Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt"}}) // anonymous: no region needed
	if err != nil {
		t.Fatal(err)
	}
	if got := local.objectURL("k"); got != "http://127.0.0.1:9000/bkt/k" {
		t.Errorf("local URL = %s", got)
	}
}

// TestCloseReleasesConnections: Close closes the idle connections of the
// backend's transport.
func TestCloseReleasesConnections(t *testing.T) {
	closed := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	b := newTestBackend(t, srv.URL, nil)
	if _, err := b.Stat(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	b.Close()
	select {
	case <-closed:
	case <-time.After(time.Minute): // a safety net against a hang, not a measurement
		t.Fatal("the idle connection is still open after Close")
	}
}
