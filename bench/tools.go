package main

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// pin is a peer tool installed by the harness at an exact module version.
type pin struct {
	// Name is the tool's name and the binary's base name.
	Name string
	// Module and Version are what the binary is built from; Version is
	// checked in the binary's build information before every use.
	Module, Version string
	// Package is the main package to build.
	Package string
	// TempModule builds the tool from a throwaway module (go mod init, go
	// get, go build) instead of `go install pkg@version`, for modules whose
	// go.mod has replace directives, which `go install` refuses.
	TempModule bool
}

// pins are the peers' versions. mc has no tagged Go module versions; its pin
// is what `go list -m github.com/minio/mc@latest` resolved when the harness
// was written (2025-03-13 commit cf909e1063a9).
var pins = []pin{
	{Name: "s5cmd", Module: "github.com/peak/s5cmd/v2", Version: "v2.3.0", Package: "github.com/peak/s5cmd/v2", TempModule: true},
	{Name: "mc", Module: "github.com/minio/mc", Version: "v0.0.0-20250313080218-cf909e1063a9", Package: "github.com/minio/mc"},
	{Name: "rclone", Module: "github.com/rclone/rclone", Version: "v1.76.0", Package: "github.com/rclone/rclone"},
}

// installTimeout bounds one peer's build (rclone takes the longest: several
// minutes on 2 cores with a cold build cache).
const installTimeout = 30 * time.Minute

// binPath is where p's binary lives in the cache directory; the version is
// in the name so that a new pin never reuses an old binary.
func (p pin) binPath(cacheDir string) string {
	return filepath.Join(cacheDir, "bin", p.Name+"@"+p.Version)
}

// check returns nil if the binary at path was built from p.Module at
// p.Version (as the main module or as a dependency of a throwaway main
// module).
func (p pin) check(path string) error {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return err
	}
	if info.Main.Path == p.Module {
		if info.Main.Version != p.Version {
			return fmt.Errorf("%s is %s@%s, want %s", path, p.Module, info.Main.Version, p.Version)
		}
		return nil
	}
	for _, d := range info.Deps {
		if d.Path == p.Module {
			if d.Version != p.Version {
				return fmt.Errorf("%s is built with %s@%s, want %s", path, p.Module, d.Version, p.Version)
			}
			return nil
		}
	}
	return fmt.Errorf("%s was not built from %s", path, p.Module)
}

// ensure returns the path of p's binary in cacheDir, building it first when
// it is missing or of another version (unless install is false). logf
// reports what it does and how long the build took.
func (p pin) ensure(ctx context.Context, cacheDir string, install bool, logf func(string, ...any)) (string, error) {
	bin := p.binPath(cacheDir)
	if err := p.check(bin); err == nil {
		return bin, nil
	} else if !install {
		return "", fmt.Errorf("%s@%s not installed (%v); run without -no-install", p.Name, p.Version, err)
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, installTimeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "upload-bench-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, p.Name)
	start := time.Now()
	logf("installing %s %s (%s) ...", p.Name, p.Version, p.howTo())
	env := goEnv()
	if p.TempModule {
		steps := [][]string{
			{"go", "mod", "init", "benchtmp"},
			{"go", "get", p.Module + "@" + p.Version},
			{"go", "build", "-o", out, p.Package},
		}
		for _, s := range steps {
			if err := runGo(ctx, tmp, env, s...); err != nil {
				return "", fmt.Errorf("install %s: %w", p.Name, err)
			}
		}
	} else {
		gobin := filepath.Join(tmp, "gobin")
		if err := runGo(ctx, tmp, append(env, "GOBIN="+gobin), "go", "install", p.Package+"@"+p.Version); err != nil {
			return "", fmt.Errorf("install %s: %w", p.Name, err)
		}
		out = filepath.Join(gobin, filepath.Base(p.Package))
	}
	if err := p.check(out); err != nil {
		return "", fmt.Errorf("install %s: %w", p.Name, err)
	}
	if err := os.Rename(out, bin); err != nil {
		// Across file systems: copy instead.
		if err := copyFile(out, bin, 0o755); err != nil {
			return "", err
		}
	}
	logf("installed %s in %s", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

// howTo is the install command, for logs and BENCHMARKS.md.
func (p pin) howTo() string {
	if p.TempModule {
		return fmt.Sprintf("go mod init tmp && go get %s@%s && go build %s", p.Module, p.Version, p.Package)
	}
	return fmt.Sprintf("go install %s@%s", p.Package, p.Version)
}

// goEnv is the environment for the go commands that build the peers: no
// workspace, no inherited GOFLAGS, module mode.
func goEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK", "GOFLAGS", "GO111MODULE", "GOBIN":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GOWORK=off", "GOFLAGS=-mod=mod", "GO111MODULE=on")
}

func runGo(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, mode); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
