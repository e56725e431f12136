package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

const credSecret = "fake-cli-secret-5e1d"
const credToken = "fake-cli-token-a90f"

// TestConfigCredentials: the credentials: mapping picks one link of the
// provider's chain, and without it explicit keys, then the environment,
// then the CLI profile files are used; mistakes name the key or the link.
func TestConfigCredentials(t *testing.T) {
	home := t.TempDir()
	writeTree(t, home, map[string]string{
		".aws/credentials": "[default]\naws_access_key_id = AKIAdefault\naws_secret_access_key = " + credSecret + "\n" +
			"[prod]\naws_access_key_id = AKIAprod\naws_secret_access_key = " + credSecret + "\naws_session_token = " + credToken + "\n",
		".ossutilconfig": "[Credentials]\naccessKeyID=LTAIutil\naccessKeySecret=" + credSecret + "\n",
	})
	target := func(provider, extra string) string {
		ep := map[string]string{"s3": "http://127.0.0.1:9", "oss": "oss-cn-hangzhou.aliyuncs.com", "cos": "cos.ap-guangzhou.myqcloud.com",
			"tos": "tos-cn-beijing.volces.com", "obs": "obs.cn-north-4.myhuaweicloud.com"}[provider]
		bucket := "bkt"
		if provider == "cos" {
			bucket = "bkt-1250000000"
		}
		return fmt.Sprintf("targets:\n  - name: t\n    provider: %s\n    endpoint: %s\n    bucket: %s\n%s", provider, ep, bucket, extra)
	}
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		wantSource string // CredSource; "" with wantErr
		wantErr    string
	}{
		{name: "env link with its token", yaml: target("oss", "    credentials: {source: env}\n"),
			env:        map[string]string{"OSS_ACCESS_KEY_ID": "LTAIenv", "OSS_ACCESS_KEY_SECRET": credSecret, "OSS_SESSION_TOKEN": credToken},
			wantSource: "env (OSS_ACCESS_KEY_ID)"},
		{name: "profile link with AWS_PROFILE", yaml: target("s3", "    credentials: {source: profile}\n"),
			env: map[string]string{"AWS_PROFILE": "prod"}, wantSource: "profile ~/.aws/credentials [prod]"},
		{name: "profile link named in the file", yaml: target("s3", "    credentials: {source: profile, profile: default}\n"),
			env: map[string]string{"AWS_PROFILE": "prod"}, wantSource: "profile ~/.aws/credentials [default]"},
		{name: "default chain: env before profile", yaml: target("s3", ""),
			env:        map[string]string{"AWS_ACCESS_KEY_ID": "AKIAenv", "AWS_SECRET_ACCESS_KEY": credSecret},
			wantSource: "${AWS_ACCESS_KEY_ID} and ${AWS_SECRET_ACCESS_KEY}"},
		{name: "default chain: profile file when no env", yaml: target("oss", ""),
			wantSource: "profile ~/.ossutilconfig [default]"},
		{name: "instance link is asked at run time", yaml: target("cos", "    credentials: {source: instance, role: app, metadata_endpoint: 'http://127.0.0.1:1'}\n"),
			wantSource: "the instance role app"},
		{name: "unknown source", yaml: target("tos", "    credentials: {source: vault}\n"),
			wantErr: `targets[0] (t).credentials.source: "vault" is not one of env, profile, instance, static`},
		{name: "no source", yaml: target("tos", "    credentials: {role: x}\n"),
			wantErr: `targets[0] (t).credentials.source is missing`},
		{name: "role without instance", yaml: target("tos", "    credentials: {source: env, role: x}\n"),
			env: map[string]string{"TOS_ACCESS_KEY": "AKLTx", "TOS_SECRET_KEY": credSecret}, wantErr: "role and metadata_endpoint apply to source: instance only"},
		{name: "keys with instance", yaml: target("tos", "    access_key_id: AKLTx\n    secret_access_key: "+credSecret+"\n    credentials: {source: instance}\n"),
			wantErr: "go with credentials: {source: static} only"},
		{name: "env link unset", yaml: target("obs", "    credentials: {source: env}\n"),
			wantErr: "credentials (source env): env: no credentials: none of OBS_ACCESS_KEY_ID is set"},
		{name: "profile link without a profile", yaml: target("cos", "    credentials: {source: profile}\n"),
			wantErr: "credentials (source profile): profile: no credentials: tried ~/.cos.yaml"},
		{name: "half env pair", yaml: target("tos", "    credentials: {source: env}\n"),
			env: map[string]string{"TOS_ACCESS_KEY": "AKLTx"}, wantErr: "env (TOS_ACCESS_KEY): TOS_ACCESS_KEY is set but TOS_SECRET_KEY is not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HOME": home}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := parseConfig("c.yaml", []byte(tc.yaml), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), credSecret) {
					t.Fatal("a secret in the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tg := cfg.Targets[0]
			if tg.CredSource != tc.wantSource {
				t.Errorf("CredSource %q, want %q", tg.CredSource, tc.wantSource)
			}
			if _, err := newBackend(tg, cfg, overrides{}); err != nil {
				t.Errorf("newBackend: %v", err)
			}
		})
	}
}

// TestInstanceRoleRun: a target with credentials: {source: instance} on an
// OSS gateway gets temporary keys from a loopback fake of the ECS metadata
// service; the token expires at the batch's fourth PUT, the keys are
// refreshed once and the batch finishes on the cloud (the JSON report says
// credentials_refreshed), doctor names the link that supplied the keys,
// and no secret or token appears in any output.
func TestInstanceRoleRun(t *testing.T) {
	srv := miniotest.Shared(t)
	var mu sync.Mutex
	var issued []gateway.TemporaryCredentials
	var puts atomic.Int64
	gw, gwURL := startGateway(t, srv, gateway.OSS, func(gw *gateway.Gateway, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && puts.Add(1) == 4 {
				mu.Lock()
				gw.ExpireToken(issued[len(issued)-1].AccessKey)
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	})
	bucket := srv.NewBucket(t, "role")
	var fetches atomic.Int64
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/latest/meta-data/ram/security-credentials/app-role" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		fetches.Add(1)
		c := gw.IssueTemporary(0)
		mu.Lock()
		issued = append(issued, c)
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"Code": "Success", "AccessKeyId": c.AccessKey, "AccessKeySecret": c.SecretKey,
			"SecurityToken": c.Token, "Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	}))
	defer md.Close()
	c := newCLI(t)
	c.config(fmt.Sprintf(`targets:
  - name: oss-pod
    provider: oss
    endpoint: '%s'
    region: cn-hangzhou
    bucket: %s
    credentials: {source: instance, role: app-role, metadata_endpoint: '%s'}
`, gwURL, bucket, md.URL))
	files := map[string]string{}
	for i := range 6 {
		files[fmt.Sprintf("data/f%d.txt", i)] = strings.Repeat("x", 100+i)
	}
	c.write(files)
	r := c.run("--json", "--jobs", "1", "data")
	outputs := []string{r.stdout, r.stderr}
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := len(listBucket(t, srv, bucket)); n != 6 {
		t.Fatalf("%d objects stored; want 6", n)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("the metadata service was asked %d times; want 2 (the first keys, one refresh)", n)
	}
	if n := strings.Count(r.stdout, `"credentials_refreshed":true`); n != 1 {
		t.Errorf("%d attempts report credentials_refreshed; want 1\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stderr, "credentials refreshed ×1") {
		t.Errorf("the summary does not tell the refresh:\n%s", r.stderr)
	}
	t.Logf("upload summary:\n%s", r.stderr)
	r = c.run("doctor")
	outputs = append(outputs, r.stdout, r.stderr)
	t.Logf("doctor:\n%s", r.stdout)
	if !strings.Contains(r.stdout, "credentials from instance role app-role (http://127.0.0.1") {
		t.Errorf("doctor does not name the link:\n%s", r.stdout)
	}
	all := strings.Join(outputs, "\n")
	mu.Lock()
	defer mu.Unlock()
	for _, cr := range issued {
		if strings.Contains(all, cr.SecretKey) || strings.Contains(all, cr.Token) {
			t.Fatal("a secret or token appears in the output")
		}
	}
}

// TestDoctorNamesFailingLink: an instance role whose metadata service
// answers an error fails the keys check, naming the link.
func TestDoctorNamesFailingLink(t *testing.T) {
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"TmpSecretKey":"` + credSecret + `"}`))
	}))
	defer md.Close()
	c := newCLI(t)
	c.config(fmt.Sprintf(`targets:
  - name: cos-pod
    provider: cos
    endpoint: '%s'
    bucket: bkt-1250000000
    credentials: {source: instance, role: app-role, metadata_endpoint: '%s'}
`, deadEndpoint(t), md.URL))
	r := c.run("doctor")
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1", r.code)
	}
	want := fmt.Sprintf("FAIL keys: no credentials: instance role app-role (%s): the metadata service answered HTTP 500 — fix instance role app-role (%s) (the link of the cos chain that failed)", md.URL, md.URL)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("doctor does not say %q:\n%s", want, r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, credSecret) {
		t.Error("doctor printed the metadata reply")
	}
}
