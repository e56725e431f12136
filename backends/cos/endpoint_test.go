package cos

import (
	"strings"
	"testing"

	"github.com/resilient-upload/upload/provider"
)

// TestEndpointForms: every COS endpoint form addresses the bucket at its
// own host under that endpoint, with the region it names; the acceleration
// endpoint (which names none) with the region set; a custom domain at its
// root. Before, cos.accelerate.myqcloud.com and
// cos-internal.<region>.tencentcos.cn were taken for custom domains and
// the bucket was lost from the URL.
func TestEndpointForms(t *testing.T) {
	const bkt = testBucket
	for _, c := range []struct {
		name       string
		opts       Options
		bucketURL  string
		pathStyle  bool
		wantRegion string
		refused    string
	}{
		{name: "tencentcos.cn", opts: Options{Common: provider.Common{Endpoint: "cos.ap-guangzhou.tencentcos.cn"}},
			bucketURL: "https://" + bkt + ".cos.ap-guangzhou.tencentcos.cn", wantRegion: "ap-guangzhou"},
		{name: "internal", opts: Options{Common: provider.Common{Endpoint: "cos-internal.ap-guangzhou.tencentcos.cn"}},
			bucketURL: "https://" + bkt + ".cos-internal.ap-guangzhou.tencentcos.cn", wantRegion: "ap-guangzhou"},
		{name: "internal bucket domain", opts: Options{Common: provider.Common{Endpoint: "https://" + bkt + ".cos-internal.ap-shanghai.tencentcos.cn"}},
			bucketURL: "https://" + bkt + ".cos-internal.ap-shanghai.tencentcos.cn", wantRegion: "ap-shanghai"},
		{name: "accelerate", opts: Options{Common: provider.Common{Endpoint: "cos.accelerate.myqcloud.com", Region: "ap-guangzhou"}},
			bucketURL: "https://" + bkt + ".cos.accelerate.myqcloud.com", wantRegion: "ap-guangzhou"},
		{name: "accelerate bucket domain", opts: Options{Common: provider.Common{Endpoint: bkt + ".cos.accelerate.myqcloud.com", Region: "ap-beijing"}},
			bucketURL: "https://" + bkt + ".cos.accelerate.myqcloud.com", wantRegion: "ap-beijing"},
		{name: "accelerate without region", opts: Options{Common: provider.Common{Endpoint: "cos.accelerate.myqcloud.com"}}, refused: "acceleration endpoint, which names no region"},
		{name: "custom domain", opts: Options{Common: provider.Common{Endpoint: "https://img.example.com"}, CustomDomain: true},
			bucketURL: "https://img.example.com"},
		{name: "custom domain on a local address", opts: Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000"}, CustomDomain: true},
			bucketURL: "http://127.0.0.1:9000"},
		{name: "custom domain is a COS endpoint", opts: Options{Common: provider.Common{Endpoint: "cos.ap-guangzhou.myqcloud.com"}, CustomDomain: true}, refused: "cname is set"},
		{name: "custom domain with path style", opts: Options{Common: provider.Common{Endpoint: "https://img.example.com"}, CustomDomain: true, PathStyle: true}, refused: "both set"},
		{name: "path style on the accelerate endpoint", opts: Options{Common: provider.Common{Endpoint: "cos.accelerate.myqcloud.com", Region: "ap-guangzhou"}, PathStyle: true}, refused: "unset PathStyle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Bucket = bkt
			b, err := New(c.opts)
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
			if got := b.bucketURL.String(); got != c.bucketURL {
				t.Errorf("bucket URL %s, want %s", got, c.bucketURL)
			}
			if got := b.objectURLOf("k"); got != c.bucketURL+"/k" {
				t.Errorf("object URL %s", got)
			}
			if b.pathStyle != c.pathStyle || b.Describe().Region != c.wantRegion {
				t.Errorf("path style %v, region %q", b.pathStyle, b.Describe().Region)
			}
		})
	}
}
