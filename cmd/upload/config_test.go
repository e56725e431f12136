package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secretValue is a fake secret that must never appear in any output.
const secretValue = "fake-secret-NEVER-PRINT-0123456789"

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key with suggestion", `targets:
  - name: t1
    provider: s3
    endpont: http://127.0.0.1:9
    bucket: b
    anonymous: true
`, []string{`upload.yaml:4: unknown key targets[0] (t1).endpont (did you mean "endpoint"?)`}},
		{"unknown top-level section", "targets:\n  - {provider: local, path: x}\nbreakr: {failures: 2}\n",
			[]string{`upload.yaml:3: unknown key breakr (did you mean "breaker"?)`}},
		{"invalid size", `targets:
  - name: t1
    provider: s3
    endpoint: http://127.0.0.1:9
    bucket: b
    anonymous: true
    part_size: 16XB
`, []string{`upload.yaml:7: targets[0] (t1).part_size: "16XB" has an unknown unit`}},
		{"invalid duration and number", "targets:\n  - {provider: local, path: x}\nretry:\n  base_delay: soon\n  attempts: -1\nbreaker: {ratio: 2}\n",
			[]string{`upload.yaml:4: retry.base_delay: "soon" is not a positive duration`,
				`upload.yaml:5: retry.attempts: "-1" is not a whole number of at least 1`,
				`upload.yaml:6: breaker.ratio: "2" is not a fraction`}},
		{"unset variable", `targets:
  - name: t1
    provider: tos
    endpoint: tos-cn-beijing.volces.com
    bucket: b
    access_key_id: ${SET_ID}
    secret_access_key: ${NOT_SET_SECRET}
`, []string{`upload.yaml:7: targets[0] (t1).secret_access_key: the environment variable NOT_SET_SECRET is not set`}},
		{"unknown provider", "targets:\n  - name: x\n    provider: s4\n", []string{`upload.yaml:3: targets[0].provider: unknown provider "s4" (one of tos, oss, obs, cos, s3, local) (did you mean "s3"?)`}},
		{"key of another provider", "targets:\n  - name: x\n    provider: tos\n    endpoint: tos-cn-beijing.volces.com\n    bucket: b\n    anonymous: true\n    signature: v1\n",
			[]string{`upload.yaml:7: targets[0] (x).signature does not apply to provider tos (it is a key of oss, obs targets)`}},
		{"bad signature", "targets:\n  - name: x\n    provider: obs\n    endpoint: obs.cn-north-4.myhuaweicloud.com\n    bucket: b\n    anonymous: true\n    signature: v3\n",
			[]string{`upload.yaml:7: targets[0] (x).signature: "v3" is not a signature obs knows (one of v2, v4, obs)`}},
		{"duplicate names", "targets:\n  - {name: a, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt, anonymous: true}\n  - {name: a, provider: local, path: x}\n",
			[]string{`upload.yaml:3: two targets are named "a" (the other on line 2)`}},
		{"two local targets", "targets:\n  - {name: a, provider: local, path: x}\n  - {name: b, provider: local, path: y}\n",
			[]string{`upload.yaml:3: a second local target ("b"; the first, "a", is on line 2)`}},
		{"backup beside a local target", "targets:\n  - {name: a, provider: local, path: x}\nbackup: ./b\n",
			[]string{`upload.yaml:3: backup: and a local target ("a", line 2) are both set; keep one`}},
		{"no credentials", "targets:\n  - name: o\n    provider: oss\n    endpoint: oss-cn-hangzhou.aliyuncs.com\n    bucket: b\n",
			[]string{`upload.yaml:2: targets[0] (o).no credentials: set access_key_id and secret_access_key (e.g. ${OSS_ACCESS_KEY_ID}), export OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, write a profile in ~/.ossutilconfig or ~/.aliyun/config.json, set credentials: {source: instance, role: NAME} on a machine with a role, or set anonymous: true`}},
		{"half credentials", "targets:\n  - name: o\n    provider: cos\n    region: ap-guangzhou\n    bucket: b-1250000000\n    access_key_id: AKIDtest\n",
			[]string{`upload.yaml:2: targets[0] (o).secret_access_key is missing`}},
		{"duplicate key", "targets:\n  - name: o\n    provider: local\n    path: a\n    path: b\n", []string{`upload.yaml:5: targets[0] (o).path is set twice (first on line 4)`}},
		{"yaml syntax", "targets:\n  - name: o\n    provider: \"local\n", []string{`upload.yaml: line 3: found unexpected end of stream`}},
		{"not a list", "targets: {name: o}\n", []string{`upload.yaml:1: targets: must be a list`}},
		{"empty file", "", []string{"upload.yaml: the file is empty"}},
		{"no targets", "retry: {attempts: 2}\n", []string{"upload.yaml:1: no targets: list"}},
		{"local without path", "targets:\n  - name: l\n    provider: local\n", []string{`upload.yaml:2: local target "l": path is missing`}},
		{"backend refusal: OBS bucket domain", `targets:
  - name: obs-north
    provider: obs
    endpoint: mybucket.obs.cn-north-4.myhuaweicloud.com
    bucket: mybucket
    access_key_id: ${SET_ID}
    secret_access_key: ${SET_SECRET}
`, []string{`upload.yaml:2: target "obs-north" (obs):`, "bucket domain"}},
		{"backend refusal: region against endpoint", `targets:
  - name: tos-bj
    provider: tos
    endpoint: tos-cn-beijing.volces.com
    region: cn-shanghai
    bucket: b
    access_key_id: ${SET_ID}
    secret_access_key: ${SET_SECRET}
`, []string{`upload.yaml:2: target "tos-bj" (tos):`, `cn-shanghai`}},
		{"secret with whitespace from env", `targets:
  - name: s3
    provider: s3
    endpoint: http://127.0.0.1:9
    bucket: bkt
    access_key_id: ${SET_ID}
    secret_access_key: ${SPACEY_SECRET}
`, []string{`upload.yaml:2: target "s3" (s3):`, "whitespace"}},
		{"size from env is not printed", "targets:\n  - {name: s, provider: s3, endpoint: 'http://127.0.0.1:9', bucket: bkt, anonymous: true, part_size: '${SET_SECRET}'}\n",
			[]string{"upload.yaml:2: targets[0] (s).part_size: the value of ${SET_SECRET} is not a size"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			c.env["SET_ID"] = "AKLTtestkey"
			c.env["SET_SECRET"] = secretValue
			c.env["SPACEY_SECRET"] = secretValue + " \n"
			c.config(tc.yaml)
			c.write(map[string]string{"f": "x"})
			r := c.run("f")
			if r.code != exitUsage {
				t.Errorf("exit %d, want 2", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if !strings.Contains(r.stderr, "nothing was uploaded") {
				t.Errorf("stderr does not say that nothing was uploaded:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, secretValue) || strings.Contains(r.stderr, "AKLTtestkey") {
				t.Errorf("a secret or key was printed:\n%s", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(c.dir, "uploads")); err == nil {
				t.Error("a configuration error still created ./uploads")
			}
		})
	}
}

// TestConfigErrorSaysWhatWasNotDone: the line after a configuration error
// names what the command did not do, for doctor and drain as for an upload.
func TestConfigErrorSaysWhatWasNotDone(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"f"}, "upload: configuration error: nothing was uploaded (see upload --help for the configuration)"},
		{[]string{"doctor"}, "upload doctor: configuration error: nothing was checked (see upload doctor --help and upload --help for the configuration)"},
		{[]string{"drain"}, "upload drain: configuration error: nothing was moved (see upload drain --help and upload --help for the configuration)"},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			c := newCLI(t)
			c.config("targets:\n  - {name: x, provider: nope}\n")
			c.write(map[string]string{"f": "x"})
			r := c.run(tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d; stderr does not say %q:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
}

// TestConfigValues checks that every section and key lands where it
// should, with ${ENV} and the default credential variables.
func TestConfigValues(t *testing.T) {
	env := map[string]string{
		"TOS_ACCESS_KEY": "AKLTtestkey", "TOS_SECRET_KEY": secretValue,
		"MY_BUCKET": "bkt", "OSS_ID": "LTAItestkey", "OSS_SECRET": "s$cret",
		"AWS_ACCESS_KEY_ID": "awsid", "AWS_SECRET_ACCESS_KEY": "awssecret", "AWS_SESSION_TOKEN": "tok",
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := parseConfig("c.yaml", []byte(`
targets:
  - name: tos-beijing
    provider: tos
    endpoint: tos-cn-beijing.volces.com
    region: cn-beijing
    bucket: ${MY_BUCKET}-$$literal
    part_size: 8M
    part_jobs: 3
    multipart_threshold: 1.5GiB
    connect_timeout: 2s
  - name: oss-hz
    provider: oss
    endpoint: oss-cn-hangzhou.aliyuncs.com
    bucket: b
    access_key_id: ${OSS_ID}
    secret_access_key: ${OSS_SECRET}
    signature: V1
    path_style: true
  - {name: aws, provider: s3, endpoint: 's3.eu-west-1.amazonaws.com', bucket: b, skip_etag_check: true}
  - {name: anon, provider: s3, endpoint: 'http://127.0.0.1:9000', bucket: bkt, anonymous: true}
backup: ./bk
breaker: {failures: 2, window: 30s, bucket_period: 5s, open_timeout: 1m, half_open_requests: 2, ratio: 0.5, min_requests: 4, probe_interval: 10s}
retry: {attempts: 4, budget: 7, base_delay: 10ms, max_delay: 1s, max_retry_after: 3s, deadline: 2m, attempt_timeout: 30s, stall_timeout: 45s}
skew: {correct: false, report: 1m}
`), getenv)
	if err != nil {
		t.Fatal(err)
	}
	tos, oss, aws, anon := cfg.Targets[0], cfg.Targets[1], cfg.Targets[2], cfg.Targets[3]
	if tos.Bucket != "bkt-$literal" || tos.PartSize != 8<<20 || tos.PartJobs != 3 || tos.MultipartThreshold != 3<<29 || tos.ConnectTimeout != 2*time.Second {
		t.Errorf("tos: %+v", tos)
	}
	if tos.AccessKeyID != "AKLTtestkey" || tos.SecretAccessKey != secretValue || tos.CredSource != "${TOS_ACCESS_KEY} and ${TOS_SECRET_KEY}" {
		t.Errorf("tos credentials from the default variables: %q from %s", tos.AccessKeyID, tos.CredSource)
	}
	if oss.SecretAccessKey != "s$cret" || oss.Signature != "v1" || !oss.PathStyle || oss.CredSource != "${OSS_ID} and ${OSS_SECRET}" {
		t.Errorf("oss: %+v", oss)
	}
	if aws.SessionToken != "tok" || !aws.SkipETagCheck || aws.AccessKeyID != "awsid" {
		t.Errorf("aws: %+v", aws)
	}
	if !anon.Anonymous || anon.AccessKeyID != "" || anon.CredSource != "anonymous" {
		t.Errorf("anon: %+v", anon)
	}
	all := cfg.AllTargets()
	if len(all) != 5 || all[4].Provider != "local" || all[4].Name != "backup" || all[4].Path != "./bk" {
		t.Errorf("backup: adds %+v", all[len(all)-1])
	}
	b, r := cfg.Breaker, cfg.Retry
	if b.Failures != 2 || b.Window != 30*time.Second || b.BucketPeriod != 5*time.Second || b.OpenTimeout != time.Minute ||
		b.HalfOpenRequests != 2 || b.Ratio != 0.5 || b.MinRequests != 4 || cfg.Probe.Interval != 10*time.Second {
		t.Errorf("breaker: %+v %+v", b, cfg.Probe)
	}
	if r.MaxAttempts != 4 || r.Budget != 7 || r.BaseDelay != 10*time.Millisecond || r.MaxDelay != time.Second ||
		r.MaxRetryAfter != 3*time.Second || r.Deadline != 2*time.Minute || cfg.AttemptTimeout != 30*time.Second {
		t.Errorf("retry: %+v, attempt timeout %s", r, cfg.AttemptTimeout)
	}
	if cfg.SkewCorrect || cfg.SkewReport != time.Minute {
		t.Errorf("skew: %v %s", cfg.SkewCorrect, cfg.SkewReport)
	}
	fo := failoverOptions(cfg)
	if fo.Breaker != b || fo.Retry != r || fo.AttemptTimeout != 30*time.Second || fo.StallTimeout != 45*time.Second || fo.SkewReport != time.Minute {
		t.Errorf("failover options: %+v", fo)
	}
}

// TestConfigLookup: --config, then ./upload.yaml, then
// $XDG_CONFIG_HOME/upload/config.yaml, then the default local target.
func TestConfigLookup(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"f": "x"})
	xdg := filepath.Join(c.dir, "xdg")
	writeTree(t, xdg, map[string]string{"upload/config.yaml": "targets:\n  - {name: from-xdg, provider: local, path: xdg-store}\n"})
	c.env["XDG_CONFIG_HOME"] = xdg
	if r := c.run("--json", "f"); r.code != 0 || parseReport(t, r.stdout).files[0].Target != "from-xdg" {
		t.Errorf("XDG: exit %d %s", r.code, r.stderr)
	}
	c.config("targets:\n  - {name: from-cwd, provider: local, path: cwd-store}\n")
	if r := c.run("--json", "f"); r.code != 0 || parseReport(t, r.stdout).files[0].Target != "from-cwd" {
		t.Errorf("./upload.yaml: exit %d %s", r.code, r.stderr)
	}
	writeTree(t, c.dir, map[string]string{"other.yaml": "targets:\n  - {name: explicit, provider: local, path: e-store}\n"})
	if r := c.run("--json", "--config", "other.yaml", "f"); r.code != 0 || parseReport(t, r.stdout).files[0].Target != "explicit" {
		t.Errorf("--config: exit %d %s", r.code, r.stderr)
	}
	// HOME/.config when XDG_CONFIG_HOME is unset.
	c2 := newCLI(t)
	c2.write(map[string]string{"f": "x"})
	writeTree(t, c2.dir, map[string]string{".config/upload/config.yaml": "targets:\n  - {name: from-home, provider: local, path: h}\n"})
	if r := c2.run("--json", "f"); r.code != 0 || parseReport(t, r.stdout).files[0].Target != "from-home" {
		t.Errorf("~/.config: exit %d %s", r.code, r.stderr)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"16MiB": 16 << 20, "8M": 8 << 20, "8m": 8 << 20, "1048576": 1 << 20, "5 MiB": 5 << 20,
		"1.5GiB": 3 << 29, "2G": 2 << 30, "10MB": 10_000_000, "1KB": 1000, "64k": 64 << 10, "1TiB": 1 << 40, "7B": 7,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "16XB", "1.2.3M", "-5M", "1e9"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestParseShard(t *testing.T) {
	if s, err := parseShard("2/5"); err != nil || s.I != 2 || s.N != 5 {
		t.Errorf("2/5: %+v %v", s, err)
	}
	for _, bad := range []string{"5/5", "1/0", "-1/3", "a/b", "3", "1/2/3"} {
		if _, err := parseShard(bad); err == nil {
			t.Errorf("parseShard(%q) accepted", bad)
		}
	}
	// The hash is FNV-1a 64 of the key: a known vector pins it.
	if (shard{I: 0xaf63dc4c8601ec8c % 7, N: 7}).includes("a") != true {
		t.Error(`FNV-1a-64("a") is 0xaf63dc4c8601ec8c; the shard disagrees`)
	}
}
