package miniotest

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

// Module and Version pin the MinIO server the tests run against.
const (
	Module  = "github.com/minio/minio"
	Version = "v0.0.0-20260212201848-7aac2a2c5b7c"
)

// InstallCommand is the command that installs the pinned MinIO into
// $(go env GOPATH)/bin (or $GOBIN).
const InstallCommand = "go install " + Module + "@" + Version

// The environment variables the package reads.
const (
	// EnvBin names the MinIO binary to use; when set, nothing else is
	// searched and nothing is installed.
	EnvBin = "UPLOAD_MINIO_BIN"
	// EnvRequire, set to 1, makes a missing or unusable MinIO a test
	// failure instead of a skip, and allows installing it.
	EnvRequire = "UPLOAD_REQUIRE_MINIO"
	// EnvInstall, set to 1, allows installing a missing MinIO.
	EnvInstall = "UPLOAD_MINIO_INSTALL"
)

// ErrNoBinary is wrapped by every error of [FindBinary] that installing the
// pinned MinIO would cure: no binary found, or only binaries of another
// version.
var ErrNoBinary = errors.New("miniotest: no MinIO binary at the pinned version")

// Required reports whether UPLOAD_REQUIRE_MINIO=1: tests that need MinIO
// must fail, not skip, when it is unusable.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// InstallAllowed reports whether [EnsureBinary] may run [InstallCommand]:
// UPLOAD_REQUIRE_MINIO=1 or UPLOAD_MINIO_INSTALL=1.
func InstallAllowed() bool { return Required() || os.Getenv(EnvInstall) == "1" }

// FindBinary returns the path of the pinned MinIO binary. It looks at
// UPLOAD_MINIO_BIN (only there, when set), then minio on PATH, then
// $GOBIN/minio and $(go env GOPATH)/bin/minio, and accepts the first one
// whose build information names [Module] at [Version]. An error wraps
// [ErrNoBinary] when no candidate exists or none has the pinned version; its
// message names what was found and the install command.
func FindBinary() (string, error) {
	if p := os.Getenv(EnvBin); p != "" {
		if err := CheckBinary(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvBin, p, err)
		}
		return p, nil
	}
	var problems []string
	seen := map[string]bool{}
	for _, p := range candidates() {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if _, err := os.Stat(p); err != nil {
			continue
		}
		err := CheckBinary(p)
		if err == nil {
			return p, nil
		}
		problems = append(problems, err.Error())
	}
	if len(problems) == 0 {
		return "", fmt.Errorf("%w: minio not found on PATH nor in %s; install it with `make test` or `%s`",
			ErrNoBinary, goBinDir(), InstallCommand)
	}
	return "", fmt.Errorf("%w: %s; install the pinned one with `%s`",
		ErrNoBinary, strings.Join(problems, "; "), InstallCommand)
}

// CheckBinary reports whether the executable at path is MinIO built from
// [Module] at [Version]. The error wraps [ErrNoBinary] on a version or module
// mismatch.
func CheckBinary(path string) error {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %s has no Go build information (%v)", ErrNoBinary, path, err)
	}
	if info.Main.Path != Module || info.Main.Version != Version {
		return fmt.Errorf("%w: %s is %s@%s, want %s@%s",
			ErrNoBinary, path, info.Main.Path, info.Main.Version, Module, Version)
	}
	return nil
}

func candidates() []string {
	var out []string
	if p, err := exec.LookPath("minio"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		out = append(out, p)
	}
	if d := goEnv("GOBIN"); d != "" {
		out = append(out, filepath.Join(d, "minio"))
	}
	out = append(out, filepath.Join(goBinDir(), "minio"))
	return out
}

// goBinDir is where `go install` puts binaries.
func goBinDir() string {
	if d := goEnv("GOBIN"); d != "" {
		return d
	}
	gopath := goEnv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	// GOPATH may be a list; go install uses the first entry.
	return filepath.Join(filepath.SplitList(gopath)[0], "bin")
}

// goEnv asks the go command (it knows `go env -w` settings), falling back to
// the process environment.
func goEnv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// EnsureBinary returns the pinned MinIO binary, installing it with
// [InstallCommand] when it is missing and [InstallAllowed]. Installing takes
// minutes (about 4 on 2 cores); parallel callers, in this process or in other
// test binaries, serialise on a file lock and only the first one installs.
// Without permission to install it returns the [FindBinary] error.
func EnsureBinary(ctx context.Context) (string, error) {
	p, err := FindBinary()
	if err == nil || !errors.Is(err, ErrNoBinary) || !InstallAllowed() || os.Getenv(EnvBin) != "" {
		return p, err
	}
	dir := goBinDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("miniotest: install: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".minio-install.lock"))
	if err != nil {
		return "", fmt.Errorf("miniotest: install lock: %w", err)
	}
	defer unlock()
	// Someone else may have installed it while we waited for the lock.
	target := filepath.Join(dir, "minio")
	if CheckBinary(target) == nil {
		return target, nil
	}
	cmd := exec.CommandContext(ctx, "go", "install", Module+"@"+Version)
	cmd.Dir = os.TempDir() // outside any module: go install pkg@version ignores go.mod anyway
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("miniotest: %s: %v\n%s", InstallCommand, err, tail(string(out), 4000))
	}
	if err := CheckBinary(target); err != nil {
		return "", fmt.Errorf("miniotest: after %s: %w", InstallCommand, err)
	}
	return target, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
