package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestConfigEndpointForms: cname and virtual_host reach the backends;
// an acceleration endpoint without a region is refused naming it; one
// with a region is taken with that region.
func TestConfigEndpointForms(t *testing.T) {
	getenv := func(string) (string, bool) { return "", false }
	cfg, err := parseConfig("c.yaml", []byte(`
targets:
  - {name: tos-cdn, provider: tos, endpoint: 'https://files.example.com', cname: true, region: cn-beijing, bucket: bkt, anonymous: true}
  - {name: tos-acc, provider: tos, endpoint: tos-accelerate.volces.com, region: cn-shanghai, bucket: bkt, anonymous: true}
  - {name: cos-acc, provider: cos, endpoint: cos.accelerate.myqcloud.com, region: ap-guangzhou, bucket: bkt-1250000000, anonymous: true}
  - {name: obs-cdn, provider: obs, endpoint: 'https://cdn.example.com', cname: true, bucket: bkt, anonymous: true}
  - {name: s3-vh, provider: s3, endpoint: 'https://s3.example.com', virtual_host: true, bucket: bkt, anonymous: true}
`), getenv)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Targets[0].CNAME || !cfg.Targets[3].CNAME || !cfg.Targets[4].VirtualHost {
		t.Fatalf("targets %+v", cfg.Targets)
	}
	regions := map[string]string{"tos-cdn": "cn-beijing", "tos-acc": "cn-shanghai", "cos-acc": "ap-guangzhou"}
	for i := range cfg.Targets {
		tc := cfg.Targets[i]
		b, err := newBackend(tc, cfg, overrides{})
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		d := b.(uploader.Describer).Describe()
		if want, ok := regions[tc.Name]; ok && d.Region != want {
			t.Errorf("%s: region %q, want %q", tc.Name, d.Region, want)
		}
		b.Close()
	}

	cfg, err = parseConfig("c.yaml", []byte(`
targets:
  - {name: oss-acc, provider: oss, endpoint: oss-accelerate-overseas.aliyuncs.com, bucket: bkt, access_key_id: LTAIconfigtest, secret_access_key: oss-config-fake-secret}
`), getenv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newBackend(cfg.Targets[0], cfg, overrides{})
	if err == nil || !strings.Contains(err.Error(), "acceleration endpoint") || !strings.Contains(err.Error(), "oss-acc") {
		t.Errorf("an acceleration endpoint without a region: %v", err)
	}
}

// TestDoctorEndpointForms: doctor knows the acceleration endpoints (a
// region must be set; none is read from them) and refuses cname on a
// vendor's own endpoint. (Only targets refused before any request: the
// others would look up real hosts; construction tests cover them.)
func TestDoctorEndpointForms(t *testing.T) {
	c := newCLI(t)
	c.env["ID"], c.env["SECRET"] = "AKLTtestkey0123456789", secretValue
	c.config(`targets:
  - {name: acc-noregion, provider: tos, endpoint: tos-accelerate.volces.com, bucket: bkt, access_key_id: '${ID}', secret_access_key: '${SECRET}'}
  - {name: oss-acc, provider: oss, endpoint: oss-accelerate-overseas.aliyuncs.com, bucket: bkt, access_key_id: LTAIdoctortest, secret_access_key: '${SECRET}'}
  - {name: cname-vendor, provider: tos, endpoint: tos-cn-beijing.volces.com, cname: true, bucket: bkt, access_key_id: '${ID}', secret_access_key: '${SECRET}'}
`)
	c.mod = func(a *app) {
		a.lookupHost = func(ctx context.Context, host string) ([]string, error) {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
	}
	r := c.run("doctor")
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, w := range []string{
		"FAIL region: tos-accelerate.volces.com is the global acceleration endpoint, which names no region — set the region of the bucket (e.g. cn-beijing)",
		"FAIL region: oss-accelerate-overseas.aliyuncs.com is the global acceleration endpoint, which names no region",
		"FAIL endpoint: cname is set but tos-cn-beijing.volces.com is TOS's public endpoint",
		"upload doctor: 3 of 3 targets fail",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("doctor does not say %q", w)
		}
	}
	if strings.Contains(r.stdout, `"accelerate`) {
		t.Errorf("doctor read a region from an acceleration endpoint:\n%s", r.stdout)
	}
	t.Logf("doctor:\n%s", r.stdout)
}
