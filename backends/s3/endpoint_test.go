package s3

import (
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/provider"
)

// TestEndpointForms: the S3-compatible endpoints of COS, TOS, OSS and OBS
// name their region and are addressed with virtual hosts (COS refuses path
// style for buckets made since 2024-01-01; before, every endpoint off AWS
// was path style); VirtualHost forces virtual hosts anywhere; PathStyle
// still wins when asked for.
func TestEndpointForms(t *testing.T) {
	for _, c := range []struct {
		opts       Options
		wantRegion string
		url        string
		lookup     minio.BucketLookupType
		refused    string
	}{
		{opts: Options{Common: provider.Common{Endpoint: "https://cos.ap-guangzhou.myqcloud.com"}}, wantRegion: "ap-guangzhou",
			url: "https://bkt.cos.ap-guangzhou.myqcloud.com/k", lookup: minio.BucketLookupDNS},
		{opts: Options{Common: provider.Common{Endpoint: "tos-s3-cn-beijing.volces.com"}}, wantRegion: "cn-beijing",
			url: "https://bkt.tos-s3-cn-beijing.volces.com/k", lookup: minio.BucketLookupDNS},
		{opts: Options{Common: provider.Common{Endpoint: "tos-s3-cn-beijing.ivolces.com"}}, wantRegion: "cn-beijing",
			url: "https://bkt.tos-s3-cn-beijing.ivolces.com/k", lookup: minio.BucketLookupDNS},
		{opts: Options{Common: provider.Common{Endpoint: "oss-cn-hangzhou.aliyuncs.com"}}, wantRegion: "cn-hangzhou",
			url: "https://bkt.oss-cn-hangzhou.aliyuncs.com/k", lookup: minio.BucketLookupDNS},
		{opts: Options{Common: provider.Common{Endpoint: "obs.cn-north-4.myhuaweicloud.com"}}, wantRegion: "cn-north-4",
			url: "https://bkt.obs.cn-north-4.myhuaweicloud.com/k", lookup: minio.BucketLookupDNS},
		{opts: Options{Common: provider.Common{Endpoint: "https://s3.example.com"}, VirtualHost: true}, wantRegion: DefaultRegion,
			url: "https://bkt.s3.example.com/k", lookup: minio.BucketLookupDNS},
		{opts: Options{Common: provider.Common{Endpoint: "https://s3.example.com"}}, wantRegion: DefaultRegion,
			url: "https://s3.example.com/bkt/k", lookup: minio.BucketLookupAuto},
		{opts: Options{Common: provider.Common{Endpoint: "https://cos.ap-guangzhou.myqcloud.com"}, PathStyle: true}, wantRegion: "ap-guangzhou",
			url: "https://cos.ap-guangzhou.myqcloud.com/bkt/k", lookup: minio.BucketLookupPath},
		{opts: Options{Common: provider.Common{Endpoint: "https://cos.ap-guangzhou.myqcloud.com", Region: "ap-beijing"}}, refused: "contradicts"},
		{opts: Options{Common: provider.Common{Endpoint: "https://s3.example.com"}, VirtualHost: true, PathStyle: true}, refused: "both set"},
	} {
		t.Run(c.opts.Endpoint, func(t *testing.T) {
			c.opts.Bucket = "bkt"
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
			if r := b.Describe().Region; r != c.wantRegion {
				t.Errorf("region %q, want %q", r, c.wantRegion)
			}
			if u := b.objectURL("k"); u != c.url {
				t.Errorf("URL %s, want %s", u, c.url)
			}
			ep, secure, _ := parseEndpoint(c.opts.Endpoint)
			u := url.URL{Scheme: "http", Host: ep}
			if secure {
				u.Scheme = "https"
			}
			if l, _ := bucketLookup(c.opts, u); l != c.lookup {
				t.Errorf("bucket lookup %v, want %v", l, c.lookup)
			}
		})
	}
}
