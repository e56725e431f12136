package main

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/resilient-upload/upload/backends/local"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, body := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// stored reads key back from the local backup in ./uploads.
func stored(t *testing.T, key string) (string, bool) {
	t.Helper()
	b, err := local.New(local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	return string(body), true
}

func TestUploadDirectory(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	files := map[string]string{
		"a.txt":              "alpha",
		"sub/b.txt":          "bravo",
		"sub/deeper/c d.txt": "charlie",
		"日本/ü.txt":           "unicode",
		"empty":              "",
	}
	writeTree(t, filepath.Join(wd, "some-dir"), files)

	code, stdout, stderr := runCmd(t, "some-dir")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(files) {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(files), stdout)
	}
	var keys []string
	for _, line := range lines {
		parts := strings.Split(line, " -> ")
		if len(parts) != 3 {
			t.Fatalf("line %q is not path -> key -> URL", line)
		}
		path, key, u := parts[0], parts[1], parts[2]
		keys = append(keys, key)
		if path != filepath.Join("some-dir", filepath.FromSlash(key)) {
			t.Errorf("path %q does not match key %q", path, key)
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme != "file" {
			t.Errorf("URL %q is not a file URL", u)
			continue
		}
		got, err := os.ReadFile(pu.Path)
		if err != nil || string(got) != files[key] {
			t.Errorf("%s: the URL holds %q, %v; want %q", key, got, err, files[key])
		}
		if !strings.HasPrefix(pu.Path, filepath.Join(wd, "uploads")+string(filepath.Separator)) {
			t.Errorf("URL %s is not under ./uploads", u)
		}
	}
	sort.Strings(keys)
	want := make([]string, 0, len(files))
	for k := range files {
		want = append(want, k)
	}
	sort.Strings(want)
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("keys %q, want %q", keys, want)
	}
	for k, body := range files {
		if got, ok := stored(t, k); !ok || got != body {
			t.Errorf("backup holds %q for %q (%v), want %q", got, k, ok, body)
		}
	}
}

func TestUploadFileArgument(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	writeTree(t, wd, map[string]string{"dir/report.pdf": "pdf"})
	code, stdout, _ := runCmd(t, filepath.Join(wd, "dir", "report.pdf"))
	if code != 0 || !strings.Contains(stdout, " -> report.pdf -> file://") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if got, ok := stored(t, "report.pdf"); !ok || got != "pdf" {
		t.Errorf("stored %q, %v", got, ok)
	}
}

func TestUploadFailures(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	writeTree(t, wd, map[string]string{"ok.txt": "fine", "tree/good.txt": "good"})
	if err := syscall.Mkfifo(filepath.Join(wd, "tree", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "ok.txt", "missing.txt", "tree")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stdout, "ok.txt -> ok.txt -> file://") || !strings.Contains(stdout, "good.txt -> good.txt -> file://") {
		t.Errorf("the good files were not all stored:\n%s", stdout)
	}
	for _, want := range []string{"upload: missing.txt: no such file or directory", "upload: " + filepath.Join("tree", "pipe") + ": ", "not a regular file", "2 of 4 files failed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
}

func TestUsage(t *testing.T) {
	t.Chdir(t.TempDir())
	if code, _, stderr := runCmd(t); code != 2 || !strings.Contains(stderr, "usage: upload PATH...") {
		t.Errorf("no args: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
	if code, _, _ := runCmd(t, "-nosuchflag"); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

// TestUploadCurrentDirectory checks that `upload .` does not upload its
// own backup directory.
func TestUploadCurrentDirectory(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	writeTree(t, wd, map[string]string{"x.txt": "x"})
	for range 2 {
		code, stdout, stderr := runCmd(t, ".")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.Count(stdout, "\n") != 1 || !strings.Contains(stdout, "x.txt -> x.txt -> ") {
			t.Errorf("stdout:\n%s", stdout)
		}
		if !strings.Contains(stderr, "skipped (the local backup directory)") {
			t.Errorf("stderr: %s", stderr)
		}
	}
}

func TestCanceled(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	writeTree(t, wd, map[string]string{"a": "a", "b": "b"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"a", "b"}, &out, &errb); code != 1 || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q", code, out.String())
	}
}

// TestReadmeRunCommand runs the README's command, `go run ./cmd/upload
// DIR`, as a user would, when the go tool is at hand.
func TestReadmeRunCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "upload")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	wd := t.TempDir()
	writeTree(t, wd, map[string]string{"some-dir/f.txt": "f"})
	cmd := exec.Command(bin, "some-dir")
	cmd.Dir = wd
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if !strings.HasPrefix(string(out), filepath.Join("some-dir", "f.txt")+" -> f.txt -> file://"+filepath.ToSlash(wd)+"/uploads/objects/") {
		t.Errorf("output %q", out)
	}
}
