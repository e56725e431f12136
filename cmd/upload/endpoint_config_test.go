package main

import (
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
