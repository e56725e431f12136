package diag

import (
	"strings"
	"testing"
)

// TestEndpointForms reads every endpoint form of every vendor: the region
// each names (none for an acceleration endpoint: it is never derived), and
// whether a configuration with it is refused at construction.
func TestEndpointForms(t *testing.T) {
	for _, c := range []struct {
		provider, endpoint, region, bucket string
		cname                              bool
		wantRegion                         string // what EndpointRegion derives
		fatal                              string // a fragment of the refusal, "" if accepted
	}{
		// TOS
		{provider: "tos", endpoint: "tos-cn-beijing.volces.com", wantRegion: "cn-beijing"},
		{provider: "tos", endpoint: "https://tos-cn-beijing.volces.com", region: "cn-beijing", wantRegion: "cn-beijing"},
		{provider: "tos", endpoint: "tos-cn-beijing.ivolces.com", wantRegion: "cn-beijing"},
		{provider: "tos", endpoint: "tos-ap-southeast-1.volces.com", region: "ap-southeast-1", wantRegion: "ap-southeast-1"},
		{provider: "tos", endpoint: "tos-accelerate.volces.com", region: "cn-beijing"},
		{provider: "tos", endpoint: "tos-accelerate.volces.com", fatal: "acceleration endpoint"},
		{provider: "tos", endpoint: "tos-cn-beijing.volces.com", region: "cn-shanghai", wantRegion: "cn-beijing", fatal: "contradicts"},
		{provider: "tos", endpoint: "tos-s3-cn-beijing.volces.com", wantRegion: "cn-beijing", fatal: "S3-compatible"},
		{provider: "tos", endpoint: "mybucket.tos-cn-beijing.volces.com", wantRegion: "cn-beijing", fatal: "bucket domain"},
		{provider: "tos", endpoint: "files.example.com", region: "cn-beijing", cname: true},
		{provider: "tos", endpoint: "tos-cn-beijing.volces.com", region: "cn-beijing", cname: true, wantRegion: "cn-beijing", fatal: "cname is set"},
		// OSS
		{provider: "oss", endpoint: "oss-cn-hangzhou.aliyuncs.com", wantRegion: "cn-hangzhou"},
		{provider: "oss", endpoint: "oss-cn-hangzhou-internal.aliyuncs.com", wantRegion: "cn-hangzhou"},
		{provider: "oss", endpoint: "oss-accelerate.aliyuncs.com", region: "cn-hangzhou"},
		{provider: "oss", endpoint: "oss-accelerate-overseas.aliyuncs.com", region: "ap-southeast-1"},
		{provider: "oss", endpoint: "oss-accelerate-overseas.aliyuncs.com", fatal: "acceleration endpoint"},
		{provider: "oss", endpoint: "oss-cn-hangzhou.aliyuncs.com", region: "cn-beijing", wantRegion: "cn-hangzhou", fatal: "contradicts"},
		{provider: "oss", endpoint: "mybucket.oss-cn-hangzhou.aliyuncs.com", wantRegion: "cn-hangzhou", fatal: "bucket domain"},
		{provider: "oss", endpoint: "static.example.com", region: "cn-hangzhou", cname: true},
		{provider: "oss", endpoint: "oss-cn-hangzhou.aliyuncs.com", cname: true, wantRegion: "cn-hangzhou", fatal: "cname is set"},
		// OBS
		{provider: "obs", endpoint: "obs.cn-north-4.myhuaweicloud.com", wantRegion: "cn-north-4"},
		{provider: "obs", endpoint: "https://obs.eu-west-101.myhuaweicloud.eu", wantRegion: "eu-west-101"},
		{provider: "obs", endpoint: "obs.cn-north-4.myhuaweicloud.com", region: "cn-east-3", wantRegion: "cn-north-4", fatal: "contradicts"},
		{provider: "obs", endpoint: "mybucket.obs.cn-north-4.myhuaweicloud.com", wantRegion: "cn-north-4", fatal: "bucket domain"},
		{provider: "obs", endpoint: "cdn.example.com", cname: true},
		{provider: "obs", endpoint: "obs.cn-north-4.myhuaweicloud.com", cname: true, wantRegion: "cn-north-4", fatal: "cname is set"},
		// COS
		{provider: "cos", endpoint: "cos.ap-guangzhou.myqcloud.com", wantRegion: "ap-guangzhou"},
		{provider: "cos", endpoint: "cos.ap-guangzhou.tencentcos.cn", wantRegion: "ap-guangzhou"},
		{provider: "cos", endpoint: "cos-internal.ap-guangzhou.tencentcos.cn", wantRegion: "ap-guangzhou"},
		{provider: "cos", endpoint: "photos-1250000000.cos-internal.ap-guangzhou.tencentcos.cn", bucket: "photos-1250000000", wantRegion: "ap-guangzhou"},
		{provider: "cos", endpoint: "photos-1250000000.cos.ap-guangzhou.myqcloud.com", bucket: "photos-1250000000", wantRegion: "ap-guangzhou"},
		{provider: "cos", endpoint: "other-1250000000.cos.ap-guangzhou.myqcloud.com", bucket: "photos-1250000000", wantRegion: "ap-guangzhou", fatal: "names bucket"},
		{provider: "cos", endpoint: "cos.accelerate.myqcloud.com", region: "ap-guangzhou"},
		{provider: "cos", endpoint: "photos-1250000000.cos.accelerate.myqcloud.com", bucket: "photos-1250000000", region: "ap-guangzhou"},
		{provider: "cos", endpoint: "cos.accelerate.myqcloud.com", fatal: "acceleration endpoint"},
		{provider: "cos", endpoint: "cos.ap-guangzhou.myqcloud.com", region: "ap-beijing", wantRegion: "ap-guangzhou", fatal: "contradicts"},
		{provider: "cos", endpoint: "img.example.com", cname: true},
		// S3-compatible endpoints of the vendors, read by the s3 provider.
		{provider: "s3", endpoint: "https://cos.ap-guangzhou.myqcloud.com", wantRegion: "ap-guangzhou"},
		{provider: "s3", endpoint: "tos-s3-cn-beijing.volces.com", wantRegion: "cn-beijing"},
		{provider: "s3", endpoint: "oss-cn-hangzhou.aliyuncs.com", wantRegion: "cn-hangzhou"},
		{provider: "s3", endpoint: "obs.cn-north-4.myhuaweicloud.com", wantRegion: "cn-north-4"},
		{provider: "s3", endpoint: "cos.ap-guangzhou.myqcloud.com", region: "ap-beijing", wantRegion: "ap-guangzhou", fatal: "contradicts"},
		// Local endpoints: no vendor rule.
		{provider: "tos", endpoint: "http://127.0.0.1:9000", region: "cn-beijing"},
		{provider: "cos", endpoint: "http://localhost:9000", region: "ap-guangzhou"},
	} {
		name := c.provider + "/" + c.endpoint
		if c.region != "" {
			name += "/region=" + c.region
		}
		if c.cname {
			name += "/cname"
		}
		t.Run(name, func(t *testing.T) {
			if r, _ := EndpointRegion(c.provider, c.endpoint); r != c.wantRegion {
				t.Errorf("EndpointRegion = %q, want %q", r, c.wantRegion)
			}
			bucket := c.bucket
			if bucket == "" {
				bucket = "mybucket"
				if c.provider == "cos" {
					bucket = "mybucket-1250000000"
				}
			}
			err := Validate(Config{Provider: c.provider, Endpoint: c.endpoint, Region: c.region, Bucket: bucket, CustomDomain: c.cname})
			switch {
			case c.fatal == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.fatal != "" && err == nil:
				t.Errorf("accepted, want a refusal about %q", c.fatal)
			case c.fatal != "" && !strings.Contains(err.Error(), c.fatal):
				t.Errorf("refused with %q, want it to say %q", err, c.fatal)
			}
			// A vendor endpoint that is accepted is reported as ok, with
			// no warning, by doctor.
			if c.fatal == "" {
				for _, f := range CheckEndpoint(Config{Provider: c.provider, Endpoint: c.endpoint, Region: c.region, Bucket: bucket, CustomDomain: c.cname}) {
					if !f.OK() {
						t.Errorf("doctor warns: %s", f)
					}
				}
			}
		})
	}
}

// TestParseEndpointForms names the form of each kind of endpoint.
func TestParseEndpointForms(t *testing.T) {
	for _, c := range []struct {
		provider, endpoint string
		form               Form
		bucket, base       string
	}{
		{"tos", "tos-cn-beijing.volces.com", FormPublic, "", "tos-cn-beijing.volces.com"},
		{"tos", "tos-cn-beijing.ivolces.com", FormInternal, "", "tos-cn-beijing.ivolces.com"},
		{"tos", "tos-accelerate.volces.com", FormAccelerate, "", "tos-accelerate.volces.com"},
		{"tos", "tos-s3-cn-beijing.ivolces.com", FormS3, "", "tos-s3-cn-beijing.ivolces.com"},
		{"tos", "b.tos-s3-cn-beijing.volces.com", FormBucket, "b", "tos-s3-cn-beijing.volces.com"},
		{"oss", "oss-cn-shanghai-internal.aliyuncs.com", FormInternal, "", "oss-cn-shanghai-internal.aliyuncs.com"},
		{"oss", "oss-accelerate-overseas.aliyuncs.com", FormAccelerate, "", "oss-accelerate-overseas.aliyuncs.com"},
		{"oss", "b.oss-accelerate.aliyuncs.com", FormBucket, "b", "oss-accelerate.aliyuncs.com"},
		{"obs", "obs.cn-north-4.myhuaweicloud.com", FormPublic, "", "obs.cn-north-4.myhuaweicloud.com"},
		{"obs", "my.bucket.obs.cn-north-4.myhuaweicloud.com", FormBucket, "my.bucket", "obs.cn-north-4.myhuaweicloud.com"},
		{"cos", "cos-internal.ap-shanghai.tencentcos.cn", FormInternal, "", "cos-internal.ap-shanghai.tencentcos.cn"},
		{"cos", "b-125.cos.accelerate.tencentcos.cn", FormBucket, "b-125", "cos.accelerate.tencentcos.cn"},
		{"cos", "files.example.com", FormOther, "", "files.example.com"},
		{"s3", "http://127.0.0.1:9000", FormLocal, "", "127.0.0.1"},
	} {
		e := ParseEndpoint(c.provider, c.endpoint)
		if e.Form != c.form || e.Bucket != c.bucket || e.Base != c.base {
			t.Errorf("%s %s: %+v, want form %s bucket %q base %q", c.provider, c.endpoint, e, c.form, c.bucket, c.base)
		}
	}
}
