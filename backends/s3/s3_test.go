package s3

import (
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
	ok := Options{Common: provider.Common{Endpoint: "https://s3.eu-west-1.amazonaws.com", Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}}
	cases := []struct {
		name string
		mod  func(*Options)
		want []string
	}{
		{"no endpoint", func(o *Options) { o.Endpoint = "" }, []string{"no endpoint is set"}},
		{"whitespace", func(o *Options) { o.Endpoint += " " }, []string{"whitespace"}},
		{"scheme", func(o *Options) { o.Endpoint = "ftp://s3.example.com" }, []string{`scheme "ftp"`, "use http:// or https://"}},
		{"path", func(o *Options) { o.Endpoint = "https://s3.example.com/bkt" }, []string{"has a path", "bucket is set separately"}},
		{"region contradicts endpoint", func(o *Options) { o.Region = "us-east-1" },
			[]string{`region "us-east-1" contradicts the endpoint s3.eu-west-1.amazonaws.com`, `set region to "eu-west-1"`}},
		{"no bucket", func(o *Options) { o.Bucket = "" }, []string{"no bucket is set"}},
		{"bad bucket", func(o *Options) { o.Bucket = "bad..bucket" }, []string{`bucket "bad..bucket"`, "exact name"}},
		{"half credentials", func(o *Options) { o.SecretAccessKey = "" }, []string{"the secret is empty"}},
		{"secret with newline", func(o *Options) { o.SecretAccessKey += "\n" }, []string{"holds whitespace"}},
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
	b, err := New(Options{Common: provider.Common{Endpoint: "s3.eu-west-1.amazonaws.com", Bucket: "bkt"}})
	if err != nil {
		t.Fatal(err)
	}
	d := b.Describe()
	if d.Name != "s3" || d.Provider != "s3" || d.Region != "eu-west-1" || d.Bucket != "bkt" {
		t.Errorf("describe %+v", d)
	}
	if got := b.objectURL("a b/c+d"); got != "https://bkt.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd" {
		t.Errorf("AWS URL %q", got)
	}
	if b.sizes.PartSize != 16<<20 || b.sizes.PartConcurrency != 4 || b.sizes.MultipartThreshold != 64<<20 {
		t.Errorf("defaults: part %d, concurrency %d, threshold %d", b.sizes.PartSize, b.sizes.PartConcurrency, b.sizes.MultipartThreshold)
	}

	local, err := New(Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt", MultipartThreshold: 5 << 30, PartSize: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if local.cfg.Region != DefaultRegion || local.objectURL("k") != "http://127.0.0.1:9000/bkt/k" {
		t.Errorf("local: region %q URL %q", local.cfg.Region, local.objectURL("k"))
	}
	if local.sizes.MultipartThreshold != 5<<30 || local.sizes.PartSize != 5<<20 {
		t.Errorf("limits: threshold %d, part %d", local.sizes.MultipartThreshold, local.sizes.PartSize)
	}
	path, err := New(Options{Common: provider.Common{Endpoint: "https://storage.example.com", Bucket: "bkt"}, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := path.objectURL("k"); got != "https://storage.example.com/bkt/k" {
		t.Errorf("path style URL %q", got)
	}
}

func TestCloseReleasesConnectionsAndRefuses(t *testing.T) {
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
	if _, err := b.Stat(t.Context(), "k"); !uploader.IsNotFound(err) {
		t.Fatalf("stat: %v", err)
	}
	b.Close()
	select {
	case <-closed:
	case <-time.After(time.Minute): // a safety net against a hang, not a measurement
		t.Fatal("Close left the idle connection open")
	}
	_, err = b.Put(t.Context(), uploader.BytesObject("k", []byte("x")))
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Invalid || !strings.Contains(e.Message, "closed") {
		t.Fatalf("%#v", err)
	}
}
