package diag

import (
	"strings"
	"testing"
	"time"
)

func TestValidateRefusesKnownMistakes(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" means accepted
	}{
		{"obs bucket domain", Config{Provider: "obs", Endpoint: "https://mybkt.obs.cn-north-4.myhuaweicloud.com", Bucket: "mybkt"},
			"set the endpoint to obs.cn-north-4.myhuaweicloud.com"},
		{"obs good", Config{Provider: "obs", Endpoint: "obs.cn-north-4.myhuaweicloud.com", Region: "cn-north-4", Bucket: "b"}, ""},
		{"tos s3 endpoint", Config{Provider: "tos", Endpoint: "tos-s3-cn-beijing.volces.com", Region: "cn-beijing", Bucket: "b"},
			"use tos-cn-beijing.volces.com"},
		{"tos bucket domain", Config{Provider: "tos", Endpoint: "https://bkt.tos-cn-beijing.volces.com", Region: "cn-beijing", Bucket: "bkt"},
			"set the endpoint to tos-cn-beijing.volces.com"},
		{"cos accelerate", Config{Provider: "cos", Endpoint: "cos.accelerate.myqcloud.com", Region: "ap-guangzhou", Bucket: "b-1250000000"}, ""},
		{"tos good", Config{Provider: "tos", Endpoint: "https://tos-cn-beijing.volces.com", Region: "cn-beijing", Bucket: "b"}, ""},
		{"tos region contradicts", Config{Provider: "tos", Endpoint: "tos-cn-beijing.volces.com", Region: "cn-shanghai", Bucket: "b"},
			`set region to "cn-beijing"`},
		{"oss bucket domain", Config{Provider: "oss", Endpoint: "bkt.oss-cn-hangzhou.aliyuncs.com", Bucket: "bkt"},
			"set the endpoint to oss-cn-hangzhou.aliyuncs.com"},
		{"oss internal ok", Config{Provider: "oss", Endpoint: "oss-cn-hangzhou-internal.aliyuncs.com", Region: "cn-hangzhou", Bucket: "b"}, ""},
		{"cos without appid", Config{Provider: "cos", Region: "ap-guangzhou", Bucket: "examplebucket"},
			"no -APPID suffix"},
		{"cos good", Config{Provider: "cos", Endpoint: "cos.ap-guangzhou.myqcloud.com", Region: "ap-guangzhou", Bucket: "examplebucket-1250000000"}, ""},
		{"cos region contradicts", Config{Provider: "cos", Endpoint: "cos.ap-guangzhou.myqcloud.com", Region: "ap-beijing", Bucket: "b-1250000000"},
			"contradicts"},
		{"local endpoint skips vendor rules", Config{Provider: "obs", Endpoint: "http://127.0.0.1:9000", Region: "cn-north-4", Bucket: "b"}, ""},
		{"no bucket", Config{Provider: "s3", Endpoint: "http://127.0.0.1:9000"}, "no bucket"},
		{"secret with newline", Config{Provider: "s3", Endpoint: "http://127.0.0.1:9000", Bucket: "b", AccessKeyID: "ak", Secret: "abcdefghijklmnopqrst\n"},
			"whitespace"},
		{"half credentials", Config{Provider: "s3", Endpoint: "http://127.0.0.1:9000", Bucket: "b", AccessKeyID: "ak"},
			"secret is empty"},
		{"decoded secret", Config{Provider: "tos", Endpoint: "http://127.0.0.1:9000", Bucket: "b", AccessKeyID: "AKLTtestkeytestkeytestkeytestkeytestkeytest", Secret: "\x8f\x01binary\xff"},
			"already base64-decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("accepted, want an error with %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q lacks %q", err, tt.want)
			}
		})
	}
}

func TestCheckKeysVendorPrefixes(t *testing.T) {
	fs := CheckKeys(Config{Provider: "tos", AccessKeyID: "LTAItestkeytestkey12", Secret: "secretsecretsecretsecret"})
	msg := ""
	for _, f := range fs {
		msg += f.String()
	}
	if !strings.Contains(msg, "does not start with AKLT") || !strings.Contains(msg, "looks like an access key of OSS") {
		t.Fatalf("findings = %s", msg)
	}
	if strings.Contains(msg, "secretsecret") {
		t.Fatal("the secret leaked into a finding")
	}
	if strings.Contains(msg, "LTAItestkey") {
		t.Fatal("the access key ID was shown beyond its prefix")
	}
	ok := CheckKeys(Config{Provider: "cos", AccessKeyID: "AKID" + strings.Repeat("x", 32), Secret: strings.Repeat("s", 32)})
	if len(ok) != 1 || !ok[0].OK() {
		t.Fatalf("good COS keys: %v", ok)
	}
}

func TestCheckClock(t *testing.T) {
	if f := CheckClock(31*time.Minute, true); f.OK() || !strings.Contains(f.Message, "31m0s behind") || !strings.Contains(f.Message, "±15m0s") {
		t.Fatalf("31 min: %+v", f)
	}
	if f := CheckClock(-6*time.Minute, true); f.OK() || !strings.Contains(f.Message, "ahead of") {
		t.Fatalf("-6 min: %+v", f)
	}
	if f := CheckClock(time.Second, true); !f.OK() {
		t.Fatalf("1 s: %+v", f)
	}
}

func TestSignatureHintsNeverHoldTheSecret(t *testing.T) {
	c := Config{Provider: "obs", Endpoint: "bkt.obs.cn-north-4.myhuaweicloud.com", Bucket: "bkt", AccessKeyID: "OBSTESTKEY0000000000", Secret: "topsecretvalue0123456789 "}
	hs := SignatureHints(c, 31*time.Minute, true)
	all := strings.Join(hs, "\n")
	for _, want := range []string{"bucket domain", "whitespace", "31m0s behind", "StringToSign"} {
		if !strings.Contains(all, want) {
			t.Errorf("hints lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "topsecret") {
		t.Fatal("the secret leaked into a hint")
	}
}

func TestEndpointRegion(t *testing.T) {
	tests := []struct{ p, ep, want string }{
		{"tos", "https://tos-cn-shanghai.volces.com", "cn-shanghai"},
		{"tos", "tos-cn-beijing.ivolces.com", "cn-beijing"},
		{"oss", "oss-cn-hangzhou-internal.aliyuncs.com", "cn-hangzhou"},
		{"obs", "obs.ap-southeast-1.myhuaweicloud.com", "ap-southeast-1"},
		{"cos", "bkt-125.cos.ap-guangzhou.myqcloud.com", "ap-guangzhou"},
	}
	for _, tt := range tests {
		if got, ok := EndpointRegion(tt.p, tt.ep); !ok || got != tt.want {
			t.Errorf("EndpointRegion(%s, %s) = %q, %v; want %q", tt.p, tt.ep, got, ok, tt.want)
		}
	}
	if _, ok := EndpointRegion("oss", "http://127.0.0.1:9000"); ok {
		t.Error("a local endpoint has a region")
	}
}

// TestCheckKeysTemporaryPrefixes: keys from Aliyun's STS (STS.) and
// Volcengine's (AKTP) are not taken for another vendor's.
func TestCheckKeysTemporaryPrefixes(t *testing.T) {
	for _, c := range []Config{
		{Provider: "oss", AccessKeyID: "STS.NUexampleexampleexample", Secret: strings.Repeat("s", 30)},
		{Provider: "tos", AccessKeyID: "AKTP" + strings.Repeat("x", 40), Secret: strings.Repeat("s", 40)},
	} {
		fs := CheckKeys(c)
		if len(fs) != 1 || !fs[0].OK() {
			t.Errorf("%s temporary key: %v", c.Provider, fs)
		}
	}
	if fs := CheckKeys(Config{Provider: "tos", AccessKeyID: "STS.NUexampleexampleexample", Secret: strings.Repeat("s", 30)}); len(fs) == 0 || fs[0].OK() {
		t.Errorf("an Aliyun STS key on TOS passed: %v", fs)
	}
}
