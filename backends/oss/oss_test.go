package oss

import (
	"strings"
	"testing"

	"github.com/resilient-upload/upload/provider"
)

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Options)
		want []string // fragments of the message
	}{
		{"bucket domain", func(o *Options) { o.Endpoint = "bkt.oss-cn-hangzhou.aliyuncs.com" },
			[]string{"is a bucket domain", "set the endpoint to oss-cn-hangzhou.aliyuncs.com"}},
		{"bucket domain with scheme", func(o *Options) { o.Endpoint = "https://bkt.oss-cn-hangzhou.aliyuncs.com" },
			[]string{"is a bucket domain"}},
		{"region contradicts endpoint", func(o *Options) { o.Region = "cn-beijing" },
			[]string{`region "cn-beijing" contradicts the endpoint`, `set region to "cn-hangzhou"`}},
		{"v4 without region", func(o *Options) { o.Endpoint = "http://127.0.0.1:9000" },
			[]string{"V4 signing needs a region", "set the region"}},
		{"unknown signature version", func(o *Options) { o.SignatureVersion = 2 },
			[]string{"signature version 2 is not supported"}},
		{"no credentials", func(o *Options) { o.AccessKeyID, o.SecretAccessKey = "", "" },
			[]string{"cannot send anonymous requests"}},
		{"no secret", func(o *Options) { o.SecretAccessKey = "" },
			[]string{"must both be set"}},
		{"endpoint with path", func(o *Options) { o.Endpoint = "https://oss-cn-hangzhou.aliyuncs.com/bkt" },
			[]string{"holds a path", "https://oss-cn-hangzhou.aliyuncs.com and the bucket separately"}},
		{"endpoint scheme", func(o *Options) { o.Endpoint = "ftp://oss-cn-hangzhou.aliyuncs.com" },
			[]string{`scheme "ftp"`}},
		{"no endpoint", func(o *Options) { o.Endpoint = "" },
			[]string{"no endpoint is set"}},
		{"no bucket", func(o *Options) { o.Bucket = "" },
			[]string{"no bucket is set"}},
		{"bad bucket name", func(o *Options) { o.Bucket = "My_Bucket" },
			[]string{"lowercase letters"}},
		{"secret with newline", func(o *Options) { o.SecretAccessKey = "fake-secret-0123456789\n" },
			[]string{"holds whitespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Common: provider.Common{Name: "oss-hz", Endpoint: "oss-cn-hangzhou.aliyuncs.com", Bucket: "bkt", AccessKeyID: fakeID, SecretAccessKey: "fake-secret-0123456789"}}
			tt.mod(&o)
			b, err := New(o)
			if err == nil {
				b.Close()
				t.Fatalf("New accepted %+v", o.Endpoint)
			}
			msg := err.Error()
			if !strings.Contains(msg, `oss target "oss-hz"`) {
				t.Errorf("message %q does not name the target", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "fake-secret") {
				t.Errorf("message holds the secret: %q", msg)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	tests := []struct {
		name                       string
		mod                        func(*Options)
		endpoint, region, url, nam string
		v4                         bool
	}{
		{"no scheme means https; region from endpoint", nil,
			"https://oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou", "https://bkt.oss-cn-hangzhou.aliyuncs.com/a/b%20c", "oss-test", true},
		{"internal endpoint", func(o *Options) { o.Endpoint = "oss-cn-shanghai-internal.aliyuncs.com" },
			"https://oss-cn-shanghai-internal.aliyuncs.com", "cn-shanghai", "https://bkt.oss-cn-shanghai-internal.aliyuncs.com/a/b%20c", "oss-test", true},
		{"explicit http, v1 without region on an IP", func(o *Options) { o.Endpoint = "http://127.0.0.1:9000/"; o.SignatureVersion = 1; o.Name = "" },
			"http://127.0.0.1:9000", "", "http://127.0.0.1:9000/bkt/a/b%20c", "oss", false},
		{"localhost is path style", func(o *Options) { o.Endpoint = "http://localhost:9000"; o.Region = "cn-hangzhou" },
			"http://localhost:9000", "cn-hangzhou", "http://localhost:9000/bkt/a/b%20c", "oss-test", true},
		{"forced path style", func(o *Options) { o.PathStyle = true },
			"https://oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou", "https://oss-cn-hangzhou.aliyuncs.com/bkt/a/b%20c", "oss-test", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := testBackend(t, tt.mod)
			d := b.Describe()
			if d.Endpoint != tt.endpoint || d.Region != tt.region || d.Provider != "oss" || d.Bucket != "bkt" || d.Name != tt.nam || b.Name() != tt.nam {
				t.Errorf("Describe() = %+v", d)
			}
			if got := b.ObjectURL("a/b c"); got != tt.url {
				t.Errorf("ObjectURL = %q, want %q", got, tt.url)
			}
			if b.sigV4 != tt.v4 {
				t.Errorf("V4 = %v, want %v", b.sigV4, tt.v4)
			}
			if b.sizes.MultipartThreshold != 64<<20 || b.sizes.PartConcurrency != 4 {
				t.Errorf("threshold %d, concurrency %d", b.sizes.MultipartThreshold, b.sizes.PartConcurrency)
			}
		})
	}
	// Above the single-PUT limit: refused, never capped (TestSizesAtLimits).
	b := testBackend(t, func(o *Options) { o.MultipartThreshold = MaxSinglePut })
	if b.sizes.MultipartThreshold != MaxSinglePut {
		t.Errorf("threshold %d, want 5 GiB", b.sizes.MultipartThreshold)
	}
}
