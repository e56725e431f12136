package config_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/config"
	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// memBackend is the fake provider's backend: objects in a map, and the
// settings it was opened with.
type memBackend struct {
	s    provider.Settings
	down bool
	mu   sync.Mutex
	objs map[string][]byte
}

func (b *memBackend) Name() string { return b.s.Name }
func (b *memBackend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	if b.down {
		return uploader.Result{}, &uploader.Error{Kind: uploader.Unavailable, Target: b.s.Name, Provider: "memfake", Op: "put", Message: "memfake: down"}
	}
	r, err := obj.Open()
	if err != nil {
		return uploader.Result{}, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.NewSectionReader(r, 0, obj.Size))
	if err != nil {
		return uploader.Result{}, err
	}
	b.mu.Lock()
	b.objs[obj.Key] = data
	b.mu.Unlock()
	return uploader.Result{Key: obj.Key, Target: b.s.Name, Provider: "memfake", Size: int64(len(data))}, nil
}
func (b *memBackend) ErrorKind(err error) uploader.Kind { return uploader.KindOf(err) }
func (b *memBackend) Close() error                      { return nil }

// spoolProvider is a local provider (the backup) of the test: it stores in
// memory too, in the directory it was given.
func spoolProvider(opened *[]*memBackend) provider.Provider {
	return provider.Provider{
		Name: "memspool", Local: true, Keys: []string{provider.KeyPath},
		Open: func(s provider.Settings) (uploader.Backend, error) {
			b := &memBackend{s: s, objs: map[string][]byte{}}
			*opened = append(*opened, b)
			return b, nil
		},
	}
}

// fakeProvider declares memfake as a backend package would; opened
// records every backend it opens.
func fakeProvider(opened *[]*memBackend) provider.Provider {
	return provider.Provider{
		Name: "memfake", Scheme: "memfake",
		Keys: []string{provider.KeyPathStyle},
		Env:  []credentials.EnvFamily{{AccessKeyID: "MEMFAKE_KEY", Secret: "MEMFAKE_SECRET"}},
		Open: func(s provider.Settings) (uploader.Backend, error) {
			if s.Bucket == "" {
				return nil, errors.New("memfake: bucket is missing")
			}
			b := &memBackend{s: s, down: s.Endpoint == "down", objs: map[string][]byte{}}
			*opened = append(*opened, b)
			return b, nil
		},
	}
}

// TestFakeProviderEndToEnd registers a provider from outside the module's
// backends, reads a configuration naming it, and uploads through it: the
// registry is all a new provider needs.
func TestFakeProviderEndToEnd(t *testing.T) {
	var opened, spools []*memBackend
	reg, err := provider.NewRegistry(fakeProvider(&opened), spoolProvider(&spools))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "upload.yaml")
	yaml := `targets:
  - name: primary
    provider: memfake
    endpoint: down
    bucket: b1
  - name: secondary
    provider: memfake
    bucket: b2
    path_style: true
backup: ./spool
retry:
  attempts: 1
`
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MEMFAKE_KEY": "AKFAKE", "MEMFAKE_SECRET": "fake-secret"}
	cfg, err := config.Load(cfgFile, config.Options{Registry: reg, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.AllTargets(); len(got) != 3 || got[2].Provider != "memspool" || got[2].Path != filepath.Join(dir, "spool") {
		t.Fatalf("targets %+v: want primary, secondary and the memspool backup in %s", got, filepath.Join(dir, "spool"))
	}
	ts, err := cfg.Build(reg, config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, tg := range ts {
			tg.Backend.Close()
		}
	}()
	if len(opened) != 2 || len(spools) != 1 || !ts[2].Backup || spools[0].s.Path != filepath.Join(dir, "spool") {
		t.Fatalf("opened %d memfake and %d memspool backends, backup marked %v; want 2, 1 and true", len(opened), len(spools), ts[2].Backup)
	}
	sec := opened[1].s
	if sec.AccessKeyID != "AKFAKE" || sec.SecretAccessKey != "fake-secret" || !sec.PathStyle || sec.Bucket != "b2" {
		t.Errorf("secondary opened with %+v: want the MEMFAKE_* keys, path_style and bucket b2", sec)
	}
	up, err := failover.New(ts, cfg.FailoverOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	res, err := up.Upload(context.Background(), uploader.BytesObject("a/b.txt", []byte("hello")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Target != "secondary" || !bytes.Equal(opened[1].objs["a/b.txt"], []byte("hello")) {
		t.Errorf("stored on %q, secondary holds %q: want the failover to secondary with the bytes", res.Target, opened[1].objs["a/b.txt"])
	}
}

// TestRegistryCheckedByParse: a key of another provider, an unknown
// provider and missing credentials name the provider's own facts.
func TestRegistryCheckedByParse(t *testing.T) {
	var opened []*memBackend
	reg, err := provider.NewRegistry(fakeProvider(&opened), spoolProvider(&opened))
	if err != nil {
		t.Fatal(err)
	}
	none := func(string) (string, bool) { return "", false }
	for _, tc := range []struct{ yaml, want string }{
		{"targets:\n  - {provider: memfak, bucket: b}\n", `unknown provider "memfak" (one of memfake, memspool) (did you mean "memfake"?)`},
		{"targets:\n  - {provider: memfake, bucket: b, path: x}\n", "path does not apply to provider memfake (it is a key of memspool targets)"},
		{"targets:\n  - {provider: memfake, bucket: b}\n", "export MEMFAKE_KEY and MEMFAKE_SECRET"},
	} {
		_, err := config.Parse("c.yaml", []byte(tc.yaml), config.Options{Registry: reg, Getenv: none})
		var ce *config.Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want a *config.Error containing %q", tc.yaml, err, tc.want)
		}
	}
}
