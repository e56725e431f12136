package obs

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

func TestNewRefusesMistakes(t *testing.T) {
	ok := Options{Common: provider.Common{Endpoint: "https://obs.cn-north-4.myhuaweicloud.com", Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}}
	cases := []struct {
		name string
		mod  func(*Options)
		want []string
	}{
		// The OBS guide: a bucket domain as the endpoint gives SignatureDoesNotMatch.
		{"bucket domain", func(o *Options) { o.Endpoint = "https://bkt.obs.cn-north-4.myhuaweicloud.com" },
			[]string{"bkt.obs.cn-north-4.myhuaweicloud.com is a bucket domain", "not an endpoint", "set the endpoint to obs.cn-north-4.myhuaweicloud.com and the bucket separately"}},
		{"bucket domain without scheme", func(o *Options) { o.Endpoint = "mybucket.obs.ap-southeast-1.myhuaweicloud.com" },
			[]string{"is a bucket domain", "set the endpoint to obs.ap-southeast-1.myhuaweicloud.com"}},
		{"region contradicts endpoint", func(o *Options) { o.Region = "cn-east-3" },
			[]string{`region "cn-east-3" contradicts the endpoint obs.cn-north-4.myhuaweicloud.com`, `set region to "cn-north-4"`}},
		{"no endpoint", func(o *Options) { o.Endpoint = "" }, []string{"no endpoint is set"}},
		{"path", func(o *Options) { o.Endpoint = "https://obs.cn-north-4.myhuaweicloud.com/bkt" }, []string{"has a path", "bucket is set separately"}},
		{"ipv6", func(o *Options) { o.Endpoint = "http://[::1]:9000" }, []string{"IPv6 literal", "use a host name or an IPv4 address"}},
		{"obs signature, path style", func(o *Options) { o.Signature = SignatureOBS; o.PathStyle = true },
			[]string{"OBS signature cannot be used with path-style", "silently sign with V2"}},
		{"obs signature, IP", func(o *Options) { o.Signature = SignatureOBS; o.Endpoint = "http://127.0.0.1:9000" },
			[]string{"OBS signature cannot be used with path-style"}},
		{"unknown signature", func(o *Options) { o.Signature = "v3" }, []string{`unknown signature "v3": use v2, v4 or obs`}},
		{"no bucket", func(o *Options) { o.Bucket = "" }, []string{"no bucket is set"}},
		{"bad bucket", func(o *Options) { o.Bucket = "My_Bucket" }, []string{`bucket "My_Bucket" is not a valid OBS bucket name`}},
		{"half credentials", func(o *Options) { o.AccessKeyID = "" }, []string{"the access key ID is empty"}},
	}
	for _, c := range cases {
		o := ok
		c.mod(&o)
		_, err := New(o)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
		if strings.Contains(err.Error(), "test-fake-secret") {
			t.Errorf("%s: the secret leaked: %q", c.name, err)
		}
	}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid options refused: %v", err)
	}
}

func TestDefaultsAndURLs(t *testing.T) {
	b, err := New(Options{Common: provider.Common{Endpoint: "obs.cn-north-4.myhuaweicloud.com", Bucket: "bkt"}})
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Describe(); d.Name != "obs" || d.Provider != "obs" || d.Region != "cn-north-4" || d.Bucket != "bkt" {
		t.Errorf("describe %+v", d)
	}
	if b.sig != SignatureV2 || b.sizes.PartSize != 16<<20 || b.sizes.PartConcurrency != 4 || b.sizes.MultipartThreshold != 64<<20 {
		t.Errorf("defaults: sig %s part %d concurrency %d threshold %d", b.sig, b.sizes.PartSize, b.sizes.PartConcurrency, b.sizes.MultipartThreshold)
	}
	if got := b.objectURL("a b/c+d"); got != "https://bkt.obs.cn-north-4.myhuaweicloud.com/a%20b/c+d" {
		t.Errorf("URL %q", got)
	}
	local, err := New(Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt"}, Signature: SignatureV4})
	if err != nil {
		t.Fatal(err)
	}
	if local.cfg.Region != DefaultRegion || local.objectURL("k") != "http://127.0.0.1:9000/bkt/k" {
		t.Errorf("local: region %q URL %q", local.cfg.Region, local.objectURL("k"))
	}
	if name, _ := local.dateHeader(local.clock.Now()); name != "x-amz-date" {
		t.Errorf("V4 signs with %q", name)
	}
	if name, _ := b.dateHeader(b.clock.Now()); name != "Date" {
		t.Errorf("V2 signs with %q", name)
	}
	b.Close()
	if _, err := b.Put(context.Background(), uploader.BytesObject("k", []byte("x"))); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("put after close: %v", err)
	}
}

func TestCloseReleasesConnections(t *testing.T) {
	closed := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	b, err := New(Options{Common: provider.Common{Endpoint: srv.URL, Bucket: "bkt"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(context.Background(), "k"); !uploader.IsNotFound(err) {
		t.Fatalf("stat: %v", err)
	}
	b.Close()
	select {
	case <-closed:
	case <-time.After(time.Minute): // a safety net against a hang, not a measurement
		t.Fatal("Close left the idle connection open")
	}
}
