package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	uconfig "github.com/resilient-upload/upload/config"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestDestinationsOnCommandLine uploads through --to URLs to a real MinIO
// in a child process: cp semantics for one file, a directory under a
// path, failover from a refused bucket to the next destination, and the
// endpoint from the environment.
func TestDestinationsOnCommandLine(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "dest")
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"report.csv": "id\n1\n", "site/index.html": "<p>", "site/css/a.css": "p{}"})
	env := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey, "HOME": dir}
	ep := url.QueryEscape(srv.URL)

	// One file to a path not ending in "/": exactly that key.
	r := execCLI(t, dir, env, "", "--json", "report.csv", "--to", "s3://"+bucket+"/daily/r.csv?path_style&endpoint="+ep)
	if got := listBucket(t, srv, bucket); r.code != exitOK || got["daily/r.csv"] != 5 {
		t.Fatalf("report.csv --to s3://%s/daily/r.csv: exit %d, bucket holds %v; want daily/r.csv\n%s", bucket, r.code, got, r.stderr)
	}
	// The same file to a path ending in "/": a directory.
	r = execCLI(t, dir, env, "", "report.csv", "--to", "s3://"+bucket+"/daily/?endpoint="+ep)
	if got := listBucket(t, srv, bucket); r.code != exitOK || got["daily/report.csv"] != 5 {
		t.Fatalf("--to .../daily/: exit %d, bucket holds %v; want daily/report.csv\n%s", r.code, got, r.stderr)
	}
	// A directory with --prefix, the endpoint from AWS_ENDPOINT_URL, and a
	// first destination that refuses (a closed port): failover order.
	env["AWS_ENDPOINT_URL"] = srv.URL
	r = execCLI(t, dir, env, "", "--json", "--prefix", "v1", "site",
		"--to", "s3://"+bucket+"/web?endpoint=http%3A%2F%2F127.0.0.1%3A1&name=dead",
		"--to", "s3://"+bucket+"/web")
	rep := parseReport(t, r.stdout)
	got := listBucket(t, srv, bucket)
	if r.code != exitOK || got["web/v1/index.html"] != 3 || got["web/v1/css/a.css"] != 3 {
		t.Fatalf("site --to dead --to live: exit %d, bucket holds %v\n%s", r.code, got, r.stderr)
	}
	if f := rep.byKey["web/v1/index.html"]; f.Target != "s3" {
		t.Errorf("index.html stored on %q, want s3 (the second destination)", f.Target)
	}
}

// TestDestinationForms: a local directory, a configured target by name,
// and the mistakes, each a usage of its own with exit 2 and a message
// naming the destination.
func TestDestinationForms(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"a.txt": "a", "d/b.txt": "bb"})
	r := c.run("--json", "a.txt", "d", "--to", "./out")
	if r.code != exitOK {
		t.Fatalf("--to ./out: exit %d\n%s", r.code, r.stderr)
	}
	for _, k := range []string{"a.txt", "b.txt"} {
		if _, ok := readLocal(t, filepath.Join(c.dir, "out"), k); !ok {
			t.Errorf("--to ./out: %s not in ./out", k)
		}
	}
	if _, err := os.Stat(filepath.Join(c.dir, "uploads")); err == nil {
		t.Errorf("--to ./out also wrote ./uploads")
	}

	c.config("targets:\n  - {name: cloud, provider: s3, endpoint: 'http://127.0.0.1:1', bucket: b, anonymous: true}\n  - {name: other, provider: local, path: ./two}\n")
	r = c.run("--json", "a.txt", "--to", "other")
	if _, ok := readLocal(t, filepath.Join(c.dir, "two"), "a.txt"); r.code != exitOK || !ok {
		t.Errorf("--to other (a configured target): exit %d, in ./two: %v\n%s", r.code, ok, r.stderr)
	}

	c.env["AWS_ACCESS_KEY_ID"], c.env["AWS_SECRET_ACCESS_KEY"] = "AKFAKE", "fake-secret"
	// A region alone gives the provider's public endpoint (a dry run
	// sends nothing).
	c.env["TOS_ACCESS_KEY"], c.env["TOS_SECRET_KEY"] = "AKLTfake", "fake-secret"
	for _, d := range []string{"s3://bkt/daily/r.txt?region=eu-west-1", "tos://bkt/daily/r.txt?region=cn-beijing"} {
		r := c.run("--json", "--dry-run", "a.txt", "--to", d)
		if f := parseReport(t, r.stdout).byKey["daily/r.txt"]; r.code != exitOK || f.Status != statusWouldUpload {
			t.Errorf("--dry-run --to %s: exit %d, %+v\n%s", d, r.code, f, r.stderr)
		}
	}
	r = c.run("--dry-run", "a.txt", "--to", "tos://bkt/x")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no endpoint is set") {
		t.Errorf("--to tos://bkt/x without region or endpoint: exit %d, %s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		dests []string
		want  string
	}{
		{[]string{"s4://b"}, `unknown scheme s4:// (one of tos, oss, obs, cos, s3, or a local directory) (did you mean "s3"?)`},
		{[]string{"s3://AK:SK@b"}, "keys do not go in the URL"},
		{[]string{"s3://b?secret_access_key=x"}, "secret_access_key does not go in the URL"},
		{[]string{"s3://b/x/?endpoint=http://127.0.0.1:1", "s3://c/y/?endpoint=http://127.0.0.1:1"}, "give every destination the same path"},
		{[]string{"nosuch"}, `has no target named "nosuch"`},
		{[]string{"s3://b?colour=red&endpoint=http://127.0.0.1:1"}, "unknown key colour"},
		{[]string{"s3://b?signature=v2&endpoint=http://127.0.0.1:1"}, "signature does not apply to provider s3"},
		{[]string{"./a.txt"}, "is a file; a local destination is a directory"},
	} {
		args := []string{"a.txt"}
		for _, d := range tc.dests {
			args = append(args, "--to", d)
		}
		r := c.run(args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "--to ") {
			t.Errorf("--to %v: exit %d, stderr %q; want 2 and %q", tc.dests, r.code, r.stderr, tc.want)
		}
		if strings.Contains(r.stderr, "fake-secret") {
			t.Errorf("--to %v: the secret is in the message", tc.dests)
		}
	}
}

// TestKeyPlan is the cp rule: one regular file and a path not ending in
// "/" (no --prefix) is the exact key; anything else is a directory.
func TestKeyPlan(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeTree(t, dir, map[string]string{"f.txt": "x", "d/g.txt": "y"})
	for _, tc := range []struct {
		dest, prefix string
		args         []string
		wantPrefix   string
		wantExact    string
	}{
		{"a/b.txt", "", []string{"f.txt"}, "", "a/b.txt"},
		{"a/", "", []string{"f.txt"}, "a/", ""},
		{"a", "", []string{"d"}, "a", ""},
		{"a", "", []string{"f.txt", "d"}, "a", ""},
		{"a", "p", []string{"f.txt"}, "a/p", ""},
		{"a", "", []string{"-"}, "a", ""},
		{"", "p", []string{"f.txt"}, "p", ""},
	} {
		p, e := keyPlan(tc.dest, tc.prefix, tc.args)
		if p != tc.wantPrefix || e != tc.wantExact {
			t.Errorf("keyPlan(%q, %q, %v) = %q, %q; want %q, %q", tc.dest, tc.prefix, tc.args, p, e, tc.wantPrefix, tc.wantExact)
		}
	}
}

// TestDestinationFromProfile: a URL destination that names no region or
// endpoint, with none in the environment, takes them from the profile of
// the provider's CLI (ossutil's, tosutil's, obsutil's, the AWS config
// file), the query's profile= first; the query and the environment still
// come first.
func TestDestinationFromProfile(t *testing.T) {
	home := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".ossutilconfig", "[Credentials]\nendpoint = oss-cn-shanghai.aliyuncs.com\nregion = cn-shanghai\naccessKeyID = LTAIfakefakefake\naccessKeySecret = fake-secret-0123456789\n")
	write(".tosutilconfig", "[work]\nendpoint = tos-cn-guangzhou.volces.com\nregion = cn-guangzhou\nak = AKLTfakefakefakefakefake\nsk = fake-secret\n")
	write(".aws/config", "[default]\nregion = eu-west-1\n[profile minio]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9000\n")
	write(".aws/credentials", "[default]\naws_access_key_id = AKfake\naws_secret_access_key = fake-secret\n[minio]\naws_access_key_id = AKfake2\naws_secret_access_key = fake-secret\n")
	write(".obsutilconfig", "endpoint = https://obs.cn-north-4.myhuaweicloud.com\nak = AKfake\nsk = fake-secret\n")
	env := map[string]string{"HOME": home}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tc := range []struct {
		dest, endpoint, region string
	}{
		{"oss://bkt/x/", "oss-cn-shanghai.aliyuncs.com", "cn-shanghai"},
		{"tos://bkt/x/?profile=work", "tos-cn-guangzhou.volces.com", "cn-guangzhou"},
		{"s3://bkt/x/", "https://s3.eu-west-1.amazonaws.com", "eu-west-1"},
		{"s3://bkt/x/?profile=minio", "http://127.0.0.1:9000", "us-east-1"},
		{"obs://bkt/x/", "https://obs.cn-north-4.myhuaweicloud.com", ""},
		{"oss://bkt/x/?region=cn-beijing", "oss-cn-shanghai.aliyuncs.com", "cn-beijing"},
	} {
		cfg, _, err := uconfig.Destinations([]string{tc.dest}, nil, uconfig.Options{Registry: newRegistry(), Getenv: getenv})
		if err != nil {
			t.Errorf("%s: %v", tc.dest, err)
			continue
		}
		if tg := cfg.Targets[0]; tg.Endpoint != tc.endpoint || tg.Region != tc.region {
			t.Errorf("%s: endpoint %q, region %q; want %q, %q", tc.dest, tg.Endpoint, tg.Region, tc.endpoint, tc.region)
		}
	}
	env["OSS_ENDPOINT"] = "oss-cn-hangzhou.aliyuncs.com"
	cfg, _, err := uconfig.Destinations([]string{"oss://bkt/x/"}, nil, uconfig.Options{Registry: newRegistry(), Getenv: getenv})
	if err != nil || cfg.Targets[0].Endpoint != "oss-cn-hangzhou.aliyuncs.com" || cfg.Targets[0].Region != "cn-shanghai" {
		t.Errorf("the environment before the profile: %+v, %v", cfg, err)
	}
}
