package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/credentials"
)

const fakeSecret = "fake-secret-7f3a"
const fakeToken = "fake-token-91bc"

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestChainOrder: explicit keys, then the environment (with its token),
// then the CLI profile file, then the instance role, per provider.
func TestChainOrder(t *testing.T) {
	type files map[string]string
	cases := []struct {
		name     string
		provider string
		static   bool
		env      map[string]string
		files    files
		profile  string
		wantID   string
		wantTok  string
		wantSrc  string
	}{
		{name: "static wins over env", provider: "tos", static: true,
			env: map[string]string{"TOS_ACCESS_KEY": "AKLTenv", "TOS_SECRET_KEY": fakeSecret}, wantID: "AKLTstatic", wantSrc: "static"},
		{name: "tos env with token", provider: "tos",
			env:    map[string]string{"TOS_ACCESS_KEY": "AKLTenv", "TOS_SECRET_KEY": fakeSecret, "TOS_SECURITY_TOKEN": fakeToken},
			files:  files{".tosutilconfig": "ak=AKLTfile\nsk=" + fakeSecret + "\n"},
			wantID: "AKLTenv", wantTok: fakeToken, wantSrc: "env (TOS_ACCESS_KEY)"},
		{name: "tos VOLC family second", provider: "tos",
			env:    map[string]string{"VOLC_ACCESSKEY": "AKLTvolc", "VOLC_SECRETKEY": fakeSecret, "VOLC_SESSIONTOKEN": fakeToken},
			wantID: "AKLTvolc", wantTok: fakeToken, wantSrc: "env (VOLC_ACCESSKEY)"},
		{name: "tos tosutil before volcengine CLI", provider: "tos",
			files: files{".tosutilconfig": "[default]\nak = AKLTtosutil\nsk = " + fakeSecret + "\n",
				".volcengine/config.json": `{"current":"default","profiles":{"default":{"access-key":"AKLTvolc","secret-key":"s"}}}`},
			wantID: "AKLTtosutil", wantSrc: "profile ~/.tosutilconfig [default]"},
		{name: "tos volcengine CLI current profile", provider: "tos",
			files:  files{".volcengine/config.json": `{"current":"prod","profiles":{"prod":{"access-key":"AKLTprod","secret-key":"s","session-token":"` + fakeToken + `"}}}`},
			wantID: "AKLTprod", wantTok: fakeToken, wantSrc: "profile ~/.volcengine/config.json [default]"},
		{name: "oss OSS_ before ALIBABA_CLOUD_", provider: "oss",
			env: map[string]string{"OSS_ACCESS_KEY_ID": "LTAIoss", "OSS_ACCESS_KEY_SECRET": fakeSecret, "OSS_SESSION_TOKEN": fakeToken,
				"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIali", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": fakeSecret},
			wantID: "LTAIoss", wantTok: fakeToken, wantSrc: "env (OSS_ACCESS_KEY_ID)"},
		{name: "oss ALIBABA_CLOUD_SECURITY_TOKEN", provider: "oss",
			env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIali", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": fakeSecret,
				"ALIBABA_CLOUD_SECURITY_TOKEN": fakeToken},
			wantID: "LTAIali", wantTok: fakeToken, wantSrc: "env (ALIBABA_CLOUD_ACCESS_KEY_ID)"},
		{name: "oss ossutil Credentials section", provider: "oss",
			files:  files{".ossutilconfig": "[Credentials]\nlanguage=EN\nendpoint=oss-cn-hangzhou.aliyuncs.com\naccessKeyID=LTAIutil\naccessKeySecret=" + fakeSecret + "\nstsToken=" + fakeToken + "\n"},
			wantID: "LTAIutil", wantTok: fakeToken, wantSrc: "profile ~/.ossutilconfig [default]"},
		{name: "oss aliyun CLI profile by name", provider: "oss", profile: "ops",
			files:  files{".aliyun/config.json": `{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAIdef","access_key_secret":"s"},{"name":"ops","mode":"StsToken","access_key_id":"LTAIops","access_key_secret":"s","sts_token":"` + fakeToken + `"}]}`},
			wantID: "LTAIops", wantTok: fakeToken, wantSrc: "profile ~/.aliyun/config.json [ops]"},
		{name: "obs env token", provider: "obs",
			env:    map[string]string{"OBS_ACCESS_KEY_ID": "OBSenv", "OBS_SECRET_ACCESS_KEY": fakeSecret, "OBS_SECURITY_TOKEN": fakeToken},
			wantID: "OBSenv", wantTok: fakeToken, wantSrc: "env (OBS_ACCESS_KEY_ID)"},
		{name: "obs obsutil file", provider: "obs",
			files:  files{".obsutilconfig": "endpoint=obs.cn-north-4.myhuaweicloud.com\nak=OBSfile\nsk=" + fakeSecret + "\ntoken=" + fakeToken + "\n"},
			wantID: "OBSfile", wantTok: fakeToken, wantSrc: "profile ~/.obsutilconfig [default]"},
		{name: "cos tencent family token", provider: "cos",
			env: map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDtc", "TENCENTCLOUD_SECRET_KEY": fakeSecret,
				"TENCENTCLOUD_SECURITY_TOKEN": fakeToken},
			wantID: "AKIDtc", wantTok: fakeToken, wantSrc: "env (TENCENTCLOUD_SECRET_ID)"},
		{name: "cos coscli yaml", provider: "cos",
			files:  files{".cos.yaml": "cos:\n  base:\n    secretid: AKIDfile\n    secretkey: " + fakeSecret + "\n    sessiontoken: \"" + fakeToken + "\"\n    protocol: https\n  buckets:\n  - name: b-125\n"},
			wantID: "AKIDfile", wantTok: fakeToken, wantSrc: "profile ~/.cos.yaml [default]"},
		{name: "s3 env session token", provider: "s3",
			env:    map[string]string{"AWS_ACCESS_KEY_ID": "AKIAenv", "AWS_SECRET_ACCESS_KEY": fakeSecret, "AWS_SESSION_TOKEN": fakeToken},
			files:  files{".aws/credentials": "[default]\naws_access_key_id = AKIAfile\naws_secret_access_key = s\n"},
			wantID: "AKIAenv", wantTok: fakeToken, wantSrc: "env (AWS_ACCESS_KEY_ID)"},
		{name: "s3 AWS_PROFILE in credentials file", provider: "s3",
			env: map[string]string{"AWS_PROFILE": "prod"},
			files: files{".aws/credentials": "[default]\naws_access_key_id = AKIAdef\naws_secret_access_key = s\n[prod]\naws_access_key_id = AKIAprod\naws_secret_access_key = " + fakeSecret + "\naws_session_token = " + fakeToken + "\n",
				".aws/config": "[profile prod]\naws_access_key_id = AKIAcfg\naws_secret_access_key = s\n"},
			wantID: "AKIAprod", wantTok: fakeToken, wantSrc: "profile ~/.aws/credentials [prod]"},
		{name: "s3 AWS_PROFILE in config file", provider: "s3",
			env: map[string]string{"AWS_PROFILE": "dev"},
			files: files{".aws/credentials": "[default]\naws_access_key_id = AKIAdef\naws_secret_access_key = s\n",
				".aws/config": "[default]\nregion = eu-west-1\n[profile dev]\naws_access_key_id = AKIAdev\naws_secret_access_key = " + fakeSecret + "\n"},
			wantID: "AKIAdev", wantSrc: "profile ~/.aws/config [dev]"},
		{name: "s3 a profile of settings only is passed over", provider: "s3",
			files: files{".aws/config": "[default]\nregion = eu-west-1\n"}, wantID: "STS.inst", wantTok: fakeToken + "1",
			wantSrc: "instance role app-role (http://"},
		{name: "instance role last", provider: "oss", wantID: "STS.inst", wantTok: fakeToken + "1", wantSrc: "instance role app-role (http://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			for p, body := range tc.files {
				write(t, filepath.Join(home, p), body)
			}
			md := newMetadata(t, tc.provider, "app-role")
			opts := credentials.Options{Home: home, Getenv: envOf(tc.env), Profile: tc.profile, Role: "app-role",
				MetadataEndpoint: md.URL}
			if tc.static {
				opts.Static = credentials.Static("AKLTstatic", fakeSecret, "")
			}
			p, err := credentials.ForProvider(tc.provider, opts)
			if err != nil {
				t.Fatal(err)
			}
			v, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantID == "STS.inst" {
				tc.wantID = md.key(1)
			}
			if v.AccessKeyID != tc.wantID || v.SessionToken != tc.wantTok || !strings.HasPrefix(v.Source, tc.wantSrc) {
				t.Errorf("got %s %q token %v; want %s %q token %v", v.AccessKeyID, v.Source, v.SessionToken != "", tc.wantID, tc.wantSrc, tc.wantTok != "")
			}
		})
	}
}

func TestChainErrors(t *testing.T) {
	home := t.TempDir()
	// Half an env pair stops the chain with the variable's name.
	p, _ := credentials.ForProvider("obs", credentials.Options{Home: home, Getenv: envOf(map[string]string{"OBS_ACCESS_KEY_ID": "x"}),
		MetadataEndpoint: "http://127.0.0.1:1"})
	_, err := p.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "OBS_SECRET_ACCESS_KEY is not") || credentials.LinkOf(err) != "env (OBS_ACCESS_KEY_ID)" {
		t.Errorf("half env pair: %v", err)
	}
	// A broken profile file stops the chain, naming the file.
	write(t, filepath.Join(home, ".aws/credentials"), "[default\naws_access_key_id = "+fakeSecret+"\n")
	p, _ = credentials.ForProvider("s3", credentials.Options{Home: home, Getenv: envOf(nil), MetadataEndpoint: "http://127.0.0.1:1"})
	_, err = p.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "profile ~/.aws/credentials [default]") || strings.Contains(err.Error(), fakeSecret) {
		t.Errorf("broken profile: %v", err)
	}
	// Nothing anywhere: ErrNotFound listing what was tried.
	p, _ = credentials.ForProvider("cos", credentials.Options{Home: t.TempDir(), Getenv: envOf(nil), Role: "r", MetadataEndpoint: "http://127.0.0.1:1"})
	_, err = p.Retrieve(context.Background())
	if !errors.Is(err, credentials.ErrNotFound) || !strings.Contains(err.Error(), "COS_SECRETID") || !strings.Contains(err.Error(), ".cos.yaml") {
		t.Errorf("nothing: %v", err)
	}
	if _, err := credentials.ForProvider("cos", credentials.Options{Source: "vault"}); err == nil {
		t.Error("unknown source accepted")
	}
}

// metadata is a fake instance metadata service for one vendor: every
// fetch returns new keys (rotation), numbered from 1.
type metadata struct {
	*httptest.Server
	provider string
	fetches  atomic.Int64
	expires  atomic.Int64 // unix seconds of the next keys
}

func (m *metadata) key(n int64) string { return fmt.Sprintf("STS.%s.%d", m.provider, n) }

func newMetadata(t *testing.T, provider, role string) *metadata {
	m := &metadata{provider: provider}
	m.expires.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	paths := map[string]string{"oss": "/latest/meta-data/ram/security-credentials/", "cos": "/latest/meta-data/cam/security-credentials/",
		"obs": "/openstack/latest/securitykey", "tos": "/volcstack/latest/iam/security_credentials/", "s3": "/latest/meta-data/iam/security-credentials/"}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if provider == "s3" && r.URL.Path == "/latest/api/token" {
			_, _ = w.Write([]byte("imds-token"))
			return
		}
		if provider == "s3" && r.Header.Get("X-Aws-Ec2-Metadata-Token") != "imds-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		base := paths[provider]
		if strings.HasSuffix(base, "/") && r.URL.Path == base {
			_, _ = w.Write([]byte(role + "\n"))
			return
		}
		if want := base; strings.HasSuffix(base, "/") && r.URL.Path != base+role || !strings.HasSuffix(base, "/") && r.URL.Path != want {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		n := m.fetches.Add(1)
		exp := time.Unix(m.expires.Load(), 0).UTC()
		id, tok := m.key(n), fakeToken+fmt.Sprint(n)
		var doc any
		switch provider {
		case "oss":
			doc = map[string]any{"Code": "Success", "AccessKeyId": id, "AccessKeySecret": fakeSecret, "SecurityToken": tok, "Expiration": exp.Format(time.RFC3339)}
		case "s3":
			doc = map[string]any{"Code": "Success", "AccessKeyId": id, "SecretAccessKey": fakeSecret, "Token": tok, "Expiration": exp.Format(time.RFC3339)}
		case "cos":
			doc = map[string]any{"Code": "Success", "TmpSecretId": id, "TmpSecretKey": fakeSecret, "Token": tok, "ExpiredTime": exp.Unix()}
		case "obs":
			doc = map[string]any{"credential": map[string]any{"access": id, "secret": fakeSecret, "securitytoken": tok, "expires_at": exp.Format("2006-01-02T15:04:05.000000Z")}}
		case "tos":
			doc = map[string]any{"AccessKeyId": id, "SecretAccessKey": fakeSecret, "SessionToken": tok, "ExpiredTime": exp.Format(time.RFC3339)}
		}
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(m.Close)
	return m
}

// TestInstanceRole: each vendor's metadata format is read, cached until
// shortly before expiry, and rotated.
func TestInstanceRole(t *testing.T) {
	for _, prov := range []string{"tos", "oss", "obs", "cos", "s3"} {
		t.Run(prov, func(t *testing.T) {
			md := newMetadata(t, prov, "app-role")
			now := time.Date(2029, 12, 31, 23, 0, 0, 0, time.UTC) // the keys expire in an hour
			md.expires.Store(now.Add(time.Hour).Unix())
			var clock atomic.Int64
			clock.Store(now.UnixNano())
			c := credentials.NewCache(credentials.Instance(prov, credentials.InstanceOptions{Role: "app-role", Endpoint: md.URL}),
				credentials.CacheOptions{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
			ctx := context.Background()
			v1, err := c.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v1.AccessKeyID != md.key(1) || v1.SecretAccessKey != fakeSecret || v1.SessionToken != fakeToken+"1" || !v1.Expires.Equal(now.Add(time.Hour)) {
				t.Fatalf("first keys: %s, expires %v", v1.AccessKeyID, v1.Expires)
			}
			if !strings.Contains(v1.Source, "instance role app-role (http://127.0.0.1") {
				t.Errorf("source %q", v1.Source)
			}
			// Cached: 40 minutes later no new fetch.
			clock.Store(now.Add(40 * time.Minute).UnixNano())
			for range 5 {
				if v, _ := c.Retrieve(ctx); v.AccessKeyID != md.key(1) {
					t.Fatalf("not cached: %s", v.AccessKeyID)
				}
			}
			if n := md.fetches.Load(); n != 1 {
				t.Fatalf("%d fetches while cached", n)
			}
			// Within the margin (5 minutes before expiry): rotated.
			md.expires.Store(now.Add(2 * time.Hour).Unix())
			clock.Store(now.Add(56 * time.Minute).UnixNano())
			v2, err := c.Retrieve(ctx)
			if err != nil || v2.AccessKeyID != md.key(2) {
				t.Fatalf("rotation: %s %v", v2.AccessKeyID, err)
			}
			for _, s := range []string{fmt.Sprint(v2), fmt.Sprintf("%#v", v2), fmt.Sprintf("%+v", v2)} {
				if strings.Contains(s, fakeSecret) || strings.Contains(s, fakeToken) {
					t.Errorf("a Value prints its secret: %s", s)
				}
			}
		})
	}
}

func TestInstanceErrorsNameTheLinkNotTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"AccessKeyId":"x","AccessKeySecret":"` + fakeSecret + `"}`))
	}))
	defer srv.Close()
	_, err := credentials.Instance("oss", credentials.InstanceOptions{Role: "r", Endpoint: srv.URL}).Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "instance role r (http://127.0.0.1") || !strings.Contains(err.Error(), "HTTP 500") ||
		strings.Contains(err.Error(), fakeSecret) {
		t.Errorf("err = %v", err)
	}
	if errors.Is(err, credentials.ErrNotFound) {
		t.Error("a failing metadata service is not 'no credentials'")
	}
}

// TestCacheOneFetchForManyCallers: callers that find the keys stale at once
// share one fetch; Refresh after a refusal fetches once per stale value.
func TestCacheOneFetchForManyCallers(t *testing.T) {
	var fetches atomic.Int64
	release, started := make(chan struct{}), make(chan struct{}, 8)
	p := credentials.ProviderFunc(func(ctx context.Context) (credentials.Value, error) {
		n := fetches.Add(1)
		started <- struct{}{}
		<-release
		return credentials.Value{AccessKeyID: fmt.Sprint("k", n), SecretAccessKey: fakeSecret, SessionToken: fakeToken}, nil
	})
	c := credentials.NewCache(p, credentials.CacheOptions{})
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Retrieve(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = v.AccessKeyID
		}()
	}
	// Let the first fetch finish only once it is under way.
	<-started
	close(release)
	wg.Wait()
	for _, g := range got {
		if g != "k1" {
			t.Fatalf("got %v", got)
		}
	}
	stale, _ := c.Peek()
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Refresh(context.Background(), stale)
			if err != nil {
				t.Error(err)
			}
			got[i] = v.AccessKeyID
		}()
	}
	wg.Wait()
	if n := fetches.Load(); n != 2 {
		t.Fatalf("%d fetches for one refusal; want 2 in all", n)
	}
	for _, g := range got {
		if g != "k2" {
			t.Fatalf("after refresh got %v", got)
		}
	}
}

func TestCacheRefreshFailureIsReturned(t *testing.T) {
	var fail atomic.Bool
	p := credentials.Named("instance role r", credentials.ProviderFunc(func(context.Context) (credentials.Value, error) {
		if fail.Load() {
			return credentials.Value{}, errors.New("the metadata service answered HTTP 500")
		}
		return credentials.Value{AccessKeyID: "k", SecretAccessKey: fakeSecret, SessionToken: fakeToken, Expires: time.Now().Add(time.Hour)}, nil
	}))
	c := credentials.NewCache(p, credentials.CacheOptions{})
	v, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	if _, err := c.Refresh(context.Background(), v); err == nil || credentials.LinkOf(err) != "instance role r" {
		t.Fatalf("refresh of a failing source: %v", err)
	}
}
