//go:build unix

package miniotest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestEnsureBinaryInstallsOnce runs the install path without the network:
// a fake `go` on PATH "installs" by linking the real pinned binary into
// $GOBIN and logs each call. Two concurrent EnsureBinary calls must install
// once (the file lock) and both get the installed binary.
func TestEnsureBinaryInstallsOnce(t *testing.T) {
	real, err := miniotest.FindBinary()
	if err != nil {
		if miniotest.Required() {
			t.Fatalf("MinIO is required: %v", err)
		}
		t.Skipf("needs the pinned MinIO to stand in for an install: %v", err)
	}
	dir := t.TempDir()
	gobin := filepath.Join(dir, "gobin")
	fakeBin := filepath.Join(dir, "fakebin")
	for _, d := range []string{gobin, fakeBin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	logFile := filepath.Join(dir, "go-calls.log")
	ln, err1 := exec.LookPath("ln")
	sleep, err2 := exec.LookPath("sleep")
	if err1 != nil || err2 != nil {
		t.Skipf("needs ln and sleep: %v %v", err1, err2)
	}
	// The sleep widens the window in which a second installer would run.
	script := "#!/bin/sh\n" +
		"echo \"$*\" >> " + logFile + "\n" +
		"if [ \"$1\" = install ]; then " + sleep + " 0.2; " + ln + " -sf " + real + " \"$GOBIN/minio\"; fi\n"
	if err := os.WriteFile(filepath.Join(fakeBin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fakeBin)
	t.Setenv("GOBIN", gobin)
	t.Setenv(miniotest.EnvBin, "")
	t.Setenv(miniotest.EnvRequire, "")
	t.Setenv(miniotest.EnvInstall, "1")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	paths := make([]string, 2)
	errs := make([]error, 2)
	for i := range paths {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			paths[i], errs[i] = miniotest.EnsureBinary(ctx)
		}(i)
	}
	wg.Wait()
	want := filepath.Join(gobin, "minio")
	for i := range paths {
		if errs[i] != nil || paths[i] != want {
			t.Fatalf("EnsureBinary #%d = %q, %v; want %q", i, paths[i], errs[i], want)
		}
	}
	log, _ := os.ReadFile(logFile)
	if n := strings.Count(string(log), "install "+miniotest.Module+"@"+miniotest.Version); n != 1 {
		t.Fatalf("go install ran %d times, want 1; calls:\n%s", n, log)
	}

	// Without permission nothing is installed.
	t.Setenv(miniotest.EnvInstall, "")
	if err := os.Remove(want); err != nil {
		t.Fatal(err)
	}
	if _, err := miniotest.EnsureBinary(ctx); err == nil {
		t.Fatal("EnsureBinary installed without permission")
	}
}
